// Package notify contains the notification hub: the actor that turns
// session events into messages on the operator's phone, and lets the
// operator reply from there.
//
// The hub subscribes to the event bus. It coalesces bursts per session
// (idle followed by ended becomes one message), skips idle notifications
// for sessions someone is watching, and queues each notification per
// channel in a bounded queue that drops its oldest entry when full, so a
// slow channel never holds up a session or another channel. Each channel
// has a worker goroutine that sends with retries and backoff. Operator
// messages (replies to notifications, /sessions, /tail, /send) come back
// through channels that implement Receiver, and every input that reaches a
// session is published on the bus for the audit sink.
//
// A channel is one type implementing Channel (and optionally Receiver and
// io.Closer); the Telegram channel lives in the telegram subpackage. The
// hub reaches sessions only through the Sessions interface, which the main
// wiring adapts to the session registry.
//
// The hub does not persist anything. What it loses on a restart or past its
// stop budget is logged with a count.
package notify
