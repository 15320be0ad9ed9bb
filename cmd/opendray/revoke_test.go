package main

import (
	"errors"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// Rotating the credentials closes every WebSocket opened with an earlier
// token: session streams, the event stream and the log tail.
func TestRotationClosesOpenSockets(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")
	code, created := call(t, p, http.MethodPost, "/api/v1/sessions", token, map[string]any{
		"provider": "custom", "command": "/bin/sh", "cwd": t.TempDir(),
	})
	if code != http.StatusCreated {
		t.Fatalf("create = %d %v", code, created)
	}

	paths := map[string]string{
		"stream": "/api/v1/sessions/" + created["id"].(string) + "/stream",
		"events": "/api/v1/events",
		"logs":   "/api/v1/logs/stream",
	}
	conns := map[string]*websocket.Conn{}
	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	for name, path := range paths {
		conn, resp, err := dialer.Dial("ws://"+p.addr+path+"?token="+token, nil)
		if err != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Fatalf("dial %s: %v (status %d)", name, err, status)
		}
		defer conn.Close()
		conns[name] = conn
	}

	code, body := call(t, p, http.MethodPost, "/api/v1/auth/change-credentials", token, map[string]string{
		"current_password": "correct-horse-battery", "new_password": "another-long-passphrase",
	})
	if code != http.StatusOK {
		t.Fatalf("change-credentials = %d %v", code, body)
	}

	for name, conn := range conns {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			_, _, err := conn.ReadMessage()
			if err == nil {
				continue
			}
			var closeErr *websocket.CloseError
			if !errors.As(err, &closeErr) || closeErr.Code != 4401 {
				t.Errorf("%s socket ended with %v; want close code 4401", name, err)
			}
			break
		}
	}

	// A socket with a foreign Origin is refused before the upgrade.
	header := http.Header{"Origin": {"https://evil.example"}}
	newToken := body["token"].(string)
	_, resp, err := dialer.Dial("ws://"+p.addr+"/api/v1/events?token="+newToken, header)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: err %v, response %v; want 403", err, resp)
	}
}

// At shutdown the event stream and the log tail close with 1001 (going
// away), so clients can tell a restart from a network failure.
func TestShutdownClosesSocketsGoingAway(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")

	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	var conns []*websocket.Conn
	for _, path := range []string{"/api/v1/events", "/api/v1/logs/stream"} {
		conn, _, err := dialer.Dial("ws://"+p.addr+path+"?token="+token, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", path, err)
		}
		defer conn.Close()
		conns = append(conns, conn)
	}
	sendSignal(t, p, syscall.SIGTERM)
	for i, conn := range conns {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			_, _, err := conn.ReadMessage()
			if err == nil {
				continue
			}
			var closeErr *websocket.CloseError
			if !errors.As(err, &closeErr) || closeErr.Code != websocket.CloseGoingAway {
				t.Errorf("socket %d ended with %v; want close code 1001", i, err)
			}
			break
		}
	}
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Errorf("exit code = %d; want 0", code)
	}
}
