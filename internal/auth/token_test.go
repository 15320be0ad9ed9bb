package auth_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/auth/authtest"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newStore() (*auth.TokenStore, *authtest.FakeClock) {
	clock := authtest.NewFakeClock(start)
	return auth.NewTokenStore(clock, 24*time.Hour, 720*time.Hour), clock
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestIssueReturnsRandomBase64URLToken(t *testing.T) {
	store, _ := newStore()
	token, id, err := store.Issue("admin", auth.KindBrowser)
	if err != nil {
		t.Fatal(err)
	}
	plain := token.Reveal()
	if len(plain) != auth.TokenLength {
		t.Errorf("token length = %d; want %d", len(plain), auth.TokenLength)
	}
	raw, err := base64.RawURLEncoding.DecodeString(plain)
	if err != nil || len(raw) != 32 {
		t.Errorf("token decodes to %d bytes (%v); want 32", len(raw), err)
	}
	if id.User != "admin" || id.Kind != auth.KindBrowser {
		t.Errorf("identity = %s/%s; want admin/browser", id.User, id.Kind)
	}
	if !id.ExpiresAt.Equal(start.Add(24 * time.Hour)) {
		t.Errorf("ExpiresAt = %s; want issue time plus 24h", id.ExpiresAt)
	}
	other, _, _ := store.Issue("admin", auth.KindBrowser)
	if other.Reveal() == plain {
		t.Error("two tokens are equal")
	}
}

func TestLookupFindsLiveToken(t *testing.T) {
	store, _ := newStore()
	token, id, _ := store.Issue("admin", auth.KindMobile)
	got, err := store.Lookup(token.Reveal())
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if got != id {
		t.Error("Lookup returned another identity")
	}
	if !got.ExpiresAt.Equal(start.Add(720 * time.Hour)) {
		t.Errorf("mobile ExpiresAt = %s; want issue time plus 720h", got.ExpiresAt)
	}
}

func TestLookupRejectsMalformedTokens(t *testing.T) {
	store, _ := newStore()
	cases := map[string]string{
		"empty":        "",
		"short":        strings.Repeat("a", 42),
		"long":         strings.Repeat("a", 44),
		"padding":      strings.Repeat("a", 42) + "=",
		"std alphabet": strings.Repeat("a", 42) + "+",
		"slash":        strings.Repeat("a", 42) + "/",
		"space":        strings.Repeat("a", 42) + " ",
		"non-ASCII":    strings.Repeat("a", 41) + "é",
	}
	for name, token := range cases {
		if _, err := store.Lookup(token); !errors.Is(err, auth.ErrTokenMalformed) {
			t.Errorf("%s: Lookup error = %v; want ErrTokenMalformed", name, err)
		}
	}
}

func TestLookupRejectsUnknownToken(t *testing.T) {
	store, _ := newStore()
	if _, err := store.Lookup(strings.Repeat("A", auth.TokenLength)); !errors.Is(err, auth.ErrTokenUnknown) {
		t.Errorf("Lookup error = %v; want ErrTokenUnknown", err)
	}
}

func TestTokenExpiresAtTTL(t *testing.T) {
	store, clock := newStore()
	token, id, _ := store.Issue("admin", auth.KindBrowser)

	clock.Advance(24*time.Hour - time.Second)
	if _, err := store.Lookup(token.Reveal()); err != nil {
		t.Fatalf("Lookup one second before expiry: %v", err)
	}
	if isClosed(id.Done()) {
		t.Fatal("Done closed before expiry")
	}

	clock.Advance(time.Second)
	if !isClosed(id.Done()) {
		t.Fatal("Done still open at expiry")
	}
	if !errors.Is(id.Err(), auth.ErrTokenExpired) {
		t.Errorf("Err() = %v; want ErrTokenExpired", id.Err())
	}
	if _, err := store.Lookup(token.Reveal()); !errors.Is(err, auth.ErrTokenExpired) {
		t.Errorf("Lookup after expiry = %v; want ErrTokenExpired", err)
	}
	if store.Len() != 0 {
		t.Errorf("Len() = %d after expiry; want 0", store.Len())
	}
}

