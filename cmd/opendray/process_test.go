package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opendray/opendray/store/storetest"
)

// binary is the opendray executable built once for this package's tests,
// and attachBinary the opendray-attach client beside it.
var binary, attachBinary string

// databaseURL is this package's own test database.
var databaseURL string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "opendray-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "opendray")
	attachBinary = filepath.Join(dir, "opendray-attach")
	for output, pkg := range map[string]string{binary: ".", attachBinary: "../opendray-attach"} {
		build := exec.Command("go", "build", "-o", output, pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building", output+":", err)
			os.Exit(1)
		}
	}
	// storetest.Main exits the process, so the binary is removed in Run.
	storetest.Main(removeAfterRun{m, dir}, "cmd", func(url string) { databaseURL = url })
}

type removeAfterRun struct {
	m   *testing.M
	dir string
}

func (r removeAfterRun) Run() int {
	defer os.RemoveAll(r.dir)
	return r.m.Run()
}

// proc is a running opendray process with its output captured.
type proc struct {
	cmd  *exec.Cmd
	addr string

	mu     sync.Mutex
	output bytes.Buffer
	exited chan struct{}
	err    error
}

// freeAddr returns a 127.0.0.1 address with a port that no process listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `opendray serve` with env on a free port and stops it
// when the test ends.
func startServe(t *testing.T, env ...string) *proc {
	t.Helper()
	return startServeEnv(t, nil, env...)
}

// startServeEnv is startServe with overrides of the base environment:
// an override with an empty value removes that variable.
func startServeEnv(t *testing.T, overrides []string, env ...string) *proc {
	t.Helper()
	p := &proc{addr: freeAddr(t), exited: make(chan struct{})}
	p.cmd = exec.Command(binary, "serve")
	p.cmd.Env = mergeEnv(append(baseEnv(t), "OPENDRAY_LISTEN="+p.addr), append(overrides, env...))
	pipe, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		scanner := bufio.NewScanner(pipe)
		for scanner.Scan() {
			p.mu.Lock()
			p.output.WriteString(scanner.Text() + "\n")
			p.mu.Unlock()
		}
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("opendray output:\n%s", p.log())
		}
	})
	return p
}

func baseEnv(t *testing.T) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"OPENDRAY_ADMIN_PASSWORD=correct-horse-battery",
		"OPENDRAY_LOG_LEVEL=debug",
	}
}

// mergeEnv applies overrides to base; an override "NAME=" removes NAME.
func mergeEnv(base, overrides []string) []string {
	values := map[string]string{}
	var order []string
	for _, kv := range append(base, overrides...) {
		name, value, _ := strings.Cut(kv, "=")
		if _, seen := values[name]; !seen {
			order = append(order, name)
		}
		values[name] = value
	}
	var out []string
	for _, name := range order {
		if values[name] != "" {
			out = append(out, name+"="+values[name])
		}
	}
	return out
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// waitLog waits until the output contains s.
func (p *proc) waitLog(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.log(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q after %s", s, timeout)
		}
		select {
		case <-p.exited:
			t.Fatalf("opendray exited (%v) before logging %q", p.err, s)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// health returns the status code and body of GET /api/v1/health.
func (p *proc) health(t *testing.T) (int, map[string]any) {
	t.Helper()
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + p.addr + "/api/v1/health")
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// waitHealth polls health until it returns the status want.
func (p *proc) waitHealth(t *testing.T, want int, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := p.health(t)
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("health = %d %v; want %d within %s", code, body, want, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExit waits for the process to end and returns its exit code.
func (p *proc) waitExit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		t.Fatalf("opendray still running %s after the signal", timeout)
	}
	if p.err == nil {
		return 0
	}
	if exitErr, ok := p.err.(*exec.ExitError); ok {
		return exitErr.ExitCode()
	}
	t.Fatalf("waiting for opendray: %v", p.err)
	return -1
}

// pgProxy forwards TCP connections to the test PostgreSQL and can cut them
// all, to play a database that goes away and returns.
type pgProxy struct {
	target string
	ln     net.Listener
	addr   string

	mu    sync.Mutex
	up    bool
	conns []net.Conn
	wg    sync.WaitGroup
}

func newPGProxy(t *testing.T, up bool) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{target: "127.0.0.1:5432", ln: ln, addr: ln.Addr().String(), up: up}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.setUp(false)
		p.wg.Wait()
	})
	return p
}

func (p *pgProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if !p.up {
			p.mu.Unlock()
			client.Close()
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			client.Close()
			continue
		}
		p.conns = append(p.conns, client, server)
		p.wg.Add(2)
		p.mu.Unlock()
		go func() { defer p.wg.Done(); io.Copy(server, client); server.Close() }()
		go func() { defer p.wg.Done(); io.Copy(client, server); client.Close() }()
	}
}

// setUp opens or cuts the proxy; cutting closes every open connection.
func (p *pgProxy) setUp(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = up
	if !up {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// url returns the test database URL routed through the proxy.
func (p *pgProxy) url() string {
	return strings.Replace(databaseURL, "127.0.0.1:5432", p.addr, 1)
}

func sendSignal(t *testing.T, p *proc, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
