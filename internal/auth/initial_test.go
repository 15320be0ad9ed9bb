package auth

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureInitialPasswordCreatesOnce(t *testing.T) {
	home := t.TempDir()
	first, path, created, err := EnsureInitialPassword(home)
	if err != nil || !created {
		t.Fatalf("first call: created %v, err %v; want a new file", created, err)
	}
	if len(first.Reveal()) < 32 {
		t.Errorf("generated password has %d characters; want at least 32", len(first.Reveal()))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %o; want 600", info.Mode().Perm())
	}
	if dir, _ := os.Stat(filepath.Dir(path)); dir.Mode().Perm() != 0o700 {
		t.Errorf("folder mode = %o; want 700", dir.Mode().Perm())
	}

	second, _, created, err := EnsureInitialPassword(home)
	if err != nil || created || second.Reveal() != first.Reveal() {
		t.Errorf("second call: created %v, err %v, same password %v; want the existing file reused", created, err, second.Reveal() == first.Reveal())
	}
}

func TestEnsureInitialPasswordRejectsEmptyFile(t *testing.T) {
	home := t.TempDir()
	path := InitialPasswordPath(home)
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte("\n"), 0o600)
	if _, _, _, err := EnsureInitialPassword(home); err == nil {
		t.Error("an empty initial password file was accepted")
	}
}

func TestRemoveInitialPassword(t *testing.T) {
	home := t.TempDir()
	if removed, err := RemoveInitialPassword(home); removed || err != nil {
		t.Fatalf("without a file: removed %v, err %v; want nothing done", removed, err)
	}
	if _, _, _, err := EnsureInitialPassword(home); err != nil {
		t.Fatal(err)
	}
	if removed, err := RemoveInitialPassword(home); !removed || err != nil {
		t.Fatalf("with a file: removed %v, err %v; want it removed", removed, err)
	}
	if _, err := os.Stat(InitialPasswordPath(home)); !os.IsNotExist(err) {
		t.Error("initial password file still exists")
	}
}
