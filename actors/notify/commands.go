package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opendray/opendray/internal/event"
)

// Operator commands, as typed in a chat:
//
//	/sessions          list sessions with their state
//	/tail NAME         show the session's current screen
//	/send NAME text    type text and Enter into the session
//	a reply            type the reply and Enter into the session the
//	                   replied-to notification was about
//
// NAME is a session id or a session name (case-insensitive).

const helpText = "Commands: /sessions, /tail NAME, /send NAME text. " +
	"Reply to a notification to type into its session. NAME is a session name or id."

// commandKind is the action an operator message requests.
type commandKind int

const (
	commandHelp commandKind = iota
	commandUnknown
	commandSessions
	commandTail
	commandSend
	commandReply
	commandNotReply
)

// command is a parsed operator message.
type command struct {
	kind   commandKind
	word   string // the command word as typed, for the unknown-command reply
	target string // NAME for /tail and /send
	text   string // input for /send and replies
}

// parseCommand parses an operator message. isReply is true when the message
// replies to an earlier one.
func parseCommand(text string, isReply bool) command {
	trimmed := strings.TrimSpace(text)
	if !strings.HasPrefix(trimmed, "/") {
		if isReply {
			return command{kind: commandReply, text: text}
		}
		return command{kind: commandNotReply}
	}

	word, rest := cutField(trimmed)
	// Telegram appends the bot's name to commands in group chats: /tail@bot.
	name, _, _ := strings.Cut(strings.TrimPrefix(word, "/"), "@")

	switch strings.ToLower(name) {
	case "sessions":
		return command{kind: commandSessions}
	case "tail":
		target, _ := cutField(rest)
		return command{kind: commandTail, target: target}
	case "send":
		target, input := cutField(rest)
		return command{kind: commandSend, target: target, text: input}
	case "start", "help":
		return command{kind: commandHelp}
	}
	return command{kind: commandUnknown, word: word}
}

// cutField splits s after its first space-separated field. The rest keeps
// its inner spacing but loses the separator.
func cutField(s string) (field, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		return s, ""
	}
	rest = s[end:]
	// Drop the one separator: a space, or a newline when the text starts
	// on the next line.
	_, size := utf8.DecodeRuneInString(rest)
	return s[:end], rest[size:]
}

// commandJob is one operator message for the commander goroutine.
type commandJob struct {
	channelIndex int
	channel      Channel
	in           Inbound
	cmd          command
	// sessionID is the session a reply is about, from the hub's reply
	// memory, or "" when the replied-to message is unknown.
	sessionID string
}

// commander runs operator commands on its own goroutine, because they call
// Sessions and send replies, and neither may block the hub's Receive.
type commander struct {
	cfg      Config
	sessions Sessions
	bus      *event.Bus
	log      *slog.Logger
	tell     func(any)

	jobs chan *commandJob
	done chan struct{}
}

// commandQueueSize bounds the operator messages waiting for the commander.
// A person typing on a phone never gets near it. The hub drops and logs
// messages past it.
const commandQueueSize = 16

func newCommander(cfg Config, sessions Sessions, bus *event.Bus, log *slog.Logger, tell func(any)) *commander {
	return &commander{
		cfg:      cfg,
		sessions: sessions,
		bus:      bus,
		log:      log,
		tell:     tell,
		jobs:     make(chan *commandJob, commandQueueSize),
		done:     make(chan struct{}),
	}
}

// run executes jobs until ctx is done.
func (c *commander) run(ctx context.Context) {
	defer close(c.done)

	for {
		select {
		case job := <-c.jobs:
			c.execute(ctx, job)
		case <-ctx.Done():
			return
		}
	}
}

// execute runs one command and sends its reply to the chat.
func (c *commander) execute(ctx context.Context, job *commandJob) {
	log := c.log.With(slog.String("channel", job.channel.Name()),
		slog.Int64("chat_id", job.in.ChatID), slog.String("user", job.in.User))

	reply := c.respond(ctx, job, log)
	if ctx.Err() != nil {
		return
	}
	reply.ReplyTo = job.in.Ref

	ref, err := send(ctx, job.channel, reply, c.cfg, log)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("command reply not delivered", slog.Any("error", err))
		}
		return
	}
	if reply.SessionID != "" && ref != "" {
		c.tell(&replySent{channel: job.channelIndex, ref: ref, sessionID: reply.SessionID})
	}
}

// respond carries out the command and returns the reply for the chat.
func (c *commander) respond(ctx context.Context, job *commandJob, log *slog.Logger) Message {
	switch job.cmd.kind {
	case commandSessions:
		return c.list(ctx)

	case commandTail:
		if job.cmd.target == "" {
			return textMessage("Usage: /tail NAME")
		}
		session, err := c.resolve(ctx, job.cmd.target)
		if err != nil {
			return textMessage(err.Error())
		}
		return c.tail(ctx, job, session, log)

	case commandSend:
		if job.cmd.target == "" || strings.TrimSpace(job.cmd.text) == "" {
			return textMessage("Usage: /send NAME text")
		}
		session, err := c.resolve(ctx, job.cmd.target)
		if err != nil {
			return textMessage(err.Error())
		}
		return c.input(ctx, job, session, "send", job.cmd.text, log)

	case commandReply:
		if job.sessionID == "" {
			return textMessage("That message is not linked to a session (it may be too old). Use /send NAME text instead.")
		}
		session := c.lookup(ctx, job.sessionID)
		return c.input(ctx, job, session, "reply", job.cmd.text, log)

	case commandUnknown:
		return textMessage("Unknown command " + job.cmd.word + ". " + helpText)

	case commandNotReply:
		return textMessage("To type into a session, reply to its notification or use /send NAME text. " + helpText)
	}
	return textMessage(helpText)
}

