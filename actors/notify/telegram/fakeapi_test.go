package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/actors/notify"
	"github.com/opendray/opendray/internal/event"
)

// TestMain fails the package when a goroutine outlives the tests, once
// every test's servers and hubs are stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLimit guards every blocking step of a test so a hang fails fast.
const waitLimit = 5 * time.Second

const (
	testToken  = "123456:TEST-token_abcdefghijklmnop"
	testChatID = int64(4242)
)

// sentRequest is a sendMessage request as the fake received it.
type sentRequest struct {
	ChatID          int64  `json:"chat_id"`
	Text            string `json:"text"`
	ParseMode       string `json:"parse_mode"`
	ReplyParameters *struct {
		MessageID int64 `json:"message_id"`
	} `json:"reply_parameters"`

	at        time.Time
	messageID int64
}

// reaction is how the fake responds to one sendMessage request.
type reaction int

const (
	respondOK reaction = iota
	respondRateLimited
	respondServerError
	respondParseError
	respondDropConnection
	respondHang
)

// fakeAPI is a Bot API server on 127.0.0.1 that accepts one token, records
// sendMessage requests and serves updates pushed by the test. The test
// steers sendMessage through react, which gets the 1-based call number.
type fakeAPI struct {
	t      *testing.T
	server *httptest.Server
	token  string

	mu         sync.Mutex
	react      func(call int) reaction
	sendCalls  int
	accepted   []sentRequest
	offsets    []int64
	nextID     int64
	getMeCalls int

	sent    chan sentRequest
	updates chan []update
	// release ends hanging requests when the test finishes.
	release chan struct{}
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{
		t:       t,
		token:   testToken,
		nextID:  100,
		sent:    make(chan sentRequest, 100),
		updates: make(chan []update, 10),
		release: make(chan struct{}),
	}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.release)
		f.server.Close()
	})
	return f
}

func (f *fakeAPI) setReact(react func(call int) reaction) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.react = react
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !ok || token != f.token {
		if !strings.Contains(token, ":") {
			writeJSON(w, http.StatusNotFound, `{"ok":false,"error_code":404,"description":"Not Found"}`)
			return
		}
		writeJSON(w, http.StatusUnauthorized, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}

	switch method {
	case "getMe":
		f.mu.Lock()
		f.getMeCalls++
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, `{"ok":true,"result":{"id":1,"is_bot":true,"username":"opendray_test_bot"}}`)
	case "sendMessage":
		f.sendMessage(w, r, body)
	case "getUpdates":
		f.getUpdates(w, r, body)
	default:
		writeJSON(w, http.StatusNotFound, `{"ok":false,"error_code":404,"description":"Not Found: method not found"}`)
	}
}

func (f *fakeAPI) sendMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	var req sentRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: invalid JSON"}`)
		return
	}
	req.at = time.Now()

	f.mu.Lock()
	f.sendCalls++
	outcome := respondOK
	if f.react != nil {
		outcome = f.react(f.sendCalls)
	}
	f.mu.Unlock()

	switch outcome {
	case respondRateLimited:
		writeJSON(w, http.StatusTooManyRequests,
			`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
		return
	case respondServerError:
		writeJSON(w, http.StatusInternalServerError, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
		return
	case respondParseError:
		if req.ParseMode != "" {
			writeJSON(w, http.StatusBadRequest,
				`{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3"}`)
			return
		}
	case respondDropConnection:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case respondHang:
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}

	f.mu.Lock()
	f.nextID++
	req.messageID = f.nextID
	f.accepted = append(f.accepted, req)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"ok":true,"result":{"message_id":%d,"chat":{"id":%d},"date":%d}}`,
		req.messageID, req.ChatID, time.Now().Unix()))
	f.sent <- req
}

func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request, body []byte) {
	var params struct {
		Offset  int64 `json:"offset"`
		Timeout int   `json:"timeout"`
	}
	if err := json.Unmarshal(body, &params); err != nil {
		writeJSON(w, http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: invalid JSON"}`)
		return
	}
	f.mu.Lock()
	f.offsets = append(f.offsets, params.Offset)
	f.mu.Unlock()

	timer := time.NewTimer(time.Duration(params.Timeout) * time.Second)
	defer timer.Stop()
	select {
	case batch := <-f.updates:
		data, _ := json.Marshal(batch)
		writeJSON(w, http.StatusOK, `{"ok":true,"result":`+string(data)+`}`)
	case <-timer.C:
		writeJSON(w, http.StatusOK, `{"ok":true,"result":[]}`)
	case <-r.Context().Done():
	case <-f.release:
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// next waits for the next accepted sendMessage request.
func (f *fakeAPI) next(t *testing.T) sentRequest {
	t.Helper()
	select {
	case req := <-f.sent:
		return req
	case <-time.After(waitLimit):
		t.Fatalf("no message accepted within %s", waitLimit)
		return sentRequest{}
	}
}

func (f *fakeAPI) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sendCalls
}

func (f *fakeAPI) acceptedRequests() []sentRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentRequest(nil), f.accepted...)
}

func (f *fakeAPI) requestedOffsets() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.offsets...)
}

// push queues updates for the next getUpdates request.
func (f *fakeAPI) push(updates ...update) {
	f.updates <- updates
}

func (f *fakeAPI) config() Config {
	cfg := Defaults()
	cfg.BotToken = Token(f.token)
	cfg.ChatID = testChatID
	cfg.APIBase = f.server.URL
	cfg.PublicURL = "https://agents.example.test/"
	cfg.PollTimeout = time.Second
	return cfg
}

