package session

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opendray/opendray/internal/event"
)

func TestSessionRecordsOutputAndExit(t *testing.T) {
	h := newHarness(t, nil)
	info := h.create("/bin/sh", "-c", "printf hello; exit 3")

	d := h.waitState(info.ID, StateEnded, 10*time.Second)
	if d.ExitCode == nil || *d.ExitCode != 3 {
		t.Errorf("exit code = %v; want 3", d.ExitCode)
	}
	if d.EndedAt == nil || d.PID == nil || d.StartedAt == nil {
		t.Errorf("pid, started_at, ended_at = %v, %v, %v; want all set", d.PID, d.StartedAt, d.EndedAt)
	}
	buf, err := h.client.Buffer(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf.Data) != "hello" {
		t.Errorf("buffer = %q; want hello", buf.Data)
	}
	ended := nextEvent[*event.SessionEnded](h, info.ID, 5*time.Second)
	if ended.ExitCode != 3 {
		t.Errorf("session.ended exit code = %d; want 3", ended.ExitCode)
	}

	rec, err := h.db.GetSession(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != "ended" || rec.ExitCode == nil || *rec.ExitCode != 3 {
		t.Errorf("stored state %s, exit code %v; want ended, 3", rec.State, rec.ExitCode)
	}
}

func TestSessionInputEchoes(t *testing.T) {
	h := newHarness(t, nil)
	info := h.create("/bin/cat")
	if err := h.client.Input(h.ctx(), info.ID, []byte("ping\n")); err != nil {
		t.Fatalf("Input: %v", err)
	}
	h.waitOutput(info.ID, "ping", 5*time.Second)
}

func TestSessionStopKillsBackgroundChildren(t *testing.T) {
	h := newHarness(t, nil)
	marker := t.TempDir() + "/sleep.pid"
	info := h.create("/bin/bash", "-c", "trap '' TERM HUP; sleep 300 & echo $! > "+marker+"; echo ready; wait")
	h.waitOutput(info.ID, "ready", 5*time.Second)
	data := readFile(t, marker)

	start := time.Now()
	stopped, err := h.client.Stop(h.ctx(), info.ID)
	if err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if stopped.State != StateStopped {
		t.Errorf("state after Stop = %s; want stopped", stopped.State)
	}
	if elapsed := time.Since(start); elapsed > h.cfg.StopGrace+4*time.Second {
		t.Errorf("Stop took %v; want about the grace period %v", elapsed, h.cfg.StopGrace)
	}
	if stopped.ExitCode == nil || *stopped.ExitCode != 137 {
		t.Errorf("exit code = %v; want 137 (SIGKILL after the grace period)", stopped.ExitCode)
	}
	pid := parsePID(t, data)
	h.waitFor("background sleep to die", 3*time.Second, func() bool { return !processAlive(pid) })
	nextEvent[*event.SessionStopped](h, info.ID, 5*time.Second)
}

func TestSessionStopInteractiveShellJob(t *testing.T) {
	h := newHarness(t, nil)
	marker := t.TempDir() + "/sleep.pid"
	info := h.create("/bin/bash", "--norc", "--noprofile", "-i")
	if err := h.client.Input(h.ctx(), info.ID, []byte("sleep 300 & echo $! > "+marker+"; echo started\n")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the job's pid file", 5*time.Second, func() bool { return fileHasLine(marker) })
	pid := parsePID(t, readFile(t, marker))

	if _, err := h.client.Stop(h.ctx(), info.ID); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	h.waitFor("the background job to die", 3*time.Second, func() bool { return !processAlive(pid) })
}

func TestSessionWrongStateErrors(t *testing.T) {
	h := newHarness(t, nil)
	info := h.create("/bin/sh", "-c", "exit 0")
	h.waitState(info.ID, StateEnded, 10*time.Second)

	if err := h.client.Input(h.ctx(), info.ID, []byte("x")); !errors.Is(err, ErrWrongState) {
		t.Errorf("Input to ended session: %v; want ErrWrongState", err)
	}
	if _, err := h.client.Stop(h.ctx(), info.ID); !errors.Is(err, ErrWrongState) {
		t.Errorf("Stop of ended session: %v; want ErrWrongState", err)
	}
	if _, err := h.client.Resize(h.ctx(), info.ID, 100, 30); !errors.Is(err, ErrWrongState) {
		t.Errorf("Resize of ended session: %v; want ErrWrongState", err)
	}

	live := h.create("/bin/cat")
	if err := h.client.Delete(h.ctx(), live.ID); !errors.Is(err, ErrWrongState) {
		t.Errorf("Delete of running session: %v; want ErrWrongState", err)
	}
	if err := h.client.Delete(h.ctx(), info.ID); err != nil {
		t.Errorf("Delete of ended session: %v", err)
	}
	if _, err := h.client.Get(h.ctx(), info.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v; want ErrNotFound", err)
	}
	for name, err := range map[string]error{
		"Get":   func() error { _, err := h.client.Get(h.ctx(), "nope"); return err }(),
		"Input": h.client.Input(h.ctx(), "nope", []byte("x")),
		"Stop":  func() error { _, err := h.client.Stop(h.ctx(), "nope"); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of unknown id: %v; want ErrNotFound", name, err)
		}
	}
}

func TestSessionResize(t *testing.T) {
	h := newHarness(t, nil)
	info := h.create("/bin/cat")
	got, err := h.client.Resize(h.ctx(), info.ID, 132, 43)
	if err != nil {
		t.Fatalf("Resize: %v", err)
	}
	if got.Cols != 132 || got.Rows != 43 {
		t.Errorf("size = %dx%d; want 132x43", got.Cols, got.Rows)
	}
	snap, err := h.client.Snapshot(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Cols != 132 || snap.Rows != 43 {
		t.Errorf("snapshot size = %dx%d; want 132x43", snap.Cols, snap.Rows)
	}
	for _, size := range [][2]int{{0, 10}, {10, 0}, {1001, 10}, {10, 1001}} {
		if _, err := h.client.Resize(h.ctx(), info.ID, size[0], size[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("Resize(%d, %d): %v; want ErrInvalid", size[0], size[1], err)
		}
	}
}

func TestSessionSnapshotShowsScreen(t *testing.T) {
	h := newHarness(t, nil)
	info := h.create("/bin/sh", "-c", "printf 'line one\\r\\n\\033[1;31mred\\033[0m'; sleep 30")
	h.waitOutput(info.ID, "red", 5*time.Second)
	snap, err := h.client.Snapshot(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Lines[0] != "line one" || snap.Lines[1] != "red" {
		t.Errorf("lines = %q; want line one, red", snap.Lines[:2])
	}
	if snap.Cursor.X != 3 || snap.Cursor.Y != 1 {
		t.Errorf("cursor = %+v; want x 3, y 1", snap.Cursor)
	}
}

// Each of these inputs breaks bare vt10x. Fed through a session, they
// leave it running, and its snapshot still returns within a second.
func TestSessionSurvivesHostileOutput(t *testing.T) {
	h := newHarness(t, nil)
	// In raw mode without echo, cat returns each byte unchanged at once, so
	// the hostile bytes reach the output as they are.
	info := h.create("/bin/sh", "-c", "stty raw -echo; echo ready; exec cat")
	h.waitOutput(info.ID, "ready", 5*time.Second)
	box := []byte("╭")
	inputs := [][]byte{
		[]byte("hello\x1b[-1@"),
		[]byte("\x1b[-1P"),
		[]byte("\x1b[999999999I"),
		append([]byte("ab"), box[:2]...),
		box[2:],
	}
	for _, in := range inputs {
		if err := h.client.Input(h.ctx(), info.ID, in); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.waitOutput(info.ID, "ab╭", 5*time.Second)
	buf, err := h.client.Buffer(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Data, []byte("hello\x1b[-1@\x1b[-1P\x1b[999999999I")) {
		t.Fatalf("output %q does not carry the raw sequences", buf.Data)
	}

	start := time.Now()
	snap, err := h.client.Snapshot(h.ctx(), info.ID)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	// A stall guard, not a speed claim: an unclamped count stalls the
	// emulator for seconds (over a minute under -race).
	if elapsed := time.Since(start); elapsed > snapshotStallLimit {
		t.Errorf("Snapshot took %v; want no stall (limit %v)", elapsed, snapshotStallLimit)
	}
	found := false
	for _, line := range snap.Lines {
		if bytes.ContainsRune([]byte(line), '╭') {
			found = true
		}
	}
	if !found {
		t.Errorf("snapshot lines %q do not contain ╭", snap.Lines)
	}
	if d, err := h.client.Get(h.ctx(), info.ID); err != nil || d.State.Finished() {
		t.Errorf("session state %v, %v; want it still running", d, err)
	}
}

func TestSessionScreenPanicRestartsOnlyScreen(t *testing.T) {
	original := emulatorWrite
	t.Cleanup(func() { emulatorWrite = original })
	emulatorWrite = func(e *emulator, p []byte) {
		if bytes.Contains(p, []byte("BOOM")) {
			panic("simulated vt10x failure")
		}
		original(e, p)
	}

	h := newHarness(t, nil)
	info := h.create("/bin/cat")
	att, err := h.client.Attach(h.ctx(), info.ID, AttachOptions{Since: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer att.Viewer.Close()

	if err := h.client.Input(h.ctx(), info.ID, []byte("before\n")); err != nil {
		t.Fatal(err)
	}
	// The screen has processed "before" once a snapshot shows it.
	h.waitFor("the screen to show before", 5*time.Second, func() bool {
		snap, err := h.client.Snapshot(h.ctx(), info.ID)
		return err == nil && snap.Lines[1] == "before"
	})
	if err := h.client.Input(h.ctx(), info.ID, []byte("BOOM\n")); err != nil {
		t.Fatal(err)
	}
	h.waitOutput(info.ID, "BOOM\r\nBOOM\r\n", 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	if err := h.client.Input(h.ctx(), info.ID, []byte("after\n")); err != nil {
		t.Fatal(err)
	}
	h.waitOutput(info.ID, "after\r\nafter", 5*time.Second)

	start := time.Now()
	snap, err := h.client.Snapshot(h.ctx(), info.ID)
	if err != nil {
		t.Fatalf("Snapshot after a screen panic: %v", err)
	}
	// A stall guard, not a speed claim: an unclamped count stalls the
	// emulator for seconds (over a minute under -race).
	if elapsed := time.Since(start); elapsed > snapshotStallLimit {
		t.Errorf("Snapshot took %v; want no stall (limit %v)", elapsed, snapshotStallLimit)
	}
	screen := strings.Join(snap.Lines, "\n")
	if !strings.Contains(screen, "before") || !strings.Contains(screen, "after") {
		t.Errorf("screen after restart = %q; want the lines before and after the failure", snap.Lines[:6])
	}

	d, err := h.client.Get(h.ctx(), info.ID)
	if err != nil || d.State.Finished() || d.Viewers != 1 {
		t.Errorf("session after the screen panic = %+v, %v; want it running with its viewer", d, err)
	}
	// The viewer still receives live output.
	if err := h.client.Input(h.ctx(), info.ID, []byte("live\n")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the viewer to receive live output", 5*time.Second, func() bool {
		for _, f := range att.Viewer.Take() {
			if bytes.Contains(f.Data, []byte("live")) {
				return true
			}
		}
		return false
	})
}

func TestSessionStalledViewerMemoryIsBounded(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.ViewerWindow = 64 << 10 })
	info := h.create("/bin/sh", "-c", "read x; head -c 5000000 /dev/zero | tr '\\0' s; echo; echo done")
	stalled, err := h.client.Attach(h.ctx(), info.ID, AttachOptions{Since: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.client.Detach(stalled.Viewer)

	if err := h.client.Input(h.ctx(), info.ID, []byte("go\n")); err != nil {
		t.Fatal(err)
	}
	d := h.waitState(info.ID, StateEnded, 30*time.Second)
	if d.Viewers != 1 {
		t.Errorf("viewers = %d; want the stalled viewer still attached, lagging", d.Viewers)
	}

	stalled.Viewer.mu.Lock()
	queued := stalled.Viewer.queued
	stalled.Viewer.mu.Unlock()
	if queued > 64<<10 {
		t.Errorf("stalled viewer holds %d bytes; want at most its 64 KiB window", queued)
	}

	// Draining it now delivers a gap and then the tail of the ring.
	var sawGap, sawEnd bool
	var tail []byte
	h.waitFor("the stalled viewer to catch up", 10*time.Second, func() bool {
		for _, f := range stalled.Viewer.Take() {
			switch f.Kind {
			case FrameGap:
				sawGap = true
			case FrameOutput:
				tail = append(tail, f.Data...)
				stalled.Viewer.Written(len(f.Data))
			case FrameEnd:
				sawEnd = true
			}
			f.Release()
		}
		return sawEnd
	})
	if !sawGap {
		t.Error("no gap frame; want one, since 5 MB exceed the 1 MiB ring")
	}
	if !bytes.HasSuffix(tail, []byte("done\r\n")) {
		t.Errorf("caught-up output ends with %q; want done", tail[max(0, len(tail)-20):])
	}
}

func TestSessionEnvironmentAndCwd(t *testing.T) {
	t.Setenv("OPENDRAY_ADMIN_PASSWORD", "secret-value")
	h := newHarness(t, nil)
	dir := t.TempDir()
	info, err := h.client.Create(h.ctx(), CreateRequest{
		Command: "/bin/sh",
		Args:    []string{"-c", `echo "[$TERM][$COLORTERM][$GREETING][$OPENDRAY_ADMIN_PASSWORD][$(pwd)]"; ps -o pid=,pgid=,sid= -p $$`},
		Cwd:     dir,
		Env:     map[string]string{"GREETING": "hi there"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.waitState(info.ID, StateEnded, 10*time.Second)
	buf, err := h.client.Buffer(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "[xterm-256color][truecolor][hi there][][" + dir + "]"
	if !bytes.Contains(buf.Data, []byte(want)) {
		t.Errorf("output %q; want %q", buf.Data, want)
	}
	// The shell leads its own session and process group: pid = pgid = sid.
	fields := strings.Fields(string(buf.Data[bytes.LastIndex(buf.Data, []byte("]"))+1:]))
	if len(fields) != 3 || fields[0] != fields[1] || fields[1] != fields[2] {
		t.Errorf("pid, pgid, sid = %v; want all equal", fields)
	}
}

// snapshotStallLimit is far above a normal snapshot (milliseconds) and far
// below the stall of an unclamped CSI count, so a loaded test machine does
// not fail the check but the stall does.
const snapshotStallLimit = 10 * time.Second

func TestSessionSnapshotAfterFloodShowsTail(t *testing.T) {
	h := newHarness(t, nil)
	// About 2 MB of output: far more than the screen backlog, so the
	// screen drops it and rebuilds from the ring.
	info := h.create("/bin/sh", "-c", "seq 1 300000; echo end-of-flood; sleep 30")
	h.waitOutput(info.ID, "end-of-flood", 20*time.Second)

	start := time.Now()
	snap, err := h.client.Snapshot(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A stall guard, not a speed claim: an unclamped count stalls the
	// emulator for seconds (over a minute under -race).
	if elapsed := time.Since(start); elapsed > snapshotStallLimit {
		t.Errorf("Snapshot took %v; want no stall (limit %v)", elapsed, snapshotStallLimit)
	}
	want := []string{"299998", "299999", "300000", "end-of-flood"}
	got := snap.Lines[snap.Cursor.Y-len(want) : snap.Cursor.Y]
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("lines above the cursor = %q; want %q", got, want)
	}
}

// Two panics in a row, from two separate chunks, must not wipe the screen:
// each rebuild leaves out every range that crashed vt10x, and keeps the
// rest.
func TestSessionScreenSurvivesRepeatedPanics(t *testing.T) {
	original := emulatorWrite
	t.Cleanup(func() { emulatorWrite = original })
	emulatorWrite = func(e *emulator, p []byte) {
		if bytes.Contains(p, []byte("BOOM")) {
			panic("simulated vt10x failure")
		}
		original(e, p)
	}

	h := newHarness(t, nil)
	info := h.create("/bin/sh", "-c", "echo before; sleep 0.3; echo first-BOOM; sleep 0.3; echo second-BOOM; sleep 0.3; echo after; sleep 30")
	h.waitOutput(info.ID, "after", 10*time.Second)

	var screen string
	h.waitFor("the screen to show after", 5*time.Second, func() bool {
		snap, err := h.client.Snapshot(h.ctx(), info.ID)
		if err != nil {
			return false
		}
		screen = strings.Join(snap.Lines, "\n")
		return strings.Contains(screen, "after")
	})
	if !strings.Contains(screen, "before") {
		t.Errorf("screen = %q; want the line from before both failures kept", screen)
	}
	if strings.Contains(screen, "BOOM") {
		t.Errorf("screen = %q; want the input that crashed the emulator left out", screen)
	}
}

func TestReadSkippingLeavesOutRanges(t *testing.T) {
	s := &sessionActor{ring: newRing(64)}
	s.ring.Write([]byte("0123456789abcdef"))
	f := &screenFeeder{skipped: [][2]int64{{2, 4}, {8, 10}}}
	if got := string(f.readSkipping(s, 0, 16)); got != "014567abcdef" {
		t.Errorf("readSkipping(0, 16) = %q; want 014567abcdef", got)
	}
	if got := string(f.readSkipping(s, 3, 9)); got != "4567" {
		t.Errorf("readSkipping(3, 9) = %q; want 4567", got)
	}
}