func TestMobileTokenOutlivesBrowserToken(t *testing.T) {
	store, clock := newStore()
	browser, _, _ := store.Issue("admin", auth.KindBrowser)
	mobile, _, _ := store.Issue("admin", auth.KindMobile)
	clock.Advance(24 * time.Hour)
	if _, err := store.Lookup(browser.Reveal()); !errors.Is(err, auth.ErrTokenExpired) {
		t.Errorf("browser token after 24h: %v; want ErrTokenExpired", err)
	}
	if _, err := store.Lookup(mobile.Reveal()); err != nil {
		t.Errorf("mobile token after 24h: %v; want valid", err)
	}
	clock.Advance(720*time.Hour - 24*time.Hour)
	if _, err := store.Lookup(mobile.Reveal()); !errors.Is(err, auth.ErrTokenExpired) {
		t.Errorf("mobile token after 720h: %v; want ErrTokenExpired", err)
	}
}

func TestRevokeClosesDone(t *testing.T) {
	store, _ := newStore()
	token, id, _ := store.Issue("admin", auth.KindBrowser)
	other, otherID, _ := store.Issue("admin", auth.KindBrowser)

	store.Revoke(id)
	if !isClosed(id.Done()) {
		t.Fatal("Done still open after Revoke")
	}
	if !errors.Is(id.Err(), auth.ErrTokenRevoked) {
		t.Errorf("Err() = %v; want ErrTokenRevoked", id.Err())
	}
	if _, err := store.Lookup(token.Reveal()); !errors.Is(err, auth.ErrTokenRevoked) {
		t.Errorf("Lookup after Revoke = %v; want ErrTokenRevoked", err)
	}
	if _, err := store.Lookup(other.Reveal()); err != nil {
		t.Errorf("the other token stopped working: %v", err)
	}
	store.Revoke(id) // a second revoke is harmless
	if isClosed(otherID.Done()) {
		t.Error("Revoke closed another token's Done")
	}
}

func TestRevokeAllEndsEveryToken(t *testing.T) {
	store, _ := newStore()
	var ids []*auth.Identity
	for range 3 {
		_, id, _ := store.Issue("admin", auth.KindBrowser)
		ids = append(ids, id)
	}
	if n := store.RevokeAll(); n != 3 {
		t.Errorf("RevokeAll() = %d; want 3", n)
	}
	for i, id := range ids {
		if !isClosed(id.Done()) {
			t.Errorf("token %d: Done still open", i)
		}
	}
	if store.Len() != 0 {
		t.Errorf("Len() = %d; want 0", store.Len())
	}
}

func TestEndedTokenForgottenAfterRetention(t *testing.T) {
	store, clock := newStore()
	token, id, _ := store.Issue("admin", auth.KindBrowser)
	store.Revoke(id)
	clock.Advance(26 * time.Hour)
	store.Issue("admin", auth.KindBrowser) // sweeps old entries
	if _, err := store.Lookup(token.Reveal()); !errors.Is(err, auth.ErrTokenUnknown) {
		t.Errorf("Lookup long after revocation = %v; want ErrTokenUnknown", err)
	}
}

func TestIssueBeyondMaxRevokesFirstToExpire(t *testing.T) {
	store, clock := newStore()
	_, first, _ := store.Issue("admin", auth.KindBrowser)
	clock.Advance(time.Second)
	for range auth.MaxTokens {
		store.Issue("admin", auth.KindMobile)
	}
	if store.Len() != auth.MaxTokens {
		t.Errorf("Len() = %d; want %d", store.Len(), auth.MaxTokens)
	}
	if !errors.Is(first.Err(), auth.ErrTokenRevoked) {
		t.Errorf("first token Err() = %v; want it revoked to make room", first.Err())
	}
}
