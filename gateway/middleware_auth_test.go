package gateway_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/event"
)

func TestStreamClosesOnLogout(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	conn := s.dialStream(token, nil)

	if r := s.request("POST", "/api/v1/auth/logout", token, nil); r.status != http.StatusNoContent {
		t.Fatalf("logout = %d; want 204", r.status)
	}
	expectClose4401(t, conn)
}

func TestStreamsCloseOnCredentialChange(t *testing.T) {
	s := startAuthServer(t, nil)
	browser := s.login(loginPath, testUser, testPassword)
	mobile := s.login("/api/v1/auth/mobile-login", testUser, testPassword)
	browserConn := s.dialStream(browser, nil)
	mobileConn := s.dialStream(mobile, nil)

	caller := s.login(loginPath, testUser, testPassword)
	r := s.request("POST", "/api/v1/auth/change-credentials", caller, map[string]string{
		"current_password": testPassword, "new_password": "rotated password",
	})
	if r.status != http.StatusOK {
		t.Fatalf("change-credentials = %d %s; want 200", r.status, r.raw)
	}
	expectClose4401(t, browserConn)
	expectClose4401(t, mobileConn)

	fresh, _ := r.body["token"].(string)
	s.dialStream(fresh, nil)
}

func TestStreamClosesOnExpiry(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	conn := s.dialStream(token, nil)
	s.clock.Advance(24 * time.Hour)
	expectClose4401(t, conn)
}

func TestStreamAcceptsHeaderToken(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	conn, _, err := s.tryDialStream("", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("dialing with an Authorization header: %v", err)
	}
	conn.Close()
}

func TestStreamRejectsMissingOrBadToken(t *testing.T) {
	s := startAuthServer(t, nil)
	cases := map[string]string{
		"no token":      "",
		"empty token":   "?token=",
		"short token":   "?token=abc",
		"unknown token": "?token=" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	}
	for name, query := range cases {
		_, resp, err := s.tryDialStream(query, nil)
		if err == nil {
			t.Errorf("%s: the upgrade succeeded; want 401", name)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: response %v; want 401", name, resp)
		}
	}
}

func TestStreamChecksOrigin(t *testing.T) {
	s := startAuthServer(t, func(cfg *auth.Config) {
		cfg.AllowedOrigins = []string{"https://app.example.com"}
	})
	token := s.login(loginPath, testUser, testPassword)
	self := s.base

	cases := []struct {
		name    string
		headers http.Header
		allowed bool
	}{
		{"no Origin", nil, true},
		{"own origin", http.Header{"Origin": {self}}, true},
		{"allowed origin", http.Header{"Origin": {"https://app.example.com"}}, true},
		{"foreign origin", http.Header{"Origin": {"https://evil.example.net"}}, false},
		{"null origin", http.Header{"Origin": {"null"}}, false},
		{"forwarded origin from trusted proxy", http.Header{
			"Origin": {"https://public.example.com"}, "X-Forwarded-Host": {"public.example.com"}, "X-Forwarded-Proto": {"https"},
		}, true},
	}
	for _, tc := range cases {
		conn, resp, err := s.tryDialStream("?token="+token, tc.headers)
		if tc.allowed {
			if err != nil {
				t.Errorf("%s: upgrade failed (%v); want it allowed", tc.name, err)
				continue
			}
			conn.Close()
			continue
		}
		if err == nil {
			conn.Close()
			t.Errorf("%s: upgrade succeeded; want 403", tc.name)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: response %v; want 403", tc.name, resp)
		}
	}
}

func TestStreamIgnoresForwardedHostFromUntrustedPeer(t *testing.T) {
	s := startAuthServer(t, func(cfg *auth.Config) { cfg.TrustedProxies = nil })
	token := s.login(loginPath, testUser, testPassword)
	headers := http.Header{
		"Origin": {"https://public.example.com"}, "X-Forwarded-Host": {"public.example.com"}, "X-Forwarded-Proto": {"https"},
	}
	conn, resp, err := s.tryDialStream("?token="+token, headers)
	if err == nil {
		conn.Close()
		t.Fatal("upgrade succeeded with forwarded headers from an untrusted peer; want 403")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("response %v; want 403", resp)
	}
}

// failLogin sends a wrong password from the client address forwardedFor
// (empty: the peer) and returns the response.
func (s *authServer) failLogin(forwardedFor string) response {
	s.t.Helper()
	var headers []string
	if forwardedFor != "" {
		headers = []string{"X-Forwarded-For", forwardedFor}
	}
	return s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": "wrong password"}, headers...)
}

