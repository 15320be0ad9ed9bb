package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendray/opendray/internal/event"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text    string
		isReply bool
		want    command
	}{
		{"/sessions", false, command{kind: commandSessions}},
		{"  /Sessions  ", false, command{kind: commandSessions}},
		{"/sessions@opendray_bot", false, command{kind: commandSessions}},
		{"/tail build", false, command{kind: commandTail, target: "build"}},
		{"/tail@bot build extra", false, command{kind: commandTail, target: "build"}},
		{"/tail", false, command{kind: commandTail}},
		{"/send build run  the tests", false, command{kind: commandSend, target: "build", text: "run  the tests"}},
		{"/send build\nline one\nline two", false, command{kind: commandSend, target: "build", text: "line one\nline two"}},
		{"/send build", false, command{kind: commandSend, target: "build"}},
		{"/start", false, command{kind: commandHelp}},
		{"/help", true, command{kind: commandHelp}},
		{"/reboot now", false, command{kind: commandUnknown, word: "/reboot"}},
		{"yes", true, command{kind: commandReply, text: "yes"}},
		{" y ", true, command{kind: commandReply, text: " y "}},
		{"yes", false, command{kind: commandNotReply}},
	}
	for _, tt := range tests {
		if got := parseCommand(tt.text, tt.isReply); got != tt.want {
			t.Errorf("parseCommand(%q, %v) = %+v; want %+v", tt.text, tt.isReply, got, tt.want)
		}
	}
}

func TestScreenTail(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		limit int
		want  []string
	}{
		{"trailing blanks trimmed", []string{"a", "b  ", "", "   "}, 10, []string{"a", "b"}},
		{"limit keeps the end", []string{"1", "2", "3", "4"}, 2, []string{"3", "4"}},
		{"leading blanks of the tail dropped", []string{"x", "", "", "y"}, 3, []string{"y"}},
		{"no limit", []string{"1", "2", "3"}, 0, []string{"1", "2", "3"}},
		{"all blank", []string{"", " "}, 5, []string{}},
		{"control characters become spaces", []string{"a\x1b[0mb\x00c"}, 5, []string{"a [0mb c"}},
		{"invalid UTF-8 replaced", []string{"ok\xff"}, 5, []string{"ok\uFFFD"}},
		{"tabs kept", []string{"a\tb"}, 5, []string{"a\tb"}},
	}
	for _, tt := range tests {
		got := screenTail(tt.lines, tt.limit)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: screenTail(%q, %d) = %q; want %q", tt.name, tt.lines, tt.limit, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v; want nil", err)
	}

	tests := []struct {
		key    string
		modify func(*Config)
	}{
		{"notify.shutdown_timeout", func(c *Config) { c.ShutdownTimeout = 0 }},
		{"notify.coalesce_window", func(c *Config) { c.CoalesceWindow = -time.Second }},
		{"notify.queue_size", func(c *Config) { c.QueueSize = 0 }},
		{"notify.max_attempts", func(c *Config) { c.MaxAttempts = 0 }},
		{"notify.retry_max", func(c *Config) { c.RetryMax = c.RetryBase / 2 }},
		{"notify.reply_memory", func(c *Config) { c.ReplyMemory = -1 }},
		{"notify.screen_lines", func(c *Config) { c.ScreenLines = -1 }},
	}
	for _, tt := range tests {
		cfg := Defaults()
		tt.modify(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.key+":") {
			t.Errorf("Validate() = %v; want an error starting with %s", err, tt.key)
		}
	}
}

func TestBackoffDoublesUpToMax(t *testing.T) {
	cfg := Defaults()
	cfg.RetryBase = time.Second
	cfg.RetryMax = 5 * time.Second

	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := cfg.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %s; want %s", i+1, got, w)
		}
	}
}

func TestReplyMemoryForgetsOldest(t *testing.T) {
	m := newReplyMemory(2)
	m.remember("r1", "s1")
	m.remember("r2", "s2")
	m.remember("r3", "s3")
	m.remember("", "s4")

	if _, ok := m.lookup("r1"); ok {
		t.Error("r1 is still remembered past the limit")
	}
	if id, ok := m.lookup("r3"); !ok || id != "s3" {
		t.Errorf("lookup(r3) = %q, %v; want s3, true", id, ok)
	}
	if got := len(m.sessions); got != 2 {
		t.Errorf("remembers %d entries; want 2", got)
	}
}

func TestNoteMessageForStop(t *testing.T) {
	n := &note{}
	n.info.SessionID = "s1"
	n.stopped = &event.SessionStopped{ExitCode: 143}
	m := n.message(nil, true)

	if len(m.Text) != 1 || !strings.Contains(m.Text[0], "exit code 143") {
		t.Errorf("Text = %q; want the stop and its exit code", m.Text)
	}
	if m.Title != "s1" {
		t.Errorf("Title = %q; want the id when the session has no name", m.Title)
	}
}
