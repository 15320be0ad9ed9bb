package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/creack/pty"
)

// idleSettle is the wait after starting the shells before their memory is
// read, so that each has printed its prompt and the readers have run.
const idleSettle = 2 * time.Second

// createParallel is the number of concurrent create and remove requests.
const createParallel = 8

// measureIdle holds many idle shell sessions on the server and as many
// shells on PTYs in the driver, and compares resident memory growth per
// shell and CPU use over a quiet period.
func (b *bench) measureIdle(ctx context.Context) error {
	shell, err := b.shellCommand(ctx)
	if err != nil {
		return err
	}
	count := b.cfg.idleSessions

	b.logf("idle sessions: starting %d shells (%s) on PTYs in the driver", count, shell)
	driverBefore, err := readRSS(0)
	if err != nil {
		return err
	}
	raw, err := startRawShells(shell, count, b.dir)
	defer raw.close()
	if err != nil {
		return err
	}
	time.Sleep(idleSettle)
	driverAfter, err := readRSS(0)
	if err != nil {
		return err
	}

	b.logf("idle sessions: creating %d shell sessions on the server", count)
	serverBefore, err := readRSS(b.cfg.pid)
	if err != nil {
		return err
	}
	// The exit cleanup removes the sessions when a step below fails.
	ids, err := b.createShells(ctx, count)
	if err != nil {
		return err
	}
	time.Sleep(idleSettle)
	serverAfter, err := readRSS(b.cfg.pid)
	if err != nil {
		return err
	}

	b.logf("idle sessions: measuring CPU over %v", b.cfg.idleQuiet)
	serverCPU, driverCPU, wall, err := b.quietCPU(ctx)
	if err != nil {
		return err
	}
	idle, err := b.countIdle(ctx, ids)
	if err != nil {
		return err
	}

	b.logf("idle sessions: stopping and deleting %d sessions", count)
	start := time.Now()
	err = forEach(ctx, ids, createParallel, func(id string) error { return b.api.removeSession(ctx, id) })
	if err != nil {
		return err
	}
	removal := time.Since(start)

	b.add(result{
		measure:     "5. server RSS per idle shell session",
		unit:        unitBytes,
		value:       float64(serverAfter-serverBefore) / float64(count),
		baseline:    float64(driverAfter-driverBefore) / float64(count),
		hasBaseline: true,
		target:      target{kind: valueAtMost, limit: 1 << 20},
	})
	b.add(result{
		measure:     fmt.Sprintf("5. server CPU, %d idle sessions", count),
		unit:        unitPercent,
		value:       100 * serverCPU.Seconds() / wall.Seconds(),
		baseline:    100 * driverCPU.Seconds() / wall.Seconds(),
		hasBaseline: true,
		target:      target{kind: valueBelow, limit: 2},
	})
	b.note("5. Workload: %d sessions of the shell provider (%s). The shells are separate processes and not counted. RSS: the server's VmRSS %v after the last create minus its VmRSS before the first, per session. Baseline: the driver's own VmRSS growth per shell for %d shells on PTYs, each read by a goroutine.",
		count, shell, idleSettle, count)
	b.note("5. CPU: utime plus stime of the server over %v of quiet with the idle detector at its defaults, after which %d of %d sessions were idle. Baseline: the driver's own CPU over the same period, holding its %d PTYs. The resolution is one clock tick (%v).",
		wall.Round(time.Second), idle, count, count, time.Second/time.Duration(clockTicks()))
	b.note("5. Stopping and deleting the %d sessions, %d requests at a time, took %v.",
		count, createParallel, removal.Round(100*time.Millisecond))
	return nil
}

// shellCommand returns the command of the server's shell provider.
func (b *bench) shellCommand(ctx context.Context) (string, error) {
	var resp struct {
		Providers []struct {
			ID        string `json:"id"`
			Command   string `json:"command"`
			Installed bool   `json:"installed"`
		} `json:"providers"`
	}
	if _, err := b.api.do(ctx, http.MethodGet, "/api/v1/providers", nil, &resp, http.StatusOK); err != nil {
		return "", err
	}
	for _, provider := range resp.Providers {
		if provider.ID == "shell" && provider.Installed && provider.Command != "" {
			return provider.Command, nil
		}
	}
	return "", errors.New("GET /api/v1/providers lists no installed shell provider; set SHELL for the server to an installed shell")
}

// createShells creates count shell sessions and returns the ids of those
// created, also when an error stopped it early.
func (b *bench) createShells(ctx context.Context, count int) ([]string, error) {
	var mu sync.Mutex
	ids := make([]string, 0, count)
	err := forEach(ctx, make([]struct{}, count), createParallel, func(struct{}) error {
		info, err := b.api.createSession(ctx, createRequest{Provider: "shell", Name: "bench-idle"})
		if err != nil {
			return err
		}
		mu.Lock()
		ids = append(ids, info.ID)
		mu.Unlock()
		return nil
	})
	return ids, err
}

// quietCPU sleeps for the quiet period and returns the CPU time the server
// and the driver used meanwhile, and the wall time.
func (b *bench) quietCPU(ctx context.Context) (server, driver, wall time.Duration, err error) {
	serverStart, err := readCPU(b.cfg.pid)
	if err != nil {
		return 0, 0, 0, err
	}
	driverStart, err := readCPU(0)
	if err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return 0, 0, 0, ctx.Err()
	case <-time.After(b.cfg.idleQuiet):
	}
	serverEnd, err := readCPU(b.cfg.pid)
	if err != nil {
		return 0, 0, 0, err
	}
	driverEnd, err := readCPU(0)
	if err != nil {
		return 0, 0, 0, err
	}
	return serverEnd - serverStart, driverEnd - driverStart, time.Since(start), nil
}

// countIdle returns how many of the sessions ids are in state idle.
func (b *bench) countIdle(ctx context.Context, ids []string) (int, error) {
	sessions, err := b.api.listSessions(ctx)
	if err != nil {
		return 0, err
	}
	ours := make(map[string]bool, len(ids))
	for _, id := range ids {
		ours[id] = true
	}
	idle := 0
	for _, s := range sessions {
		if ours[s.ID] && s.State == "idle" {
			idle++
		}
	}
	return idle, nil
}

// rawShell is a shell on a PTY that the driver holds, with a goroutine
// reading its output.
type rawShell struct {
	cmd    *exec.Cmd
	master *os.File
	done   chan struct{}
}

// rawShells is the driver's own set of idle shells, the baseline of the
// server's idle sessions.
type rawShells []*rawShell

// startRawShells starts count shells on PTYs of 80x24 in dir. It returns
// the shells started so far also with an error, so that close ends them.
func startRawShells(shell string, count int, dir string) (rawShells, error) {
	var shells rawShells
	for range count {
		cmd := exec.Command(shell)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		master, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
		if err != nil {
			return shells, fmt.Errorf("starting shell %d of %d on a PTY: %w", len(shells)+1, count, err)
		}
		s := &rawShell{cmd: cmd, master: master, done: make(chan struct{})}
		go func() {
			defer close(s.done)
			buffer := make([]byte, 32<<10)
			for {
				if _, err := master.Read(buffer); err != nil {
					return
				}
			}
		}()
		shells = append(shells, s)
	}
	return shells, nil
}

// close ends every shell: it closes the PTY, kills the shell and waits
// for it and its reader.
func (shells rawShells) close() {
	for _, s := range shells {
		s.master.Close()
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		<-s.done
	}
}
