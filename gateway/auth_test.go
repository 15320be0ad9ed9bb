package gateway_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/event"
)

const loginPath = "/api/v1/auth/login"

func TestLoginIssuesBrowserToken(t *testing.T) {
	s := startAuthServer(t, nil)
	r := s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": testPassword})
	if r.status != http.StatusOK {
		t.Fatalf("login = %d %s; want 200", r.status, r.raw)
	}
	token, _ := r.body["token"].(string)
	if len(token) != auth.TokenLength {
		t.Errorf("token length = %d; want %d", len(token), auth.TokenLength)
	}
	if want := testStart.Add(24 * time.Hour).Format(time.RFC3339); r.body["expires_at"] != want {
		t.Errorf("expires_at = %v; want %s", r.body["expires_at"], want)
	}
	if cache := r.header.Get("Cache-Control"); cache != "no-store" {
		t.Errorf("Cache-Control = %q; want no-store", cache)
	}

	successes := s.events.named("admin.login_success")
	if len(successes) != 1 {
		t.Fatalf("%d login_success events; want 1", len(successes))
	}
	success := successes[0].(*event.AdminLoginSuccess)
	if success.User != testUser || success.ClientAddr != "127.0.0.1" || success.Mobile {
		t.Errorf("event = %+v; want admin from 127.0.0.1, not mobile", success)
	}
}

func TestMobileLoginUsesMobileLifetime(t *testing.T) {
	s := startAuthServer(t, nil)
	r := s.request("POST", "/api/v1/auth/mobile-login", "", map[string]string{"user": testUser, "password": testPassword})
	if r.status != http.StatusOK {
		t.Fatalf("mobile-login = %d %s; want 200", r.status, r.raw)
	}
	if want := testStart.Add(720 * time.Hour).Format(time.RFC3339); r.body["expires_at"] != want {
		t.Errorf("expires_at = %v; want %s", r.body["expires_at"], want)
	}
	token, _ := r.body["token"].(string)
	me := s.request("GET", "/api/v1/auth/me", token, nil)
	if me.body["kind"] != "mobile" {
		t.Errorf("me kind = %v; want mobile", me.body["kind"])
	}
	if successes := s.events.named("admin.login_success"); len(successes) != 1 || !successes[0].(*event.AdminLoginSuccess).Mobile {
		t.Error("login_success event does not say mobile")
	}
}

func TestMeDescribesToken(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	r := s.request("GET", "/api/v1/auth/me", token, nil)
	if r.status != http.StatusOK {
		t.Fatalf("me = %d %s; want 200", r.status, r.raw)
	}
	if r.body["user"] != testUser || r.body["kind"] != "browser" {
		t.Errorf("me = %v; want user admin, kind browser", r.body)
	}
	if want := testStart.Add(24 * time.Hour).Format(time.RFC3339); r.body["expires_at"] != want {
		t.Errorf("expires_at = %v; want %s", r.body["expires_at"], want)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	s := startAuthServer(t, nil)
	wrongPassword := s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": "nope nope"})
	wrongUser := s.request("POST", loginPath, "", map[string]string{"user": "root", "password": testPassword})
	for name, r := range map[string]response{"wrong password": wrongPassword, "wrong user": wrongUser} {
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d; want 401", name, r.status)
		}
	}
	if wrongPassword.raw != wrongUser.raw {
		t.Errorf("bodies differ: %s vs %s; want the same answer for both mistakes", wrongPassword.raw, wrongUser.raw)
	}
	failures := s.events.named("admin.login_failed")
	if len(failures) != 2 {
		t.Fatalf("%d login_failed events; want 2", len(failures))
	}
	if got := failures[1].(*event.AdminLoginFailed); got.User != "root" || got.ClientAddr != "127.0.0.1" {
		t.Errorf("event = %+v; want the presented user root from 127.0.0.1", got)
	}
}

