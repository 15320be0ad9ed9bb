package config

import "time"

// Config is the validated configuration of one opendray process.
type Config struct {
	// Listen is the HTTP listen address, host:port.
	Listen string
	// TrustedProxies lists the addresses (IPs or CIDRs) of reverse proxies
	// whose X-Forwarded-For and X-Forwarded-Host headers are believed.
	TrustedProxies []string
	// AllowedOrigins lists extra origins (scheme://host[:port]) whose pages
	// may open WebSockets, beyond the gateway's own origin.
	AllowedOrigins []string

	Database Database
	Admin    Admin
	Log      Log
	Session  Session
	Vault    Vault
	MCP      MCP
	Backup   Backup
	Telegram Telegram
}

// Database configures the PostgreSQL connection.
type Database struct {
	// URL is the DSN; empty starts a private PostgreSQL from the host's binaries.
	URL      string
	MaxConns int
	// EmbeddedDir is the folder of the embedded PostgreSQL's data and
	// socket. Empty picks ~/.opendray/pg, or /var/lib/opendray/pg as root.
	EmbeddedDir string
}

// Admin configures the single admin account and its tokens.
type Admin struct {
	User           string
	Password       string
	TokenTTL       time.Duration
	MobileTokenTTL time.Duration
	// KeyFile is OPENDRAY_ADMIN_KEY_FILE: an injected keyfile that, when
	// set, is the only credential source. It has no TOML key.
	KeyFile string
	// MaxFailedLogins is the number of failed logins one client address
	// may make within FailedLoginWindow before it gets 429.
	MaxFailedLogins int
	// MaxFailedLoginsGlobal is the same limit over all addresses together.
	MaxFailedLoginsGlobal int
	FailedLoginWindow     time.Duration
}

// Log configures logging.
type Log struct {
	Level  string
	Format string
	// File is an optional path of a rotating log file.
	File string
}

// Session configures PTY sessions.
type Session struct {
	IdleThreshold time.Duration
	IdleInterval  time.Duration
}

// Vault locates the notes vault.
type Vault struct {
	Path string
}

// MCP locates the MCP server registry.
type MCP struct {
	RegistryPath string
}

// Backup configures the backup subsystem. The passphrase comes only from
// OPENDRAY_BACKUP_KEY.
type Backup struct {
	Enabled       bool
	LocalDir      string
	ExportDir     string
	PgDumpPath    string
	PgRestorePath string
	// Key is the master passphrase from OPENDRAY_BACKUP_KEY.
	Key string
}

// Telegram configures the Telegram notification channel.
type Telegram struct {
	// Enabled is true when the file has a [telegram] section or
	// OPENDRAY_TELEGRAM_BOT_TOKEN is set.
	Enabled           bool
	BotToken          string
	ChatID            int64
	Events            []string
	PublicURL         string
	APIBase           string
	NotifyWhileViewed bool
}

// Default returns the configuration used for every key that neither the
// file nor the environment sets.
func Default() Config {
	return Config{
		Listen: "127.0.0.1:8770",
		// The usual reverse proxy runs on the same host.
		TrustedProxies: []string{"127.0.0.0/8", "::1"},
		Database: Database{
			MaxConns: 16,
		},
		Admin: Admin{
			User:                  "admin",
			TokenTTL:              24 * time.Hour,
			MobileTokenTTL:        30 * 24 * time.Hour,
			MaxFailedLogins:       5,
			MaxFailedLoginsGlobal: 100,
			FailedLoginWindow:     15 * time.Minute,
		},
		Log: Log{
			Level:  "info",
			Format: "text",
		},
		Session: Session{
			IdleThreshold: 30 * time.Second,
			IdleInterval:  5 * time.Second,
		},
		Backup: Backup{
			LocalDir: "~/.opendray/backups",
		},
		Telegram: Telegram{
			Events:  []string{"session.idle", "session.ended"},
			APIBase: "https://api.telegram.org",
		},
	}
}
