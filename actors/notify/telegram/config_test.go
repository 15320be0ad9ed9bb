package telegram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	cfg := Defaults()
	cfg.BotToken = testToken
	cfg.ChatID = -1001234
	cfg.PublicURL = "https://agents.example.test"
	return cfg
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("Validate() = %v; want nil", err)
	}

	tests := []struct {
		key    string
		modify func(*Config)
	}{
		{"telegram.bot_token", func(c *Config) { c.BotToken = "" }},
		{"telegram.bot_token", func(c *Config) { c.BotToken = "no-colon-secret" }},
		{"telegram.bot_token", func(c *Config) { c.BotToken = "123:has space" }},
		{"telegram.chat_id", func(c *Config) { c.ChatID = 0 }},
		{"telegram.events", func(c *Config) { c.Events = []string{"session.idle", "session.exploded"} }},
		{"telegram.public_url", func(c *Config) { c.PublicURL = "agents.example.test" }},
		{"telegram.public_url", func(c *Config) { c.PublicURL = "ftp://agents.example.test" }},
		{"telegram.api_base", func(c *Config) { c.APIBase = "" }},
		{"telegram.api_base", func(c *Config) { c.APIBase = "https://user:pw@api.example.test" }},
		{"telegram.api_base", func(c *Config) { c.APIBase = "https://api.example.test/?x=1" }},
		{"telegram.poll_timeout", func(c *Config) { c.PollTimeout = 0 }},
		{"telegram.poll_timeout", func(c *Config) { c.PollTimeout = 5 * time.Minute }},
	}
	for _, tt := range tests {
		cfg := validConfig()
		tt.modify(&cfg)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("%s: Validate() = nil; want an error", tt.key)
			continue
		}
		if !strings.HasPrefix(err.Error(), tt.key+":") {
			t.Errorf("Validate() = %q; want it to start with %s", err, tt.key)
		}
		if strings.Contains(err.Error(), "has space") || strings.Contains(err.Error(), testToken) {
			t.Errorf("Validate() = %q; the error contains the token", err)
		}
	}
}

func TestConfigEmptyEventsValid(t *testing.T) {
	cfg := validConfig()
	cfg.Events = nil
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() = %v; want nil so the chat is used for commands only", err)
	}
}

func TestTokenRedacted(t *testing.T) {
	cfg := validConfig()

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", slog.Any("token", cfg.BotToken), slog.Any("config", cfg))
	encoded, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}

	outputs := map[string]string{
		"slog":   logged.String(),
		"%v":     fmt.Sprintf("%v", cfg),
		"%+v":    fmt.Sprintf("%+v", cfg),
		"%#v":    fmt.Sprintf("%#v", cfg),
		"%s":     fmt.Sprintf("%s", cfg.BotToken),
		"json":   string(encoded),
		"Sprint": fmt.Sprint(cfg.BotToken),
		"Errorf": fmt.Errorf("token %v", cfg.BotToken).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "TEST-token") {
			t.Errorf("%s output contains the token: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s output does not show [redacted]: %s", name, out)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := validConfig()
	cfg.ChatID = 0
	if _, err := New(cfg, nil); err == nil || !strings.HasPrefix(err.Error(), "telegram.chat_id:") {
		t.Errorf("New() error = %v; want one naming telegram.chat_id", err)
	}
}
