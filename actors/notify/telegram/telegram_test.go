package telegram

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendray/opendray/actors/notify"
	"github.com/opendray/opendray/internal/event"
)

func TestIdleNotificationArrives(t *testing.T) {
	api := newFakeAPI(t)
	sessions := newFakeSessions()
	sessions.setScreen("s1", "$ claude", "Edit main.go? <y/n> & more", "", "")
	h := startHub(t, hubConfig(), sessions, api.config())

	h.bus.Publish(idleEvent("s1", "build"))
	req := api.next(t)

	if req.ChatID != testChatID {
		t.Errorf("chat_id = %d; want %d", req.ChatID, testChatID)
	}
	if req.ParseMode != "HTML" {
		t.Errorf("parse_mode = %q; want HTML", req.ParseMode)
	}
	wantParts := []string{
		"<b>build (claude)</b>",
		"no output for 42 s",
		"<pre>$ claude\nEdit main.go? &lt;y/n&gt; &amp; more</pre>",
		`<a href="https://agents.example.test/admin/sessions/s1">`,
	}
	for _, part := range wantParts {
		if !strings.Contains(req.Text, part) {
			t.Errorf("text does not contain %q:\n%s", part, req.Text)
		}
	}
}

func TestEndedNotificationArrives(t *testing.T) {
	api := newFakeAPI(t)
	h := startHub(t, hubConfig(), newFakeSessions(), api.config())

	h.bus.Publish(endedEvent("s1", "build", 3))
	req := api.next(t)

	if !strings.Contains(req.Text, "Ended with exit code 3.") {
		t.Errorf("text does not give the exit code:\n%s", req.Text)
	}
	if strings.Contains(req.Text, "<pre>") {
		t.Errorf("text has a screen although the snapshot failed:\n%s", req.Text)
	}
}

func TestLongScreenCutToLimit(t *testing.T) {
	api := newFakeAPI(t)
	sessions := newFakeSessions()
	var lines []string
	for i := 0; len(strings.Join(lines, "\n")) < 5000; i++ {
		lines = append(lines, strings.Repeat("<&>é😀", 10))
	}
	lines = append(lines, "last line: proceed?")
	sessions.setScreen("s1", lines...)
	cfg := hubConfig()
	cfg.ScreenLines = 1000
	h := startHub(t, cfg, sessions, api.config())

	h.bus.Publish(idleEvent("s1", "build"))
	req := api.next(t)

	checkTelegramHTML(t, req.Text)
	if !strings.Contains(req.Text, "last line: proceed?</pre>") {
		t.Errorf("the end of the screen is missing:\n%s", req.Text)
	}
}

func TestReplyReachesSessionInput(t *testing.T) {
	api := newFakeAPI(t)
	sessions := newFakeSessions(notify.SessionSummary{ID: "s1", Name: "build", Provider: "claude", State: "idle"})
	h := startHub(t, hubConfig(), sessions, api.config())

	h.bus.Publish(idleEvent("s1", "build"))
	notification := api.next(t)
	h.waitStats(func(s *notify.Stats) bool { return s.Sent == 1 })

	api.push(textUpdate(1, testChatID, "yes, apply it", notification.messageID))
	var call inputCall
	select {
	case call = <-sessions.inputs:
	case <-time.After(waitLimit):
		t.Fatal("the reply did not reach the session")
	}
	if call.id != "s1" {
		t.Errorf("input went to %q; want s1", call.id)
	}
	if call.data != "yes, apply it\r" {
		t.Errorf("input = %q; want the reply and Enter", call.data)
	}

	confirmation := api.next(t)
	if confirmation.ReplyParameters == nil || confirmation.ReplyParameters.MessageID != 1001 {
		t.Errorf("confirmation reply_parameters = %+v; want message 1001", confirmation.ReplyParameters)
	}
	if !strings.Contains(confirmation.Text, "Sent to build.") {
		t.Errorf("confirmation text = %q", confirmation.Text)
	}

	select {
	case e := <-h.events:
		input := e.(*event.RemoteInput)
		if input.Channel != "telegram" || input.ChatID != testChatID || input.User != "@ops" || input.Command != "reply" {
			t.Errorf("event = %+v; want channel telegram, chat %d, user @ops, command reply", input, testChatID)
		}
	case <-time.After(waitLimit):
		t.Fatal("no notify.input event")
	}
}

