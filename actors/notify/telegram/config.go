package telegram

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/opendray/opendray/actors/notify"
)

// Config is the [telegram] section. The main wiring decodes it from the
// configuration file and these environment variables, which win over the
// file: OPENDRAY_TELEGRAM_BOT_TOKEN, OPENDRAY_TELEGRAM_CHAT_ID,
// OPENDRAY_PUBLIC_URL and OPENDRAY_TELEGRAM_API_BASE. Without the section
// the channel is off.
type Config struct {
	// BotToken is the token @BotFather issued for the bot. It is a secret:
	// it formats as [redacted] in logs and in fmt output.
	BotToken Token `toml:"bot_token"`
	// ChatID is the one chat that receives notifications and whose
	// messages are obeyed. Group ids are negative. Every member of a group
	// can command the sessions, so prefer a private chat with the bot.
	ChatID int64 `toml:"chat_id"`
	// Events contains the event names to notify about (see
	// notify.KnownEvents).
	Events []string `toml:"events"`
	// PublicURL is the gateway's address as the operator's browser reaches
	// it, for example https://agents.example.com. Messages link to
	// PublicURL/admin/sessions/{id}. Empty means no links.
	PublicURL string `toml:"public_url"`
	// APIBase is the Bot API root. Tests point it at a fake server.
	APIBase string `toml:"api_base"`
	// NotifyWhileViewed sends idle notifications even while someone has
	// the session open.
	NotifyWhileViewed bool `toml:"notify_while_viewed"`
	// PollTimeout is the long-polling timeout of getUpdates, in whole
	// seconds. The HTTP client waits 10 s longer before it gives up.
	PollTimeout time.Duration `toml:"poll_timeout"`
}

// Defaults returns the configuration used for keys that are not set.
func Defaults() Config {
	return Config{
		Events:      []string{"session.idle", "session.ended"},
		APIBase:     "https://api.telegram.org",
		PollTimeout: 25 * time.Second,
	}
}

// tokenPattern is the shape of a bot token: the bot's numeric id, a colon
// and a secret of letters, digits, '_' and '-'.
var tokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// Validate returns an error naming the first invalid key and the expected
// form. The errors never contain the token.
func (c Config) Validate() error {
	if c.BotToken == "" {
		return fmt.Errorf("telegram.bot_token: missing: set the token @BotFather issued " +
			"(form 123456789:AAE...) in the file or in OPENDRAY_TELEGRAM_BOT_TOKEN")
	}
	if !tokenPattern.MatchString(string(c.BotToken)) {
		return fmt.Errorf("telegram.bot_token: invalid: expected the form 123456789:AAE... " +
			"(digits, a colon, then letters, digits, '_' or '-')")
	}
	if c.ChatID == 0 {
		return fmt.Errorf("telegram.chat_id: missing: expected the numeric id of the chat " +
			"allowed to receive and command (negative for groups), in the file or in OPENDRAY_TELEGRAM_CHAT_ID")
	}
	for _, name := range c.Events {
		if !slices.Contains(notify.KnownEvents, name) {
			return fmt.Errorf("telegram.events: unknown event %q: expected any of %s",
				name, strings.Join(notify.KnownEvents, ", "))
		}
	}
	if c.PublicURL != "" {
		if err := checkHTTPURL(c.PublicURL); err != nil {
			return fmt.Errorf("telegram.public_url: invalid URL %q: %v: expected the gateway's public address such as https://agents.example.com", c.PublicURL, err)
		}
	}
	if err := checkHTTPURL(c.APIBase); err != nil {
		return fmt.Errorf("telegram.api_base: invalid URL %q: %v: expected an address such as https://api.telegram.org", c.APIBase, err)
	}
	if c.PollTimeout < time.Second || c.PollTimeout > time.Minute {
		return fmt.Errorf("telegram.poll_timeout: invalid duration %s: expected 1s to 60s", c.PollTimeout)
	}
	return nil
}

// checkHTTPURL checks that raw is an absolute http or https URL with a host
// and without credentials, query or fragment.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme must be http or https")
	case u.Host == "":
		return fmt.Errorf("missing host")
	case u.User != nil:
		return fmt.Errorf("credentials are not allowed")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("query and fragment are not allowed")
	}
	return nil
}

// Token is a bot token. Every way of printing it except a conversion to
// string shows [redacted]: slog (LogValue), fmt (String, GoString) and
// text encoders such as JSON and TOML (MarshalText).
type Token string

const redacted = "[redacted]"

func (Token) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (Token) String() string               { return redacted }
func (Token) GoString() string             { return redacted }
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (t Token) reveal() string             { return string(t) }
