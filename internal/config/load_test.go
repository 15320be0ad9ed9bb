package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// env builds a Source from pairs.
func env(pairs ...string) Source {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load("", env())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Listen != "127.0.0.1:8770" {
		t.Errorf("Listen = %q; want 127.0.0.1:8770", cfg.Listen)
	}
	if cfg.Database.MaxConns != 16 {
		t.Errorf("MaxConns = %d; want 16", cfg.Database.MaxConns)
	}
	if cfg.Admin.MobileTokenTTL != 720*time.Hour {
		t.Errorf("MobileTokenTTL = %s; want 720h", cfg.Admin.MobileTokenTTL)
	}
	if cfg.Session.IdleThreshold != 30*time.Second || cfg.Session.IdleInterval != 5*time.Second {
		t.Errorf("idle = %s/%s; want 30s/5s", cfg.Session.IdleThreshold, cfg.Session.IdleInterval)
	}
	if cfg.Telegram.Enabled {
		t.Error("Telegram enabled with no section and no token")
	}
}

func TestLoadPrecedence(t *testing.T) {
	file := writeFile(t, `
listen = "127.0.0.1:9001"
[database]
url = "postgres://file@127.0.0.1/db"
max_conns = 4
[admin]
user = "fileuser"
token_ttl = "2h"
[session]
idle_threshold = "1m"
`)
	cases := []struct {
		name  string
		path  string
		env   Source
		check func(Config) (got, want any)
	}{
		{"default without file or env", "", env(), func(c Config) (any, any) { return c.Listen, "127.0.0.1:8770" }},
		{"file over default", file, env(), func(c Config) (any, any) { return c.Listen, "127.0.0.1:9001" }},
		{"env over file", file, env("OPENDRAY_LISTEN", "0.0.0.0:9002"), func(c Config) (any, any) { return c.Listen, "0.0.0.0:9002" }},
		{"env over default", "", env("OPENDRAY_DATABASE_MAX_CONNS", "7"), func(c Config) (any, any) { return c.Database.MaxConns, 7 }},
		{"file int", file, env(), func(c Config) (any, any) { return c.Database.MaxConns, 4 }},
		{"env int over file", file, env("OPENDRAY_DATABASE_MAX_CONNS", "9"), func(c Config) (any, any) { return c.Database.MaxConns, 9 }},
		{"file user", file, env(), func(c Config) (any, any) { return c.Admin.User, "fileuser" }},
		{"env user over file", file, env("OPENDRAY_ADMIN_USER", "envuser"), func(c Config) (any, any) { return c.Admin.User, "envuser" }},
		{"file duration", file, env(), func(c Config) (any, any) { return c.Admin.TokenTTL, 2 * time.Hour }},
		{"env days over file", file, env("OPENDRAY_ADMIN_TOKEN_TTL", "2d"), func(c Config) (any, any) { return c.Admin.TokenTTL, 48 * time.Hour }},
		{"file keeps unset keys default", file, env(), func(c Config) (any, any) { return c.Session.IdleInterval, 5 * time.Second }},
		{"env bool 1", "", env("OPENDRAY_BACKUP_ENABLED", "1", "OPENDRAY_BACKUP_KEY", "k"), func(c Config) (any, any) { return c.Backup.Enabled, true }},
		{"env bool false", "", env("OPENDRAY_BACKUP_ENABLED", "false"), func(c Config) (any, any) { return c.Backup.Enabled, false }},
		{"env list", "", env("OPENDRAY_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16"), func(c Config) (any, any) { return strings.Join(c.TrustedProxies, "|"), "10.0.0.1|192.168.0.0/16" }},
		{"key file env only", "", env("OPENDRAY_ADMIN_KEY_FILE", "/run/credentials/admin.key"), func(c Config) (any, any) { return c.Admin.KeyFile, "/run/credentials/admin.key" }},
		{"env database url", file, env("OPENDRAY_DATABASE_URL", "postgres://env@127.0.0.1/db"), func(c Config) (any, any) { return c.Database.URL, "postgres://env@127.0.0.1/db" }},
		{"telegram on by env token", "", env("OPENDRAY_TELEGRAM_BOT_TOKEN", "1:abc", "OPENDRAY_TELEGRAM_CHAT_ID", "42"), func(c Config) (any, any) { return c.Telegram.Enabled, true }},
		{"trusted proxies default loopback", "", env(), func(c Config) (any, any) { return strings.Join(c.TrustedProxies, "|"), "127.0.0.0/8|::1" }},
		{"login limit env", "", env("OPENDRAY_ADMIN_MAX_FAILED_LOGINS", "3"), func(c Config) (any, any) { return c.Admin.MaxFailedLogins, 3 }},
		{"telegram chat id env", "", env("OPENDRAY_TELEGRAM_BOT_TOKEN", "1:abc", "OPENDRAY_TELEGRAM_CHAT_ID", "-1001"), func(c Config) (any, any) { return c.Telegram.ChatID, int64(-1001) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.path, tc.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got, want := tc.check(cfg); got != want {
				t.Errorf("got %v; want %v", got, want)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name    string
		file    string // TOML content; "" means no file
		env     Source
		mention []string // substrings the error must contain
	}{
		{"not TOML", "listen = = 1", env(), []string{"not valid TOML", "line 1"}},
		{"typo key", "[database]\nmax_con = 3", env(), []string{`"database.max_con"`, `"database.max_conns"`}},
		{"unknown section", "[databse]\nurl = \"x\"", env(), []string{`"databse"`}},
		{"unknown top key", "lsten = \"127.0.0.1:1\"", env(), []string{`"lsten"`, `"listen"`}},
		{"nested table", "[session.extra]\na = 1", env(), []string{`"session.extra"`}},
		{"listen nonsense", `listen = "nonsense"`, env(), []string{"listen", `"nonsense"`, "host:port"}},
		{"listen bad port", `listen = "127.0.0.1:99999"`, env(), []string{"listen", "65535"}},
		{"listen env", "", env("OPENDRAY_LISTEN", "nonsense"), []string{"listen", "nonsense"}},
		{"max_conns negative", "[database]\nmax_conns = -1", env(), []string{"database.max_conns", "-1", "1 to 1000"}},
		{"max_conns string", "[database]\nmax_conns = \"many\"", env(), []string{"database.max_conns", "whole number"}},
		{"max_conns env", "", env("OPENDRAY_DATABASE_MAX_CONNS", "lots"), []string{"OPENDRAY_DATABASE_MAX_CONNS", "whole number"}},
		{"parsecs", "[session]\nidle_interval = \"5 parsecs\"", env(), []string{"session.idle_interval", "5 parsecs", "30d"}},
		{"duration number", "[session]\nidle_interval = 5", env(), []string{"session.idle_interval", "duration"}},
		{"duration env", "", env("OPENDRAY_SESSION_IDLE_THRESHOLD", "soon"), []string{"OPENDRAY_SESSION_IDLE_THRESHOLD", "soon"}},
		{"interval above threshold", "[session]\nidle_threshold = \"10s\"\nidle_interval = \"20s\"", env(), []string{"session.idle_interval", "session.idle_threshold"}},
		{"threshold too short", "[session]\nidle_threshold = \"10ms\"\nidle_interval = \"100ms\"", env(), []string{"session.idle_threshold"}},
		{"dsn not a url", "[database]\nurl = \"my database\"", env(), []string{"database.url", "postgres://"}},
		{"dsn bad port", "[database]\nurl = \"postgres://u:pw@h:port/db\"", env(), []string{"database.url"}},
		{"level", "[log]\nlevel = \"loud\"", env(), []string{"log.level", "loud", "debug, info, warn or error"}},
		{"format", "", env("OPENDRAY_LOG_FORMAT", "xml"), []string{"log.format", "xml"}},
		{"log file folder", "[log]\nfile = \"/no/such/folder/opendray.log\"", env(), []string{"log.file", "/no/such/folder"}},
		{"empty user", "[admin]\nuser = \"\"", env(), []string{"admin.user"}},
		{"token ttl zero", "[admin]\ntoken_ttl = \"0s\"", env(), []string{"admin.token_ttl", "1m to 365d"}},
		{"mobile ttl huge", "[admin]\nmobile_token_ttl = \"400d\"", env(), []string{"admin.mobile_token_ttl"}},
		{"backup key in file", "[backup]\nkey = \"hunter2\"", env(), []string{"backup.key", "OPENDRAY_BACKUP_KEY"}},
		{"backup passphrase in file", "[backup]\npassphrase = \"hunter2\"", env(), []string{"backup.passphrase", "OPENDRAY_BACKUP_KEY"}},
		{"env name in file", "OPENDRAY_BACKUP_KEY = \"hunter2\"", env(), []string{"OPENDRAY_BACKUP_KEY", "environment"}},
		{"backup on without key", "[backup]\nenabled = true", env(), []string{"backup.enabled", "OPENDRAY_BACKUP_KEY"}},
		{"bool env", "", env("OPENDRAY_BACKUP_ENABLED", "yes"), []string{"OPENDRAY_BACKUP_ENABLED", "true or false"}},
		{"bool file string", "[backup]\nenabled = \"yes\"", env(), []string{"backup.enabled", "true or false"}},
		{"trusted proxy", `trusted_proxies = ["nginx"]`, env(), []string{"trusted_proxies", "nginx"}},
		{"trusted proxy type", `trusted_proxies = "10.0.0.1"`, env(), []string{"trusted_proxies", "list"}},
		{"origin", `allowed_origins = ["example.com"]`, env(), []string{"allowed_origins", "example.com", "scheme://"}},
		{"telegram without token", "[telegram]\nchat_id = 1", env(), []string{"telegram.bot_token"}},
		{"telegram without chat", "[telegram]\nbot_token = \"1:a\"", env(), []string{"telegram.chat_id"}},
		{"telegram chat env", "", env("OPENDRAY_TELEGRAM_BOT_TOKEN", "1:a", "OPENDRAY_TELEGRAM_CHAT_ID", "me"), []string{"OPENDRAY_TELEGRAM_CHAT_ID"}},
		{"telegram event", "[telegram]\nbot_token = \"1:a\"\nchat_id = 1\nevents = [\"session.exploded\"]", env(), []string{"telegram.events", "session.exploded"}},
		{"telegram api base", "[telegram]\nbot_token = \"1:a\"\nchat_id = 1\napi_base = \"ftp://x\"", env(), []string{"telegram.api_base"}},
		{"empty key file env", "", env("OPENDRAY_ADMIN_KEY_FILE", ""), []string{"OPENDRAY_ADMIN_KEY_FILE"}},
		{"max failed logins zero", "[admin]\nmax_failed_logins = 0", env(), []string{"admin.max_failed_logins", "1 to 1000"}},
		{"global below client", "[admin]\nmax_failed_logins = 10\nmax_failed_logins_global = 5", env(), []string{"admin.max_failed_logins_global"}},
		{"login window tiny", "", env("OPENDRAY_ADMIN_FAILED_LOGIN_WINDOW", "1ms"), []string{"admin.failed_login_window"}},
		{"max_conns huge", "[database]\nmax_conns = 99999999999", env(), []string{"database.max_conns", "out of range"}},
		{"embedded dir relative", "[database]\nembedded_dir = \"pg\"", env(), []string{"database.embedded_dir", "absolute"}},
		{"password too long", "", env("OPENDRAY_ADMIN_PASSWORD", strings.Repeat("p", 73)), []string{"admin.password", "72 bytes"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = writeFile(t, tc.file)
			}
			_, err := Load(path, tc.env)
			if err == nil {
				t.Fatal("Load succeeded; want an error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
			for _, want := range tc.mention {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.toml"), env())
	if err == nil || !strings.Contains(err.Error(), "absent.toml") || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("error = %v; want one naming the missing file", err)
	}
}

func TestLoadErrorsHideSecrets(t *testing.T) {
	cases := []string{
		"[database]\nurl = \"postgres://u:s3cret@h:port/db\"",
		"[telegram]\nbot_token = 12345\nchat_id = 1",
	}
	for _, content := range cases {
		_, err := Load(writeFile(t, content), env())
		if err == nil {
			t.Fatalf("Load(%q) succeeded; want an error", content)
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "12345") {
			t.Errorf("error %q repeats a secret", err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	cases := map[string]time.Duration{
		"90s":   90 * time.Second,
		"24h":   24 * time.Hour,
		"30d":   720 * time.Hour,
		"1d12h": 36 * time.Hour,
		"0d":    0,
	}
	for in, want := range cases {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "5 parsecs", "1.5d", "-1d", "1d-1h", "99999999999d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded; want an error", bad)
		}
	}
}

// The example file must stay loadable and document every key and variable.
func TestExampleDocumentsEveryKey(t *testing.T) {
	path := filepath.Join("..", "..", "config.example.toml")
	if _, err := Load(path, env()); err != nil {
		t.Fatalf("config.example.toml does not load: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, key := range Keys() {
		name := key[strings.LastIndex(key, ".")+1:]
		if !regexp.MustCompile(`(?m)^#? ?` + regexp.QuoteMeta(name) + ` = `).MatchString(text) {
			t.Errorf("config.example.toml does not show key %s", key)
		}
	}
	for _, name := range EnvNames() {
		if !strings.Contains(text, name) {
			t.Errorf("config.example.toml does not mention %s", name)
		}
	}
}

// The commented [telegram] block of the example loads once uncommented.
func TestExampleTelegramSectionLoads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, _ := strings.Cut(string(data), "# [telegram]")
	block = "[telegram]" + regexp.MustCompile(`(?m)^# ([a-z_]+ = .*)$`).ReplaceAllString(block, "$1")
	block = strings.Replace(block, `bot_token = ""`, `bot_token = "1:x"`, 1)
	block = strings.Replace(block, `chat_id = 0`, `chat_id = 5`, 1)
	cfg, err := Load(writeFile(t, block), env())
	if err != nil {
		t.Fatalf("uncommented telegram block does not load: %v", err)
	}
	if !cfg.Telegram.Enabled || cfg.Telegram.ChatID != 5 || len(cfg.Telegram.Events) != 2 {
		t.Errorf("telegram = %+v; want enabled, chat 5, two events", cfg.Telegram)
	}
}

func TestUnknownEnvWarns(t *testing.T) {
	warnings := UnknownEnv([]string{
		"OPENDRAY_LISTN=127.0.0.1:1",
		"OPENDRAY_LISTEN=127.0.0.1:2",
		"OPENDRAY_TOKEN=abc",
		"OPENDRAY_SOMETHING_ELSE=1",
		"HOME=/root",
	})
	if len(warnings) != 2 {
		t.Fatalf("warnings = %q; want two", warnings)
	}
	if !strings.Contains(warnings[0], "OPENDRAY_LISTN") || !strings.Contains(warnings[0], "did you mean OPENDRAY_LISTEN?") {
		t.Errorf("warning %q does not suggest OPENDRAY_LISTEN", warnings[0])
	}
	if !strings.Contains(warnings[1], "OPENDRAY_SOMETHING_ELSE") || strings.Contains(warnings[1], "did you mean") {
		t.Errorf("warning %q; want the name and no suggestion", warnings[1])
	}
}

func TestUnknownSectionSuggests(t *testing.T) {
	_, err := Load(writeFile(t, "[sesion]\nidle_threshold = \"30s\""), env())
	if err == nil || !strings.Contains(err.Error(), `did you mean "session"?`) {
		t.Errorf("error = %v; want a suggestion of the session section", err)
	}
}
