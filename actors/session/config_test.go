package session

import (
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultsAreValid(t *testing.T) {
	cfg := Defaults()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
	if cfg.IdleThreshold != 30*time.Second || cfg.IdleInterval != 5*time.Second || cfg.RingSize != 1<<20 {
		t.Errorf("defaults = %v, %v, %d; want 30s, 5s, 1 MiB", cfg.IdleThreshold, cfg.IdleInterval, cfg.RingSize)
	}
}

func TestConfigValidateNamesTheSetting(t *testing.T) {
	cases := []struct {
		mention string
		change  func(*Config)
	}{
		{"idle_threshold", func(c *Config) { c.IdleThreshold = 0 }},
		{"idle_interval", func(c *Config) { c.IdleInterval = -time.Second }},
		{"idle_interval", func(c *Config) { c.IdleInterval = time.Minute }},
		{"grace", func(c *Config) { c.StopGrace = 0 }},
		{"ring size", func(c *Config) { c.RingSize = 100 }},
		{"viewer window", func(c *Config) { c.ViewerWindow = 0 }},
		{"ack window", func(c *Config) { c.AckWindow = 0 }},
		{"request timeout", func(c *Config) { c.RequestTimeout = 0 }},
	}
	for _, c := range cases {
		cfg := Defaults()
		c.change(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("Validate() = %v; want an error naming %s", err, c.mention)
		}
	}
}
