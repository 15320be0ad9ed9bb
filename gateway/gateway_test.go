package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/actors/health"
	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/logging"
)

// stubHealth returns a switchable result to health checks.
type stubHealth struct {
	mu   sync.Mutex
	ok   bool
	fail error
}

func (h *stubHealth) set(ok bool) {
	h.mu.Lock()
	h.ok = ok
	h.mu.Unlock()
}

func (h *stubHealth) Check(context.Context) (health.Status, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return health.Status{}, h.fail
	}
	return health.Status{DBOK: h.ok, CheckedAt: time.Now()}, nil
}

// testIdentity is what a test auth middleware stores for the caller.
type testIdentity struct{ done chan struct{} }

func (i *testIdentity) Done() <-chan struct{} { return i.done }

// fixture is a gateway listening on 127.0.0.1 with test dependencies.
type fixture struct {
	base     string
	wsBase   string
	logs     *logging.Logging
	health   *stubHealth
	ready    *bool
	identity *testIdentity
	logOut   *bytes.Buffer
}

func newFixture(t *testing.T, spa fstest.MapFS) *fixture {
	t.Helper()
	var logOut bytes.Buffer
	logs, err := logging.New(logging.Options{Level: "debug", Format: "text", Stdout: &syncWriter{w: &logOut}})
	if err != nil {
		t.Fatal(err)
	}
	ready := true
	f := &fixture{logs: logs, health: &stubHealth{ok: true}, ready: &ready, identity: &testIdentity{done: make(chan struct{})}, logOut: &logOut}
	deps := Deps{
		Logger:  logs.Logger,
		Started: time.Now().Add(-90 * time.Second),
		Health:  f.health,
		Ready:   func() bool { return *f.ready },
		Logs:    logs.Ring,
		Auth: func(c *fiber.Ctx) error {
			if c.Get("Authorization") != "Bearer good" && c.Query("token") != "good" {
				return &Error{Status: http.StatusUnauthorized, Message: "missing or invalid token"}
			}
			c.Locals(LocalIdentity, f.identity)
			return c.Next()
		},
	}
	if spa != nil {
		deps.SPA = spa
	}
	server := New(deps)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go server.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(ctx)
	})
	f.base = "http://" + ln.Addr().String()
	f.wsBase = "ws://" + ln.Addr().String()
	return f
}

// syncWriter makes a buffer safe for the logger's concurrent writes.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (f *fixture) get(t *testing.T, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %q", body)
	}
	return m
}

func TestHealthReportsDatabase(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.get(t, "/api/v1/health")
	m := decode(t, body)
	if resp.StatusCode != http.StatusOK || m["status"] != "ok" || m["db_ok"] != true {
		t.Errorf("healthy: %d %v; want 200 ok db_ok", resp.StatusCode, m)
	}
	if uptime, _ := m["uptime_s"].(float64); uptime < 90 {
		t.Errorf("uptime_s = %v; want at least 90", m["uptime_s"])
	}

	f.health.set(false)
	resp, body = f.get(t, "/api/v1/health")
	m = decode(t, body)
	if resp.StatusCode != http.StatusServiceUnavailable || m["status"] != "degraded" || m["db_ok"] != false {
		t.Errorf("database down: %d %v; want 503 degraded", resp.StatusCode, m)
	}

	f.health.mu.Lock()
	f.health.fail = errors.New("checker gone")
	f.health.mu.Unlock()
	if resp, _ := f.get(t, "/api/v1/health"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("checker error: %d; want 503", resp.StatusCode)
	}
}

func TestAPIAnswers503UntilReady(t *testing.T) {
	f := newFixture(t, nil)
	*f.ready = false
	resp, body := f.get(t, "/api/v1/logs", "Authorization", "Bearer good")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("not ready: %d (Retry-After %q); want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if m := decode(t, body); !strings.Contains(m["error"].(string), "database") {
		t.Errorf("error = %v; want it to mention the database", m)
	}
	if resp, _ := f.get(t, "/api/v1/health"); resp.StatusCode != http.StatusOK {
		t.Errorf("health while not ready = %d; want 200 (it reports the database only)", resp.StatusCode)
	}
}

