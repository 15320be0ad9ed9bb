package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendray/opendray/internal/event"
)

func TestIdleNotificationCarriesScreen(t *testing.T) {
	sessions := newFakeSessions()
	sessions.setScreen("s1", "$ make", "building…", "Proceed? [y/N]", "", "  ", "")
	ch := newFakeChannel("fake")
	h := startHub(t, testConfig(), sessions, ch)

	h.bus.Publish(idle("s1", "build", 31.4, 0))
	m := ch.next(t)

	if m.SessionID != "s1" {
		t.Errorf("SessionID = %q; want s1", m.SessionID)
	}
	if m.Title != "build (claude)" {
		t.Errorf("Title = %q; want %q", m.Title, "build (claude)")
	}
	if len(m.Text) == 0 || !strings.Contains(m.Text[0], "no output for 31 s") {
		t.Errorf("Text = %q; want a line with %q", m.Text, "no output for 31 s")
	}
	want := []string{"$ make", "building…", "Proceed? [y/N]"}
	if !slices.Equal(m.Screen, want) {
		t.Errorf("Screen = %q; want %q", m.Screen, want)
	}
}

func TestIdleThenEndedCoalesce(t *testing.T) {
	sessions := newFakeSessions()
	ch := newFakeChannel("fake")
	cfg := testConfig()
	cfg.CoalesceWindow = time.Minute
	h := startHub(t, cfg, sessions, ch)

	h.bus.Publish(idle("s1", "build", 30, 0))
	h.bus.Publish(ended("s1", "build", 2))
	m := ch.next(t)
	h.stop()

	if got := len(ch.sentMessages()); got != 1 {
		t.Fatalf("sent %d messages; want 1", got)
	}
	text := strings.Join(m.Text, " ")
	if !strings.Contains(text, "exit code 2") {
		t.Errorf("Text = %q; want the exit code", text)
	}
	if !strings.Contains(text, "idle for 30 s") {
		t.Errorf("Text = %q; want the idle time", text)
	}
}

func TestRepeatedIdlesSendOnce(t *testing.T) {
	ch := newFakeChannel("fake")
	cfg := testConfig()
	cfg.CoalesceWindow = 200 * time.Millisecond
	h := startHub(t, cfg, newFakeSessions(), ch)

	h.bus.Publish(idle("s1", "build", 30, 0))
	h.bus.Publish(idle("s1", "build", 45, 0))
	h.bus.Publish(idle("s1", "build", 60, 0))
	m := ch.next(t)
	h.stop()

	if got := len(ch.sentMessages()); got != 1 {
		t.Fatalf("sent %d messages; want 1", got)
	}
	if !strings.Contains(m.Text[0], "60 s") {
		t.Errorf("Text = %q; want the latest idle time", m.Text)
	}
}

func TestRunningCancelsPendingIdle(t *testing.T) {
	ch := newFakeChannel("fake")
	cfg := testConfig()
	cfg.CoalesceWindow = time.Minute
	h := startHub(t, cfg, newFakeSessions(), ch)

	h.bus.Publish(idle("s1", "build", 30, 0))
	h.bus.Publish(&event.SessionRunning{SessionInfo: event.SessionInfo{SessionID: "s1"}})
	h.stop()

	if got := len(ch.sentMessages()); got != 0 {
		t.Errorf("sent %d messages; want 0 because the session resumed", got)
	}
}

func TestIdleSkippedWhileViewed(t *testing.T) {
	quiet := newFakeChannel("quiet")
	loud := newFakeChannel("loud")
	loud.filter.NotifyWhileViewed = true
	h := startHub(t, testConfig(), newFakeSessions(), quiet, loud)

	h.bus.Publish(idle("s1", "build", 30, 1))
	loud.next(t)
	h.bus.Publish(ended("s1", "build", 0))
	loud.next(t)
	quiet.next(t)
	h.stop()

	if got := len(quiet.sentMessages()); got != 1 {
		t.Errorf("quiet channel got %d messages; want only the ended one", got)
	}
	if got := len(loud.sentMessages()); got != 2 {
		t.Errorf("loud channel got %d messages; want 2", got)
	}
}

