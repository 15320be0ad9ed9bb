package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// kind is the type of a configuration value.
type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindDuration
	kindList
)

// field declares one configuration key: its dotted TOML name, its
// environment variable and where its value goes.
type field struct {
	key    string
	env    string
	kind   kind
	secret bool

	str   func(*Config) *string
	num   func(*Config) *int64
	flag  func(*Config) *bool
	dur   func(*Config) *time.Duration
	list  func(*Config) *[]string
	onSet func(*Config)
}

var schema = []field{
	{key: "listen", env: "OPENDRAY_LISTEN", kind: kindString, str: func(c *Config) *string { return &c.Listen }},
	{key: "trusted_proxies", env: "OPENDRAY_TRUSTED_PROXIES", kind: kindList, list: func(c *Config) *[]string { return &c.TrustedProxies }},
	{key: "allowed_origins", env: "OPENDRAY_ALLOWED_ORIGINS", kind: kindList, list: func(c *Config) *[]string { return &c.AllowedOrigins }},

	{key: "database.url", env: "OPENDRAY_DATABASE_URL", kind: kindString, secret: true, str: func(c *Config) *string { return &c.Database.URL }},
	{key: "database.max_conns", env: "OPENDRAY_DATABASE_MAX_CONNS", kind: kindInt},
	{key: "database.embedded_dir", env: "OPENDRAY_DATABASE_EMBEDDED_DIR", kind: kindString, str: func(c *Config) *string { return &c.Database.EmbeddedDir }},

	{key: "admin.user", env: "OPENDRAY_ADMIN_USER", kind: kindString, str: func(c *Config) *string { return &c.Admin.User }},
	{key: "admin.password", env: "OPENDRAY_ADMIN_PASSWORD", kind: kindString, secret: true, str: func(c *Config) *string { return &c.Admin.Password }},
	{key: "admin.token_ttl", env: "OPENDRAY_ADMIN_TOKEN_TTL", kind: kindDuration, dur: func(c *Config) *time.Duration { return &c.Admin.TokenTTL }},
	{key: "admin.mobile_token_ttl", env: "OPENDRAY_ADMIN_MOBILE_TOKEN_TTL", kind: kindDuration, dur: func(c *Config) *time.Duration { return &c.Admin.MobileTokenTTL }},

	{key: "admin.max_failed_logins", env: "OPENDRAY_ADMIN_MAX_FAILED_LOGINS", kind: kindInt},
	{key: "admin.max_failed_logins_global", env: "OPENDRAY_ADMIN_MAX_FAILED_LOGINS_GLOBAL", kind: kindInt},
	{key: "admin.failed_login_window", env: "OPENDRAY_ADMIN_FAILED_LOGIN_WINDOW", kind: kindDuration, dur: func(c *Config) *time.Duration { return &c.Admin.FailedLoginWindow }},

	{key: "log.level", env: "OPENDRAY_LOG_LEVEL", kind: kindString, str: func(c *Config) *string { return &c.Log.Level }},
	{key: "log.format", env: "OPENDRAY_LOG_FORMAT", kind: kindString, str: func(c *Config) *string { return &c.Log.Format }},
	{key: "log.file", env: "OPENDRAY_LOG_FILE", kind: kindString, str: func(c *Config) *string { return &c.Log.File }},

	{key: "session.idle_threshold", env: "OPENDRAY_SESSION_IDLE_THRESHOLD", kind: kindDuration, dur: func(c *Config) *time.Duration { return &c.Session.IdleThreshold }},
	{key: "session.idle_interval", env: "OPENDRAY_SESSION_IDLE_INTERVAL", kind: kindDuration, dur: func(c *Config) *time.Duration { return &c.Session.IdleInterval }},

	{key: "vault.path", env: "OPENDRAY_VAULT_PATH", kind: kindString, str: func(c *Config) *string { return &c.Vault.Path }},
	{key: "mcp.registry_path", env: "OPENDRAY_MCP_REGISTRY_PATH", kind: kindString, str: func(c *Config) *string { return &c.MCP.RegistryPath }},

	{key: "backup.enabled", env: "OPENDRAY_BACKUP_ENABLED", kind: kindBool, flag: func(c *Config) *bool { return &c.Backup.Enabled }},
	{key: "backup.local_dir", env: "OPENDRAY_BACKUP_LOCAL_DIR", kind: kindString, str: func(c *Config) *string { return &c.Backup.LocalDir }},
	{key: "backup.export_dir", env: "OPENDRAY_BACKUP_EXPORT_DIR", kind: kindString, str: func(c *Config) *string { return &c.Backup.ExportDir }},
	{key: "backup.pg_dump_path", env: "OPENDRAY_BACKUP_PG_DUMP_PATH", kind: kindString, str: func(c *Config) *string { return &c.Backup.PgDumpPath }},
	{key: "backup.pg_restore_path", env: "OPENDRAY_BACKUP_PG_RESTORE_PATH", kind: kindString, str: func(c *Config) *string { return &c.Backup.PgRestorePath }},

	{key: "telegram.bot_token", env: "OPENDRAY_TELEGRAM_BOT_TOKEN", kind: kindString, secret: true, str: func(c *Config) *string { return &c.Telegram.BotToken }, onSet: enableTelegram},
	{key: "telegram.chat_id", env: "OPENDRAY_TELEGRAM_CHAT_ID", kind: kindInt},
	{key: "telegram.events", env: "OPENDRAY_TELEGRAM_EVENTS", kind: kindList, list: func(c *Config) *[]string { return &c.Telegram.Events }},
	{key: "telegram.public_url", env: "OPENDRAY_PUBLIC_URL", kind: kindString, str: func(c *Config) *string { return &c.Telegram.PublicURL }},
	{key: "telegram.api_base", env: "OPENDRAY_TELEGRAM_API_BASE", kind: kindString, str: func(c *Config) *string { return &c.Telegram.APIBase }},
	{key: "telegram.notify_while_viewed", env: "OPENDRAY_TELEGRAM_NOTIFY_WHILE_VIEWED", kind: kindBool, flag: func(c *Config) *bool { return &c.Telegram.NotifyWhileViewed }},
}