func TestUnknownAPIRouteIsJSON404(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.get(t, "/api/v1/nope")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(decode(t, body)["error"].(string), "/api/v1/nope") {
		t.Errorf("unknown route: %d %s", resp.StatusCode, body)
	}
}

func TestUnknownPathOutsideAPIIsJSON404(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.get(t, "/favicon.ico")
	if resp.StatusCode != http.StatusNotFound || decode(t, body)["error"] != "no route GET /favicon.ico" {
		t.Errorf("GET /favicon.ico = %d %s; want 404 no route", resp.StatusCode, body)
	}
}

func TestProtectedRouteNeedsToken(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.get(t, "/api/v1/logs")
	if resp.StatusCode != http.StatusUnauthorized || decode(t, body)["error"] == "" {
		t.Errorf("no token: %d %s; want 401 with an error", resp.StatusCode, body)
	}
}

func TestRootRedirectsToAdmin(t *testing.T) {
	f := newFixture(t, nil)
	resp, _ := f.get(t, "/")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/admin/" {
		t.Errorf("GET / = %d to %q; want 302 to /admin/", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSPAFallbackAndAssets(t *testing.T) {
	spa := fstest.MapFS{
		"index.html":        {Data: []byte("<html>app</html>")},
		"assets/app-1a2.js": {Data: []byte("console.log(1)")},
	}
	f := newFixture(t, spa)
	for _, path := range []string{"/admin/", "/admin/sessions/abc", "/admin/logs"} {
		resp, body := f.get(t, path)
		if resp.StatusCode != http.StatusOK || string(body) != "<html>app</html>" {
			t.Errorf("GET %s = %d %q; want index.html", path, resp.StatusCode, body)
		}
		if resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q; want no-cache", path, resp.Header.Get("Cache-Control"))
		}
	}
	resp, body := f.get(t, "/admin/assets/app-1a2.js")
	if resp.StatusCode != http.StatusOK || string(body) != "console.log(1)" || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Errorf("asset: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("asset Cache-Control = %q; want immutable", resp.Header.Get("Cache-Control"))
	}
	if resp, _ := f.get(t, "/admin/assets/missing.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset = %d; want 404, not the index page", resp.StatusCode)
	}
	if resp, body := f.get(t, "/admin/../../etc/passwd"); resp.StatusCode != http.StatusOK || string(body) != "<html>app</html>" {
		t.Errorf("path traversal = %d %q; want the index page", resp.StatusCode, body)
	}
}

func TestSPANotBuiltPage(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.get(t, "/admin/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "make build") {
		t.Errorf("no UI build: %d %q; want a page that says to run make build", resp.StatusCode, body)
	}
}

func TestListLogs(t *testing.T) {
	f := newFixture(t, nil)
	for i := 0; i < 5; i++ {
		f.logs.Logger.Info("numbered", "i", i)
	}
	resp, body := f.get(t, "/api/v1/logs?limit=2", "Authorization", "Bearer good")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET logs = %d %s", resp.StatusCode, body)
	}
	var page logsBody
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 2 {
		t.Fatalf("limit=2 returned %d records", len(page.Records))
	}
	if page.Records[1].Seq > page.LastSeq || page.Records[0].Seq+1 != page.Records[1].Seq {
		t.Errorf("limit=2 returned seq %d, %d with last_seq %d; want the newest two in order", page.Records[0].Seq, page.Records[1].Seq, page.LastSeq)
	}

	since := page.Records[0].Seq
	_, body = f.get(t, "/api/v1/logs?since="+formatSeq(since), "Authorization", "Bearer good")
	json.Unmarshal(body, &page)
	if len(page.Records) == 0 || page.Records[0].Seq != since+1 {
		t.Errorf("since=%d returned first seq %v; want %d", since, page.Records, since+1)
	}

	for _, bad := range []string{"limit=0", "limit=abc", "limit=99999", "since=-1", "since=x"} {
		resp, body := f.get(t, "/api/v1/logs?"+bad, "Authorization", "Bearer good")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), strings.SplitN(bad, "=", 2)[0]) {
			t.Errorf("GET logs?%s = %d %s; want 400 naming the parameter", bad, resp.StatusCode, body)
		}
	}
}

func formatSeq(n uint64) string { return strconv.FormatUint(n, 10) }

