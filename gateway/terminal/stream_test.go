package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/actors/session/sessiontest"
	"github.com/opendray/opendray/store/storetest"
)

var testDatabaseURL string

func TestMain(m *testing.M) {
	storetest.Main(m, "terminal", func(url string) { testDatabaseURL = url })
}

// fakeIdentity replaces the auth middleware's identity in tests.
type fakeIdentity struct{ done chan struct{} }

func (f *fakeIdentity) Done() <-chan struct{} { return f.done }

type server struct {
	env      *sessiontest.Env
	addr     string
	identity *fakeIdentity
}

// startServer runs a fiber app with the stream route on 127.0.0.1.
func startServer(t *testing.T, tune func(*session.Config)) *server {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	throttle := goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1")
	// fasthttp's worker pool cleaner sleeps out its 10s tick after the
	// server stopped, and its date updater runs once per process.
	cleaner := goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2")
	date := goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1")
	t.Cleanup(func() { goleak.VerifyNone(t, ignore, throttle, cleaner, date) })

	env := sessiontest.Start(t, testDatabaseURL, tune)
	identity := &fakeIdentity{done: make(chan struct{})}
	handler := &Handler{Sessions: env.Client, Logger: env.Logger}

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error {
		c.Locals("identity", identity)
		return c.Next()
	})
	app.Get("/api/v1/sessions/:id/stream", handler.Stream())

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(listener) }()
	t.Cleanup(func() {
		if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shutting down the app: %v", err)
		}
		<-served
	})
	return &server{env: env, addr: listener.Addr().String(), identity: identity}
}

type client struct {
	t    *testing.T
	conn *fastws.Conn
}

func (s *server) dial(t *testing.T, id, query string) *client {
	t.Helper()
	url := "ws://" + s.addr + "/api/v1/sessions/" + id + "/stream"
	if query != "" {
		url += "?" + query
	}
	dialer := fastws.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := dialer.Dial(url, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn}
}

type frame struct {
	binary bool
	data   []byte
	ctrl   map[string]any
}

func (f frame) kind() string {
	if f.binary {
		return "binary"
	}
	kind, _ := f.ctrl["type"].(string)
	return kind
}

// next reads one frame, failing the test after timeout.
func (c *client) next(timeout time.Duration) (frame, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	kind, data, err := c.conn.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	if kind == fastws.BinaryMessage {
		return frame{binary: true, data: data}, nil
	}
	var ctrl map[string]any
	if err := json.Unmarshal(data, &ctrl); err != nil {
		c.t.Fatalf("server text frame %q is not JSON: %v", data, err)
	}
	return frame{data: data, ctrl: ctrl}, nil
}

func (c *client) mustNext(timeout time.Duration) frame {
	c.t.Helper()
	f, err := c.next(timeout)
	if err != nil {
		c.t.Fatalf("reading a frame: %v", err)
	}
	return f
}

func (c *client) expect(kind string) frame {
	c.t.Helper()
	f := c.mustNext(5 * time.Second)
	if f.kind() != kind {
		c.t.Fatalf("got a %s frame %q; want %s", f.kind(), f.data, kind)
	}
	return f
}

func number(t *testing.T, f frame, key string) int64 {
	t.Helper()
	v, ok := f.ctrl[key].(float64)
	if !ok {
		t.Fatalf("frame %s has no number %s", f.data, key)
	}
	return int64(v)
}

