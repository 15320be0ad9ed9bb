// Package audit is the audit sink: an actor that persists admin, session
// and notification events from the event bus into the audit_events table.
//
// It owns the queue of events not yet written and the batching, retry and
// shutdown policy around it. It does not own the table (package store) or
// the events (package event), and it never reads the table back.
package audit
