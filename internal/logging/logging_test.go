package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

func newTest(t *testing.T, opts Options) (*Logging, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts.Stdout = &out
	if opts.Level == "" {
		opts.Level = "info"
	}
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, &out
}

func TestLoggerFansOutToConsoleAndRing(t *testing.T) {
	l, out := newTest(t, Options{Format: "json"})
	l.Logger.With("actor", "health").WithGroup("db").Info("ping failed", "error", errors.New("refused"), "attempt", 3)
	l.Logger.Debug("hidden at info level")

	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("console output is not one JSON line: %q", out.String())
	}
	if line["msg"] != "ping failed" {
		t.Errorf("console msg = %v", line["msg"])
	}
	records := l.Ring.Tail(0)
	if len(records) != 1 {
		t.Fatalf("ring has %d records; want 1 (debug filtered)", len(records))
	}
	rec := records[0]
	if rec.Level != "INFO" || rec.Message != "ping failed" {
		t.Errorf("ring record = %+v", rec)
	}
	if rec.Attrs["actor"] != "health" || rec.Attrs["db.error"] != "refused" || rec.Attrs["db.attempt"] != int64(3) {
		t.Errorf("ring attrs = %v; want actor, db.error, db.attempt", rec.Attrs)
	}
}

func TestLoggerRedactsSecrets(t *testing.T) {
	l, out := newTest(t, Options{Format: "text"})
	l.Logger.Info("login", "password", "hunter2", "user", "admin", "tokens_revoked", 3)
	l.Logger.With("bot_token", "123:abc").Info("telegram up")
	l.Logger.Info("request", "uri", "/api/v1/events?token=abcdef&since=4", "key", Secret("k3y"))
	l.Logger.Info("GET /stream?token=zzz9")

	text := out.String()
	for _, secret := range []string{"hunter2", "123:abc", "abcdef", "k3y", "zzz9"} {
		if strings.Contains(text, secret) {
			t.Errorf("console output contains %q:\n%s", secret, text)
		}
		for _, rec := range l.Ring.Tail(0) {
			if strings.Contains(rec.Message, secret) || strings.Contains(strings.Join(stringValues(rec.Attrs), " "), secret) {
				t.Errorf("ring record %d contains %q", rec.Seq, secret)
			}
		}
	}
	if !strings.Contains(text, "tokens_revoked=3") || !strings.Contains(text, "since=4") || !strings.Contains(text, "user=admin") {
		t.Errorf("redaction removed values that are not secrets:\n%s", text)
	}
}

func stringValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestLoggerWritesRotatingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "opendray.log")
	l, _ := newTest(t, Options{Format: "json", File: path})
	l.Logger.Warn("disk nearly full", "free_mb", 12)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"msg":"disk nearly full"`) {
		t.Errorf("log file = %q; want the record", data)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{Level: "loud", Format: "text"}); err == nil {
		t.Error("New accepted level loud")
	}
	if _, err := New(Options{Level: "info", Format: "xml"}); err == nil {
		t.Error("New accepted format xml")
	}
}

func TestLevelVarChangesAllOutputs(t *testing.T) {
	l, out := newTest(t, Options{Format: "text"})
	l.Level.Set(slog.LevelDebug)
	l.Logger.Debug("now visible")
	if !strings.Contains(out.String(), "now visible") || len(l.Ring.Tail(0)) != 1 {
		t.Error("debug record missing after lowering the level")
	}
}

func TestIsSecretKey(t *testing.T) {
	secret := []string{"password", "admin.password", "bot_token", "token", "Authorization", "backup-passphrase", "client_secret"}
	plain := []string{"user", "tokens", "session_id", "passwordless"}
	for _, k := range secret {
		if !IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = false; want true", k)
		}
	}
	for _, k := range plain {
		if IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = true; want false", k)
		}
	}
}

func TestWithMinLevelDropsLowerRecords(t *testing.T) {
	l, out := newTest(t, Options{Format: "text", Level: "debug"})
	quiet := WithMinLevel(l.Logger.With("lib", "protoactor"), slog.LevelWarn)
	quiet.Info("dead letter")
	quiet.Warn("mailbox full")
	if strings.Contains(out.String(), "dead letter") {
		t.Error("info record passed a warn floor")
	}
	if !strings.Contains(out.String(), "mailbox full") || !strings.Contains(out.String(), "lib=protoactor") {
		t.Errorf("warn record missing: %q", out.String())
	}
}

// Some libraries (fiber) pass strings whose bytes they later reuse; the
// ring must keep what was logged, not what the buffer holds later.
func TestRingKeepsCopiesOfStrings(t *testing.T) {
	l, _ := newTest(t, Options{Format: "text"})
	buf := []byte("POST")
	shared := unsafe.String(&buf[0], len(buf))
	l.Logger.Info("http request", "method", shared)
	copy(buf, "GETT")

	records := l.Ring.Tail(1)
	if got := records[0].Attrs["method"]; got != "POST" {
		t.Errorf("ring method = %v; want POST as logged", got)
	}
}
