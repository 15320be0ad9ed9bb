package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// call sends a JSON request and decodes the JSON response.
func call(t *testing.T, p *proc, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, "http://"+p.addr+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func login(t *testing.T, p *proc, user, password string) string {
	t.Helper()
	code, body := call(t, p, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"user": user, "password": password})
	if code != http.StatusOK {
		t.Fatalf("login as %s = %d %v; want 200", user, code, body)
	}
	token, _ := body["token"].(string)
	if token == "" || body["expires_at"] == nil {
		t.Fatalf("login answer %v lacks token or expires_at", body)
	}
	return token
}

func TestFirstRunGeneratesPassword(t *testing.T) {
	home := t.TempDir()
	p := startServeEnv(t, []string{"HOME=" + home, "OPENDRAY_ADMIN_PASSWORD="}, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)

	path := filepath.Join(home, ".opendray", "secrets", "initial-admin-password")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no generated password file: %v", err)
	}
	password := strings.TrimSpace(string(data))
	if strings.Contains(p.log(), password) {
		t.Error("the generated password appears in the log")
	}
	login(t, p, "admin", password)
	sendSignal(t, p, syscall.SIGTERM)
	p.waitExit(t, 20*time.Second)

	// Once a password is configured, the generated one would only mislead.
	p2 := startServeEnv(t, []string{"HOME=" + home, "OPENDRAY_ADMIN_PASSWORD=configured-password"}, "OPENDRAY_DATABASE_URL="+databaseURL)
	p2.waitLog(t, "opendray ready", 30*time.Second)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("generated password file still exists after a password was configured (stat: %v)", err)
	}
	login(t, p2, "admin", "configured-password")
}

// The whole credential life cycle against the built binary: log in, use
// the token, rotate, see the old token die, log in again, and read every
// step back from the audit trail after a restart.
func TestCredentialRotationEndToEnd(t *testing.T) {
	home := t.TempDir()
	env := []string{"HOME=" + home, "OPENDRAY_DATABASE_URL=" + databaseURL}
	p := startServeEnv(t, env)
	p.waitLog(t, "opendray ready", 30*time.Second)

	if code, _ := call(t, p, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"user": "admin", "password": "wrong-password"}); code != http.StatusUnauthorized {
		t.Errorf("wrong password = %d; want 401", code)
	}
	oldToken := login(t, p, "admin", "correct-horse-battery")
	if code, body := call(t, p, http.MethodGet, "/api/v1/auth/me", oldToken, nil); code != http.StatusOK || body["user"] != "admin" {
		t.Fatalf("me = %d %v", code, body)
	}

	code, body := call(t, p, http.MethodPost, "/api/v1/auth/change-credentials", oldToken, map[string]string{
		"current_password": "correct-horse-battery", "new_user": "root-admin", "new_password": "a-much-better-passphrase",
	})
	if code != http.StatusOK || body["token"] == nil {
		t.Fatalf("change-credentials = %d %v", code, body)
	}
	newToken := body["token"].(string)

	info, err := os.Stat(filepath.Join(home, ".opendray", "secrets", "admin.key"))
	if err != nil {
		t.Fatalf("no keyfile after rotation: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("keyfile mode = %o; want 600", info.Mode().Perm())
	}
	if code, _ := call(t, p, http.MethodGet, "/api/v1/auth/me", oldToken, nil); code != http.StatusUnauthorized {
		t.Errorf("old token after rotation = %d; want 401", code)
	}
	if code, _ := call(t, p, http.MethodGet, "/api/v1/auth/me", newToken, nil); code != http.StatusOK {
		t.Errorf("new token = %d; want 200", code)
	}
	login(t, p, "root-admin", "a-much-better-passphrase")

	sendSignal(t, p, syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code = %d", code)
	}

	// After a restart the keyfile decides, and the bootstrap password is inert.
	p2 := startServeEnv(t, env)
	p2.waitLog(t, "opendray ready", 30*time.Second)
	if code, _ := call(t, p2, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"user": "admin", "password": "correct-horse-battery"}); code != http.StatusUnauthorized {
		t.Errorf("bootstrap password after rotation = %d; want 401", code)
	}
	token := login(t, p2, "root-admin", "a-much-better-passphrase")

	code, body = call(t, p2, http.MethodGet, "/api/v1/audit?limit=100", token, nil)
	if code != http.StatusOK {
		t.Fatalf("audit = %d %v", code, body)
	}
	seen := map[string]int{}
	for _, e := range body["events"].([]any) {
		seen[e.(map[string]any)["event"].(string)]++
	}
	for _, name := range []string{"admin.login_failed", "admin.login_success", "admin.credentials_changed"} {
		if seen[name] == 0 {
			t.Errorf("audit trail lacks %s; has %v", name, seen)
		}
	}
	// The two logins before the restart were flushed by the drain; the one
	// after it may still wait for the sink's next write.
	if seen["admin.login_success"] < 2 {
		t.Errorf("audit trail has %d successful logins; want at least the 2 from before the restart", seen["admin.login_success"])
	}
}

func TestServeRejectsReadableKeyFile(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, ".opendray", "secrets")
	os.MkdirAll(dir, 0o700)
	keyfile := filepath.Join(dir, "admin.key")
	content := "user=admin\nbcrypt=$2a$12$C6UzMDM.H6dfI/f/IKcEeO5lH7EvcmT3Ibp5Azv1ZsxKy6YcDEPMa\n"
	if err := os.WriteFile(keyfile, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, []string{"HOME=" + home, "OPENDRAY_DATABASE_URL=" + databaseURL}, "serve")
	if code != exitUsage || !strings.Contains(stderr, "chmod 600") || !strings.Contains(stderr, keyfile) {
		t.Errorf("group-readable keyfile: exit %d, stderr %q; want exit 2 with the chmod to run", code, stderr)
	}

	missing := filepath.Join(home, "nowhere.key")
	code, _, stderr = runCLI(t, []string{"OPENDRAY_ADMIN_KEY_FILE=" + missing, "OPENDRAY_DATABASE_URL=" + databaseURL}, "serve")
	if code != exitUsage || !strings.Contains(stderr, missing) {
		t.Errorf("OPENDRAY_ADMIN_KEY_FILE pointing nowhere: exit %d, stderr %q", code, stderr)
	}
}
