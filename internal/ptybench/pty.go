package ptybench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// EchoScript is the /bin/sh script of the keystroke echo workload. It sets
// the terminal to raw mode without echo, prints "ready" and a newline,
// and then runs cat, which writes back each byte it reads.
const EchoScript = "stty raw -echo; echo ready; exec cat"

// EchoReady is the line EchoScript prints once cat is about to run.
const EchoReady = "ready"

// CatPTY runs cat on path in a new PTY and reads the PTY until it returns
// EIO, which happens once cat has exited and its output is read. It
// returns the bytes read, which include the \r the terminal adds before
// each \n, and the time from the start of cat to the end of reading.
func CatPTY(path string) (int64, time.Duration, error) {
	start := time.Now()
	cmd := exec.Command("cat", path)
	master, err := pty.Start(cmd)
	if err != nil {
		return 0, 0, fmt.Errorf("starting cat on a PTY: %w", err)
	}
	n, err := io.CopyBuffer(io.Discard, master, make([]byte, 32<<10))
	elapsed := time.Since(start)
	master.Close()
	waitErr := cmd.Wait()
	if err == nil {
		return n, elapsed, fmt.Errorf("reading the PTY of cat %s: end of file before EIO; want EIO once cat exits", path)
	}
	if !errors.Is(err, syscall.EIO) {
		return n, elapsed, fmt.Errorf("reading the PTY of cat %s: %w", path, err)
	}
	if waitErr != nil {
		return n, elapsed, fmt.Errorf("cat %s: %w", path, waitErr)
	}
	return n, elapsed, nil
}

// Echo is EchoScript running on a bare PTY, the baseline of a keystroke
// round trip.
type Echo struct {
	cmd    *exec.Cmd
	master *os.File
	reader *bufio.Reader
}

// StartEcho starts EchoScript on a new PTY and waits up to timeout for its
// ready line.
func StartEcho(timeout time.Duration) (*Echo, error) {
	cmd := exec.Command("/bin/sh", "-c", EchoScript)
	master, err := pty.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("starting the echo script on a PTY: %w", err)
	}
	e := &Echo{cmd: cmd, master: master, reader: bufio.NewReader(master)}

	ready := make(chan error, 1)
	go func() {
		line, err := e.reader.ReadString('\n')
		if err == nil && line != EchoReady+"\n" {
			err = fmt.Errorf("the echo script printed %q before its ready line", line)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-time.After(timeout):
		err = fmt.Errorf("the echo script printed no ready line within %v", timeout)
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// RoundTrip writes one byte to the PTY and returns the time until cat's
// copy of it has been read back.
func (e *Echo) RoundTrip() (time.Duration, error) {
	start := time.Now()
	if _, err := e.master.Write([]byte{'k'}); err != nil {
		return 0, fmt.Errorf("writing a keystroke to the PTY: %w", err)
	}
	if _, err := e.reader.ReadByte(); err != nil {
		return 0, fmt.Errorf("reading the echo from the PTY: %w", err)
	}
	return time.Since(start), nil
}

// Close closes the PTY, kills the script's process and waits for it.
func (e *Echo) Close() {
	e.master.Close()
	_ = e.cmd.Process.Kill()
	_ = e.cmd.Wait()
}
