// Package telegram is the Telegram channel of the notification hub: it
// sends notifications to one chat through the Bot API and receives that
// chat's replies and commands by long-polling getUpdates.
//
// It is plain Go, not an actor: the hub calls Open once, Send from its
// workers and Receive on a goroutine it owns, and Close when it stops. The
// channel makes one attempt per Send and classifies failures (rate limit,
// rejected token, rejected request) so the hub can retry. Only messages
// from the configured chat are delivered to the hub; others are logged by
// chat id and sender and dropped.
//
// The bot token is part of every request URL, so this package never logs a
// URL and strips it from the errors of net/http.
package telegram

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opendray/opendray/actors/notify"
)

const (
	// sendTimeout bounds one sendMessage or getMe request.
	sendTimeout = 15 * time.Second
	// pollSlack is how much longer than the long-polling timeout the HTTP
	// client waits for getUpdates before it gives up on the connection.
	pollSlack = 10 * time.Second
	// maxMessageAge is the age past which a message from the chat is
	// ignored. The Bot API keeps undelivered updates for up to 24 hours
	// (getUpdates documentation), and a command typed while the gateway
	// was down should not run by surprise when it comes back.
	maxMessageAge = 2 * time.Minute
	// ignoredLogInterval limits the log lines about one unauthorized chat.
	ignoredLogInterval = time.Minute
)

// Channel sends to and receives from one Telegram chat.
type Channel struct {
	cfg     Config
	apiBase string
	log     *slog.Logger

	transport  *http.Transport
	client     *http.Client
	pollClient *http.Client

	// Backoff of getUpdates after a failure. Tests shorten them.
	pollRetryBase time.Duration
	pollRetryMax  time.Duration

	// Fields used only by the Receive goroutine.
	offset  int64
	ignored map[int64]*ignoredChat
}

// ignoredChat counts the messages dropped from a chat that is not allowed.
type ignoredChat struct {
	count    int
	loggedAt time.Time
}

var (
	_ notify.Channel  = (*Channel)(nil)
	_ notify.Receiver = (*Channel)(nil)
)

// New validates cfg and returns the channel. It makes no request: the hub
// calls Open.
func New(cfg Config, logger *slog.Logger) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	// The Bot API does not redirect. Following a redirect could carry the
	// request somewhere unexpected.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	return &Channel{
		cfg:           cfg,
		apiBase:       strings.TrimRight(cfg.APIBase, "/"),
		log:           logger.With(slog.String("channel", "telegram")),
		transport:     transport,
		client:        &http.Client{Transport: transport, Timeout: sendTimeout, CheckRedirect: noRedirect},
		pollClient:    &http.Client{Transport: transport, Timeout: cfg.PollTimeout + pollSlack, CheckRedirect: noRedirect},
		pollRetryBase: time.Second,
		pollRetryMax:  30 * time.Second,
		ignored:       make(map[int64]*ignoredChat),
	}, nil
}

// Name returns "telegram".
func (c *Channel) Name() string { return "telegram" }

// Filter returns the configured events and viewer setting.
func (c *Channel) Filter() notify.Filter {
	return notify.Filter{Events: c.cfg.Events, NotifyWhileViewed: c.cfg.NotifyWhileViewed}
}

// Open calls getMe to check the token. A rejected token returns an error
// wrapping notify.ErrUnauthorized.
func (c *Channel) Open(ctx context.Context) error {
	var me struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	}
	if err := c.call(ctx, c.client, "getMe", struct{}{}, &me); err != nil {
		return err
	}
	c.log.Info("telegram bot ready", slog.String("bot", me.Username), slog.Int64("chat_id", c.cfg.ChatID))
	return nil
}

// sendParams is the body of sendMessage.
type sendParams struct {
	ChatID             int64            `json:"chat_id"`
	Text               string           `json:"text"`
	ParseMode          string           `json:"parse_mode,omitempty"`
	LinkPreviewOptions *linkPreview     `json:"link_preview_options,omitempty"`
	ReplyParameters    *replyParameters `json:"reply_parameters,omitempty"`
}

type linkPreview struct {
	IsDisabled bool `json:"is_disabled"`
}

type replyParameters struct {
	MessageID                int64 `json:"message_id"`
	AllowSendingWithoutReply bool  `json:"allow_sending_without_reply"`
}

// Send posts m to the chat in HTML and returns the message id. When
// Telegram rejects the markup, Send posts the plain-text version instead,
// in the same attempt.
func (c *Channel) Send(ctx context.Context, m notify.Message) (string, error) {
	link := c.sessionLink(m.SessionID)
	params := sendParams{
		ChatID:             c.cfg.ChatID,
		Text:               renderHTML(m, link),
		ParseMode:          "HTML",
		LinkPreviewOptions: &linkPreview{IsDisabled: true},
	}
	if m.ReplyTo != "" {
		if id, err := strconv.ParseInt(m.ReplyTo, 10, 64); err == nil {
			params.ReplyParameters = &replyParameters{MessageID: id, AllowSendingWithoutReply: true}
		}
	}

	var sent struct {
		MessageID int64 `json:"message_id"`
	}
	err := c.call(ctx, c.client, "sendMessage", params, &sent)
	if errors.Is(err, errParseEntities) {
		c.log.Warn("telegram rejected the message markup, sending plain text",
			slog.String("session_id", m.SessionID), slog.Any("error", err))
		params.Text = renderPlain(m, link)
		params.ParseMode = ""
		err = c.call(ctx, c.client, "sendMessage", params, &sent)
	}
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(sent.MessageID, 10), nil
}

// sessionLink returns the web admin address of the session, or "" without
// a public URL or a session.
func (c *Channel) sessionLink(sessionID string) string {
	if c.cfg.PublicURL == "" || sessionID == "" {
		return ""
	}
	return strings.TrimRight(c.cfg.PublicURL, "/") + "/admin/sessions/" + url.PathEscape(sessionID)
}

// Close releases idle connections. The channel stays usable.
func (c *Channel) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}