func TestLoginThrottlesAfterFiveFailures(t *testing.T) {
	s := startAuthServer(t, nil)
	for i := range 5 {
		if r := s.failLogin(""); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d; want 401", i+1, r.status)
		}
	}

	r := s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": testPassword})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("sixth attempt with the right password = %d; want 429", r.status)
	}
	if r.header.Get("Retry-After") != "900" {
		t.Errorf("Retry-After = %q; want 900 (15 minutes)", r.header.Get("Retry-After"))
	}
	if r.errorText() != "too many failed logins; try again in 900 seconds (the count lives in memory, so restarting opendray also clears it)" {
		t.Errorf("error = %q", r.errorText())
	}
	if n := len(s.events.named("admin.login_success")); n != 0 {
		t.Errorf("%d login_success events while throttled; want 0", n)
	}
	throttled := s.events.named("admin.login_throttled")
	if len(throttled) != 1 {
		t.Fatalf("%d login_throttled events; want 1", len(throttled))
	}
	if got := throttled[0].(*event.AdminLoginThrottled); got.Scope != auth.ScopeClient || got.ClientAddr != "127.0.0.1" || got.Attempts != 1 {
		t.Errorf("event = %+v; want client scope from 127.0.0.1, 1 attempt", got)
	}

	s.clock.Advance(15 * time.Minute)
	s.login(loginPath, testUser, testPassword)
}

func TestThrottledLoginRunsNoBcrypt(t *testing.T) {
	var compares atomic.Int32
	countingCompare := func(hash, password []byte) error {
		compares.Add(1)
		return bcrypt.CompareHashAndPassword(hash, password)
	}
	s := startAuthServerWith(t, authServerOptions{
		compareHash: countingCompare,
		configure: func(cfg *auth.Config) {
			hash, err := bcrypt.GenerateFromPassword([]byte("keyfile password"), testCost)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(cfg.HomeDir, ".opendray", "secrets", "admin.key")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("user=admin\nbcrypt="+string(hash)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
	})
	for range 5 {
		s.failLogin("")
	}
	if n := compares.Load(); n != 5 {
		t.Fatalf("%d bcrypt comparisons for 5 failed logins; want 5", n)
	}
	r := s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": "keyfile password"})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("throttled login = %d; want 429", r.status)
	}
	if n := compares.Load(); n != 5 {
		t.Errorf("%d bcrypt comparisons after a throttled login; want still 5", n)
	}
}

func TestLoginSuccessResetsClientFailures(t *testing.T) {
	s := startAuthServer(t, nil)
	for range 4 {
		s.failLogin("")
	}
	s.login(loginPath, testUser, testPassword)
	for i := range 4 {
		if r := s.failLogin(""); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d after a success: status %d; want 401", i+1, r.status)
		}
	}
	s.login(loginPath, testUser, testPassword)
}

func TestWrongCurrentPasswordCountsAsFailure(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	for range 5 {
		r := s.request("POST", "/api/v1/auth/change-credentials", token, map[string]string{
			"current_password": "guess guess", "new_password": "long enough",
		})
		if r.status != http.StatusForbidden {
			t.Fatalf("change-credentials with a wrong password = %d; want 403", r.status)
		}
	}
	r := s.request("POST", "/api/v1/auth/change-credentials", token, map[string]string{
		"current_password": testPassword, "new_password": "long enough",
	})
	if r.status != http.StatusTooManyRequests {
		t.Errorf("sixth change-credentials = %d; want 429", r.status)
	}
}

func TestThrottleKeysOnForwardedClient(t *testing.T) {
	s := startAuthServer(t, nil)
	for range 5 {
		s.failLogin("198.51.100.1")
	}
	if r := s.failLogin("198.51.100.1"); r.status != http.StatusTooManyRequests {
		t.Errorf("sixth failure from 198.51.100.1 = %d; want 429", r.status)
	}
	if r := s.failLogin("198.51.100.2"); r.status != http.StatusUnauthorized {
		t.Errorf("first failure from 198.51.100.2 = %d; want 401", r.status)
	}
	failures := s.events.named("admin.login_failed")
	if got := failures[0].(*event.AdminLoginFailed).ClientAddr; got != "198.51.100.1" {
		t.Errorf("event client_addr = %s; want the forwarded 198.51.100.1", got)
	}
}

func TestUntrustedPeerCannotSpoofClient(t *testing.T) {
	s := startAuthServer(t, func(cfg *auth.Config) { cfg.TrustedProxies = nil })
	for i := range 5 {
		s.failLogin(fmt.Sprintf("198.51.100.%d", i))
	}
	if r := s.failLogin("198.51.100.99"); r.status != http.StatusTooManyRequests {
		t.Errorf("failure with a fresh forwarded address = %d; want 429, because the peer is not a trusted proxy", r.status)
	}
	if got := s.events.named("admin.login_failed")[0].(*event.AdminLoginFailed).ClientAddr; got != "127.0.0.1" {
		t.Errorf("event client_addr = %s; want the peer 127.0.0.1", got)
	}
}

func TestGlobalThrottleStopsSpreadAttack(t *testing.T) {
	s := startAuthServer(t, func(cfg *auth.Config) {
		cfg.Throttle = auth.ThrottleConfig{ClientFailures: 5, GlobalFailures: 10, Window: 15 * time.Minute}
	})
	for i := range 10 {
		s.failLogin("198.51.100." + strconv.Itoa(i))
	}
	r := s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": testPassword}, "X-Forwarded-For", "192.0.2.1")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("login from a fresh address past the global ceiling = %d; want 429", r.status)
	}
	throttled := s.events.named("admin.login_throttled")
	if len(throttled) != 1 || throttled[0].(*event.AdminLoginThrottled).Scope != auth.ScopeGlobal {
		t.Errorf("throttled events = %v; want one with global scope", throttled)
	}
}
