package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle scopes, as reported in Decision.Scope and in the
// admin.login_throttled event.
const (
	ScopeClient = "client"
	ScopeGlobal = "global"
)

// throttleReportInterval is the minimum time between two reports of
// throttled logins for the same scope and client, so an attacker cannot
// flood the log and the audit table.
const throttleReportInterval = time.Minute

// Throttle limits failed password checks per client address and over all
// addresses, in a sliding window. A check that is in progress counts as a
// failure until it ends, so parallel requests cannot run more checks than
// the limit allows. It is safe for concurrent use.
//
// Clients are keyed by IPv4 address or by IPv6 /64 prefix, because one
// IPv6 host usually controls a whole /64.
type Throttle struct {
	clock Clock
	cfg   ThrottleConfig

	// mu guards every field below.
	mu        sync.Mutex
	clients   map[string]*failureWindow
	global    failureWindow
	reports   map[string]*throttleReport
	lastSweep time.Time
}

// failureWindow is the failure times of one key, oldest first, at most the
// limit of that key, plus the checks in progress.
type failureWindow struct {
	failures []time.Time
	inFlight int
}

type throttleReport struct {
	last       time.Time
	suppressed int
}

// Decision is the result of Throttle.Begin.
type Decision struct {
	Allowed bool
	// RetryAfter is how long the client should wait; zero when allowed.
	RetryAfter time.Duration
	// Scope is ScopeClient or ScopeGlobal when rejected.
	Scope string
	// Report is true for at most one rejection per scope and client each
	// minute. Attempts is then the number of rejections that report covers.
	Report   bool
	Attempts int
}

// NewThrottle returns a throttle with the limits of cfg.
func NewThrottle(clock Clock, cfg ThrottleConfig) *Throttle {
	return &Throttle{
		clock:   clock,
		cfg:     cfg,
		clients: make(map[string]*failureWindow),
		reports: make(map[string]*throttleReport),
	}
}

// Attempt is a password check that Begin allowed. Call Fail or Succeed once
// the check is done, or Abandon when no check ran. Only the first of these
// calls counts.
type Attempt struct {
	throttle *Throttle
	key      string
	ended    bool
}

// Begin decides whether a client at addr may run a password check now.
// When allowed, it returns an Attempt that the caller must end.
func (t *Throttle) Begin(addr string) (*Attempt, Decision) {
	key := throttleKey(addr)
	now := t.clock.Now()

	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweepLocked(now)

	client := t.clients[key]
	if client == nil {
		client = &failureWindow{}
		t.clients[key] = client
	}
	client.prune(now, t.cfg.Window)
	t.global.prune(now, t.cfg.Window)

	if wait, blocked := client.blocked(now, t.cfg.ClientFailures, t.cfg.Window); blocked {
		return nil, t.rejectLocked(now, ScopeClient, key, wait)
	}
	if wait, blocked := t.global.blocked(now, t.cfg.GlobalFailures, t.cfg.Window); blocked {
		return nil, t.rejectLocked(now, ScopeGlobal, "", wait)
	}
	client.inFlight++
	t.global.inFlight++
	return &Attempt{throttle: t, key: key}, Decision{Allowed: true}
}

// Fail records a failed check.
func (a *Attempt) Fail() {
	now := a.throttle.clock.Now()
	a.end(func(t *Throttle, client *failureWindow) {
		t.global.record(now, t.cfg.GlobalFailures)
		if client != nil {
			client.record(now, t.cfg.ClientFailures)
		}
	})
}

// Succeed records a successful check, which clears the client's failures.
// The global count keeps them.
func (a *Attempt) Succeed() {
	a.end(func(_ *Throttle, client *failureWindow) {
		if client != nil {
			client.failures = nil
		}
	})
}

// Abandon ends an attempt in which no password was checked, without
// counting a failure or clearing the client's failures.
func (a *Attempt) Abandon() {
	a.end(func(*Throttle, *failureWindow) {})
}

// end releases the attempt's in-flight counts once, then runs outcome with
// the lock held and the client's window (nil when it was swept).
func (a *Attempt) end(outcome func(t *Throttle, client *failureWindow)) {
	t := a.throttle
	t.mu.Lock()
	defer t.mu.Unlock()
	if a.ended {
		return
	}
	a.ended = true

	t.global.inFlight--
	client := t.clients[a.key]
	if client != nil {
		client.inFlight--
	}
	outcome(t, client)
}

func (t *Throttle) rejectLocked(now time.Time, scope, key string, wait time.Duration) Decision {
	decision := Decision{Scope: scope, RetryAfter: wait}
	reportKey := scope + "|" + key
	report := t.reports[reportKey]
	if report == nil {
		report = &throttleReport{}
		t.reports[reportKey] = report
	}
	report.suppressed++
	if report.last.IsZero() || now.Sub(report.last) >= throttleReportInterval {
		decision.Report = true
		decision.Attempts = report.suppressed
		report.last = now
		report.suppressed = 0
	}
	return decision
}

// sweepLocked drops idle clients and old reports, at most once a second,
// so the maps stay as small as the recent failures.
func (t *Throttle) sweepLocked(now time.Time) {
	if now.Sub(t.lastSweep) < time.Second {
		return
	}
	t.lastSweep = now
	for key, w := range t.clients {
		w.prune(now, t.cfg.Window)
		if len(w.failures) == 0 && w.inFlight == 0 {
			delete(t.clients, key)
		}
	}
	for key, report := range t.reports {
		if now.Sub(report.last) > t.cfg.Window+throttleReportInterval {
			delete(t.reports, key)
		}
	}
}

func (w *failureWindow) prune(now time.Time, window time.Duration) {
	cutoff := now.Add(-window)
	i := 0
	for i < len(w.failures) && !w.failures[i].After(cutoff) {
		i++
	}
	w.failures = w.failures[i:]
}

// blocked reports whether one more check would exceed limit, and if so how
// long until a slot frees.
func (w *failureWindow) blocked(now time.Time, limit int, window time.Duration) (time.Duration, bool) {
	if len(w.failures)+w.inFlight < limit {
		return 0, false
	}
	if len(w.failures) < limit {
		// Only checks in progress fill the limit; they end within seconds.
		return time.Second, true
	}
	oldest := w.failures[len(w.failures)-limit]
	wait := oldest.Add(window).Sub(now)
	if wait < time.Second {
		wait = time.Second
	}
	return wait, true
}

func (w *failureWindow) record(now time.Time, limit int) {
	w.failures = append(w.failures, now)
	if len(w.failures) > limit {
		w.failures = append(w.failures[:0], w.failures[len(w.failures)-limit:]...)
	}
}

// throttleKey returns the IPv4 address, or the /64 prefix of an IPv6
// address. An unparsable address is its own key.
func throttleKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	prefix, _ := ip.Prefix(64)
	return prefix.String()
}
