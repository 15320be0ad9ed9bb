package auth

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// KeyFileEnv names the environment variable that points at an injected
// keyfile (systemd LoadCredential, a Kubernetes secret). It has no TOML key.
const KeyFileEnv = "OPENDRAY_ADMIN_KEY_FILE"

// Limits on token lifetimes and on the throttle window that Validate enforces.
const (
	minTokenTTL       = time.Minute
	maxTokenTTL       = 365 * 24 * time.Hour
	minThrottleWindow = time.Second
	maxThrottleWindow = 24 * time.Hour
	maxUserNameBytes  = 64
)

// Config configures admin authentication. Each field comment names its
// configuration key, which Validate also names in its errors. KeyFile and
// HomeDir have no key because they come from the environment.
type Config struct {
	// User (admin.user) is the bootstrap admin user name, used while no
	// keyfile exists.
	User string
	// Password (admin.password) is the bootstrap plaintext password, used
	// while no keyfile exists. It is required on first boot and inert
	// afterwards.
	Password Secret
	// TokenTTL (admin.token_ttl) is the absolute lifetime of a token from
	// login.
	TokenTTL time.Duration
	// MobileTokenTTL (admin.mobile_token_ttl) is the absolute lifetime of a
	// token from mobile-login.
	MobileTokenTTL time.Duration
	// KeyFile is the value of OPENDRAY_ADMIN_KEY_FILE. When it is not
	// empty, that keyfile is the only credential source.
	KeyFile string
	// HomeDir is the directory that contains .opendray/secrets/admin.key.
	HomeDir string
	// TrustedProxies (trusted_proxies) lists the IP addresses and CIDR
	// prefixes of reverse proxies whose X-Forwarded-For, X-Forwarded-Host
	// and X-Forwarded-Proto headers are believed.
	TrustedProxies []string
	// AllowedOrigins (allowed_origins) lists origins (scheme://host[:port])
	// besides the gateway's own that may open WebSockets.
	AllowedOrigins []string
	// Throttle limits failed logins.
	Throttle ThrottleConfig
}

// ThrottleConfig limits failed logins within a sliding window.
type ThrottleConfig struct {
	// ClientFailures (admin.max_failed_logins) is the maximum number of
	// failed logins from one client address (one /64 for IPv6) within Window.
	ClientFailures int
	// GlobalFailures (admin.max_failed_logins_global) is the maximum number
	// of failed logins from all addresses together within Window. Past it
	// every login gets 429.
	GlobalFailures int
	// Window (admin.failed_login_window) is the length of the sliding window.
	Window time.Duration
}

// Defaults returns the default configuration. KeyFile is read from
// OPENDRAY_ADMIN_KEY_FILE and HomeDir from the user's home directory, and
// loopback is a trusted proxy because the usual reverse proxy runs on the
// same host.
func Defaults() Config {
	home, _ := os.UserHomeDir()
	return Config{
		User:           "admin",
		TokenTTL:       24 * time.Hour,
		MobileTokenTTL: 720 * time.Hour,
		KeyFile:        os.Getenv(KeyFileEnv),
		HomeDir:        home,
		TrustedProxies: []string{"127.0.0.0/8", "::1"},
		Throttle: ThrottleConfig{
			ClientFailures: 5,
			GlobalFailures: 100,
			Window:         15 * time.Minute,
		},
	}
}

// ConfigError is an invalid configuration value. Key is the TOML key with
// its section, for example admin.token_ttl.
type ConfigError struct {
	Key     string
	Message string
}

func (e *ConfigError) Error() string { return e.Key + ": " + e.Message }

// Validate returns a *ConfigError for the first invalid value. It does not
// look at the keyfile or the password: New reports those, because whether
// a password is required depends on which keyfiles exist.
func (c Config) Validate() error {
	if err := ValidateUserName(c.User); err != nil {
		return &ConfigError{Key: "admin.user", Message: err.Error()}
	}
	if err := validateTTL(c.TokenTTL); err != nil {
		return &ConfigError{Key: "admin.token_ttl", Message: err.Error()}
	}
	if err := validateTTL(c.MobileTokenTTL); err != nil {
		return &ConfigError{Key: "admin.mobile_token_ttl", Message: err.Error()}
	}
	if _, err := ParseTrustedProxies(c.TrustedProxies); err != nil {
		return &ConfigError{Key: "trusted_proxies", Message: err.Error()}
	}
	if _, err := ParseAllowedOrigins(c.AllowedOrigins); err != nil {
		return &ConfigError{Key: "allowed_origins", Message: err.Error()}
	}
	return c.Throttle.validate()
}

func (t ThrottleConfig) validate() error {
	if t.ClientFailures < 1 {
		return &ConfigError{Key: "admin.max_failed_logins", Message: fmt.Sprintf("must be at least 1, got %d", t.ClientFailures)}
	}
	if t.GlobalFailures < t.ClientFailures {
		return &ConfigError{Key: "admin.max_failed_logins_global", Message: fmt.Sprintf("must be at least admin.max_failed_logins (%d), got %d", t.ClientFailures, t.GlobalFailures)}
	}
	if t.Window < minThrottleWindow || t.Window > maxThrottleWindow {
		return &ConfigError{Key: "admin.failed_login_window", Message: fmt.Sprintf("must be between %s and %s, got %s", minThrottleWindow, maxThrottleWindow, t.Window)}
	}
	return nil
}

func validateTTL(ttl time.Duration) error {
	if ttl < minTokenTTL || ttl > maxTokenTTL {
		return fmt.Errorf("must be between %s and %s, got %s", minTokenTTL, maxTokenTTL, ttl)
	}
	return nil
}

// ValidateUserName returns an error unless name is a usable admin user
// name: 1 to 64 bytes of UTF-8, no control characters, no leading or
// trailing white space. The keyfile stores the name on one line, so line
// breaks in particular are rejected.
func ValidateUserName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("must not be empty")
	case len(name) > maxUserNameBytes:
		return fmt.Errorf("must be at most %d bytes, got %d", maxUserNameBytes, len(name))
	case !utf8.ValidString(name):
		return fmt.Errorf("must be valid UTF-8")
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("must not start or end with white space")
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("must not contain control characters")
	}
	return nil
}
