package notify

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/opendray/opendray/internal/event"
)

// KnownEvents contains the event names a channel's Filter may list.
var KnownEvents = []string{"session.created", "session.idle", "session.ended", "session.stopped"}

// note is one notification about a session, built from one or more events
// that arrived within the coalescing window.
type note struct {
	info    event.SessionInfo
	created bool
	idle    *event.SessionIdle // the latest idle event, or nil
	idles   int
	ended   *event.SessionEnded
	stopped *event.SessionStopped

	// gen and cancelTimer belong to the hub's coalescing timer.
	gen         uint64
	cancelTimer scheduler.CancelFunc
}

// finished reports whether the note includes the end of the session.
func (n *note) finished() bool { return n.ended != nil || n.stopped != nil }

// empty reports whether no event is left in the note.
func (n *note) empty() bool { return !n.created && n.idle == nil && !n.finished() }

// names returns the names of the events the note contains.
func (n *note) names() []string {
	var names []string
	if n.created {
		names = append(names, "session.created")
	}
	if n.idle != nil {
		names = append(names, "session.idle")
	}
	if n.ended != nil {
		names = append(names, "session.ended")
	}
	if n.stopped != nil {
		names = append(names, "session.stopped")
	}
	return names
}

// acceptedBy reports whether a channel with filter f gets the note. An idle
// notification is skipped while someone watches the session, unless the
// filter sets NotifyWhileViewed.
func (n *note) acceptedBy(f Filter) bool {
	wanted := false
	for _, name := range n.names() {
		if f.wants(name) {
			wanted = true
		}
	}
	if !wanted {
		return false
	}
	idleOnly := n.idle != nil && !n.finished()
	if idleOnly && n.idle.Viewers > 0 && !f.NotifyWhileViewed {
		return false
	}
	return true
}

// wantsScreen reports whether the message should show the screen.
func (n *note) wantsScreen() bool { return n.idle != nil || n.finished() }

// message renders the note with the given screen lines. replyHint adds a
// line telling the operator that a reply reaches the session.
func (n *note) message(screen []string, replyHint bool) Message {
	m := Message{
		SessionID: n.info.SessionID,
		Title:     sessionTitle(n.info.Session, n.info.Provider, n.info.SessionID),
		Screen:    screen,
	}

	switch {
	case n.ended != nil:
		line := fmt.Sprintf("Ended with exit code %d.", n.ended.ExitCode)
		if n.created {
			line = fmt.Sprintf("Started, then ended with exit code %d.", n.ended.ExitCode)
		}
		if n.idle != nil {
			line += fmt.Sprintf(" It was idle for %s before.", seconds(n.idle.SilentSeconds))
		}
		m.Text = append(m.Text, line)
	case n.stopped != nil:
		m.Text = append(m.Text, fmt.Sprintf("Stopped by the operator (exit code %d).", n.stopped.ExitCode))
	case n.idle != nil:
		line := fmt.Sprintf("Waiting: no output for %s.", seconds(n.idle.SilentSeconds))
		if n.idles > 1 {
			line += fmt.Sprintf(" (idle %d times within a few seconds)", n.idles)
		}
		m.Text = append(m.Text, line)
		if replyHint {
			m.Text = append(m.Text, "Reply to this message to type into the session.")
		}
	case n.created:
		m.Text = append(m.Text, "Started.")
	}
	return m
}

// sessionTitle returns "name (provider)", falling back to the id when the
// session has no name.
func sessionTitle(name, provider, id string) string {
	if name == "" {
		name = id
	}
	if provider == "" {
		return name
	}
	return name + " (" + provider + ")"
}

// seconds formats a duration in whole seconds, for example "31 s".
func seconds(s float64) string {
	return fmt.Sprintf("%d s", int64(math.Round(s)))
}

// screenTail cleans snapshot lines for a message and returns at most limit
// lines from the end, without trailing blank lines. A limit of 0 or less
// keeps every line.
func screenTail(lines []string, limit int) []string {
	cleaned := make([]string, 0, len(lines))
	for _, line := range lines {
		cleaned = append(cleaned, cleanLine(line))
	}

	end := len(cleaned)
	for end > 0 && cleaned[end-1] == "" {
		end--
	}
	start := 0
	if limit > 0 && end > limit {
		start = end - limit
	}
	for start < end && cleaned[start] == "" {
		start++
	}
	return cleaned[start:end]
}

// cleanLine replaces invalid UTF-8 with U+FFFD and control characters with
// spaces, and trims trailing white space.
func cleanLine(line string) string {
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	line = strings.Map(func(r rune) rune {
		if r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, line)
	return strings.TrimRightFunc(line, unicode.IsSpace)
}
