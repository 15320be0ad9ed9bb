package event

// Remote-control events. The notification hub publishes them when an
// operator reaches a session through a chat channel (Telegram, ...), so the
// audit sink records who did what from where. They carry no message text:
// input typed from a phone may be a password or an API key.

// RemoteInput is published after the hub wrote input from a chat message to
// a session, whether or not the write succeeded.
type RemoteInput struct {
	Meta
	SessionInfo
	// Channel is the channel name, for example "telegram".
	Channel string `json:"channel"`
	// ChatID is the channel's id of the chat the command came from.
	ChatID int64 `json:"chat_id"`
	// User is the sender as the channel identifies them (a user name or id).
	User string `json:"user"`
	// Command is "reply" for a reply to a notification or "send" for the
	// /send command.
	Command string `json:"command"`
	// Bytes is the number of bytes written, including the trailing Enter.
	Bytes int `json:"bytes"`
	// Error is empty on success, else the reason the write failed.
	Error string `json:"error,omitempty"`
}

// RemoteTail is published after the hub sent a session's screen to a chat
// in response to the /tail command.
type RemoteTail struct {
	Meta
	SessionInfo
	Channel string `json:"channel"`
	ChatID  int64  `json:"chat_id"`
	User    string `json:"user"`
	Error   string `json:"error,omitempty"`
}

func (*RemoteInput) Name() string { return "notify.input" }
func (*RemoteTail) Name() string  { return "notify.tail" }
