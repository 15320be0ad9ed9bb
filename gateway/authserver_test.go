package gateway_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/eventstream"
	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/gateway"
	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/auth/authtest"
	"github.com/opendray/opendray/internal/event"
)

const (
	testUser     = "admin"
	testPassword = "bootstrap password"
	// testCost keeps bcrypt fast; with -race a cost-12 hash takes seconds.
	testCost = 4
)

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// lockedBuffer is a log destination that tests read while handlers write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventLog records the events published on a bus.
type eventLog struct {
	mu     sync.Mutex
	events []event.Event
}

func (l *eventLog) record(e event.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) named(name string) []event.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var matched []event.Event
	for _, e := range l.events {
		if e.Name() == name {
			matched = append(matched, e)
		}
	}
	return matched
}

// authServer is a fiber app on 127.0.0.1 with the auth routes mounted the
// way the gateway mounts them, plus a WebSocket route at /api/v1/test/stream
// that closes with 4401 when its token ends.
type authServer struct {
	t      *testing.T
	base   string
	home   string
	svc    *auth.Service
	clock  *authtest.FakeClock
	events *eventLog
	logs   *lockedBuffer
	client *http.Client
}

func startAuthServer(t *testing.T, configure func(*auth.Config)) *authServer {
	t.Helper()
	return startAuthServerWith(t, authServerOptions{configure: configure})
}

// authServerOptions adjusts startAuthServerWith. Every field may be nil.
type authServerOptions struct {
	// configure changes the auth configuration before the service starts.
	configure func(*auth.Config)
	// mount adds routes to the /api/v1 group.
	mount func(api fiber.Router, handlers *gateway.AuthHandlers, logger *slog.Logger)
	// bus replaces the server's own event bus.
	bus *event.Bus
	// compareHash replaces bcrypt's comparison in the credentials.
	compareHash func(hash, password []byte) error
}

func startAuthServerWith(t *testing.T, opts authServerOptions) *authServer {
	t.Helper()
	checkLeaks(t)

	cfg := auth.Defaults()
	cfg.HomeDir = t.TempDir()
	cfg.KeyFile = ""
	cfg.Password = testPassword
	if opts.configure != nil {
		opts.configure(&cfg)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := authtest.NewFakeClock(testStart)
	svc, err := auth.New(cfg, auth.Options{Logger: logger, Clock: clock, BcryptCost: testCost, CompareHash: opts.compareHash})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}

	bus := opts.bus
	if bus == nil {
		bus = event.NewBus(eventstream.NewEventStream())
	}
	events := &eventLog{}
	bus.Subscribe(events.record)

	handlers := gateway.NewAuthHandlers(svc, bus, logger)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(gateway.ClientAddrMiddleware(svc.Proxies))
	api := app.Group("/api/v1")
	api.Post("/auth/login", handlers.Login)
	api.Post("/auth/mobile-login", handlers.MobileLogin)
	api.Post("/auth/logout", handlers.RequireToken, handlers.Logout)
	api.Get("/auth/me", handlers.RequireToken, handlers.Me)
	api.Post("/auth/change-credentials", handlers.RequireToken, handlers.ChangeCredentials)
	api.Get("/test/stream", handlers.CheckOrigin, handlers.RequireToken, websocket.New(closeWhenTokenEnds))
	if opts.mount != nil {
		opts.mount(api, handlers, logger)
	}

	server := serveOnLoopback(t, app)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	return &authServer{
		t:      t,
		base:   server,
		home:   cfg.HomeDir,
		svc:    svc,
		clock:  clock,
		events: events,
		logs:   logs,
		client: &http.Client{Transport: transport, Timeout: 10 * time.Second},
	}
}

// checkLeaks fails t if goroutines started during the test outlive it.
// Two goroutines are not leaks of the test and are ignored. fasthttp starts
// one per process that refreshes the Date header forever. protoactor's
// dead-letter throttle of an earlier test's actor system can wake up
// during this one.
func checkLeaks(t *testing.T) {
	ignoreBefore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		goleak.VerifyNone(t, ignoreBefore,
			goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
			goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
	})
}

