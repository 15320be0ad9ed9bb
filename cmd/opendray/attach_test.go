package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runAttach runs opendray-attach with stdin as its input and returns its
// exit code, stdout and stderr.
func runAttach(t *testing.T, p *proc, token, sessionID, stdin string, extra ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"-url", "http://" + p.addr, "-token", token}, extra...)
	cmd := exec.CommandContext(ctx, attachBinary, append(args, sessionID)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("opendray-attach did not exit; stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

// A session started with curl-like calls can be driven with the attach
// client, left, resumed from an offset without repeats, and ended.
func TestAttachClientDrivesSession(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")
	code, created := call(t, p, http.MethodPost, "/api/v1/sessions", token, map[string]any{
		"provider": "custom", "command": "/bin/sh", "name": "attach-test", "cwd": t.TempDir(),
	})
	if code != http.StatusCreated {
		t.Fatalf("create = %d %v", code, created)
	}
	id := created["id"].(string)

	// Type a command, give it time to run, then detach with Ctrl-].
	code, out, errOut := runAttach(t, p, token, id, "echo first-$((6*7))\n", "-detach-after", "2s")
	if code != 0 || !strings.Contains(out, "first-42") {
		t.Fatalf("first attach: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	match := regexp.MustCompile(`resume with -since (\d+)`).FindStringSubmatch(errOut)
	if match == nil {
		t.Fatalf("first attach did not print a resume offset: %q", errOut)
	}

	if code, body := call(t, p, http.MethodPost, "/api/v1/sessions/"+id+"/input", token, map[string]string{"data": "echo second-$((7*7))\n"}); code != http.StatusNoContent {
		t.Fatalf("input = %d %v", code, body)
	}

	code, out, errOut = runAttach(t, p, token, id, "exit 3\n", "-since", match[1])
	if code != 0 {
		t.Fatalf("second attach: exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out, "first-42") {
		t.Errorf("resumed output repeats what the first attach saw: %q", out)
	}
	if !strings.Contains(out, "second-49") {
		t.Errorf("resumed output lacks what was typed while detached: %q", out)
	}
	if !strings.Contains(errOut, "exit code 3") {
		t.Errorf("stderr %q does not report the exit code", errOut)
	}
}

func TestAttachClientRejectsBadInput(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")

	cases := []struct {
		args    []string
		want    int
		mention string
	}{
		{[]string{"-url", "http://" + p.addr, "-token", token, "no-such-session"}, 1, "404"},
		{[]string{"-url", "http://" + p.addr, "-token", "bad", "x"}, 1, "401"},
		{[]string{"-url", "ftp://host", "-token", token, "x"}, 2, "scheme"},
		{[]string{"-url", "http://" + p.addr, "-token", token, "-since", "soon", "x"}, 2, "-since"},
		{[]string{"-url", "http://" + p.addr, "x"}, 2, "missing token"},
		{[]string{"-url", "http://" + p.addr, "-token", token}, 2, "usage"},
	}
	for _, tc := range cases {
		cmd := exec.Command(attachBinary, tc.args...)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		}
		if code != tc.want || !strings.Contains(stderr.String(), tc.mention) {
			t.Errorf("opendray-attach %v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr.String(), tc.want, tc.mention)
		}
	}
}

func TestSessionJSONShowsEmptyArgs(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")
	code, created := call(t, p, http.MethodPost, "/api/v1/sessions", token, map[string]any{
		"provider": "custom", "command": "/bin/sh", "cwd": t.TempDir(),
	})
	if code != http.StatusCreated {
		t.Fatalf("create = %d %v", code, created)
	}
	if args, ok := created["args"].([]any); !ok || len(args) != 0 {
		t.Errorf("args = %#v; want an empty list", created["args"])
	}
	call(t, p, http.MethodPost, "/api/v1/sessions/"+created["id"].(string)+"/stop", token, nil)
}

func TestListShowsIdleSince(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL, "OPENDRAY_SESSION_IDLE_THRESHOLD=1s", "OPENDRAY_SESSION_IDLE_INTERVAL=200ms")
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")
	code, created := call(t, p, http.MethodPost, "/api/v1/sessions", token, map[string]any{
		"provider": "custom", "command": "/bin/sh", "args": []string{"-c", "echo quiet-now; sleep 60"}, "cwd": t.TempDir(),
	})
	if code != http.StatusCreated {
		t.Fatalf("create = %d %v", code, created)
	}
	id := created["id"].(string)

	deadline := time.Now().Add(30 * time.Second)
	for {
		_, list := call(t, p, http.MethodGet, "/api/v1/sessions", token, nil)
		for _, item := range list["sessions"].([]any) {
			s := item.(map[string]any)
			if s["id"] != id || s["state"] != "idle" {
				continue
			}
			since, err := time.Parse(time.RFC3339Nano, fmt.Sprint(s["idle_since"]))
			if err != nil {
				t.Fatalf("idle session in the list has idle_since %v; want a time", s["idle_since"])
			}
			if time.Since(since) > time.Minute || time.Until(since) > time.Second {
				t.Errorf("idle_since = %s; want a moment ago", since)
			}
			call(t, p, http.MethodPost, "/api/v1/sessions/"+id+"/stop", token, nil)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the session never showed as idle in the list")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