// textUpdate returns an update with a text message sent now.
func textUpdate(id, chatID int64, text string, replyTo int64) update {
	m := &message{
		MessageID: id + 1000,
		From:      &user{ID: 77, Username: "ops"},
		Chat:      chat{ID: chatID},
		Date:      time.Now().Unix(),
		Text:      text,
	}
	if replyTo != 0 {
		m.ReplyToMessage = &message{MessageID: replyTo, Chat: chat{ID: chatID}}
	}
	return update{UpdateID: id, Message: m}
}

// fakeSessions serves fixed sessions and screens and records input.
type fakeSessions struct {
	mu       sync.Mutex
	sessions []notify.SessionSummary
	screens  map[string][]string
	inputs   chan inputCall
}

type inputCall struct {
	id   string
	data string
}

func newFakeSessions(sessions ...notify.SessionSummary) *fakeSessions {
	return &fakeSessions{sessions: sessions, screens: make(map[string][]string), inputs: make(chan inputCall, 10)}
}

func (f *fakeSessions) List(context.Context) ([]notify.SessionSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notify.SessionSummary(nil), f.sessions...), nil
}

func (f *fakeSessions) Snapshot(_ context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, ok := f.screens[id]
	if !ok {
		return nil, fmt.Errorf("session %s not found", id)
	}
	return lines, nil
}

func (f *fakeSessions) Input(_ context.Context, id string, data []byte) error {
	f.inputs <- inputCall{id: id, data: string(data)}
	return nil
}

func (f *fakeSessions) setScreen(id string, lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.screens[id] = lines
}

// logBuffer collects log output as text so tests can search it, including
// for the token.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lines returns the log lines that contain text.
func (b *logBuffer) lines(text string) []string {
	var found []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, text) {
			found = append(found, line)
		}
	}
	return found
}

// waitFor waits until a log line contains text and returns it.
func (b *logBuffer) waitFor(t *testing.T, text string) string {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if found := b.lines(text); len(found) > 0 {
			return found[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line containing %q within %s; log:\n%s", text, waitLimit, b.String())
	return ""
}

// hubFixture runs a hub with Telegram channels in a fresh actor system.
type hubFixture struct {
	t      *testing.T
	system *actor.ActorSystem
	bus    *event.Bus
	pid    *actor.PID
	logs   *logBuffer
	events chan event.Event
	once   sync.Once
}

// hubConfig returns a hub configuration with short waits for tests.
func hubConfig() notify.Config {
	cfg := notify.Defaults()
	cfg.ShutdownTimeout = 3 * time.Second
	cfg.CoalesceWindow = 0
	cfg.RetryBase = 20 * time.Millisecond
	cfg.RetryMax = 100 * time.Millisecond
	cfg.CallTimeout = time.Second
	return cfg
}

// startHub spawns a hub over channels built from configs. When the test
// ends it stops the hub and checks that the token never reached the log.
func startHub(t *testing.T, cfg notify.Config, sessions notify.Sessions, configs ...Config) *hubFixture {
	t.Helper()

	logs := &logBuffer{}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	bus := event.NewBus(system.EventStream)
	h := &hubFixture{t: t, system: system, bus: bus, logs: logs, events: make(chan event.Event, 10)}
	sub := bus.Subscribe(func(e event.Event) {
		if _, ok := e.(*event.RemoteInput); ok {
			h.events <- e
		}
	})

	var channels []notify.Channel
	for _, c := range configs {
		ch, err := New(c, logs.logger())
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		channels = append(channels, ch)
	}
	props, err := notify.NewProps(cfg, notify.Deps{Bus: bus, Sessions: sessions, Channels: channels, Logger: logs.logger()})
	if err != nil {
		t.Fatalf("NewProps: %v", err)
	}
	h.pid = system.Root.Spawn(props)
	t.Cleanup(func() {
		h.stop()
		bus.Unsubscribe(sub)
		system.Shutdown()
		for _, c := range configs {
			if strings.Contains(logs.String(), c.BotToken.reveal()) {
				t.Errorf("the bot token appears in the log:\n%s", logs.String())
			}
		}
	})

	// Started subscribes the hub to the bus; a request round trip shows it
	// has run.
	if _, err := system.Root.RequestFuture(h.pid, &notify.GetStats{}, waitLimit).Result(); err != nil {
		t.Fatalf("GetStats: %v", err)
	}
	return h
}

// stop poisons the hub and waits until it has stopped; later calls do
// nothing.
func (h *hubFixture) stop() {
	h.once.Do(func() {
		if err := h.system.Root.PoisonFuture(h.pid).Wait(); err != nil {
			h.t.Errorf("stopping the hub: %v", err)
		}
	})
}

func (h *hubFixture) stats() *notify.Stats {
	h.t.Helper()
	res, err := h.system.Root.RequestFuture(h.pid, &notify.GetStats{}, waitLimit).Result()
	if err != nil {
		h.t.Fatalf("GetStats: %v", err)
	}
	return res.(*notify.Stats)
}

// waitStats polls the hub's counters until ok accepts them.
func (h *hubFixture) waitStats(ok func(*notify.Stats) bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if ok(h.stats()) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("hub counters did not reach the expected values within %s: %+v", waitLimit, h.stats())
}

func idleEvent(id, name string) *event.SessionIdle {
	return &event.SessionIdle{
		SessionInfo:   event.SessionInfo{SessionID: id, Session: name, Provider: "claude"},
		SilentSeconds: 42,
	}
}

func endedEvent(id, name string, code int) *event.SessionEnded {
	return &event.SessionEnded{
		SessionInfo: event.SessionInfo{SessionID: id, Session: name, Provider: "claude"},
		ExitCode:    code,
	}
}
