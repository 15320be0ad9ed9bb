package auth

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// credentialSetup describes which credential sources exist for one case.
type credentialSetup struct {
	envKeyFile  string // "", "valid", "missing", "malformed", "directory", "insecure"
	homeKeyFile string // "", "valid", "empty", "insecure"
	password    string
}

func (s credentialSetup) apply(t *testing.T) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.Password = Secret(s.password)
	homePath := HomeKeyFilePath(cfg.HomeDir)
	switch s.homeKeyFile {
	case "valid":
		writeTestKeyFile(t, homePath, "home-user", "home password")
	case "empty":
		writeTestKeyFile(t, homePath, "home-user", "home password")
		if err := os.WriteFile(homePath, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	case "insecure":
		writeTestKeyFile(t, homePath, "home-user", "home password")
		if err := os.Chmod(homePath, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	envDir := t.TempDir()
	envPath := filepath.Join(envDir, "injected.key")
	switch s.envKeyFile {
	case "valid":
		writeTestKeyFile(t, envPath, "env-user", "env password")
	case "missing":
	case "malformed":
		if err := os.WriteFile(envPath, []byte("user=env-user\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	case "directory":
		envPath = envDir
	case "insecure":
		writeTestKeyFile(t, envPath, "env-user", "env password")
		if err := os.Chmod(envPath, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if s.envKeyFile != "" {
		cfg.KeyFile = envPath
	}
	return cfg
}

func TestCredentialPrecedence(t *testing.T) {
	cases := []struct {
		name         string
		setup        credentialSetup
		wantSource   Source
		wantUser     string
		wantPassword string
		wantErr      string // substring of the error when loading must fail
	}{
		{"env keyfile wins over everything", credentialSetup{"valid", "valid", "bootstrap pw"}, SourceKeyFileEnv, "env-user", "env password", ""},
		{"env keyfile alone", credentialSetup{"valid", "", ""}, SourceKeyFileEnv, "env-user", "env password", ""},
		{"missing env keyfile is fatal", credentialSetup{"missing", "valid", "bootstrap pw"}, 0, "", "", KeyFileEnv},
		{"malformed env keyfile is fatal", credentialSetup{"malformed", "valid", "bootstrap pw"}, 0, "", "", "bcrypt= line is missing"},
		{"env keyfile that is a directory is fatal", credentialSetup{"directory", "", "bootstrap pw"}, 0, "", "", "not a regular file"},
		{"group-readable env keyfile is fatal", credentialSetup{"insecure", "", "bootstrap pw"}, 0, "", "", "chmod 600"},
		{"home keyfile wins over password", credentialSetup{"", "valid", "bootstrap pw"}, SourceHomeKeyFile, "home-user", "home password", ""},
		{"home keyfile alone", credentialSetup{"", "valid", ""}, SourceHomeKeyFile, "home-user", "home password", ""},
		{"empty home keyfile is fatal", credentialSetup{"", "empty", "bootstrap pw"}, 0, "", "", "the file is empty"},
		{"group-readable home keyfile is fatal", credentialSetup{"", "insecure", "bootstrap pw"}, 0, "", "", "chmod 600"},
		{"password when no keyfile exists", credentialSetup{"", "", "bootstrap pw"}, SourceConfig, "admin", "bootstrap pw", ""},
		{"nothing at all is fatal", credentialSetup{"", "", ""}, 0, "", "", "set OPENDRAY_ADMIN_PASSWORD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.setup.apply(t)
			svc, err := newTestService(t, cfg, SystemClock{})
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("New succeeded with source %v; want an error containing %q", svc.Credentials.current.source, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("New error %q; want it to contain %q", err, tc.wantErr)
				}
				if cfg.KeyFile != "" && !strings.Contains(err.Error(), cfg.KeyFile) {
					t.Errorf("New error %q does not name %s", err, cfg.KeyFile)
				}
				if strings.Contains(err.Error(), "bootstrap pw") {
					t.Errorf("New error %q contains the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			source, _ := svc.Credentials.Source()
			if source != tc.wantSource {
				t.Errorf("source = %v; want %v", source, tc.wantSource)
			}
			if got := svc.Credentials.User(); got != tc.wantUser {
				t.Errorf("user = %q; want %q", got, tc.wantUser)
			}
			if !svc.Credentials.Verify(tc.wantUser, Secret(tc.wantPassword)) {
				t.Error("Verify with the source's credentials = false; want true")
			}
			if svc.Credentials.Verify(tc.wantUser, "bootstrap pw") && tc.wantSource != SourceConfig {
				t.Error("the bootstrap password still works although a keyfile is active")
			}
		})
	}
}

func TestNoCredentialsErrorIsTyped(t *testing.T) {
	_, err := newTestService(t, testConfig(t), SystemClock{})
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("New error = %v; want ErrNoCredentials", err)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := testConfig(t)
	cfg.Password = "bootstrap pw"
	cfg.TokenTTL = 0
	_, err := newTestService(t, cfg, SystemClock{})
	var configErr *ConfigError
	if !errors.As(err, &configErr) || configErr.Key != "admin.token_ttl" {
		t.Fatalf("New error = %v; want a ConfigError for admin.token_ttl", err)
	}
}

// countingCompare records the hashes that Verify compares against.
type countingCompare struct {
	mu     sync.Mutex
	hashes []string
}

func (c *countingCompare) compare(hash, password []byte) error {
	c.mu.Lock()
	c.hashes = append(c.hashes, string(hash))
	c.mu.Unlock()
	return bcrypt.CompareHashAndPassword(hash, password)
}

func TestVerifyRunsDummyCompareOnWrongUser(t *testing.T) {
	cfg := credentialSetup{homeKeyFile: "valid"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	creds := svc.Credentials
	counter := &countingCompare{}
	creds.compare = counter.compare
	real := string(creds.current.hash)
	dummy := string(creds.current.dummyHash)

	if creds.Verify("someone-else", "home password") {
		t.Fatal("Verify with a wrong user name = true")
	}
	if len(counter.hashes) != 1 {
		t.Fatalf("wrong user: %d bcrypt comparisons; want 1", len(counter.hashes))
	}
	if counter.hashes[0] != dummy {
		t.Error("wrong user: compared against the real hash; want the dummy hash")
	}

	if creds.Verify("home-user", "wrong password") {
		t.Fatal("Verify with a wrong password = true")
	}
	if len(counter.hashes) != 2 || counter.hashes[1] != real {
		t.Error("wrong password: want one comparison against the real hash")
	}

	if !creds.Verify("home-user", "home password") {
		t.Fatal("Verify with the right credentials = false")
	}
	if len(counter.hashes) != 3 {
		t.Errorf("%d comparisons after three checks; want 3", len(counter.hashes))
	}
}

func TestDummyHashHasRealCost(t *testing.T) {
	cfg := testConfig(t)
	path := HomeKeyFilePath(cfg.HomeDir)
	hash, err := bcrypt.GenerateFromPassword([]byte("home password"), 6)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, formatKeyFile(keyFile{user: "admin", hash: hash}), 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	cost, err := bcrypt.Cost(svc.Credentials.current.dummyHash)
	if err != nil || cost != 6 {
		t.Errorf("dummy hash cost = %d (%v); want 6, the cost of the keyfile hash", cost, err)
	}
}

func TestConfigSourceNeedsNoBcrypt(t *testing.T) {
	cfg := credentialSetup{password: "bootstrap pw"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingCompare{}
	svc.Credentials.compare = counter.compare
	checks := []struct {
		user, password string
		want           bool
	}{
		{"admin", "bootstrap pw", true},
		{"admin", "bootstrap p", false},
		{"admin", "bootstrap pw!", false},
		{"Admin", "bootstrap pw", false},
		{"", "", false},
	}
	for _, c := range checks {
		if got := svc.Credentials.Verify(c.user, Secret(c.password)); got != c.want {
			t.Errorf("Verify(%q, ...) = %v; want %v", c.user, got, c.want)
		}
	}
	if len(counter.hashes) != 0 {
		t.Errorf("config source ran %d bcrypt comparisons; want 0", len(counter.hashes))
	}
}

func TestRotateWritesHomeKeyFile(t *testing.T) {
	cfg := credentialSetup{password: "bootstrap pw"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	// A folder left with a wide mode is tightened.
	secretsDir := filepath.Dir(HomeKeyFilePath(cfg.HomeDir))
	if err := os.MkdirAll(secretsDir, 0o755); err != nil {
		t.Fatal(err)
	}

	rotation, err := svc.Credentials.Rotate("admin", "bootstrap pw", "ops", "new password 1")
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if rotation.OldUser != "admin" || rotation.NewUser != "ops" || rotation.Path != HomeKeyFilePath(cfg.HomeDir) {
		t.Errorf("rotation = %+v; want admin to ops at the home keyfile", rotation)
	}
	if !svc.Credentials.Verify("ops", "new password 1") {
		t.Error("new credentials rejected after Rotate")
	}
	if svc.Credentials.Verify("admin", "bootstrap pw") {
		t.Error("old credentials still accepted after Rotate")
	}
	if source, _ := svc.Credentials.Source(); source != SourceHomeKeyFile {
		t.Errorf("source after Rotate = %v; want the home keyfile", source)
	}

	assertMode(t, rotation.Path, 0o600)
	assertMode(t, secretsDir, 0o700)
	data, err := os.ReadFile(rotation.Path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "new password 1") {
		t.Error("the keyfile contains the plaintext password")
	}
	cost, err := bcrypt.Cost(svc.Credentials.current.hash)
	if err != nil || cost != testCost {
		t.Errorf("written hash cost = %d (%v); want the configured %d", cost, err, testCost)
	}

	// The next start finds the keyfile, so the bootstrap password is inert.
	reloaded, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatalf("New after Rotate: %v", err)
	}
	if !reloaded.Credentials.Verify("ops", "new password 1") {
		t.Error("reloaded service rejects the rotated credentials")
	}
	if reloaded.Credentials.Verify("admin", "bootstrap pw") {
		t.Error("reloaded service accepts the bootstrap password although a keyfile exists")
	}
}

func TestRotateKeepsUserWhenNewUserEmpty(t *testing.T) {
	cfg := credentialSetup{password: "bootstrap pw"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Credentials.Rotate("admin", "bootstrap pw", "", "new password 1"); err != nil {
		t.Fatal(err)
	}
	if !svc.Credentials.Verify("admin", "new password 1") {
		t.Error("Rotate with no new user did not keep the user name")
	}
}

func TestRotateRejectsBadInput(t *testing.T) {
	cfg := credentialSetup{password: "bootstrap pw"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                          string
		current, newUser, newPassword string
		want                          error
		wantText                      string
	}{
		{"wrong current password", "wrong", "", "new password 1", ErrWrongPassword, "incorrect"},
		{"short password", "bootstrap pw", "", "short", ErrInvalidNewCredentials, "at least 8 characters"},
		{"seven multibyte characters", "bootstrap pw", "", "ééééééé", ErrInvalidNewCredentials, "at least 8 characters"},
		{"password over 72 bytes", "bootstrap pw", "", strings.Repeat("p", 73), ErrInvalidNewCredentials, "at most 72 bytes"},
		{"user with line break", "bootstrap pw", "ops\nroot", "new password 1", ErrInvalidNewCredentials, "control characters"},
	}
	for _, tc := range cases {
		_, err := svc.Credentials.Rotate("admin", Secret(tc.current), tc.newUser, Secret(tc.newPassword))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Rotate error = %v; want %v", tc.name, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantText) {
			t.Errorf("%s: error %q lacks %q", tc.name, err, tc.wantText)
		}
	}
	if _, err := os.Stat(HomeKeyFilePath(cfg.HomeDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a rejected Rotate wrote a keyfile")
	}
	if !svc.Credentials.Verify("admin", "bootstrap pw") {
		t.Error("a rejected Rotate changed the credentials")
	}
}

func TestRotateAcceptsPasswordLimits(t *testing.T) {
	cfg := credentialSetup{password: "bootstrap pw"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	exactly72 := strings.Repeat("p", 72)
	if _, err := svc.Credentials.Rotate("admin", "bootstrap pw", "", Secret(exactly72)); err != nil {
		t.Fatalf("Rotate with a 72-byte password: %v", err)
	}
	if _, err := svc.Credentials.Rotate("admin", Secret(exactly72), "", "8 chars!"); err != nil {
		t.Fatalf("Rotate with an 8-character password: %v", err)
	}
}

func TestRotateWritesEnvKeyFile(t *testing.T) {
	cfg := credentialSetup{envKeyFile: "valid"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	rotation, err := svc.Credentials.Rotate("env-user", "env password", "", "new password 1")
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if rotation.Path != cfg.KeyFile {
		t.Errorf("Rotate wrote %s; want the %s path %s", rotation.Path, KeyFileEnv, cfg.KeyFile)
	}
	if _, err := os.Stat(HomeKeyFilePath(cfg.HomeDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Rotate also wrote the home keyfile; want only the injected one")
	}
	reloaded, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	if !reloaded.Credentials.Verify("env-user", "new password 1") {
		t.Error("reloaded service rejects the rotated credentials")
	}
}

func TestRotateReportsReadOnlyEnvKeyFile(t *testing.T) {
	cfg := credentialSetup{envKeyFile: "valid"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	// Tests run as root, which ignores file modes, so a read-only mount is
	// simulated at the rename step.
	svc.Credentials.writer.beforeRename = func() error {
		return &fs.PathError{Op: "rename", Path: cfg.KeyFile, Err: syscall.EROFS}
	}
	_, err = svc.Credentials.Rotate("env-user", "env password", "", "new password 1")
	if !errors.Is(err, ErrKeyFileReadOnly) {
		t.Fatalf("Rotate error = %v; want ErrKeyFileReadOnly", err)
	}
	if !svc.Credentials.Verify("env-user", "env password") {
		t.Error("the old credentials stopped working after a failed Rotate")
	}
}

func TestRotateSurvivesCrashBeforeRename(t *testing.T) {
	cfg := credentialSetup{homeKeyFile: "valid"}.apply(t)
	path := HomeKeyFilePath(cfg.HomeDir)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}

	// A failed rename leaves everything as it was.
	svc.Credentials.writer.beforeRename = func() error { return errors.New("power lost") }
	if _, err := svc.Credentials.Rotate("home-user", "home password", "", "new password 1"); err == nil {
		t.Fatal("Rotate succeeded although the rename failed")
	}
	if !svc.Credentials.Verify("home-user", "home password") {
		t.Error("old credentials rejected after a failed Rotate")
	}

	// A process that died after writing the temp file leaves it behind.
	hash, _ := bcrypt.GenerateFromPassword([]byte("new password 1"), testCost)
	temp, err := writeTempKeyFile(path, keyFile{user: "home-user", hash: hash})
	if err != nil {
		t.Fatal(err)
	}

	restarted, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatalf("New after the crash: %v", err)
	}
	if !restarted.Credentials.Verify("home-user", "home password") {
		t.Error("old key rejected after the crash; want it still valid")
	}
	if restarted.Credentials.Verify("home-user", "new password 1") {
		t.Error("the half-written rotation took effect")
	}
	if _, err := os.Stat(temp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("leftover temp file %s still exists after the restart", temp)
	}
}

func TestRotateConcurrentCallsSerialise(t *testing.T) {
	cfg := credentialSetup{password: "bootstrap pw"}.apply(t)
	svc, err := newTestService(t, cfg, SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	const callers = 4
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Credentials.Rotate("admin", "bootstrap pw", "", Secret("new password "+string(rune('a'+i))))
		}()
	}
	wg.Wait()
	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
		} else if !errors.Is(err, ErrWrongPassword) {
			t.Errorf("Rotate error = %v; want nil or ErrWrongPassword", err)
		}
	}
	if succeeded != 1 {
		t.Errorf("%d concurrent rotations with the same current password succeeded; want 1", succeeded)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s mode = %04o; want %04o", path, got, want)
	}
}
