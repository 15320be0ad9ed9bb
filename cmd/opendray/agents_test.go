package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// agentsBin installs the agent CLIs pinned in testdata/agents with npm
// (once; later runs reuse node_modules) and returns their bin folder.
func agentsBin(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "agents"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "node_modules", ".bin")
	if _, err := os.Stat(filepath.Join(bin, "gemini")); err == nil {
		return bin
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatal("the agent CLI tests need npm to install @anthropic-ai/claude-code, @openai/codex and @google/gemini-cli; install Node.js 20 with npm")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return bin
}

// The real agent CLIs run as session providers. Without network access
// they still start and draw their onboarding screens, which the session's
// screen emulator must render.
func TestAgentProvidersDrawScreens(t *testing.T) {
	bin := agentsBin(t)
	p := startServeEnv(t, []string{"PATH=" + bin + ":" + os.Getenv("PATH")}, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")

	code, body := call(t, p, http.MethodGet, "/api/v1/providers", token, nil)
	if code != http.StatusOK {
		t.Fatalf("providers = %d %v", code, body)
	}
	installed := map[string]bool{}
	for _, item := range body["providers"].([]any) {
		provider := item.(map[string]any)
		installed[provider["id"].(string)] = provider["installed"] == true
	}
	for _, id := range []string{"shell", "claude", "codex", "gemini", "custom"} {
		if !installed[id] {
			t.Errorf("provider %s reported as not installed; providers: %v", id, body["providers"])
		}
	}

	cases := []struct {
		provider string
		screen   string // text the onboarding screen shows
	}{
		{"claude", "Claude Code"},
		{"codex", "Codex"},
		{"gemini", "Gemini CLI"},
	}
	for _, tc := range cases {
		t.Run(tc.provider, func(t *testing.T) {
			code, created := call(t, p, http.MethodPost, "/api/v1/sessions", token, map[string]any{
				"provider": tc.provider, "cwd": t.TempDir(), "cols": 100, "rows": 30,
			})
			if code != http.StatusCreated {
				t.Fatalf("create %s = %d %v", tc.provider, code, created)
			}
			id := created["id"].(string)

			deadline := time.Now().Add(60 * time.Second)
			var lines []string
			for {
				code, snapshot := call(t, p, http.MethodGet, "/api/v1/sessions/"+id+"/snapshot", token, nil)
				if code != http.StatusOK {
					t.Fatalf("snapshot = %d %v", code, snapshot)
				}
				lines = toStrings(snapshot["lines"])
				if strings.Contains(strings.Join(lines, "\n"), tc.screen) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the %s screen never showed %q; last screen:\n%s", tc.provider, tc.screen, strings.Join(lines, "\n"))
				}
				time.Sleep(200 * time.Millisecond)
			}

			// Stopping works whether the CLI still waits or already exited.
			code, stopped := call(t, p, http.MethodPost, "/api/v1/sessions/"+id+"/stop", token, nil)
			if code != http.StatusOK && code != http.StatusConflict {
				t.Errorf("stop %s = %d %v", tc.provider, code, stopped)
			}
			code, details := call(t, p, http.MethodGet, "/api/v1/sessions/"+id, token, nil)
			if state := details["state"]; code != http.StatusOK || (state != "stopped" && state != "ended") {
				t.Errorf("%s after stop: %d state %v; want stopped or ended", tc.provider, code, state)
			}
		})
	}
}