func TestLoginRejectsBadInput(t *testing.T) {
	s := startAuthServer(t, nil)
	cases := []struct {
		name       string
		body       any
		wantStatus int
		wantError  string
	}{
		{"missing user", map[string]any{"password": "x"}, 400, "user is required"},
		{"null user", map[string]any{"user": nil, "password": "x"}, 400, "user is required"},
		{"missing password", map[string]any{"user": "admin"}, 400, "password is required"},
		{"user not a string", map[string]any{"user": 5, "password": "x"}, 400, "user must be a string"},
		{"password not a string", map[string]any{"user": "admin", "password": true}, 400, "password must be a string"},
		{"empty user", map[string]any{"user": "", "password": "x"}, 400, "user must not be empty"},
		{"empty password", map[string]any{"user": "admin", "password": ""}, 400, "password must not be empty"},
		{"not JSON", "user=admin&password=x", 400, "JSON object"},
		{"JSON array", "[]", 400, "JSON object"},
		{"JSON null", "null", 400, "JSON object"},
		{"empty body", "", 400, "JSON object"},
		{"truncated JSON", `{"user":"adm`, 400, "JSON object"},
		{"1 MB body", `{"user":"admin","password":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "maximum is 4096"},
	}
	for _, tc := range cases {
		r := s.request("POST", loginPath, "", tc.body)
		if r.status != tc.wantStatus {
			t.Errorf("%s: status %d; want %d", tc.name, r.status, tc.wantStatus)
		}
		if !strings.Contains(r.errorText(), tc.wantError) {
			t.Errorf("%s: error %q; want it to contain %q", tc.name, r.errorText(), tc.wantError)
		}
	}
	if n := len(s.events.named("admin.login_failed")); n != 0 {
		t.Errorf("%d login_failed events for malformed requests; want 0", n)
	}
}

func TestRequireTokenRejectsBadTokens(t *testing.T) {
	s := startAuthServer(t, nil)
	revoked := s.login(loginPath, testUser, testPassword)
	s.request("POST", "/api/v1/auth/logout", revoked, nil)
	expiring := s.login(loginPath, testUser, testPassword)
	s.clock.Advance(24 * time.Hour)

	cases := []struct {
		name      string
		header    string
		query     string
		wantError string
	}{
		{"no token", "", "", "missing bearer token"},
		{"basic scheme", "Basic YWRtaW46eA==", "", "invalid Authorization header"},
		{"bearer without token", "Bearer", "", "invalid Authorization header"},
		{"short token", "Bearer abc", "", "malformed token"},
		{"wrong alphabet", "Bearer " + strings.Repeat("+", auth.TokenLength), "", "malformed token"},
		{"unknown token", "Bearer " + strings.Repeat("A", auth.TokenLength), "", "invalid token"},
		{"revoked token", "Bearer " + revoked, "", "token revoked"},
		{"expired token", "Bearer " + expiring, "", "token expired"},
		{"query token on REST", "", "?token=" + strings.Repeat("A", auth.TokenLength), "only on WebSocket upgrades"},
	}
	for _, tc := range cases {
		var headers []string
		if tc.header != "" {
			headers = []string{"Authorization", tc.header}
		}
		r := s.request("GET", "/api/v1/auth/me"+tc.query, "", nil, headers...)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d; want 401", tc.name, r.status)
		}
		if !strings.Contains(r.errorText(), tc.wantError) {
			t.Errorf("%s: error %q; want it to contain %q", tc.name, r.errorText(), tc.wantError)
		}
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate = %q; want a Bearer challenge", tc.name, r.header.Get("WWW-Authenticate"))
		}
	}
}

func TestLogoutRevokesOnlyItsToken(t *testing.T) {
	s := startAuthServer(t, nil)
	first := s.login(loginPath, testUser, testPassword)
	second := s.login(loginPath, testUser, testPassword)

	r := s.request("POST", "/api/v1/auth/logout", first, nil)
	if r.status != http.StatusNoContent {
		t.Fatalf("logout = %d %s; want 204", r.status, r.raw)
	}
	if me := s.request("GET", "/api/v1/auth/me", first, nil); me.status != http.StatusUnauthorized || me.errorText() != "token revoked" {
		t.Errorf("me with the logged-out token = %d %q; want 401 token revoked", me.status, me.errorText())
	}
	if me := s.request("GET", "/api/v1/auth/me", second, nil); me.status != http.StatusOK {
		t.Errorf("me with the other token = %d; want 200", me.status)
	}
	logouts := s.events.named("admin.logout")
	if len(logouts) != 1 || logouts[0].(*event.AdminLogout).User != testUser {
		t.Errorf("logout events = %v; want one for admin", logouts)
	}
}

func TestChangeCredentialsRotates(t *testing.T) {
	s := startAuthServer(t, nil)
	caller := s.login(loginPath, testUser, testPassword)
	other := s.login("/api/v1/auth/mobile-login", testUser, testPassword)

	r := s.request("POST", "/api/v1/auth/change-credentials", caller, map[string]string{
		"current_password": testPassword, "new_user": "ops", "new_password": "a much better password",
	})
	if r.status != http.StatusOK {
		t.Fatalf("change-credentials = %d %s; want 200", r.status, r.raw)
	}
	fresh, _ := r.body["token"].(string)
	if len(fresh) != auth.TokenLength || r.body["expires_at"] == nil {
		t.Errorf("answer = %v; want a token and expires_at", r.body)
	}

	for name, token := range map[string]string{"caller": caller, "other": other} {
		if me := s.request("GET", "/api/v1/auth/me", token, nil); me.status != http.StatusUnauthorized {
			t.Errorf("%s token after rotation: me = %d; want 401", name, me.status)
		}
	}
	if me := s.request("GET", "/api/v1/auth/me", fresh, nil); me.status != http.StatusOK || me.body["user"] != "ops" || me.body["kind"] != "browser" {
		t.Errorf("me with the fresh token = %d %v; want 200 ops browser", me.status, me.body)
	}
	if old := s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": testPassword}); old.status != http.StatusUnauthorized {
		t.Errorf("login with the old credentials = %d; want 401", old.status)
	}
	s.login(loginPath, "ops", "a much better password")

	keyFile := filepath.Join(s.home, ".opendray", "secrets", "admin.key")
	assertFileMode(t, keyFile, 0o600)
	assertFileMode(t, filepath.Dir(keyFile), 0o700)
	data, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "a much better password") {
		t.Error("the keyfile contains the plaintext password")
	}

	changes := s.events.named("admin.credentials_changed")
	if len(changes) != 1 {
		t.Fatalf("%d credentials_changed events; want 1", len(changes))
	}
	if got := changes[0].(*event.AdminCredentialsChanged); got.OldUser != testUser || got.NewUser != "ops" {
		t.Errorf("event = %+v; want admin to ops", got)
	}
}

func TestChangeCredentialsKeepsUserByDefault(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	r := s.request("POST", "/api/v1/auth/change-credentials", token, map[string]string{
		"current_password": testPassword, "new_password": "another password",
	})
	if r.status != http.StatusOK {
		t.Fatalf("change-credentials = %d %s; want 200", r.status, r.raw)
	}
	s.login(loginPath, testUser, "another password")
}

func TestChangeCredentialsRejectsBadInput(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	cases := []struct {
		name       string
		body       any
		wantStatus int
		wantError  string
	}{
		{"wrong current password", map[string]any{"current_password": "wrong one", "new_password": "long enough"}, 403, "current_password is incorrect"},
		{"missing current password", map[string]any{"new_password": "long enough"}, 400, "current_password is required"},
		{"missing new password", map[string]any{"current_password": testPassword}, 400, "new_password is required"},
		{"short new password", map[string]any{"current_password": testPassword, "new_password": "short"}, 400, "at least 8 characters"},
		{"new password over 72 bytes", map[string]any{"current_password": testPassword, "new_password": strings.Repeat("x", 73)}, 400, "at most 72 bytes"},
		{"empty new user", map[string]any{"current_password": testPassword, "new_user": "", "new_password": "long enough"}, 400, "new_user must not be empty"},
		{"new user not a string", map[string]any{"current_password": testPassword, "new_user": 7, "new_password": "long enough"}, 400, "new_user must be a string"},
		{"new user with a line break", map[string]any{"current_password": testPassword, "new_user": "a\nb", "new_password": "long enough"}, 400, "control characters"},
		{"not JSON", "{", 400, "JSON object"},
	}
	for _, tc := range cases {
		r := s.request("POST", "/api/v1/auth/change-credentials", token, tc.body)
		if r.status != tc.wantStatus {
			t.Errorf("%s: status %d; want %d", tc.name, r.status, tc.wantStatus)
		}
		if !strings.Contains(r.errorText(), tc.wantError) {
			t.Errorf("%s: error %q; want it to contain %q", tc.name, r.errorText(), tc.wantError)
		}
	}
	if me := s.request("GET", "/api/v1/auth/me", token, nil); me.status != http.StatusOK {
		t.Errorf("token after rejected changes: me = %d; want 200", me.status)
	}
	s.login(loginPath, testUser, testPassword)
	if _, err := os.Stat(filepath.Join(s.home, ".opendray", "secrets", "admin.key")); err == nil {
		t.Error("a rejected change wrote a keyfile")
	}
}

func TestChangeCredentialsRequiresToken(t *testing.T) {
	s := startAuthServer(t, nil)
	r := s.request("POST", "/api/v1/auth/change-credentials", "", map[string]string{
		"current_password": testPassword, "new_password": "long enough",
	})
	if r.status != http.StatusUnauthorized {
		t.Errorf("change-credentials without a token = %d; want 401", r.status)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	s := startAuthServer(t, nil)
	token := s.login(loginPath, testUser, testPassword)
	s.request("POST", loginPath, "", map[string]string{"user": testUser, "password": "wrong secret value"})
	r := s.request("POST", "/api/v1/auth/change-credentials", token, map[string]string{
		"current_password": testPassword, "new_password": "rotated secret value",
	})
	fresh, _ := r.body["token"].(string)
	s.request("POST", "/api/v1/auth/logout", fresh, nil)

	logs := s.logs.String()
	if !strings.Contains(logs, "admin credentials changed") {
		t.Fatalf("the log lacks the rotation line; the test captured the wrong logger:\n%s", logs)
	}
	for _, secret := range []string{testPassword, "wrong secret value", "rotated secret value", token, fresh} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains the secret %q:\n%s", secret, logs)
		}
	}
}

func assertFileMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s mode = %04o; want %04o", path, got, want)
	}
}
