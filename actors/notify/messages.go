package notify

// GetStats requests the hub's counters. The hub responds with a *Stats.
type GetStats struct{}

// Stats contains the hub's counters since it started.
type Stats struct {
	// Sent counts notifications delivered, summed over channels.
	Sent int
	// Failed counts notifications given up after retries or rejected.
	Failed int
	// Dropped counts notifications discarded from full queues.
	Dropped int
	// Queued counts notifications waiting in queues now.
	Queued int
	// Disabled contains the names of channels turned off because they
	// could not open or their credentials were rejected.
	Disabled []string
}

// Messages the hub sends to itself from timers and from its goroutines.

// flushDue ends the coalescing window of a session's note. gen
// distinguishes a stale timer from the current one.
type flushDue struct {
	sessionID string
	gen       uint64
}

// deliveryDone reports a worker's result for one notification.
type deliveryDone struct {
	channel   int
	sessionID string
	ref       string
	err       error
}

// channelOpened reports that a channel's Open succeeded.
type channelOpened struct{ channel int }

// channelFailed reports that a channel's Open or Receive returned an error
// that retrying does not fix. opening is true when Open failed.
type channelFailed struct {
	channel int
	opening bool
	err     error
}

// inboundMessage carries an operator's message from a channel's receiver.
type inboundMessage struct {
	channel int
	in      Inbound
}

// replySent reports the reference of a command reply about a session, so
// that a reply to it reaches the session too.
type replySent struct {
	channel   int
	ref       string
	sessionID string
}