// serveOnLoopback serves app on a free port of 127.0.0.1 until the test
// ends and returns its base URL.
func serveOnLoopback(t *testing.T, app *fiber.App) string {
	t.Helper()
	// fasthttp's worker-pool cleaner sleeps this long between checks of its
	// stop channel (10s by default), so it outlives Shutdown by up to that
	// much and the leak check would see it.
	app.Server().MaxIdleWorkerDuration = 50 * time.Millisecond
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(listener) }()
	t.Cleanup(func() {
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("shutting down the test server: %v", err)
		}
		select {
		case <-served:
		case <-time.After(5 * time.Second):
			t.Error("the test server did not stop within 5s")
		}
	})
	return "http://" + listener.Addr().String()
}

// closeWhenTokenEnds is the test WebSocket handler. It sends one text frame
// naming the user, then waits until the client leaves or the token ends,
// and in the second case closes with 4401.
func closeWhenTokenEnds(conn *websocket.Conn) {
	id := conn.Locals(gateway.LocalIdentity).(*auth.Identity)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","user":"`+id.User+`"}`)); err != nil {
		conn.Close()
		<-readDone
		return
	}

	select {
	case <-id.Done():
		message := websocket.FormatCloseMessage(auth.CloseCodeTokenEnded, auth.CloseReasonTokenEnded)
		conn.WriteControl(websocket.CloseMessage, message, time.Now().Add(time.Second))
		select {
		case <-readDone:
		case <-time.After(2 * time.Second):
		}
	case <-readDone:
	}
	conn.Close()
	<-readDone
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r response) errorText() string {
	text, _ := r.body["error"].(string)
	return text
}

// request sends a request with an optional JSON body and bearer token and
// decodes the JSON response. A string or []byte body is sent unchanged.
func (s *authServer) request(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}

	req, err := http.NewRequest(method, s.base+path, reader)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}

	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}

	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			s.t.Fatalf("%s %s answered %d with a body that is not a JSON object: %q", method, path, resp.StatusCode, raw)
		}
	}
	return r
}

// login logs in with the given credentials and returns the token. It fails
// the test unless the status is 200.
func (s *authServer) login(path, user, password string) string {
	s.t.Helper()
	r := s.request("POST", path, "", map[string]string{"user": user, "password": password})
	if r.status != http.StatusOK {
		s.t.Fatalf("POST %s = %d %s; want 200", path, r.status, r.raw)
	}
	token, _ := r.body["token"].(string)
	return token
}

// dialStream opens the test WebSocket with ?token= and reads its greeting.
func (s *authServer) dialStream(token string, headers http.Header) *fastws.Conn {
	s.t.Helper()
	conn, resp, err := s.tryDialStream("?token="+token, headers)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		s.t.Fatalf("dialing the test stream: %v (status %d)", err, status)
	}
	s.t.Cleanup(func() { conn.Close() })
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := conn.ReadMessage(); err != nil {
		s.t.Fatalf("reading the greeting: %v", err)
	}
	return conn
}

func (s *authServer) tryDialStream(query string, headers http.Header) (*fastws.Conn, *http.Response, error) {
	dialer := fastws.Dialer{HandshakeTimeout: 5 * time.Second}
	url := "ws" + strings.TrimPrefix(s.base, "http") + "/api/v1/test/stream" + query
	conn, resp, err := dialer.Dial(url, headers)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return conn, resp, err
}

// expectClose4401 reads from conn until it closes and checks for code 4401.
func expectClose4401(t *testing.T, conn *fastws.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var closeErr *fastws.CloseError
		if !errors.As(err, &closeErr) {
			t.Fatalf("stream ended with %v; want close code 4401", err)
		}
		if closeErr.Code != auth.CloseCodeTokenEnded || closeErr.Text != auth.CloseReasonTokenEnded {
			t.Errorf("close %d %q; want 4401 %q", closeErr.Code, closeErr.Text, auth.CloseReasonTokenEnded)
		}
		return
	}
}