// readUntil collects binary bytes until the collected output contains
// want; it fails on any text frame other than those named in allow.
func (c *client) readUntil(want string, timeout time.Duration, allow ...string) []byte {
	c.t.Helper()
	var got []byte
	deadline := time.Now().Add(timeout)
	for !bytes.Contains(got, []byte(want)) {
		f, err := c.next(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for %q: %v (have %d bytes)", want, err, len(got))
		}
		if f.binary {
			got = append(got, f.data...)
			continue
		}
		if !contains(allow, f.kind()) {
			c.t.Fatalf("unexpected %s frame %s while waiting for %q", f.kind(), f.data, want)
		}
	}
	return got
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

func closeCode(err error) int {
	var closeErr *fastws.CloseError
	if errors.As(err, &closeErr) {
		return closeErr.Code
	}
	return -1
}

func input(t *testing.T, env *sessiontest.Env, id, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := env.Client.Input(ctx, id, []byte(text)); err != nil {
		t.Fatalf("Input: %v", err)
	}
}

// countingScript prints numbered lines, pausing now and then so that a
// viewer attaches in the middle of the output.
const countingScript = `i=0; while [ $i -lt 4000 ]; do echo "line $i"; i=$((i+1)); if [ $((i % 500)) -eq 0 ]; then sleep 0.05; fi; done; echo done; sleep 60`

func TestStreamReplayThenLiveWithoutLossOrDuplicate(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/sh", "-c", countingScript)
	time.Sleep(100 * time.Millisecond)

	c := s.dial(t, info.ID, "")
	attached := c.expect("attached")
	start := number(t, attached, "offset")
	if start != 0 {
		t.Errorf("attached offset = %d; want 0 (the ring holds everything)", start)
	}
	got := c.readUntil("done\r\n", 20*time.Second, "offset")

	buf := s.env.Buffer(t, info.ID)
	want := buf.Data[start-buf.Start:]
	if !bytes.Equal(got, want[:min(len(got), len(want))]) || len(got) != len(want) {
		t.Fatalf("stream has %d bytes, ring from offset %d has %d; contents differ", len(got), start, len(want))
	}
	for i := range 4000 {
		if n := strings.Count(string(got), fmt.Sprintf("line %d\r\n", i)); n != 1 {
			t.Fatalf("line %d appears %d times; want once", i, n)
		}
	}
}

func TestStreamOffsetFrameEndsReplay(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/cat")
	input(t, s.env, info.ID, "first\n")
	waitOutput(t, s.env, info.ID, int64(len("first\r\nfirst\r\n")))
	c := s.dial(t, info.ID, "since=0")
	c.expect("attached")

	replay := c.readUntil("first\r\nfirst\r\n", 5*time.Second)
	offset := number(t, c.expect("offset"), "offset")
	if offset != int64(len(replay)) {
		t.Errorf("offset frame = %d; want %d (the replay length)", offset, len(replay))
	}

	if err := c.conn.WriteMessage(fastws.BinaryMessage, []byte("second\n")); err != nil {
		t.Fatal(err)
	}
	c.readUntil("second", 5*time.Second)
}

func TestStreamSinceResumes(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/sh", "-c", "printf 0123456789; sleep 60")
	waitOutput(t, s.env, info.ID, 10)

	c := s.dial(t, info.ID, "since=4")
	if got := number(t, c.expect("attached"), "offset"); got != 4 {
		t.Errorf("attached offset = %d; want 4", got)
	}
	if got := c.expect("binary"); string(got.data) != "456789" {
		t.Errorf("replay = %q; want 456789", got.data)
	}
	if got := number(t, c.expect("offset"), "offset"); got != 10 {
		t.Errorf("offset frame = %d; want 10", got)
	}

	beyond := s.dial(t, info.ID, "since=99")
	if got := number(t, beyond.expect("attached"), "offset"); got != 10 {
		t.Errorf("attached offset for since beyond the end = %d; want 10", got)
	}
	if got := beyond.expect("offset"); number(t, got, "offset") != 10 {
		t.Errorf("offset frame = %s; want 10", got.data)
	}
}

func waitOutput(t *testing.T, env *sessiontest.Env, id string, atLeast int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for env.Buffer(t, id).End < atLeast {
		if time.Now().After(deadline) {
			t.Fatalf("session %s produced fewer than %d bytes", id, atLeast)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStreamGapWhenBehindRing(t *testing.T) {
	s := startServer(t, func(cfg *session.Config) { cfg.RingSize = 4096 })
	info := s.env.Create(t, "/bin/sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x; sleep 60")
	waitOutput(t, s.env, info.ID, 10000)

	c := s.dial(t, info.ID, "since=100")
	attached := c.expect("attached")
	gap := c.expect("gap")
	if number(t, gap, "from") != 100 || number(t, gap, "to") != 10000-4096 {
		t.Errorf("gap = %s; want from 100 to %d", gap.data, 10000-4096)
	}
	if number(t, attached, "offset") != 10000-4096 {
		t.Errorf("attached offset = %s; want %d", attached.data, 10000-4096)
	}
	replay := c.expect("binary")
	if len(replay.data) != 4096 {
		t.Errorf("replay has %d bytes; want 4096", len(replay.data))
	}
}

func TestStreamEndedSessionClosesNormally(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/sh", "-c", "printf bye; exit 4")
	s.env.WaitState(t, info.ID, session.StateEnded, 10*time.Second)

	c := s.dial(t, info.ID, "")
	if got := c.expect("attached"); got.ctrl["state"] != "ended" {
		t.Errorf("attached state = %v; want ended", got.ctrl["state"])
	}
	if got := c.expect("binary"); string(got.data) != "bye" {
		t.Errorf("replay = %q; want bye", got.data)
	}
	c.expect("offset")
	state := c.expect("state")
	if state.ctrl["state"] != "ended" || number(t, state, "exit_code") != 4 {
		t.Errorf("state frame = %s; want ended with exit code 4", state.data)
	}
	_, err := c.next(5 * time.Second)
	if code := closeCode(err); code != fastws.CloseNormalClosure {
		t.Errorf("close = %v; want code 1000", err)
	}
}

func TestStreamLiveSessionEndSendsStateAndCloses(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/cat")
	c := s.dial(t, info.ID, "")
	c.expect("attached")
	c.expect("offset")

	input(t, s.env, info.ID, "\x04") // EOF on an empty line ends cat
	var states []string
	for {
		f, err := c.next(10 * time.Second)
		if err != nil {
			if code := closeCode(err); code != fastws.CloseNormalClosure {
				t.Fatalf("close = %v; want code 1000", err)
			}
			break
		}
		if f.kind() == "state" {
			states = append(states, f.ctrl["state"].(string))
		}
	}
	if len(states) == 0 || states[len(states)-1] != "ended" {
		t.Errorf("state frames = %v; want the last to be ended", states)
	}
	ended := 0
	for _, state := range states {
		if state == "ended" {
			ended++
		}
	}
	if ended != 1 {
		t.Errorf("state frames = %v; want exactly one ended frame", states)
	}
}

func TestStreamRejectsOversizedFrameAndStaysUp(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/cat")
	c := s.dial(t, info.ID, "")
	c.expect("attached")
	c.expect("offset")

	huge := bytes.Repeat([]byte("y"), 10<<20)
	if err := c.conn.WriteMessage(fastws.BinaryMessage, huge); err != nil {
		t.Fatal(err)
	}
	f := c.expect("error")
	if !strings.Contains(f.ctrl["error"].(string), "65536") {
		t.Errorf("error frame %s does not name the limit", f.data)
	}
	if err := c.conn.WriteMessage(fastws.BinaryMessage, []byte("still here\n")); err != nil {
		t.Fatal(err)
	}
	got := c.readUntil("still here", 5*time.Second)
	if bytes.Contains(got, []byte("yyyy")) {
		t.Error("bytes of the rejected frame reached the PTY")
	}
}

func TestStreamControlMessages(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/cat")
	c := s.dial(t, info.ID, "")
	c.expect("attached")
	c.expect("offset")

	for _, bad := range []string{"{not json", `{"type":"resize","cols":"wide"}`} {
		if err := c.conn.WriteMessage(fastws.TextMessage, []byte(bad)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.conn.WriteMessage(fastws.TextMessage, []byte(`{"type":"resize","cols":0,"rows":30}`)); err != nil {
		t.Fatal(err)
	}
	if f := c.expect("error"); !strings.Contains(f.ctrl["error"].(string), "cols is 0") {
		t.Errorf("error frame %s does not name cols", f.data)
	}
	if err := c.conn.WriteMessage(fastws.TextMessage, []byte(`{"type":"resize","cols":100,"rows":30}`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d, err := s.env.Client.Get(ctx, info.ID)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if d.Cols == 100 && d.Rows == 30 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("size = %dx%d; want 100x30 after the resize frame", d.Cols, d.Rows)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.conn.WriteMessage(fastws.BinaryMessage, []byte("alive\n")); err != nil {
		t.Fatal(err)
	}
	c.readUntil("alive", 5*time.Second)
}

func TestStreamRevokedTokenCloses4401(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/cat")
	c := s.dial(t, info.ID, "")
	c.expect("attached")
	c.expect("offset")

	close(s.identity.done)
	_, err := c.next(5 * time.Second)
	if code := closeCode(err); code != CloseRevoked {
		t.Errorf("close = %v; want code %d", err, CloseRevoked)
	}
}

func TestStreamRejectsBadRequests(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/cat")
	dialer := fastws.Dialer{HandshakeTimeout: 5 * time.Second}
	cases := map[string]int{
		"/api/v1/sessions/nope/stream":                      404,
		"/api/v1/sessions/" + info.ID + "/stream?since=-1":  400,
		"/api/v1/sessions/" + info.ID + "/stream?flow=push": 400,
	}
	for path, want := range cases {
		conn, resp, err := dialer.Dial("ws://"+s.addr+path, nil)
		if err == nil {
			conn.Close()
			t.Errorf("%s: upgraded; want status %d", path, want)
			continue
		}
		if resp == nil || resp.StatusCode != want {
			t.Errorf("%s: %v; want status %d", path, err, want)
		}
	}
}

func TestStreamSlowViewerDoesNotSlowOthers(t *testing.T) {
	s := startServer(t, nil)
	info := s.env.Create(t, "/bin/sh", "-c", "sleep 0.5; head -c 20000000 /dev/zero | tr '\\0' z; echo; echo finished; sleep 60")

	stalled := s.dial(t, info.ID, "") // never reads
	fast := s.dial(t, info.ID, "")
	fast.expect("attached")

	var total int
	deadline := time.Now().Add(60 * time.Second)
	for {
		f, err := fast.next(time.Until(deadline))
		if err != nil {
			t.Fatalf("fast viewer: %v after %d bytes", err, total)
		}
		if f.kind() == "gap" {
			t.Fatalf("fast viewer got a gap %s; want every byte", f.data)
		}
		if f.binary {
			total += len(f.data)
			if bytes.HasSuffix(f.data, []byte("finished\r\n")) {
				break
			}
		}
	}
	if want := 20000000 + len("\r\nfinished\r\n"); total != want {
		t.Errorf("fast viewer received %d bytes; want %d", total, want)
	}

	// The stalled viewer catches up from the ring with a gap.
	stalled.expect("attached")
	sawGap := false
	for {
		f, err := stalled.next(30 * time.Second)
		if err != nil {
			t.Fatalf("stalled viewer: %v", err)
		}
		if f.kind() == "gap" {
			sawGap = true
		}
		if f.binary && bytes.HasSuffix(f.data, []byte("finished\r\n")) {
			break
		}
	}
	if !sawGap {
		t.Error("stalled viewer got no gap notice; want one, since it fell more than the ring behind")
	}
}

func TestStreamAckFlowControl(t *testing.T) {
	const window = 16 << 10
	s := startServer(t, func(cfg *session.Config) { cfg.AckWindow = window })
	info := s.env.Create(t, "/bin/sh", "-c", "sleep 0.3; head -c 200000 /dev/zero | tr '\\0' a; sleep 60")
	c := s.dial(t, info.ID, "flow=ack")
	c.expect("attached")
	c.expect("offset")

	// A read deadline that expires breaks a fasthttp/websocket connection
	// for good, so a goroutine reads and the test waits on a channel.
	frames := make(chan frame, 1024)
	go func() {
		defer close(frames)
		for {
			f, err := c.next(time.Minute)
			if err != nil {
				return
			}
			frames <- f
		}
	}()
	var received int64
	readQuiet := func() int64 {
		var got int64
		for {
			select {
			case f, ok := <-frames:
				if !ok {
					t.Fatal("stream closed")
				}
				if f.binary {
					got += int64(len(f.data))
				}
			case <-time.After(500 * time.Millisecond):
				return got
			}
		}
	}
	received = readQuiet()
	if received == 0 || received > window {
		t.Fatalf("received %d bytes without acks; want between 1 and %d", received, window)
	}

	for received < 200000 {
		ack, _ := json.Marshal(map[string]any{"type": "ack", "offset": received})
		if err := c.conn.WriteMessage(fastws.TextMessage, ack); err != nil {
			t.Fatal(err)
		}
		got := readQuiet()
		if got == 0 {
			t.Fatalf("no output after acknowledging %d bytes", received)
		}
		if got > window {
			t.Fatalf("%d bytes arrived after one ack; want at most %d", got, window)
		}
		received += got
	}
	if received != 200000 {
		t.Errorf("received %d bytes; want 200000", received)
	}
}