func TestOtherChatIgnored(t *testing.T) {
	api := newFakeAPI(t)
	sessions := newFakeSessions(notify.SessionSummary{ID: "s1", Name: "build", State: "idle"})
	h := startHub(t, hubConfig(), sessions, api.config())

	api.push(textUpdate(1, 999, "/send build rm -rf secret-plan", 0))
	line := h.logs.waitFor(t, "unauthorized chat")
	// A later message from the configured chat shows that the first one was
	// handled and the poll goes on.
	api.push(textUpdate(2, testChatID, "/sessions", 0))
	list := api.next(t)

	if !strings.Contains(line, "chat_id=999") || !strings.Contains(line, "user=@ops") {
		t.Errorf("log line = %q; want the chat id and the user", line)
	}
	if strings.Contains(h.logs.String(), "secret-plan") {
		t.Errorf("the ignored message's text reached the log:\n%s", h.logs.String())
	}
	select {
	case call := <-sessions.inputs:
		t.Errorf("a message from another chat reached the session: %+v", call)
	default:
	}
	if !strings.Contains(list.Text, "build") {
		t.Errorf("/sessions reply = %q; want the session listed", list.Text)
	}
}

func TestOldMessageIgnored(t *testing.T) {
	api := newFakeAPI(t)
	sessions := newFakeSessions(notify.SessionSummary{ID: "s1", Name: "build", State: "idle"})
	h := startHub(t, hubConfig(), sessions, api.config())

	old := textUpdate(1, testChatID, "/send build y", 0)
	old.Message.Date = time.Now().Add(-time.Hour).Unix()
	api.push(old)
	h.logs.waitFor(t, "old telegram message ignored")

	if got := api.calls(); got != 0 {
		t.Errorf("sent %d replies to an old message; want 0", got)
	}
}

