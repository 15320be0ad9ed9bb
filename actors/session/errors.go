package session

import "errors"

// Sentinel errors returned by Client methods, to test with errors.Is. The
// gateway maps them to HTTP statuses (ErrNotFound 404, ErrWrongState 409,
// ErrInvalid 400, ErrBusy 429, ErrUnavailable 503) and shows the message
// of PublicMessage.
var (
	// ErrNotFound: no session has the requested id.
	ErrNotFound = errors.New("session not found")
	// ErrWrongState: the session cannot do this in its current state, for
	// example input to an ended session or deleting a running one.
	ErrWrongState = errors.New("session is in the wrong state")
	// ErrInvalid: the request has a bad value; the message names it.
	ErrInvalid = errors.New("invalid session request")
	// ErrBusy: the session's input queue is full.
	ErrBusy = errors.New("session input queue is full")
	// ErrUnavailable: the actors did not reply within the request timeout,
	// or the registry has stopped.
	ErrUnavailable = errors.New("sessions are not available")
)

// publicError is an error whose message is safe to show to a client. It
// wraps one of the sentinels above.
type publicError struct {
	kind error
	msg  string
}

func (e *publicError) Error() string { return e.msg }
func (e *publicError) Unwrap() error { return e.kind }

func newPublicError(kind error, msg string) error {
	return &publicError{kind: kind, msg: msg}
}

// PublicMessage returns a message about err that is safe to send to a
// client: the specific message of a validation or state error, the text
// of a sentinel, or "internal error" for anything else.
func PublicMessage(err error) string {
	var public *publicError
	if errors.As(err, &public) {
		return public.msg
	}
	for _, sentinel := range []error{ErrNotFound, ErrWrongState, ErrInvalid, ErrBusy, ErrUnavailable} {
		if errors.Is(err, sentinel) {
			return sentinel.Error()
		}
	}
	return "internal error"
}
