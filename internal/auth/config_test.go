package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAreValid(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v; want nil", err)
	}
}

func TestDefaultsValues(t *testing.T) {
	cfg := Defaults()
	if cfg.User != "admin" {
		t.Errorf("User = %q; want admin", cfg.User)
	}
	if cfg.TokenTTL != 24*time.Hour {
		t.Errorf("TokenTTL = %s; want 24h", cfg.TokenTTL)
	}
	if cfg.MobileTokenTTL != 720*time.Hour {
		t.Errorf("MobileTokenTTL = %s; want 720h", cfg.MobileTokenTTL)
	}
	if cfg.Throttle != (ThrottleConfig{ClientFailures: 5, GlobalFailures: 100, Window: 15 * time.Minute}) {
		t.Errorf("Throttle = %+v; want 5 per client and 100 in all per 15m", cfg.Throttle)
	}
}

func TestDefaultsReadKeyFileVariable(t *testing.T) {
	t.Setenv(KeyFileEnv, "/run/credentials/opendray/admin.key")
	if got := Defaults().KeyFile; got != "/run/credentials/opendray/admin.key" {
		t.Errorf("KeyFile = %q; want the value of %s", got, KeyFileEnv)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	cases := []struct {
		key    string
		mutate func(*Config)
	}{
		{"admin.user", func(c *Config) { c.User = "" }},
		{"admin.user", func(c *Config) { c.User = "ad\nmin" }},
		{"admin.user", func(c *Config) { c.User = " admin" }},
		{"admin.user", func(c *Config) { c.User = strings.Repeat("a", 65) }},
		{"admin.token_ttl", func(c *Config) { c.TokenTTL = 0 }},
		{"admin.token_ttl", func(c *Config) { c.TokenTTL = -time.Hour }},
		{"admin.mobile_token_ttl", func(c *Config) { c.MobileTokenTTL = 400 * 24 * time.Hour }},
		{"trusted_proxies", func(c *Config) { c.TrustedProxies = []string{"10.0.0.300"} }},
		{"trusted_proxies", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/33"} }},
		{"allowed_origins", func(c *Config) { c.AllowedOrigins = []string{"*"} }},
		{"allowed_origins", func(c *Config) { c.AllowedOrigins = []string{"https://example.com/app"} }},
		{"allowed_origins", func(c *Config) { c.AllowedOrigins = []string{"ftp://example.com"} }},
		{"admin.max_failed_logins", func(c *Config) { c.Throttle.ClientFailures = 0 }},
		{"admin.max_failed_logins_global", func(c *Config) { c.Throttle.GlobalFailures = 4 }},
		{"admin.failed_login_window", func(c *Config) { c.Throttle.Window = 0 }},
	}
	for _, tc := range cases {
		cfg := Defaults()
		tc.mutate(&cfg)
		err := cfg.Validate()
		var configErr *ConfigError
		if !errors.As(err, &configErr) {
			t.Errorf("%s case: Validate() = %v; want a *ConfigError", tc.key, err)
			continue
		}
		if configErr.Key != tc.key {
			t.Errorf("Validate() key = %q; want %q (error %v)", configErr.Key, tc.key, err)
		}
		if !strings.HasPrefix(err.Error(), tc.key+": ") {
			t.Errorf("error %q does not start with the key %s", err, tc.key)
		}
	}
}

func TestValidateAcceptsListsAndLimits(t *testing.T) {
	cfg := Defaults()
	cfg.TrustedProxies = []string{"10.0.0.5", "192.168.0.0/16", "fd00::/8", "::1"}
	cfg.AllowedOrigins = []string{"https://opendray.example.com", "http://localhost:5173"}
	cfg.TokenTTL = time.Minute
	cfg.MobileTokenTTL = 365 * 24 * time.Hour
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate() = %v; want nil", err)
	}
}