func dialLogs(t *testing.T, f *fixture, query string) *websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := dialer.Dial(f.wsBase+"/api/v1/logs/stream?token=good"+query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dialing the log stream: %v (status %d)", err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readFrame(t *testing.T, conn *websocket.Conn) logFrame {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("reading a log frame: %v", err)
	}
	var frame logFrame
	if err := json.Unmarshal(data, &frame); err != nil {
		t.Fatalf("log frame is not JSON: %q", data)
	}
	return frame
}

func TestLogStreamReplaysThenTails(t *testing.T) {
	f := newFixture(t, nil)
	f.logs.Logger.Info("before connect")
	since := f.logs.Ring.LastSeq() - 1
	conn := dialLogs(t, f, "&since="+formatSeq(since))

	first := readFrame(t, conn)
	if first.Type != "record" || first.Record.Seq != since+1 {
		t.Fatalf("first frame = %+v; want record %d", first, since+1)
	}
	f.logs.Logger.Warn("live record", "session_id", "s1")
	for {
		frame := readFrame(t, conn)
		if frame.Type == "record" && frame.Record.Message == "live record" {
			if frame.Record.Level != "WARN" || frame.Record.Attrs["session_id"] != "s1" {
				t.Errorf("live record = %+v", frame.Record)
			}
			break
		}
	}
}

func TestLogStreamSendsGap(t *testing.T) {
	f := newFixture(t, nil)
	for i := 0; i < logging.DefaultRingSize+50; i++ {
		f.logs.Logger.Debug("filler")
	}
	conn := dialLogs(t, f, "&since=1")
	frame := readFrame(t, conn)
	if frame.Type != "gap" || frame.Missed == 0 {
		t.Errorf("first frame after falling behind = %+v; want a gap", frame)
	}
}

func TestLogStreamClosesOnRevokedToken(t *testing.T) {
	f := newFixture(t, nil)
	conn := dialLogs(t, f, "")
	close(f.identity.done)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var closeErr *websocket.CloseError
		if !errors.As(err, &closeErr) || closeErr.Code != auth.CloseCodeTokenEnded {
			t.Errorf("read error = %v; want close %d", err, auth.CloseCodeTokenEnded)
		}
		return
	}
}

func TestLogStreamRejectsBadRequests(t *testing.T) {
	f := newFixture(t, nil)
	if resp, _ := f.get(t, "/api/v1/logs/stream?token=good"); resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("plain GET of the stream = %d; want 426", resp.StatusCode)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	_, resp, err := dialer.Dial(f.wsBase+"/api/v1/logs/stream?token=good&since=abc", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("since=abc: err %v, response %v; want 400", err, resp)
	}
	_, resp, err = dialer.Dial(f.wsBase+"/api/v1/logs/stream?token=bad", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: err %v; want 401", err)
	}
}

func TestAccessLogRedactsToken(t *testing.T) {
	f := newFixture(t, nil)
	f.get(t, "/api/v1/logs?token=supersecretvalue&limit=3")
	f.get(t, "/api/v1/logs?%74oken=supersecretvalue&limit=4")
	time.Sleep(50 * time.Millisecond)
	for _, rec := range f.logs.Ring.Tail(0) {
		if uri, _ := rec.Attrs["uri"].(string); strings.Contains(uri, "supersecretvalue") {
			t.Errorf("access log uri = %q; want the token redacted", uri)
		}
	}
	if strings.Contains(f.logOut.String(), "supersecretvalue") {
		t.Error("console log contains the token")
	}
	found := false
	for _, rec := range f.logs.Ring.Tail(0) {
		if rec.Message == "http request" && strings.Contains(rec.Attrs["uri"].(string), "limit=3") {
			found = true
		}
	}
	if !found {
		t.Error("no access log line for the request")
	}
}

func TestAdminWithoutSlashRedirects(t *testing.T) {
	f := newFixture(t, fstest.MapFS{"index.html": {Data: []byte("<html>app</html>")}})
	resp, _ := f.get(t, "/admin")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/admin/" {
		t.Errorf("GET /admin = %d to %q; want 301 to /admin/", resp.StatusCode, resp.Header.Get("Location"))
	}
}
