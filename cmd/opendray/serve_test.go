package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestServeHealthAndDrain(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	body := p.waitHealth(t, http.StatusOK, 30*time.Second)
	if body["db_ok"] != true || body["status"] != "ok" {
		t.Errorf("health body = %v; want status ok and db_ok true", body)
	}
	for _, key := range []string{"version", "commit", "uptime_s"} {
		if _, ok := body[key]; !ok {
			t.Errorf("health body lacks %s: %v", key, body)
		}
	}
	p.waitLog(t, "opendray ready", 30*time.Second)

	start := time.Now()
	sendSignal(t, p, syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Errorf("exit code after SIGTERM = %d; want 0", code)
	}
	// The window is 15 s; the bound here is generous on purpose.
	if elapsed := time.Since(start); elapsed > 16*time.Second {
		t.Errorf("drain took %s; want it inside the 15 s window", elapsed)
	}
	if !strings.Contains(p.log(), "opendray stopped") {
		t.Error("no \"opendray stopped\" line after SIGTERM")
	}
}

func TestServeHealthFollowsDatabase(t *testing.T) {
	proxy := newPGProxy(t, true)
	p := startServe(t, "OPENDRAY_DATABASE_URL="+proxy.url())
	p.waitHealth(t, http.StatusOK, 30*time.Second)

	proxy.setUp(false)
	body := p.waitHealth(t, http.StatusServiceUnavailable, 30*time.Second)
	if body["db_ok"] != false || body["status"] != "degraded" {
		t.Errorf("health body with the database gone = %v; want degraded, db_ok false", body)
	}

	proxy.setUp(true)
	p.waitHealth(t, http.StatusOK, 30*time.Second)
	sendSignal(t, p, syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Errorf("exit code = %d; want 0", code)
	}
}

func TestServeWaitsForDatabaseAtStart(t *testing.T) {
	proxy := newPGProxy(t, false)
	p := startServe(t, "OPENDRAY_DATABASE_URL="+proxy.url())
	p.waitLog(t, "database not reachable; retrying", 30*time.Second)

	if code, body := p.health(t); code != http.StatusServiceUnavailable || body["db_ok"] != false {
		t.Errorf("health before the database answers = %d %v; want 503 with db_ok false", code, body)
	}
	resp, err := http.Get("http://" + p.addr + "/api/v1/logs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("API before the database answers = %d; want 503", resp.StatusCode)
	}
	p.waitLog(t, "attempt=2", 30*time.Second) // it keeps retrying

	proxy.setUp(true)
	p.waitLog(t, "opendray ready", 60*time.Second)
	p.waitHealth(t, http.StatusOK, 30*time.Second)
	sendSignal(t, p, syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Errorf("exit code = %d; want 0", code)
	}
}

func TestServeSecondSignalExitsAtOnce(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitHealth(t, http.StatusOK, 30*time.Second)

	// A request whose body never finishes keeps the HTTP drain waiting.
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("POST /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial"))
	time.Sleep(200 * time.Millisecond)

	sendSignal(t, p, syscall.SIGTERM)
	p.waitLog(t, "shutting down", 10*time.Second)
	sendSignal(t, p, syscall.SIGTERM)
	if code := p.waitExit(t, 5*time.Second); code == 0 {
		t.Error("exit code after a second signal = 0; want non-zero")
	}
	if !strings.Contains(p.log(), "second signal") {
		t.Error("no log line about the second signal")
	}
}

func TestServeEmbeddedDatabase(t *testing.T) {
	dir := t.TempDir()
	// As root the server runs as the postgres user, which must be able to
	// enter the folder.
	if err := chmodPath(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, "OPENDRAY_DATABASE_EMBEDDED_DIR="+dir+"/pg")
	body := p.waitHealth(t, http.StatusOK, 90*time.Second)
	if body["db_ok"] != true {
		t.Errorf("health with the embedded database = %v; want db_ok true", body)
	}
	p.waitLog(t, "opendray ready", 30*time.Second)

	sendSignal(t, p, syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Errorf("exit code = %d; want 0", code)
	}
	if !strings.Contains(p.log(), "embedded PostgreSQL stopped") {
		t.Error("the embedded PostgreSQL was not stopped during the drain")
	}
	if out := pgrepData(dir); out != "" {
		t.Errorf("a postgres process still serves %s: %s", dir, out)
	}
}

// The drain stops every session, including one whose shell ignores
// SIGTERM and has a background child, and leaves no process behind.
func TestServeDrainStopsSessions(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")

	marker := "987" + strconv.Itoa(os.Getpid()%1000)
	scripts := []string{
		"sleep " + marker + "1 & wait",
		"trap '' TERM; sleep " + marker + "2 & wait; sleep " + marker + "3",
	}
	for _, script := range scripts {
		code, body := call(t, p, http.MethodPost, "/api/v1/sessions", token, map[string]any{
			"provider": "custom", "command": "/bin/sh", "args": []string{"-c", script}, "cwd": t.TempDir(),
		})
		if code != http.StatusCreated {
			t.Fatalf("create = %d %v", code, body)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for pgrepCount("sleep "+marker) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the sessions' sleep processes did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	start := time.Now()
	sendSignal(t, p, syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Errorf("exit code = %d; want 0", code)
	}
	if elapsed := time.Since(start); elapsed > 16*time.Second {
		t.Errorf("drain took %s; want it inside the 15 s window", elapsed)
	}
	if n := pgrepCount("sleep " + marker); n != 0 {
		t.Errorf("%d sleep processes of the sessions outlived the gateway", n)
	}
}

// A closed stdout (serve | head) must not kill the gateway: writes fail,
// and SIGTERM still drains and exits 0.
func TestServeSurvivesClosedStdout(t *testing.T) {
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve")
	cmd.Env = mergeEnv(baseEnv(t), []string{"OPENDRAY_LISTEN=" + addr, "OPENDRAY_DATABASE_URL=" + databaseURL})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdout.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})

	p := &proc{cmd: cmd, addr: addr}
	p.waitHealth(t, http.StatusOK, 30*time.Second)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM with a closed stdout: %v; want exit code 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("opendray did not exit after SIGTERM")
	}
}
