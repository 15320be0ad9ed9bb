package auth_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/auth/authtest"
)

var throttleLimits = auth.ThrottleConfig{ClientFailures: 5, GlobalFailures: 100, Window: 15 * time.Minute}

func failOnce(t *testing.T, th *auth.Throttle, addr string) {
	t.Helper()
	attempt, decision := th.Begin(addr)
	if !decision.Allowed {
		t.Fatalf("Begin(%s) rejected (%s scope); want allowed", addr, decision.Scope)
	}
	attempt.Fail()
}

func TestThrottleBlocksClientAfterLimit(t *testing.T) {
	clock := authtest.NewFakeClock(start)
	th := auth.NewThrottle(clock, throttleLimits)
	for range 5 {
		failOnce(t, th, "203.0.113.7")
		clock.Advance(time.Minute)
	}

	_, decision := th.Begin("203.0.113.7")
	if decision.Allowed {
		t.Fatal("sixth attempt allowed; want 429")
	}
	if decision.Scope != auth.ScopeClient {
		t.Errorf("scope = %q; want client", decision.Scope)
	}
	// The first failure was 5 minutes ago, so it leaves the window in 10.
	if decision.RetryAfter != 10*time.Minute {
		t.Errorf("RetryAfter = %s; want 10m", decision.RetryAfter)
	}
	if _, other := th.Begin("203.0.113.8"); !other.Allowed {
		t.Error("another client is blocked too")
	}

	clock.Advance(10 * time.Minute)
	if _, decision := th.Begin("203.0.113.7"); !decision.Allowed {
		t.Error("still blocked after the oldest failure left the window")
	}
}

func TestThrottleSuccessResetsClient(t *testing.T) {
	clock := authtest.NewFakeClock(start)
	th := auth.NewThrottle(clock, throttleLimits)
	for range 4 {
		failOnce(t, th, "203.0.113.7")
	}
	attempt, decision := th.Begin("203.0.113.7")
	if !decision.Allowed {
		t.Fatal("fifth attempt rejected")
	}
	attempt.Succeed()
	for range 5 {
		failOnce(t, th, "203.0.113.7")
	}
	if _, decision := th.Begin("203.0.113.7"); decision.Allowed {
		t.Error("allowed after five new failures; the reset should not last")
	}
}

func TestThrottleGlobalCeiling(t *testing.T) {
	clock := authtest.NewFakeClock(start)
	limits := auth.ThrottleConfig{ClientFailures: 5, GlobalFailures: 20, Window: 15 * time.Minute}
	th := auth.NewThrottle(clock, limits)
	for i := range 20 {
		failOnce(t, th, fmt.Sprintf("198.51.100.%d", i))
	}
	_, decision := th.Begin("192.0.2.1")
	if decision.Allowed {
		t.Fatal("a fresh address is allowed past the global ceiling")
	}
	if decision.Scope != auth.ScopeGlobal {
		t.Errorf("scope = %q; want global", decision.Scope)
	}
	if decision.RetryAfter != 15*time.Minute {
		t.Errorf("RetryAfter = %s; want 15m", decision.RetryAfter)
	}
	clock.Advance(15 * time.Minute)
	if _, decision := th.Begin("192.0.2.1"); !decision.Allowed {
		t.Error("still blocked after the window passed")
	}
}

func TestThrottleCountsChecksInProgress(t *testing.T) {
	clock := authtest.NewFakeClock(start)
	th := auth.NewThrottle(clock, throttleLimits)
	var attempts []*auth.Attempt
	for range 5 {
		attempt, decision := th.Begin("203.0.113.7")
		if !decision.Allowed {
			t.Fatal("attempt rejected below the limit")
		}
		attempts = append(attempts, attempt)
	}
	_, decision := th.Begin("203.0.113.7")
	if decision.Allowed {
		t.Fatal("sixth parallel attempt allowed; want it rejected while five checks run")
	}
	if decision.RetryAfter != time.Second {
		t.Errorf("RetryAfter = %s; want 1s while checks are in progress", decision.RetryAfter)
	}
	for _, attempt := range attempts {
		attempt.Succeed()
		attempt.Succeed() // ending twice is harmless
	}
	if _, decision := th.Begin("203.0.113.7"); !decision.Allowed {
		t.Error("rejected after every check ended")
	}
}

func TestThrottleAbandonCountsNothing(t *testing.T) {
	clock := authtest.NewFakeClock(start)
	th := auth.NewThrottle(clock, throttleLimits)
	for range 4 {
		failOnce(t, th, "203.0.113.7")
	}
	for range 10 {
		attempt, decision := th.Begin("203.0.113.7")
		if !decision.Allowed {
			t.Fatal("rejected although abandoned attempts count nothing")
		}
		attempt.Abandon()
	}
	failOnce(t, th, "203.0.113.7")
	if _, decision := th.Begin("203.0.113.7"); decision.Allowed {
		t.Error("Abandon cleared the earlier failures")
	}
}

func TestThrottleGroupsIPv6By64(t *testing.T) {
	clock := authtest.NewFakeClock(start)
	th := auth.NewThrottle(clock, throttleLimits)
	for i := range 5 {
		failOnce(t, th, fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	if _, decision := th.Begin("2001:db8:1:2:ffff::1"); decision.Allowed {
		t.Error("an address in the same /64 is allowed")
	}
	if _, decision := th.Begin("2001:db8:1:3::1"); !decision.Allowed {
		t.Error("an address in another /64 is blocked")
	}
}

func TestThrottleReportsOncePerMinute(t *testing.T) {
	clock := authtest.NewFakeClock(start)
	th := auth.NewThrottle(clock, throttleLimits)
	for range 5 {
		failOnce(t, th, "203.0.113.7")
	}
	_, first := th.Begin("203.0.113.7")
	if !first.Report || first.Attempts != 1 {
		t.Errorf("first rejection: Report %v, Attempts %d; want true, 1", first.Report, first.Attempts)
	}
	for range 3 {
		if _, d := th.Begin("203.0.113.7"); d.Report {
			t.Error("a rejection within the minute is reported again")
		}
	}
	clock.Advance(time.Minute)
	_, later := th.Begin("203.0.113.7")
	if !later.Report || later.Attempts != 4 {
		t.Errorf("after a minute: Report %v, Attempts %d; want true, 4", later.Report, later.Attempts)
	}
}