func TestEventFilterPerChannel(t *testing.T) {
	ch := newFakeChannel("fake")
	ch.filter = Filter{Events: []string{"session.ended"}}
	h := startHub(t, testConfig(), newFakeSessions(), ch)

	h.bus.Publish(idle("s1", "build", 30, 0))
	h.bus.Publish(ended("s2", "test", 1))
	m := ch.next(t)
	h.stop()

	if m.SessionID != "s2" {
		t.Errorf("first message is about %q; want s2", m.SessionID)
	}
	if got := len(ch.sentMessages()); got != 1 {
		t.Errorf("sent %d messages; want 1", got)
	}
}

func TestFullQueueDropsOldest(t *testing.T) {
	ch := newFakeChannel("fake")
	release := make(chan struct{})
	ch.openFn = func(ctx context.Context) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	cfg := testConfig()
	cfg.QueueSize = 2
	h := startHub(t, cfg, newFakeSessions(), ch)

	for i := 1; i <= 4; i++ {
		h.bus.Publish(ended(fmt.Sprintf("s%d", i), "job", 0))
	}
	stats := h.stats()
	if stats.Dropped != 2 {
		t.Errorf("Dropped = %d; want 2", stats.Dropped)
	}
	if stats.Queued != 2 {
		t.Errorf("Queued = %d; want 2", stats.Queued)
	}
	first := h.logs.waitFor(t, "notification queue full")
	if got := attr(first, "session_id").String(); got != "s1" {
		t.Errorf("first drop log names session %q; want s1", got)
	}

	close(release)
	got := []string{ch.next(t).SessionID, ch.next(t).SessionID}
	if want := []string{"s3", "s4"}; !slices.Equal(got, want) {
		t.Errorf("delivered %q; want the newest %q", got, want)
	}
	h.stop()

	var total int64
	for _, r := range h.logs.matching("notification queue full") {
		total += attr(r, "dropped").Int64()
	}
	if total != 2 {
		t.Errorf("drop log lines count %d drops; want 2", total)
	}
}

