package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opendray/opendray/store/storetest"
)

// runCLI runs the binary to completion and returns its exit code, stdout
// and stderr.
func runCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(t), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running opendray %v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "opendray.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeRejectsBadInput(t *testing.T) {
	cases := []struct {
		name    string
		config  string // file content; "" for no file
		path    string // explicit -config path
		env     []string
		mention string
	}{
		{name: "missing file", path: "/nonexistent/opendray.toml", mention: "/nonexistent/opendray.toml does not exist"},
		{name: "not TOML", config: "this is = = not toml", mention: "not valid TOML"},
		{name: "typo key", config: "[database]\nurll = \"x\"", mention: `unknown key "database.urll"`},
		{name: "listen nonsense", config: `listen = "nonsense"`, mention: "listen:"},
		{name: "max_conns negative", config: "[database]\nmax_conns = -1", mention: "database.max_conns"},
		{name: "parsecs", config: "[session]\nidle_interval = \"5 parsecs\"", mention: "session.idle_interval"},
		{name: "dsn not a url", config: "[database]\nurl = \"definitely not a dsn\"", mention: "database.url"},
		{name: "env wins and is checked", env: []string{"OPENDRAY_LISTEN=nonsense"}, mention: "listen:"},
		{name: "backup key in file", config: "[backup]\nkey = \"s3cret\"", mention: "OPENDRAY_BACKUP_KEY"},
		{name: "stray argument", env: nil, mention: "unexpected argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"serve"}
			switch {
			case tc.path != "":
				args = append(args, "-config", tc.path)
			case tc.config != "":
				args = append(args, "-config", writeConfig(t, tc.config))
			}
			if tc.name == "stray argument" {
				args = append(args, "extra")
			}
			code, stdout, stderr := runCLI(t, tc.env, args...)
			if code != exitUsage {
				t.Errorf("exit code = %d; want %d", code, exitUsage)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 {
				t.Errorf("stderr has %d lines; want one:\n%s", len(lines), stderr)
			}
			if !strings.Contains(stderr, tc.mention) {
				t.Errorf("stderr %q does not mention %q", stderr, tc.mention)
			}
			for _, leak := range []string{"goroutine", "panic", "s3cret"} {
				if strings.Contains(stderr+stdout, leak) {
					t.Errorf("output contains %q:\n%s%s", leak, stdout, stderr)
				}
			}
		})
	}
}

func TestServeRejectsListenInUse(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL)
	p.waitLog(t, "opendray listening", 30*time.Second)
	code, _, stderr := runCLI(t, []string{"OPENDRAY_LISTEN=" + p.addr, "OPENDRAY_DATABASE_URL=" + databaseURL}, "serve")
	if code == 0 || !strings.Contains(stderr, "listen "+p.addr) {
		t.Errorf("second serve on the same address: exit %d, stderr %q; want a listen error", code, stderr)
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "opendray ") || !strings.Contains(stdout, "commit") || !strings.Contains(stdout, "built") {
		t.Errorf("version: exit %d, output %q", code, stdout)
	}
	code, stdout, _ = runCLI(t, nil, "help")
	if code != 0 {
		t.Errorf("help exit code = %d", code)
	}
	for _, name := range []string{"serve", "migrate", "notes", "skill", "mcp", "mcp-memory", "version"} {
		if !strings.Contains(stdout, "  "+name) {
			t.Errorf("help does not list %s:\n%s", name, stdout)
		}
	}
}

func TestLaterCommandsAnswerNotAvailable(t *testing.T) {
	for _, name := range []string{"notes", "skill", "mcp", "mcp-memory"} {
		code, _, stderr := runCLI(t, nil, name, "list")
		if code != exitUsage || !strings.Contains(stderr, "not available") {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and not available", name, code, stderr)
		}
	}
	code, _, stderr := runCLI(t, nil, "frobnicate")
	if code != exitUsage || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, stderr)
	}
	code, _, _ = runCLI(t, nil)
	if code != exitUsage {
		t.Errorf("no command: exit %d; want %d", code, exitUsage)
	}
}

func TestMigrateCommand(t *testing.T) {
	db, err := storetest.Create("cmd_migrate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Drop()
	env := []string{"OPENDRAY_DATABASE_URL=" + db.URL}

	code, _, stderr := runCLI(t, env, "migrate")
	if code != 0 || !strings.Contains(stderr, "applied=1") {
		t.Fatalf("first migrate: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, env, "migrate")
	if code != 0 || !strings.Contains(stderr, "applied=0") {
		t.Fatalf("second migrate: exit %d, stderr %q", code, stderr)
	}

	// A version this binary does not know means a newer binary migrated.
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ('0999_future')")
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, env, "migrate")
	if code != exitFailure || !strings.Contains(stderr, "0999_future") || !strings.Contains(stderr, "newer") {
		t.Errorf("migrate against a newer schema: exit %d, stderr %q", code, stderr)
	}

	p := startServe(t, env...)
	if code := p.waitExit(t, 30*time.Second); code != exitFailure {
		t.Errorf("serve against a newer schema: exit %d; want %d", code, exitFailure)
	}
	if !strings.Contains(p.log(), "0999_future") {
		t.Errorf("serve output does not name the unknown migration:\n%s", p.log())
	}
}

func TestMigrateNeedsURL(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "migrate")
	if code != exitUsage || !strings.Contains(stderr, "database.url") {
		t.Errorf("migrate without a URL: exit %d, stderr %q", code, stderr)
	}
}

func TestServeWarnsOfMisspeltVariable(t *testing.T) {
	p := startServe(t, "OPENDRAY_DATABASE_URL="+databaseURL, "OPENDRAY_LISTN=127.0.0.1:1")
	p.waitLog(t, "did you mean OPENDRAY_LISTEN?", 30*time.Second)
}
