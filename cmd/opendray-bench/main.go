// Command opendray-bench measures a running opendray over HTTP and
// WebSocket on a loopback address, beside raw-PTY baselines it takes
// itself in the same run, and prints a table of the numbers against
// their targets. It reads the server's memory and CPU time from /proc,
// so it runs on the server's host.
//
// It exits with 0 when every measure ran, whether or not the targets
// were met (a missed target is marked MISSED), 1 when a measure failed to
// run and 2 on invalid flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/opendray/opendray/internal/ptybench"
)

// passwordEnv is the environment variable with the admin password, kept
// out of the flags so that it does not show in the process list.
const passwordEnv = "OPENDRAY_BENCH_PASSWORD"

// errFlagSyntax is returned for a flag the flag package rejected, after
// it printed the error and the usage.
var errFlagSyntax = errors.New("invalid flag syntax")

// measureNames lists the measures in the order of the table.
var measureNames = []string{"throughput", "viewers", "stalled", "echo", "idle", "replay"}

type config struct {
	url           string
	pid           int
	user          string
	password      string
	wait          time.Duration
	fileSize      int64
	rounds        int
	echoSamples   int
	idleSessions  int
	idleQuiet     time.Duration
	replaySamples int
	measures      []string
	timeout       time.Duration
}

// bench is one run of the driver against one server.
type bench struct {
	cfg      config
	api      *apiClient
	dir      string
	testFile string
	results  map[string][]result
	notes    map[string][]string
	current  string
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, freePort, err := parseFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errFlagSyntax) {
			return 2
		}
		fmt.Fprintf(os.Stderr, "opendray-bench: %v\n", err)
		return 2
	}
	if freePort {
		port, err := pickFreePort()
		if err != nil {
			fmt.Fprintf(os.Stderr, "opendray-bench: %v\n", err)
			return 1
		}
		fmt.Println(port)
		return 0
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	if err := runBench(ctx, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "opendray-bench: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string) (config, bool, error) {
	var cfg config
	flags := flag.NewFlagSet("opendray-bench", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "Usage: %s=PASSWORD opendray-bench -pid PID [-url URL] [flags]\n\n", passwordEnv)
		fmt.Fprintln(flags.Output(), "Measures a running opendray on a loopback address beside raw-PTY baselines and prints a table.")
		fmt.Fprintln(flags.Output(), "scripts/bench.sh starts a server for it; make bench runs that script.")
		fmt.Fprintln(flags.Output())
		flags.PrintDefaults()
	}
	flags.StringVar(&cfg.url, "url", "http://127.0.0.1:8770", "base URL of the running opendray; the host must be a loopback IP address")
	flags.IntVar(&cfg.pid, "pid", 0, "process id of the opendray serve process, whose memory and CPU time are read from /proc (required)")
	flags.StringVar(&cfg.user, "user", "admin", "admin user to log in as; the password comes from "+passwordEnv)
	flags.DurationVar(&cfg.wait, "wait", time.Minute, "how long to wait for /api/v1/health to report db_ok")
	fileMiB := flags.Int("file-mib", 64, "size of the generated file the throughput measures cat, in MiB (4 to 1024)")
	flags.IntVar(&cfg.rounds, "rounds", 3, "rounds of each throughput measure (1 to 20)")
	flags.IntVar(&cfg.echoSamples, "echo-samples", 5000, "keystroke round trips on each path (100 to 100000)")
	flags.IntVar(&cfg.idleSessions, "idle-sessions", 500, "idle shell sessions held at once (1 to 2000)")
	flags.DurationVar(&cfg.idleQuiet, "idle-quiet", 40*time.Second, "quiet period over which the CPU use of the idle sessions is measured (5s to 10m)")
	flags.IntVar(&cfg.replaySamples, "replay-samples", 20, "new viewers that replay a full ring (1 to 1000)")
	measures := flags.String("measures", strings.Join(measureNames, ","), "comma-separated measures to run: "+strings.Join(measureNames, ", "))
	flags.DurationVar(&cfg.timeout, "timeout", 20*time.Minute, "limit on the whole run; the driver stops and cleans up when it passes")
	freePort := flags.Bool("free-port", false, "print a free TCP port on 127.0.0.1 and exit, for a script that starts the server")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, false, err
		}
		return cfg, false, errFlagSyntax
	}
	if flags.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected argument %q; every setting is a flag, see -help", flags.Arg(0))
	}
	if *freePort {
		return cfg, true, nil
	}

	cfg.password = os.Getenv(passwordEnv)
	cfg.fileSize = int64(*fileMiB) << 20
	for name := range strings.SplitSeq(*measures, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(measureNames, name) {
			return cfg, false, fmt.Errorf("invalid -measures entry %q; use some of %s", name, strings.Join(measureNames, ", "))
		}
		cfg.measures = append(cfg.measures, name)
	}
	switch {
	case cfg.pid <= 0:
		return cfg, false, errors.New("missing -pid: pass the process id of opendray serve")
	case cfg.password == "":
		return cfg, false, fmt.Errorf("missing %s: set it to the admin password of the server", passwordEnv)
	case *fileMiB < 4 || *fileMiB > 1024:
		return cfg, false, fmt.Errorf("invalid -file-mib %d; use 4 to 1024", *fileMiB)
	case cfg.rounds < 1 || cfg.rounds > 20:
		return cfg, false, fmt.Errorf("invalid -rounds %d; use 1 to 20", cfg.rounds)
	case cfg.echoSamples < 100 || cfg.echoSamples > 100000:
		return cfg, false, fmt.Errorf("invalid -echo-samples %d; use 100 to 100000", cfg.echoSamples)
	case cfg.idleSessions < 1 || cfg.idleSessions > 2000:
		return cfg, false, fmt.Errorf("invalid -idle-sessions %d; use 1 to 2000", cfg.idleSessions)
	case cfg.idleQuiet < 5*time.Second || cfg.idleQuiet > 10*time.Minute:
		return cfg, false, fmt.Errorf("invalid -idle-quiet %v; use 5s to 10m", cfg.idleQuiet)
	case cfg.replaySamples < 1 || cfg.replaySamples > 1000:
		return cfg, false, fmt.Errorf("invalid -replay-samples %d; use 1 to 1000", cfg.replaySamples)
	case cfg.timeout <= 0:
		return cfg, false, fmt.Errorf("invalid -timeout %v; it must be positive", cfg.timeout)
	}
	return cfg, false, nil
}

// pickFreePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func pickFreePort() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port, nil
}

// runBench logs in, runs the chosen measures and prints the table. The
// sessions it created are removed also when a measure fails.
func runBench(ctx context.Context, cfg config) error {
	base, err := parseLoopbackURL(cfg.url)
	if err != nil {
		return err
	}
	b := &bench{
		cfg:     cfg,
		api:     newAPIClient(base),
		results: make(map[string][]result),
		notes:   make(map[string][]string),
	}
	loadBefore := loadAverage()
	started := time.Now()

	b.logf("waiting for %s/api/v1/health", base)
	if err := b.api.waitHealthy(ctx, cfg.pid, cfg.wait); err != nil {
		return err
	}
	if err := b.api.login(ctx, cfg.user, cfg.password); err != nil {
		return err
	}
	defer b.removeLeftovers()

	b.dir, err = os.MkdirTemp("", "opendray-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.dir)
	b.logf("writing a %d MiB test file", cfg.fileSize>>20)
	if b.testFile, err = ptybench.CreateMixedFile(b.dir, cfg.fileSize); err != nil {
		return err
	}

	// The idle measure runs first, before the throughput measures grow
	// the server's heap. The Go runtime returns such memory to the
	// kernel only over minutes, which would hide the growth that the
	// idle sessions cause.
	order := []string{"idle", "throughput", "viewers", "stalled", "echo", "replay"}
	run := map[string]func(context.Context) error{
		"throughput": b.measureThroughput,
		"viewers":    b.measureViewers,
		"stalled":    b.measureStalled,
		"echo":       b.measureEcho,
		"idle":       b.measureIdle,
		"replay":     b.measureReplay,
	}
	for _, name := range order {
		if !slices.Contains(cfg.measures, name) {
			continue
		}
		b.current = name
		if err := run[name](ctx); err != nil {
			return fmt.Errorf("measure %s: %w", name, err)
		}
	}

	fmt.Printf("opendray-bench against %s (pid %d), %s\n", base, cfg.pid, time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("machine: %s\n", machineSummary())
	fmt.Printf("load average (1, 5, 15 min): %s before, %s after; run took %v\n\n",
		loadBefore, loadAverage(), time.Since(started).Round(time.Second))
	var results []result
	var notes []string
	for _, name := range measureNames {
		results = append(results, b.results[name]...)
		notes = append(notes, b.notes[name]...)
	}
	return writeTable(os.Stdout, results, notes)
}

// add records a result of the running measure.
func (b *bench) add(r result) { b.results[b.current] = append(b.results[b.current], r) }

// note records a line printed below the table for the running measure.
func (b *bench) note(format string, args ...any) {
	b.notes[b.current] = append(b.notes[b.current], fmt.Sprintf(format, args...))
}

// logf prints a progress line to stderr.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s opendray-bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// removeSession stops and deletes session id once a measure is done with
// it. A failure is logged and the exit cleanup retries.
func (b *bench) removeSession(ctx context.Context, id string) {
	if ctx.Err() != nil {
		return
	}
	if err := b.api.removeSession(ctx, id); err != nil {
		b.logf("removing session %s failed, retrying at exit: %v", id, err)
	}
}

// removeLeftovers removes the sessions that measures did not remove,
// for example after a failure or an interrupt.
func (b *bench) removeLeftovers() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := b.api.removeAll(ctx, createParallel); err != nil {
		b.logf("removing sessions at exit failed: %v", err)
	}
}
