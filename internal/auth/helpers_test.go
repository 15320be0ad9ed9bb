package auth

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// testCost keeps bcrypt fast in tests; with -race a cost-12 hash takes
// seconds.
const testCost = bcrypt.MinCost

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testConfig returns the defaults with a temp home, no keyfile variable and
// no password, whatever the environment contains.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := Defaults()
	cfg.HomeDir = t.TempDir()
	cfg.KeyFile = ""
	cfg.Password = ""
	return cfg
}

// writeTestKeyFile writes a keyfile for user and password at path with
// mode 0600, creating its folder.
func writeTestKeyFile(t *testing.T, path, user, password string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), testCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, formatKeyFile(keyFile{user: user, hash: hash}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// logBuffer returns a logger that writes JSON into the returned buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func newTestService(t *testing.T, cfg Config, clock Clock) (*Service, error) {
	t.Helper()
	logger, _ := logBuffer()
	return New(cfg, Options{Logger: logger, Clock: clock, BcryptCost: testCost})
}
