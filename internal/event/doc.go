// Package event defines the typed events that travel on the actor system's
// event stream and the small Bus wrapper that publishes and subscribes to them.
//
// Events are Go structs passed by pointer. The set is closed: every event
// embeds Meta, whose unexported method seals the Event interface, so a
// subscriber can switch on concrete types and never on strings. The string
// name of an event (session.idle, admin.login_failed, ...) exists only for
// JSON and for the audit table.
package event
