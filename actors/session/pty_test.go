package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/store"
)

// The creack/pty behaviours the session actor is built around.

func TestPTYReadEndsWithEIONotEOF(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "printf hello")
	master, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}

	data, err := io.ReadAll(master)
	if string(data) != "hello" {
		t.Errorf("read %q; want hello", data)
	}
	if !errors.Is(err, syscall.EIO) {
		t.Errorf("read ended with %v; want EIO (never EOF)", err)
	}
}

func TestPTYCloseDoesNotWakeBlockingRead(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "30")
	master, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	readDone := make(chan error, 1)
	go func() {
		_, err := master.Read(make([]byte, 16))
		readDone <- err
	}()
	time.Sleep(50 * time.Millisecond)
	master.Close()

	select {
	case err := <-readDone:
		t.Logf("creack/pty now wakes a blocked Read on Close (%v); the pollable copy may be unnecessary", err)
	case <-time.After(300 * time.Millisecond):
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	select {
	case <-readDone:
	case <-time.After(5 * time.Second):
		t.Fatal("Read still blocked after the child was killed")
	}
}

func TestPollablePTYCloseWakesRead(t *testing.T) {
	spec := &launchSpec{Path: "/bin/sleep", Args: []string{"30"}, Cwd: t.TempDir(), Env: os.Environ(), Cols: 80, Rows: 24}
	proc, err := startProcess(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = proc.cmd.Process.Kill()
		_ = proc.cmd.Wait()
	}()
	readDone := make(chan error, 1)
	go func() {
		_, err := proc.pty.Read(make([]byte, 16))
		readDone <- err
	}()
	time.Sleep(50 * time.Millisecond)
	proc.pty.Close()
	select {
	case err := <-readDone:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Read after Close = %v; want os.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not wake the blocked Read")
	}
}

func TestSessionPrintfHelloReachesEnded(t *testing.T) {
	h := newHarness(t, nil)
	info := h.create("/bin/sh", "-c", "printf hello")
	d := h.waitState(info.ID, StateEnded, 10*time.Second)
	if d.ExitCode == nil || *d.ExitCode != 0 {
		t.Errorf("exit code = %v; want 0", d.ExitCode)
	}
	buf, err := h.client.Buffer(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf.Data) != "hello" {
		t.Errorf("buffer = %q; want hello", buf.Data)
	}
	// The harness's cleanup checks that no goroutine is left behind.
}

func TestSessionExitWithLeftoverChildEnds(t *testing.T) {
	h := newHarness(t, nil)
	marker := t.TempDir() + "/child.pid"
	// The child ignores SIGHUP and keeps the terminal open after sh exits.
	info := h.create("/bin/sh", "-c", "trap '' HUP; sleep 300 & echo $! > "+marker+"; exit 5")
	d := h.waitState(info.ID, StateEnded, h.cfg.StopGrace+5*time.Second)
	if d.ExitCode == nil || *d.ExitCode != 5 {
		t.Errorf("exit code = %v; want 5", d.ExitCode)
	}
	pid := parsePID(t, readFile(t, marker))
	h.waitFor("the leftover child to die", 3*time.Second, func() bool { return !processAlive(pid) })
}

func TestRegistryEndsOrphansAtStart(t *testing.T) {
	h := newHarness(t, nil)
	pid := 999999
	orphan := &store.Session{ID: "orphan-" + newSessionID(), Name: "old", Provider: "shell", Command: "/bin/sh",
		Cwd: "/", Cols: 80, Rows: 24, State: "running", PID: &pid}
	if err := h.db.InsertSession(h.ctx(), orphan); err != nil {
		t.Fatal(err)
	}

	second, err := h.system.Root.SpawnNamed(NewRegistryProps(h.cfg, Deps{DB: h.db, Bus: h.bus, Logger: quietLogger()}), "sessions-restarted")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.system.Root.StopFuture(second).Wait() }()

	h.waitFor("the orphan to be ended", 5*time.Second, func() bool {
		rec, err := h.db.GetSession(h.ctx(), orphan.ID)
		return err == nil && rec.State == "ended" && rec.EndedAt != nil
	})
	d, err := h.client.Get(h.ctx(), orphan.ID)
	if err != nil || d.State != StateEnded {
		t.Errorf("Get orphan = %+v, %v; want ended", d, err)
	}
}

func TestRegistryStopEndsSessionsWithinGrace(t *testing.T) {
	h := newHarness(t, nil)
	marker := t.TempDir() + "/sleep.pid"
	info := h.create("/bin/sh", "-c", "trap '' TERM HUP; sleep 300 & echo $! > "+marker+"; echo ready; wait")
	h.waitOutput(info.ID, "ready", 5*time.Second)
	pid := parsePID(t, readFile(t, marker))

	start := time.Now()
	h.registryStopped = true
	if err := h.system.Root.StopFuture(h.registry).Wait(); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > h.cfg.StopGrace+killWait+3*time.Second {
		t.Errorf("stopping the registry took %v; want under the grace period plus %v", elapsed, killWait)
	}
	if processAlive(pid) {
		t.Error("a process of the session outlived the registry")
	}
	rec, err := h.db.GetSession(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != "stopped" || rec.ExitCode == nil {
		t.Errorf("stored state %s, exit code %v; want stopped with a code", rec.State, rec.ExitCode)
	}
	nextEvent[*event.SessionStopped](h, info.ID, time.Second)
}

func TestStopAllWithinShutdownWindow(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.StopGrace = Defaults().StopGrace })
	var pids []int
	ids := map[string]bool{}
	dir := t.TempDir()
	for i := range 20 {
		marker := fmt.Sprintf("%s/%d.pid", dir, i)
		info := h.create("/bin/sh", "-c", "trap '' TERM HUP; sleep 300 & echo $! > "+marker+"; echo ready; wait")
		h.waitOutput(info.ID, "ready", 5*time.Second)
		pids = append(pids, parsePID(t, readFile(t, marker)))
		ids[info.ID] = true
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.client.StopAll(ctx); err != nil {
		t.Fatalf("StopAll: %v", err)
	}
	elapsed := time.Since(start)
	if elapsed > h.cfg.StopGrace+killWait+3*time.Second {
		t.Errorf("StopAll took %v; want about the %v grace period", elapsed, h.cfg.StopGrace)
	}
	for _, pid := range pids {
		if processAlive(pid) {
			t.Errorf("process %d outlived StopAll", pid)
		}
	}
	list, err := h.client.List(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range list {
		if ids[info.ID] && info.State != StateStopped {
			t.Errorf("session %s is %s after StopAll; want stopped", info.ID, info.State)
		}
	}
}