// list returns the /sessions reply.
func (c *commander) list(ctx context.Context) Message {
	sessions, err := c.listSessions(ctx)
	if err != nil {
		return textMessage("Could not list sessions: " + err.Error())
	}
	if len(sessions) == 0 {
		return textMessage("No sessions.")
	}

	m := Message{Title: "Sessions"}
	for _, s := range sessions {
		m.Text = append(m.Text, fmt.Sprintf("%s: %s, id %s", sessionTitle(s.Name, s.Provider, s.ID), s.State, s.ID))
	}
	return m
}

// tail returns the /tail reply and publishes the matching event.
func (c *commander) tail(ctx context.Context, job *commandJob, s SessionSummary, log *slog.Logger) Message {
	callCtx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	lines, err := c.sessions.Snapshot(callCtx, s.ID)
	cancel()

	e := &event.RemoteTail{
		SessionInfo: event.SessionInfo{SessionID: s.ID, Session: s.Name, Provider: s.Provider},
		Channel:     job.channel.Name(),
		ChatID:      job.in.ChatID,
		User:        job.in.User,
	}
	if err != nil {
		e.Error = err.Error()
	}
	c.bus.Publish(e)

	if err != nil {
		log.Warn("screen snapshot failed", slog.String("session_id", s.ID), slog.Any("error", err))
		return textMessage(fmt.Sprintf("Could not read the screen of %s: %v", sessionTitle(s.Name, "", s.ID), err))
	}

	m := Message{
		SessionID: s.ID,
		Title:     sessionTitle(s.Name, s.Provider, s.ID),
		Screen:    screenTail(lines, 0),
	}
	m.Text = append(m.Text, "State: "+s.State+".")
	if len(m.Screen) == 0 {
		m.Text = append(m.Text, "The screen is empty.")
	}
	return m
}

// input types text and Enter into the session, publishes the matching
// event and returns the reply.
func (c *commander) input(ctx context.Context, job *commandJob, s SessionSummary, command, text string, log *slog.Logger) Message {
	data := []byte(text + "\r")

	callCtx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	err := c.sessions.Input(callCtx, s.ID, data)
	cancel()

	e := &event.RemoteInput{
		SessionInfo: event.SessionInfo{SessionID: s.ID, Session: s.Name, Provider: s.Provider},
		Channel:     job.channel.Name(),
		ChatID:      job.in.ChatID,
		User:        job.in.User,
		Command:     command,
		Bytes:       len(data),
	}
	if err != nil {
		e.Error = err.Error()
	}
	c.bus.Publish(e)

	name := sessionTitle(s.Name, "", s.ID)
	if err != nil {
		log.Warn("remote input failed", slog.String("session_id", s.ID), slog.Any("error", err))
		return Message{SessionID: s.ID, Text: []string{fmt.Sprintf("Could not send to %s: %v", name, err)}}
	}
	log.Info("remote input sent", slog.String("session_id", s.ID), slog.String("command", command), slog.Int("bytes", len(data)))
	return Message{SessionID: s.ID, Text: []string{"Sent to " + name + "."}}
}

// errNoSession is returned by resolve; its text goes to the chat.
var errNoSession = errors.New("no session")

// resolve finds the session NAME refers to: an exact id, else a name
// compared case-insensitively. Of several sessions with that name, the one
// still running wins. The error text is written for the chat.
func (c *commander) resolve(ctx context.Context, target string) (SessionSummary, error) {
	sessions, err := c.listSessions(ctx)
	if err != nil {
		return SessionSummary{}, fmt.Errorf("could not list sessions: %w", err)
	}

	for _, s := range sessions {
		if s.ID == target {
			return s, nil
		}
	}

	var named, live []SessionSummary
	for _, s := range sessions {
		if strings.EqualFold(s.Name, target) {
			named = append(named, s)
			if s.live() {
				live = append(live, s)
			}
		}
	}
	switch {
	case len(named) == 1:
		return named[0], nil
	case len(live) == 1:
		return live[0], nil
	case len(named) == 0:
		return SessionSummary{}, fmt.Errorf("%w named %q: /sessions lists them", errNoSession, target)
	}
	ids := make([]string, 0, len(named))
	for _, s := range named {
		ids = append(ids, s.ID)
	}
	return SessionSummary{}, fmt.Errorf("%d sessions are named %q: use one of the ids %s", len(named), target, strings.Join(ids, ", "))
}

// lookup returns the summary of the session with id, or a summary holding
// only the id when the list is unavailable.
func (c *commander) lookup(ctx context.Context, id string) SessionSummary {
	sessions, err := c.listSessions(ctx)
	if err == nil {
		for _, s := range sessions {
			if s.ID == id {
				return s
			}
		}
	}
	return SessionSummary{ID: id}
}

func (c *commander) listSessions(ctx context.Context) ([]SessionSummary, error) {
	callCtx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	return c.sessions.List(callCtx)
}

func textMessage(text string) Message {
	return Message{Text: []string{text}}
}