func TestTransientErrorsRetried(t *testing.T) {
	ch := newFakeChannel("fake")
	ch.sendFn = func(ctx context.Context, m Message, call int) (string, error) {
		if call < 3 {
			return "", errors.New("connection reset")
		}
		return "ok", nil
	}
	h := startHub(t, testConfig(), newFakeSessions(), ch)

	h.bus.Publish(ended("s1", "build", 0))
	ch.next(t)

	if got := ch.sendCalls(); got != 3 {
		t.Errorf("Send called %d times; want 3", got)
	}
	if got := len(h.logs.matching("send failed, retrying")); got != 2 {
		t.Errorf("logged %d retries; want 2", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	const delay = 150 * time.Millisecond
	ch := newFakeChannel("fake")
	var firstCall time.Time
	var secondCall time.Time
	ch.sendFn = func(ctx context.Context, m Message, call int) (string, error) {
		if call == 1 {
			firstCall = time.Now()
			return "", &RetryAfterError{Delay: delay, Err: errors.New("too many requests")}
		}
		secondCall = time.Now()
		return "ok", nil
	}
	h := startHub(t, testConfig(), newFakeSessions(), ch)

	h.bus.Publish(ended("s1", "build", 0))
	ch.next(t)

	if waited := secondCall.Sub(firstCall); waited < delay {
		t.Errorf("second attempt came %s after the first; want at least the retry-after %s", waited, delay)
	}
	r := h.logs.waitFor(t, "rate-limited")
	if got := attr(r, "retry_after").Duration(); got != delay {
		t.Errorf("retry_after = %s; want %s", got, delay)
	}
}

func TestPermanentErrorNotRetried(t *testing.T) {
	ch := newFakeChannel("fake")
	ch.sendFn = func(ctx context.Context, m Message, call int) (string, error) {
		return "", Permanent(errors.New("chat not found"))
	}
	h := startHub(t, testConfig(), newFakeSessions(), ch)

	h.bus.Publish(ended("s1", "build", 0))
	h.logs.waitFor(t, "notification not delivered")

	if got := ch.sendCalls(); got != 1 {
		t.Errorf("Send called %d times; want 1", got)
	}
	if got := h.stats().Failed; got != 1 {
		t.Errorf("Failed = %d; want 1", got)
	}
}

func TestUnauthorizedChannelDisabledOnce(t *testing.T) {
	bad := newFakeChannel("bad")
	bad.openFn = func(ctx context.Context) error {
		return fmt.Errorf("token rejected: %w", ErrUnauthorized)
	}
	good := newFakeChannel("good")
	h := startHub(t, testConfig(), newFakeSessions(), bad, good)

	h.logs.waitFor(t, "channel disabled")
	h.bus.Publish(ended("s1", "build", 0))
	good.next(t)
	h.bus.Publish(ended("s2", "test", 0))
	good.next(t)

	stats := h.stats()
	if !slices.Equal(stats.Disabled, []string{"bad"}) {
		t.Errorf("Disabled = %q; want [bad]", stats.Disabled)
	}
	if got := bad.sendCalls(); got != 0 {
		t.Errorf("disabled channel got %d sends; want 0", got)
	}
	h.stop()
	if got := len(h.logs.matching("channel disabled")); got != 1 {
		t.Errorf("logged the disabled channel %d times; want 1", got)
	}
}

func TestUnavailableChannelRetriesOpen(t *testing.T) {
	ch := newFakeChannel("fake")
	opens := 0
	ch.openFn = func(ctx context.Context) error {
		opens++
		if opens < 3 {
			return errors.New("connection refused")
		}
		return nil
	}
	h := startHub(t, testConfig(), newFakeSessions(), ch)

	h.bus.Publish(ended("s1", "build", 0))
	ch.next(t)

	if got := len(h.logs.matching("channel not reachable, retrying")); got != 2 {
		t.Errorf("logged %d open retries; want 2", got)
	}
}

func TestStopDrainsPending(t *testing.T) {
	ch := newFakeChannel("fake")
	ch.sendFn = func(ctx context.Context, m Message, call int) (string, error) {
		if !sleep(ctx, 20*time.Millisecond) {
			return "", ctx.Err()
		}
		return "ok", nil
	}
	cfg := testConfig()
	cfg.CoalesceWindow = time.Minute
	h := startHub(t, cfg, newFakeSessions(), ch)

	h.bus.Publish(ended("s1", "a", 0))
	h.bus.Publish(ended("s2", "b", 0))
	h.bus.Publish(idle("s3", "c", 30, 0)) // held for the coalescing window
	h.stop()

	var got []string
	for _, m := range ch.sentMessages() {
		got = append(got, m.SessionID)
	}
	if want := []string{"s1", "s2", "s3"}; !slices.Equal(got, want) {
		t.Errorf("delivered %q before stopping; want %q", got, want)
	}
	r := h.logs.waitFor(t, "notification hub stopped")
	if got := attr(r, "undelivered").Int64(); got != 0 {
		t.Errorf("undelivered = %d; want 0", got)
	}
}

func TestStopBoundedByTimeout(t *testing.T) {
	ch := newFakeChannel("fake")
	sending := make(chan struct{}, 1)
	ch.sendFn = func(ctx context.Context, m Message, call int) (string, error) {
		sending <- struct{}{}
		<-ctx.Done()
		return "", ctx.Err()
	}
	cfg := testConfig()
	cfg.ShutdownTimeout = 300 * time.Millisecond
	h := startHub(t, cfg, newFakeSessions(), ch)

	h.bus.Publish(ended("s1", "build", 0))
	h.bus.Publish(ended("s2", "test", 0))
	select {
	case <-sending:
	case <-time.After(waitLimit):
		t.Fatal("Send was not called")
	}

	start := time.Now()
	h.stop()
	if elapsed, limit := time.Since(start), cfg.ShutdownTimeout+2*time.Second; elapsed > limit {
		t.Errorf("stop took %s; want under the stop budget plus margin, %s", elapsed, limit)
	}
	r := h.logs.waitFor(t, "notification hub stopped")
	if got := attr(r, "undelivered").Int64(); got != 2 {
		t.Errorf("undelivered = %d; want 2", got)
	}
}

func TestReplyReachesSession(t *testing.T) {
	sessions := newFakeSessions(SessionSummary{ID: "s1", Name: "build", Provider: "claude", State: "idle"})
	ch := newFakeReceiver("fake")
	h := startHub(t, testConfig(), sessions, ch)

	h.bus.Publish(idle("s1", "build", 30, 0))
	notification := ch.next(t)
	h.waitStats(func(s *Stats) bool { return s.Sent == 1 })
	if !slices.ContainsFunc(notification.Text, func(s string) bool { return strings.Contains(s, "Reply") }) {
		t.Errorf("Text = %q; want a hint that replies work", notification.Text)
	}

	ch.inbound <- Inbound{ChatID: 7, User: "ops", Text: "yes, go ahead", Ref: "in1", ReplyTo: "m1"}
	call := sessions.nextInput(t)
	if call.id != "s1" || call.data != "yes, go ahead\r" {
		t.Errorf("Input(%q, %q); want Input(s1, %q)", call.id, call.data, "yes, go ahead\r")
	}

	e, ok := h.nextEvent().(*event.RemoteInput)
	if !ok {
		t.Fatalf("event is %T; want *event.RemoteInput", e)
	}
	if e.SessionID != "s1" || e.Command != "reply" || e.ChatID != 7 || e.User != "ops" || e.Channel != "fake" {
		t.Errorf("event = %+v; want session s1, command reply, chat 7, user ops, channel fake", e)
	}

	confirmation := ch.next(t)
	if confirmation.ReplyTo != "in1" {
		t.Errorf("confirmation ReplyTo = %q; want in1", confirmation.ReplyTo)
	}
}

func TestReplyToUnknownMessage(t *testing.T) {
	sessions := newFakeSessions()
	ch := newFakeReceiver("fake")
	startHub(t, testConfig(), sessions, ch)

	ch.inbound <- Inbound{ChatID: 7, Text: "yes", Ref: "in1", ReplyTo: "nope"}
	m := ch.next(t)

	if !strings.Contains(strings.Join(m.Text, " "), "not linked to a session") {
		t.Errorf("Text = %q; want an explanation", m.Text)
	}
	select {
	case call := <-sessions.inputs:
		t.Errorf("unexpected input %+v", call)
	default:
	}
}

func TestSessionsCommandLists(t *testing.T) {
	sessions := newFakeSessions(
		SessionSummary{ID: "s1", Name: "build", Provider: "claude", State: "idle"},
		SessionSummary{ID: "s2", Name: "tests", Provider: "shell", State: "ended"},
	)
	ch := newFakeReceiver("fake")
	startHub(t, testConfig(), sessions, ch)

	ch.inbound <- Inbound{ChatID: 7, Text: "/sessions", Ref: "in1"}
	m := ch.next(t)

	want := []string{"build (claude): idle, id s1", "tests (shell): ended, id s2"}
	if !slices.Equal(m.Text, want) {
		t.Errorf("Text = %q; want %q", m.Text, want)
	}
}

func TestTailCommandShowsScreen(t *testing.T) {
	sessions := newFakeSessions(SessionSummary{ID: "s1", Name: "build", Provider: "claude", State: "running"})
	sessions.setScreen("s1", "line 1", "line 2", "")
	ch := newFakeReceiver("fake")
	h := startHub(t, testConfig(), sessions, ch)

	ch.inbound <- Inbound{ChatID: 7, User: "ops", Text: "/tail BUILD", Ref: "in1"}
	m := ch.next(t)

	if want := []string{"line 1", "line 2"}; !slices.Equal(m.Screen, want) {
		t.Errorf("Screen = %q; want %q", m.Screen, want)
	}
	if m.SessionID != "s1" {
		t.Errorf("SessionID = %q; want s1", m.SessionID)
	}
	if e, ok := h.nextEvent().(*event.RemoteTail); !ok || e.SessionID != "s1" {
		t.Errorf("event = %+v; want a RemoteTail for s1", e)
	}
}

func TestSendCommandWritesInput(t *testing.T) {
	sessions := newFakeSessions(SessionSummary{ID: "abc123", Name: "build", Provider: "claude", State: "idle"})
	ch := newFakeReceiver("fake")
	h := startHub(t, testConfig(), sessions, ch)

	ch.inbound <- Inbound{ChatID: 7, Text: "/send abc123 run the  tests", Ref: "in1"}
	call := sessions.nextInput(t)

	if call.id != "abc123" || call.data != "run the  tests\r" {
		t.Errorf("Input(%q, %q); want Input(abc123, %q)", call.id, call.data, "run the  tests\r")
	}
	if e, ok := h.nextEvent().(*event.RemoteInput); !ok || e.Command != "send" || e.Bytes != len("run the  tests\r") {
		t.Errorf("event = %+v; want a RemoteInput with command send and the byte count", e)
	}
}

func TestSendToAmbiguousName(t *testing.T) {
	sessions := newFakeSessions(
		SessionSummary{ID: "s1", Name: "build", State: "idle"},
		SessionSummary{ID: "s2", Name: "build", State: "running"},
	)
	ch := newFakeReceiver("fake")
	startHub(t, testConfig(), sessions, ch)

	ch.inbound <- Inbound{ChatID: 7, Text: "/send build hi", Ref: "in1"}
	m := ch.next(t)

	text := strings.Join(m.Text, " ")
	if !strings.Contains(text, "s1") || !strings.Contains(text, "s2") {
		t.Errorf("Text = %q; want both ids listed", text)
	}
}

func TestFailedInputReported(t *testing.T) {
	sessions := newFakeSessions(SessionSummary{ID: "s1", Name: "build", State: "ended"})
	sessions.inputErr = errors.New("session has ended")
	ch := newFakeReceiver("fake")
	h := startHub(t, testConfig(), sessions, ch)

	ch.inbound <- Inbound{ChatID: 7, Text: "/send build hi", Ref: "in1"}
	m := ch.next(t)

	if !strings.Contains(strings.Join(m.Text, " "), "session has ended") {
		t.Errorf("Text = %q; want the error", m.Text)
	}
	if e, ok := h.nextEvent().(*event.RemoteInput); !ok || e.Error == "" {
		t.Errorf("event = %+v; want a RemoteInput with the error", e)
	}
}

func TestNewPropsRejectsMissingDeps(t *testing.T) {
	if _, err := NewProps(Defaults(), Deps{}); err == nil {
		t.Error("NewProps without a bus returned no error")
	}
	cfg := Defaults()
	cfg.QueueSize = 0
	if _, err := NewProps(cfg, Deps{}); err == nil || !strings.Contains(err.Error(), "notify.queue_size") {
		t.Errorf("NewProps error = %v; want one naming notify.queue_size", err)
	}
}

func TestPermanentOpenErrorDisables(t *testing.T) {
	ch := newFakeChannel("fake")
	ch.openFn = func(ctx context.Context) error {
		return Permanent(errors.New("chat not found"))
	}
	h := startHub(t, testConfig(), newFakeSessions(), ch)

	r := h.logs.waitFor(t, "channel disabled")
	h.bus.Publish(ended("s1", "build", 0))

	if got := h.stats(); !slices.Equal(got.Disabled, []string{"fake"}) || got.Queued != 0 {
		t.Errorf("stats = %+v; want the channel disabled and nothing queued", got)
	}
	if got := attr(r, "error").String(); !strings.Contains(got, "chat not found") {
		t.Errorf("error attribute = %q; want the cause", got)
	}
}
