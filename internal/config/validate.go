package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgconn"
)

// knownEvents are the event names a notification channel may subscribe to.
var knownEvents = []string{"session.created", "session.idle", "session.ended", "session.stopped"}

// Validate checks every value and returns the first problem, naming its key.
func (c *Config) Validate() error {
	checks := []func() error{
		c.validateHTTP,
		c.validateDatabase,
		c.validateAdmin,
		c.validateLog,
		c.validateSession,
		c.validateBackup,
		c.validateTelegram,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateHTTP() error {
	if err := ValidateListen(c.Listen); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	for _, proxy := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(proxy); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(proxy); err != nil {
			return fmt.Errorf("trusted_proxies: %q is neither an IP address nor a CIDR such as 10.0.0.0/8", proxy)
		}
	}
	for _, origin := range c.AllowedOrigins {
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("allowed_origins: %q is not an origin; want scheme://host[:port] such as https://admin.example.com", origin)
		}
	}
	return nil
}

// ValidateListen checks a host:port listen address. The host may be empty
// (all interfaces), an IP address or a host name; the port is 0 to 65535.
func ValidateListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port; want an address such as 127.0.0.1:8770 or :8770", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has port %q; want a number from 0 to 65535", addr, port)
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || strings.IndexFunc(label, func(r rune) bool {
			return !(r == '-' || unicode.IsDigit(r) || (r < unicode.MaxASCII && unicode.IsLetter(r)))
		}) >= 0 {
			return fmt.Errorf("%q has host %q, which is neither an IP address nor a host name", addr, host)
		}
	}
	return nil
}

func (c *Config) validateDatabase() error {
	if c.Database.URL != "" {
		if err := ValidateDatabaseURL(c.Database.URL); err != nil {
			return fmt.Errorf("database.url: %w", err)
		}
	}
	if c.Database.EmbeddedDir != "" && !filepath.IsAbs(c.Database.EmbeddedDir) {
		return fmt.Errorf("database.embedded_dir: %q is not an absolute path", c.Database.EmbeddedDir)
	}
	if c.Database.MaxConns < 1 || c.Database.MaxConns > 1000 {
		return fmt.Errorf("database.max_conns: %d is out of range; want a number from 1 to 1000", c.Database.MaxConns)
	}
	return nil
}

// ValidateDatabaseURL checks that raw is a PostgreSQL URL or key=value DSN.
// The error never repeats raw, which may hold a password.
func ValidateDatabaseURL(raw string) error {
	const form = "want postgres://user:password@host:5432/dbname or key=value pairs such as \"host=/run/postgresql dbname=opendray\""
	isURL := strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://")
	if !isURL && !strings.Contains(raw, "=") {
		return errors.New("not a PostgreSQL URL; " + form)
	}
	if isURL {
		if _, err := url.Parse(raw); err != nil {
			return errors.New("malformed URL; " + form)
		}
	}
	if _, err := pgconn.ParseConfig(raw); err != nil {
		return errors.New("malformed connection string; " + form)
	}
	return nil
}

func (c *Config) validateAdmin() error {
	user := c.Admin.User
	if strings.TrimSpace(user) == "" {
		return errors.New("admin.user: empty; want a user name such as \"admin\"")
	}
	if len(user) > 64 || strings.IndexFunc(user, unicode.IsControl) >= 0 || strings.TrimSpace(user) != user {
		return fmt.Errorf("admin.user: %q is not a valid user name; want at most 64 printable characters without surrounding spaces", user)
	}
	if len(c.Admin.Password) > 72 {
		return errors.New("admin.password: longer than 72 bytes, which bcrypt cannot use; choose a shorter password")
	}
	if c.Admin.MaxFailedLogins < 1 || c.Admin.MaxFailedLogins > 1000 {
		return fmt.Errorf("admin.max_failed_logins: %d is out of range; want a number from 1 to 1000", c.Admin.MaxFailedLogins)
	}
	if c.Admin.MaxFailedLoginsGlobal < c.Admin.MaxFailedLogins || c.Admin.MaxFailedLoginsGlobal > 1000000 {
		return fmt.Errorf("admin.max_failed_logins_global: %d is out of range; want a number from admin.max_failed_logins (%d) to 1000000", c.Admin.MaxFailedLoginsGlobal, c.Admin.MaxFailedLogins)
	}
	if c.Admin.FailedLoginWindow < time.Second || c.Admin.FailedLoginWindow > 24*time.Hour {
		return fmt.Errorf("admin.failed_login_window: %s is out of range; want a duration from 1s to 24h", formatDuration(c.Admin.FailedLoginWindow))
	}
	for _, ttl := range []struct {
		key   string
		value time.Duration
	}{{"admin.token_ttl", c.Admin.TokenTTL}, {"admin.mobile_token_ttl", c.Admin.MobileTokenTTL}} {
		if ttl.value < time.Minute || ttl.value > 365*24*time.Hour {
			return fmt.Errorf("%s: %s is out of range; want a duration from 1m to 365d", ttl.key, formatDuration(ttl.value))
		}
	}
	return nil
}

func (c *Config) validateLog() error {
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q is not a level; want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("log.format: %q is not a format; want text or json", c.Log.Format)
	}
	if c.Log.File != "" {
		dir := filepath.Dir(c.Log.File)
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() {
			return fmt.Errorf("log.file: folder %s does not exist; create it or choose another path", dir)
		}
	}
	return nil
}

func (c *Config) validateSession() error {
	if c.Session.IdleThreshold < time.Second {
		return fmt.Errorf("session.idle_threshold: %s is too short; want 1s or more", formatDuration(c.Session.IdleThreshold))
	}
	if c.Session.IdleInterval < 100*time.Millisecond {
		return fmt.Errorf("session.idle_interval: %s is too short; want 100ms or more", formatDuration(c.Session.IdleInterval))
	}
	if c.Session.IdleInterval > c.Session.IdleThreshold {
		return fmt.Errorf("session.idle_interval: %s is longer than session.idle_threshold (%s); want an interval no longer than the threshold",
			formatDuration(c.Session.IdleInterval), formatDuration(c.Session.IdleThreshold))
	}
	return nil
}

func (c *Config) validateBackup() error {
	if c.Backup.Enabled && c.Backup.Key == "" {
		return errors.New("backup.enabled: backups are on but OPENDRAY_BACKUP_KEY is not set; set it in the environment or turn backups off")
	}
	return nil
}

func (c *Config) validateTelegram() error {
	t := c.Telegram
	if !t.Enabled {
		return nil
	}
	if t.BotToken == "" {
		return errors.New("telegram.bot_token: missing; set OPENDRAY_TELEGRAM_BOT_TOKEN, or remove the [telegram] section to turn the channel off")
	}
	if t.ChatID == 0 {
		return errors.New("telegram.chat_id: missing; set the numeric id of the one chat that receives notifications (OPENDRAY_TELEGRAM_CHAT_ID)")
	}
	for _, name := range t.Events {
		if !slices.Contains(knownEvents, name) {
			return fmt.Errorf("telegram.events: %q is not an event name; want some of %s", name, strings.Join(knownEvents, ", "))
		}
	}
	for _, u := range []struct{ key, value string }{{"telegram.api_base", t.APIBase}, {"telegram.public_url", t.PublicURL}} {
		if u.value == "" && u.key == "telegram.public_url" {
			continue
		}
		parsed, err := url.Parse(u.value)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			return fmt.Errorf("%s: %q is not an http or https URL", u.key, u.value)
		}
	}
	return nil
}
