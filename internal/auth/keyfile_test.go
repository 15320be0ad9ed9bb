package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// validHash is a bcrypt hash (cost 4) used where only the format matters.
var validHash = func() string {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), testCost)
	if err != nil {
		panic(err)
	}
	return string(hash)
}()

func TestParseKeyFileAcceptsFormat(t *testing.T) {
	data := "# comment\n\nuser=ops admin\r\nbcrypt=" + validHash + "\n"
	kf, err := parseKeyFile([]byte(data))
	if err != nil {
		t.Fatalf("parseKeyFile: %v", err)
	}
	if kf.user != "ops admin" {
		t.Errorf("user = %q; want %q", kf.user, "ops admin")
	}
	if string(kf.hash) != validHash {
		t.Errorf("hash = %q; want the bcrypt line", kf.hash)
	}
}

func TestParseKeyFileAcceptsHtpasswdHash(t *testing.T) {
	// htpasswd -B writes the $2y$ variant.
	hash := "$2y$" + validHash[4:]
	if _, err := parseKeyFile([]byte("user=admin\nbcrypt=" + hash + "\n")); err != nil {
		t.Fatalf("parseKeyFile with a $2y$ hash: %v", err)
	}
}

func TestParseKeyFileRejectsMalformed(t *testing.T) {
	cases := map[string]string{
		"empty":            "",
		"blank":            " \n\n",
		"no user":          "bcrypt=" + validHash + "\n",
		"no hash":          "user=admin\n",
		"truncated hash":   "user=admin\nbcrypt=" + validHash[:40],
		"not a hash":       "user=admin\nbcrypt=" + strings.Repeat("x", 60) + "\n",
		"bad alphabet":     "user=admin\nbcrypt=" + validHash[:59] + "!\n",
		"unknown key":      "user=admin\nbcrypt=" + validHash + "\nrole=root\n",
		"no equals":        "user admin\nbcrypt=" + validHash + "\n",
		"duplicate user":   "user=admin\nuser=root\nbcrypt=" + validHash + "\n",
		"duplicate hash":   "user=admin\nbcrypt=" + validHash + "\nbcrypt=" + validHash + "\n",
		"empty user":       "user=\nbcrypt=" + validHash + "\n",
		"user with spaces": "user= admin\nbcrypt=" + validHash + "\n",
	}
	for name, data := range cases {
		_, err := parseKeyFile([]byte(data))
		if err == nil {
			t.Errorf("%s: parseKeyFile succeeded; want an error", name)
			continue
		}
		if strings.Contains(err.Error(), validHash[7:20]) {
			t.Errorf("%s: error %q quotes the hash", name, err)
		}
	}
}

func TestReadKeyFileRejectsGroupReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.key")
	writeTestKeyFile(t, path, "admin", "correct horse")
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := readKeyFile(path)
		if !errors.Is(err, ErrKeyFileInsecure) {
			t.Errorf("mode %04o: readKeyFile error = %v; want ErrKeyFileInsecure", mode, err)
			continue
		}
		if want := "chmod 600 " + path; !strings.Contains(err.Error(), want) {
			t.Errorf("mode %04o: error %q does not say %q", mode, err, want)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := readKeyFile(path); err != nil {
		t.Errorf("mode 0400: readKeyFile = %v; want nil", err)
	}
}

func TestReadKeyFileNamesFileWhenMalformed(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{"empty": "", "truncated": "user=admin\nbcrypt=$2a$04$abc"}
	for name, data := range cases {
		path := filepath.Join(dir, name+".key")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := readKeyFile(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: readKeyFile error = %v; want one naming %s", name, err, path)
		}
	}
}

func TestReadKeyFileRejectsDirectoryAndHugeFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := readKeyFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("readKeyFile(dir) = %v; want a not-a-regular-file error", err)
	}
	huge := filepath.Join(dir, "huge.key")
	if err := os.WriteFile(huge, []byte(strings.Repeat("# padding\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readKeyFile(huge); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("readKeyFile(huge) = %v; want a size error", err)
	}
}

func TestKeyFileWriteIsPrivateAndReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.key")
	kf := keyFile{user: "admin", hash: []byte(validHash)}
	if err := (keyFileWriter{}).write(path, kf); err != nil {
		t.Fatalf("write: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("keyfile mode = %04o; want 0600", perm)
	}
	got, err := readKeyFile(path)
	if err != nil {
		t.Fatalf("readKeyFile after write: %v", err)
	}
	if got.user != "admin" || string(got.hash) != validHash {
		t.Errorf("read back %q/%q; want admin and the hash", got.user, got.hash)
	}
	assertNoTempFiles(t, filepath.Dir(path))
}

func TestKeyFileWriteFailureKeepsOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.key")
	writeTestKeyFile(t, path, "old", "old password")
	before, _ := os.ReadFile(path)

	failure := errors.New("disk full")
	writer := keyFileWriter{beforeRename: func() error { return failure }}
	err := writer.write(path, keyFile{user: "new", hash: []byte(validHash)})
	if !errors.Is(err, failure) {
		t.Fatalf("write error = %v; want the injected failure", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("keyfile changed although the write failed before the rename")
	}
	assertNoTempFiles(t, filepath.Dir(path))
}

func TestRemoveStaleTempKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "admin.key")
	writeTestKeyFile(t, path, "admin", "correct horse")
	temp, err := writeTempKeyFile(path, keyFile{user: "new", hash: []byte(validHash)})
	if err != nil {
		t.Fatal(err)
	}
	unrelated := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(unrelated, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	removed, err := removeStaleTempKeyFiles(path)
	if err != nil {
		t.Fatalf("removeStaleTempKeyFiles: %v", err)
	}
	if len(removed) != 1 || removed[0] != temp {
		t.Errorf("removed %v; want [%s]", removed, temp)
	}
	for _, keep := range []string{path, unrelated} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s is gone: %v", keep, err)
		}
	}
	if removed, err := removeStaleTempKeyFiles(filepath.Join(dir, "missing", "admin.key")); err != nil || removed != nil {
		t.Errorf("missing folder: removed %v, error %v; want nothing", removed, err)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if strings.Contains(entry.Name(), tempKeyFileTag) {
			t.Errorf("temp file %s left in %s", entry.Name(), dir)
		}
	}
}
