package session

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// process is a child running on a PTY in a session of its own (setsid), so
// its session id and process group id both equal its pid.
type process struct {
	cmd *exec.Cmd
	// pty is the master side, registered with Go's netpoller so that
	// Close wakes a blocked Read and writes never block an OS thread.
	pty *os.File
}

// startProcess starts spec on a new PTY of the requested size.
func startProcess(spec *launchSpec) (*process, error) {
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Dir = spec.Cwd
	cmd.Env = spec.Env
	size := &pty.Winsize{Cols: uint16(spec.Cols), Rows: uint16(spec.Rows)}
	master, err := pty.StartWithAttrs(cmd, size, &syscall.SysProcAttr{Setsid: true, Setctty: true})
	if err != nil {
		return nil, err
	}

	pollable, err := makePollable(master)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	return &process{cmd: cmd, pty: pollable}, nil
}

// makePollable returns a non-blocking duplicate of master registered with
// the netpoller, and closes master. creack/pty (v1.1.24) hands out a
// blocking file: a Read on it is not woken by Close, and every ioctl
// through Fd() would switch a pollable file back to blocking mode. So the
// duplicate is never used through Fd(); see setSize.
func makePollable(master *os.File) (*os.File, error) {
	defer master.Close()
	fd, err := unix.FcntlInt(master.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("duplicating the PTY master: %w", err)
	}
	// O_NONBLOCK belongs to the open file description, which the
	// duplicate shares, so it is set before os.NewFile checks it.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("setting the PTY master non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), nil
}

// setSize sets the PTY window size, which also sends SIGWINCH to the
// foreground process group.
func (p *process) setSize(cols, rows int) error {
	conn, err := p.pty.SyscallConn()
	if err != nil {
		return err
	}
	var ioctlErr error
	err = conn.Control(func(fd uintptr) {
		ioctlErr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(cols), Row: uint16(rows)})
	})
	return errors.Join(err, ioctlErr)
}

// signalAll sends sig to every process of the child's session: its own
// process group and, where the platform lets us list them, the process
// groups that job control created inside the session.
func (p *process) signalAll(sig syscall.Signal) {
	sid := p.cmd.Process.Pid
	_ = syscall.Kill(-sid, sig)
	for _, pid := range sessionMembers(sid) {
		_ = syscall.Kill(pid, sig)
	}
}

// exitCode turns the result of cmd.Wait into a shell-style exit code:
// the process's status, or 128 plus the signal that killed it.
func exitCode(state *os.ProcessState) int {
	if state == nil {
		return -1
	}
	if status, ok := state.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return 128 + int(status.Signal())
	}
	return state.ExitCode()
}