// intSetters maps the integer keys to their destinations; integers have
// different Go types, so they are assigned here instead of through a pointer.
var intSetters = map[string]func(*Config, int64){
	"database.max_conns": func(c *Config, v int64) { c.Database.MaxConns = int(clampInt(v)) },
	"telegram.chat_id":   func(c *Config, v int64) { c.Telegram.ChatID = v },
	"admin.max_failed_logins": func(c *Config, v int64) {
		c.Admin.MaxFailedLogins = int(clampInt(v))
	},
	"admin.max_failed_logins_global": func(c *Config, v int64) {
		c.Admin.MaxFailedLoginsGlobal = int(clampInt(v))
	},
}

func enableTelegram(c *Config) { c.Telegram.Enabled = true }

// clampInt keeps a decoded int64 within int32, so a huge value reaches
// validation as out of range instead of wrapping around.
func clampInt(v int64) int64 {
	return max(min(v, math.MaxInt32), math.MinInt32)
}

// fieldByKey returns the schema entry for a dotted key.
func fieldByKey(key string) (field, bool) {
	for _, f := range schema {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// sections returns the first part of every dotted key: the TOML tables the
// schema declares.
func sections() map[string]bool {
	out := map[string]bool{}
	for _, f := range schema {
		if head, _, ok := strings.Cut(f.key, "."); ok {
			out[head] = true
		}
	}
	return out
}

// expectedForm describes the form a kind of value takes, for error messages.
func (k kind) expectedForm() string {
	switch k {
	case kindInt:
		return "a whole number"
	case kindBool:
		return "true or false"
	case kindDuration:
		return "a duration such as \"90s\", \"24h\" or \"30d\""
	case kindList:
		return "a list of strings"
	default:
		return "a string"
	}
}

// setFromFile assigns a value decoded from TOML.
func (f field) setFromFile(c *Config, value any) error {
	switch f.kind {
	case kindString:
		s, ok := value.(string)
		if !ok {
			return f.typeError(value)
		}
		*f.str(c) = s
	case kindInt:
		n, ok := value.(int64)
		if !ok {
			return f.typeError(value)
		}
		intSetters[f.key](c, n)
	case kindBool:
		b, ok := value.(bool)
		if !ok {
			return f.typeError(value)
		}
		*f.flag(c) = b
	case kindDuration:
		s, ok := value.(string)
		if !ok {
			return f.typeError(value)
		}
		d, err := ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
		*f.dur(c) = d
	case kindList:
		items, ok := value.([]any)
		if !ok {
			return f.typeError(value)
		}
		list := make([]string, 0, len(items))
		for i, item := range items {
			s, ok := item.(string)
			if !ok {
				return fmt.Errorf("%s: item %d is %s; want a list of strings", f.key, i+1, describe(item))
			}
			list = append(list, s)
		}
		*f.list(c) = list
	}
	if f.onSet != nil {
		f.onSet(c)
	}
	return nil
}

// setFromEnv assigns a value read from the environment variable of f.
func (f field) setFromEnv(c *Config, raw string) error {
	switch f.kind {
	case kindString:
		*f.str(c) = raw
	case kindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return fmt.Errorf("%s=%q: want %s", f.env, raw, f.kind.expectedForm())
		}
		intSetters[f.key](c, n)
	case kindBool:
		b, err := parseEnvBool(raw)
		if err != nil {
			return fmt.Errorf("%s=%q: want 1, 0, true or false", f.env, raw)
		}
		*f.flag(c) = b
	case kindDuration:
		d, err := ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", f.env, err)
		}
		*f.dur(c) = d
	case kindList:
		var list []string
		for _, item := range strings.Split(raw, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		*f.list(c) = list
	}
	if f.onSet != nil {
		f.onSet(c)
	}
	return nil
}

func (f field) typeError(value any) error {
	if f.secret {
		return fmt.Errorf("%s: got %s; want %s", f.key, describeType(value), f.kind.expectedForm())
	}
	return fmt.Errorf("%s: got %s; want %s", f.key, describe(value), f.kind.expectedForm())
}

func parseEnvBool(raw string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", raw)
}

// describe renders a decoded TOML value with its type for error messages.
func describe(value any) string {
	switch v := value.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case int64:
		return fmt.Sprintf("the number %d", v)
	case float64:
		return fmt.Sprintf("the number %g", v)
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	}
	return describeType(value)
}

// describeType names the type of a decoded TOML value without its content.
func describeType(value any) string {
	switch value.(type) {
	case string:
		return "a string"
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a value of type %T", value)
}
