package pgserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

const (
	superuser    = "opendray"
	databaseName = "opendray"
)

// server is one postgres process on a layout.
type server struct {
	layout Layout
	logger *slog.Logger

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	// exitErr is cmd.Wait's result; read it only after exited is closed.
	exitErr error
	// recentLog keeps postgres's last output lines for error messages.
	recentLog *lineTail
	// stopping is set once stop began: the FATAL lines postgres prints
	// about the connections it ends are expected then.
	stopping atomic.Bool
}

// start initialises the data folder if needed, starts postgres and waits
// until the opendray database accepts connections.
func (s *server) start(ctx context.Context) error {
	if err := checkReachable(s.layout); err != nil {
		return err
	}
	if err := checkNotInUse(s.layout); err != nil {
		return err
	}
	if err := s.prepareFolders(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.layout.DataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.initdb(ctx); err != nil {
			return err
		}
	}
	if err := s.launch(); err != nil {
		return err
	}
	if err := s.waitReady(ctx); err != nil {
		s.stop(5 * time.Second)
		return err
	}
	return s.ensureDatabase(ctx)
}

func (s *server) prepareFolders() error {
	for _, dir := range []string{filepath.Dir(s.layout.BaseDir), s.layout.BaseDir, s.layout.DataDir, s.layout.SocketDir} {
		mode := os.FileMode(0o700)
		if dir == filepath.Dir(s.layout.BaseDir) {
			mode = 0o755 // ~/.opendray or /var/lib/opendray holds other things too
		}
		if err := os.MkdirAll(dir, mode); err != nil {
			return fmt.Errorf("creating %s for the embedded PostgreSQL: %w", dir, err)
		}
		if dir == filepath.Dir(s.layout.BaseDir) {
			continue
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("securing %s: %w", dir, err)
		}
		if s.layout.RunAs != nil {
			uid, gid := ids(s.layout.RunAs)
			if err := os.Chown(dir, uid, gid); err != nil {
				return fmt.Errorf("handing %s to user %s: %w", dir, s.layout.RunAs.Username, err)
			}
		}
	}
	return nil
}

func (s *server) initdb(ctx context.Context) error {
	s.logger.Info("initialising the embedded PostgreSQL data folder", slog.String("path", s.layout.DataDir))
	cmd := exec.CommandContext(ctx, filepath.Join(s.layout.BinDir, "initdb"),
		"-D", s.layout.DataDir, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C")
	s.configure(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if detail := lastLines(string(out), 3); detail != "" {
			return fmt.Errorf("initdb failed: %w: %s", err, detail)
		}
		return fmt.Errorf("initdb failed: %w", err)
	}
	return nil
}

func (s *server) launch() error {
	cmd := exec.Command(filepath.Join(s.layout.BinDir, "postgres"),
		"-D", s.layout.DataDir,
		"-k", s.layout.SocketDir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_permissions=0700",
	)
	s.configure(cmd)
	// If opendray dies without stopping it, the kernel sends postgres
	// SIGQUIT (immediate shutdown), so no server outlives the gateway.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT

	output, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = nil
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	s.recentLog = newLineTail(20)

	logged := make(chan struct{})
	go func() {
		defer close(logged)
		s.forwardLog(output)
	}()
	go func() {
		<-logged // Wait must not run before the pipe is drained
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	s.logger.Info("embedded PostgreSQL starting", slog.Int("pid", cmd.Process.Pid), slog.String("socket_dir", s.layout.SocketDir))
	return nil
}

// configure sets the user, process group and environment of a server command.
func (s *server) configure(cmd *exec.Cmd) {
	cmd.Dir = s.layout.BaseDir
	cmd.Env = []string{"LC_ALL=C", "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.layout.RunAs != nil {
		uid, gid := ids(s.layout.RunAs)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		cmd.Env = append(cmd.Env, "HOME="+s.layout.BaseDir, "USER="+s.layout.RunAs.Username)
	}
}

// forwardLog copies postgres's output into the logger, line by line.
func (s *server) forwardLog(r io.Reader) {
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		line := scanner.Text()
		s.recentLog.add(line)
		level := slog.LevelDebug
		alarming := strings.Contains(line, "FATAL") || strings.Contains(line, "PANIC") || strings.Contains(line, "ERROR")
		if alarming && !s.stopping.Load() {
			level = slog.LevelWarn
		}
		s.logger.Log(context.Background(), level, "postgres output", slog.String("line", line))
	}
}

// waitReady polls the socket until the server accepts a connection, the
// process exits, or ctx ends.
func (s *server) waitReady(ctx context.Context) error {
	dsn := strings.Replace(s.layout.URL(), "dbname="+databaseName, "dbname=postgres", 1)
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgconn.Connect(attempt, dsn)
		cancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited during start-up (%v): %s", s.exitErr, s.recentLog.join(3))
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections in time: %w; last output: %s", ctx.Err(), s.recentLog.join(3))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ensureDatabase creates the opendray database on first start.
func (s *server) ensureDatabase(ctx context.Context) error {
	dsn := strings.Replace(s.layout.URL(), "dbname="+databaseName, "dbname=postgres", 1)
	conn, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connecting to the embedded PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	result := conn.ExecParams(ctx, "SELECT 1 FROM pg_database WHERE datname = $1", [][]byte{[]byte(databaseName)}, nil, nil, nil).Read()
	if result.Err != nil {
		return fmt.Errorf("looking up the opendray database: %w", result.Err)
	}
	if len(result.Rows) == 1 {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+databaseName).ReadAll(); err != nil {
		return fmt.Errorf("creating the opendray database: %w", err)
	}
	s.logger.Info("embedded PostgreSQL database created", slog.String("database", databaseName))
	return nil
}

// stop shuts postgres down: a fast shutdown (SIGINT) first, then an
// immediate one (SIGQUIT) after half the budget, then SIGKILL.
func (s *server) stop(budget time.Duration) error {
	if s.cmd == nil {
		return nil
	}
	s.stopping.Store(true)
	steps := []struct {
		signal syscall.Signal
		wait   time.Duration
	}{
		{syscall.SIGINT, budget / 2},
		{syscall.SIGQUIT, budget / 2},
		{syscall.SIGKILL, 5 * time.Second},
	}
	for _, step := range steps {
		select {
		case <-s.exited:
			return nil
		default:
		}
		_ = s.cmd.Process.Signal(step.signal)
		select {
		case <-s.exited:
			s.logger.Info("embedded PostgreSQL stopped", slog.String("signal", step.signal.String()))
			return nil
		case <-time.After(step.wait):
		}
	}
	return errors.New("postgres did not exit after SIGKILL")
}

func ids(u *user.User) (int, int) {
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