func TestPollAcknowledgesUpdates(t *testing.T) {
	api := newFakeAPI(t)
	h := startHub(t, hubConfig(), newFakeSessions(), api.config())

	api.push(textUpdate(41, testChatID, "/help", 0), textUpdate(42, testChatID, "/help", 0))
	api.next(t)
	api.next(t)
	deadline := time.Now().Add(waitLimit)
	for !slices.Contains(api.requestedOffsets(), 43) {
		if time.Now().After(deadline) {
			t.Fatalf("getUpdates never requested offset 43; offsets %v", api.requestedOffsets())
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.stop()
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	api := newFakeAPI(t)
	var first time.Time
	api.setReact(func(call int) reaction {
		if call == 1 {
			first = time.Now()
			return respondRateLimited
		}
		return respondOK
	})
	h := startHub(t, hubConfig(), newFakeSessions(), api.config())

	h.bus.Publish(endedEvent("s1", "build", 0))
	req := api.next(t)

	if waited := req.at.Sub(first); waited < time.Second {
		t.Errorf("retried %s after the 429; want at least retry_after, 1s", waited)
	}
	line := h.logs.waitFor(t, "rate-limited")
	if !strings.Contains(line, "retry_after=1s") {
		t.Errorf("log line = %q; want retry_after=1s", line)
	}
}

func TestServerErrorRetried(t *testing.T) {
	api := newFakeAPI(t)
	api.setReact(func(call int) reaction {
		if call <= 2 {
			return respondServerError
		}
		return respondOK
	})
	h := startHub(t, hubConfig(), newFakeSessions(), api.config())

	h.bus.Publish(endedEvent("s1", "build", 0))
	api.next(t)

	if got := api.calls(); got != 3 {
		t.Errorf("sendMessage called %d times; want 3", got)
	}
	if got := len(h.logs.lines("send failed, retrying")); got != 2 {
		t.Errorf("logged %d retries; want 2", got)
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	api := newFakeAPI(t)
	api.setReact(func(call int) reaction {
		if call == 1 {
			return respondDropConnection
		}
		return respondOK
	})
	h := startHub(t, hubConfig(), newFakeSessions(), api.config())

	h.bus.Publish(endedEvent("s1", "build", 0))
	api.next(t)

	line := h.logs.waitFor(t, "send failed, retrying")
	if strings.Contains(line, api.server.URL) {
		t.Errorf("log line contains the request URL: %q", line)
	}
}

func TestParseErrorFallsBackToPlainText(t *testing.T) {
	api := newFakeAPI(t)
	api.setReact(func(int) reaction { return respondParseError })
	sessions := newFakeSessions()
	sessions.setScreen("s1", "a < b && c > d")
	h := startHub(t, hubConfig(), sessions, api.config())

	h.bus.Publish(idleEvent("s1", "build"))
	req := api.next(t)

	if req.ParseMode != "" {
		t.Errorf("parse_mode = %q; want none for the fallback", req.ParseMode)
	}
	if !strings.Contains(req.Text, "a < b && c > d") {
		t.Errorf("plain text lost the screen:\n%s", req.Text)
	}
	if !strings.Contains(req.Text, "Open in the web admin: https://agents.example.test/admin/sessions/s1") {
		t.Errorf("plain text lost the link:\n%s", req.Text)
	}
	if got := api.calls(); got != 2 {
		t.Errorf("sendMessage called %d times; want 2", got)
	}
}

func TestStopDeliversPending(t *testing.T) {
	api := newFakeAPI(t)
	h := startHub(t, hubConfig(), newFakeSessions(), api.config())

	for _, id := range []string{"s1", "s2", "s3"} {
		h.bus.Publish(endedEvent(id, "job-"+id, 0))
	}
	h.stop()

	if got := len(api.acceptedRequests()); got != 3 {
		t.Errorf("delivered %d notifications before the hub stopped; want 3", got)
	}
}

func TestHungServerDoesNotDelayStop(t *testing.T) {
	api := newFakeAPI(t)
	api.setReact(func(int) reaction { return respondHang })
	cfg := hubConfig()
	cfg.ShutdownTimeout = 500 * time.Millisecond
	h := startHub(t, cfg, newFakeSessions(), api.config())

	h.bus.Publish(endedEvent("s1", "build", 0))
	deadline := time.Now().Add(waitLimit)
	for api.calls() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("sendMessage was never called")
		}
		time.Sleep(5 * time.Millisecond)
	}

	start := time.Now()
	h.stop()
	if elapsed, limit := time.Since(start), cfg.ShutdownTimeout+2*time.Second; elapsed > limit {
		t.Errorf("stop took %s; want under the stop budget plus margin, %s", elapsed, limit)
	}
	line := h.logs.waitFor(t, "notification hub stopped")
	if !strings.Contains(line, "undelivered=1") {
		t.Errorf("log line = %q; want undelivered=1", line)
	}
}

func TestBadTokenReportedOnce(t *testing.T) {
	bad := newFakeAPI(t)
	good := newFakeAPI(t)
	badConfig := bad.config()
	badConfig.BotToken = "999:wrong-token-value"
	h := startHub(t, hubConfig(), newFakeSessions(), badConfig, good.config())

	line := h.logs.waitFor(t, "channel disabled")
	h.bus.Publish(endedEvent("s1", "build", 0))
	good.next(t)
	h.bus.Publish(endedEvent("s2", "test", 0))
	good.next(t)
	h.stop()

	if !strings.Contains(line, "HTTP 401") || !strings.Contains(line, "telegram.bot_token") {
		t.Errorf("log line = %q; want the status and the key to fix", line)
	}
	if strings.Contains(h.logs.String(), "wrong-token-value") {
		t.Errorf("the rejected token reached the log:\n%s", h.logs.String())
	}
	if got := len(h.logs.lines("channel disabled")); got != 1 {
		t.Errorf("logged the rejected token %d times; want 1", got)
	}
	if got := bad.calls(); got != 0 {
		t.Errorf("the disabled channel sent %d messages; want 0", got)
	}
}

func TestOpenTreatsNotFoundAsUnauthorized(t *testing.T) {
	api := newFakeAPI(t)
	cfg := api.config()
	cfg.APIBase = api.server.URL + "/nested"
	ch, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer ch.Close()

	err = ch.Open(context.Background())
	if !errors.Is(err, notify.ErrUnauthorized) {
		t.Errorf("Open() = %v; want an error wrapping ErrUnauthorized", err)
	}
}

func TestConnectionErrorHidesToken(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := listener.Addr().String()
	listener.Close()

	cfg := Defaults()
	cfg.BotToken = testToken
	cfg.ChatID = testChatID
	cfg.APIBase = "http://" + addr
	ch, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer ch.Close()

	err = ch.Open(context.Background())
	if err == nil {
		t.Fatal("Open() against a closed port returned no error")
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error contains the token: %v", err)
	}
	if notify.IsPermanent(err) {
		t.Errorf("a refused connection is permanent: %v", err)
	}
}
