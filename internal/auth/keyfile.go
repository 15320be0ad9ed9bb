package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Keyfile format, one "key=value" per line:
//
//	# opendray admin keyfile
//	user=admin
//	bcrypt=$2a$12$...
//
// Blank lines and lines starting with # are ignored. Both keys are
// required, each once, and no other key is allowed. The bcrypt value is a
// standard 60-character modular-crypt hash ($2a$, $2b$ or $2y$), so a hash
// from `htpasswd -nbBC 12 "" PASSWORD` (after the leading colon) works.

// Keyfile locations and limits.
const (
	homeKeyFileDir  = ".opendray/secrets"
	keyFileName     = "admin.key"
	maxKeyFileBytes = 4 << 10
	bcryptHashLen   = 60
	tempKeyFileTag  = ".tmp-"
)

// ErrKeyFileInsecure is wrapped by keyfile errors about permissions.
var ErrKeyFileInsecure = errors.New("keyfile is accessible by group or others")

// keyFile is the parsed content of a keyfile.
type keyFile struct {
	user string
	hash []byte
}

// HomeKeyFilePath returns $HOME/.opendray/secrets/admin.key for homeDir.
func HomeKeyFilePath(homeDir string) string {
	return filepath.Join(homeDir, homeKeyFileDir, keyFileName)
}

// readKeyFile opens, checks and parses the keyfile at path. Every error
// names the path and gives the fix.
func readKeyFile(path string) (keyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return keyFile{}, fmt.Errorf("reading keyfile %s: %w", path, err)
	}
	defer f.Close()

	info, err := f.Stat()
	if err != nil {
		return keyFile{}, fmt.Errorf("reading keyfile %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return keyFile{}, fmt.Errorf("keyfile %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return keyFile{}, fmt.Errorf("%w: %s has mode %04o; run: chmod 600 %s", ErrKeyFileInsecure, path, perm, path)
	}

	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return keyFile{}, fmt.Errorf("reading keyfile %s: %w", path, err)
	}
	if len(data) > maxKeyFileBytes {
		return keyFile{}, fmt.Errorf("keyfile %s is larger than %d bytes; it must contain only a user= and a bcrypt= line", path, maxKeyFileBytes)
	}
	kf, err := parseKeyFile(data)
	if err != nil {
		return keyFile{}, fmt.Errorf("keyfile %s is malformed: %w; write it again (see docs/auth.md) or delete it to fall back to admin.password", path, err)
	}
	return kf, nil
}

// parseKeyFile parses the keyfile format above. Its errors never quote the
// hash.
func parseKeyFile(data []byte) (keyFile, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return keyFile{}, errors.New("the file is empty")
	}
	var kf keyFile
	var haveUser, haveHash bool
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for lineNo := 1; scanner.Scan(); lineNo++ {
		line := strings.TrimRight(scanner.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return keyFile{}, fmt.Errorf("line %d: want key=value", lineNo)
		}
		switch key {
		case "user":
			if haveUser {
				return keyFile{}, fmt.Errorf("line %d: user is set twice", lineNo)
			}
			if err := ValidateUserName(value); err != nil {
				return keyFile{}, fmt.Errorf("line %d: user %w", lineNo, err)
			}
			kf.user, haveUser = value, true
		case "bcrypt":
			if haveHash {
				return keyFile{}, fmt.Errorf("line %d: bcrypt is set twice", lineNo)
			}
			if err := validateBcryptHash(value); err != nil {
				return keyFile{}, fmt.Errorf("line %d: %w", lineNo, err)
			}
			kf.hash, haveHash = []byte(value), true
		default:
			return keyFile{}, fmt.Errorf("line %d: unknown key %q; want user or bcrypt", lineNo, key)
		}
	}
	if err := scanner.Err(); err != nil {
		return keyFile{}, err
	}
	if !haveUser {
		return keyFile{}, errors.New("the user= line is missing")
	}
	if !haveHash {
		return keyFile{}, errors.New("the bcrypt= line is missing (truncated file?)")
	}
	return kf, nil
}

// validateBcryptHash checks the shape of a modular-crypt bcrypt hash:
// $2x$NN$ followed by 53 characters of bcrypt's base64 alphabet.
func validateBcryptHash(hash string) error {
	if len(hash) != bcryptHashLen {
		return fmt.Errorf("bcrypt hash has %d characters, want %d (truncated?)", len(hash), bcryptHashLen)
	}
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return errors.New("bcrypt value is not a bcrypt hash")
	}
	if !strings.HasPrefix(hash, "$2") || hash[3] != '$' || hash[6] != '$' {
		return errors.New("bcrypt value is not a bcrypt hash")
	}
	for _, c := range hash[7:] {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '/'
		if !ok {
			return errors.New("bcrypt hash contains a character outside its alphabet")
		}
	}
	return nil
}

func formatKeyFile(kf keyFile) []byte {
	var b bytes.Buffer
	b.WriteString("# opendray admin keyfile: the admin user name and a bcrypt hash of the password.\n")
	b.WriteString("# Written by change-credentials; delete it to fall back to admin.password.\n")
	b.WriteString("user=" + kf.user + "\n")
	b.WriteString("bcrypt=" + string(kf.hash) + "\n")
	return b.Bytes()
}

// keyFileWriter writes keyfiles atomically. beforeRename, when set, runs
// between the synced temp file and the rename; tests use it to fail that
// step.
type keyFileWriter struct {
	beforeRename func() error
}

// write replaces the keyfile at path without a window in which it is
// missing or partial: it writes a temp file in the same directory with
// mode 0600, syncs it, renames it over path and syncs the directory. A
// crash at any step leaves either the old or the new keyfile, plus at most
// a temp file that removeStaleTempKeyFiles deletes at the next start.
func (w keyFileWriter) write(path string, kf keyFile) error {
	tempPath, err := writeTempKeyFile(path, kf)
	if err != nil {
		return err
	}
	if w.beforeRename != nil {
		if err := w.beforeRename(); err != nil {
			os.Remove(tempPath)
			return err
		}
	}
	if err := os.Rename(tempPath, path); err != nil {
		os.Remove(tempPath)
		return fmt.Errorf("replacing keyfile %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// writeTempKeyFile writes kf to a new synced temp file beside path and
// returns its name.
func writeTempKeyFile(path string, kf keyFile) (string, error) {
	dir := filepath.Dir(path)
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		return "", err
	}
	tempPath := filepath.Join(dir, "."+filepath.Base(path)+tempKeyFileTag+hex.EncodeToString(suffix))

	temp, err := os.OpenFile(tempPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("creating temp keyfile in %s: %w", dir, err)
	}
	_, err = temp.Write(formatKeyFile(kf))
	if err == nil {
		err = temp.Sync()
	}
	if closeErr := temp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		os.Remove(tempPath)
		return "", fmt.Errorf("writing temp keyfile %s: %w", tempPath, err)
	}
	return tempPath, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// prepareHomeKeyDir creates the folder of the home keyfile with mode 0700,
// and tightens it to 0700 when it exists with a wider mode.
func prepareHomeKeyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating keyfile folder %s: %w", dir, err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("checking keyfile folder %s: %w", dir, err)
	}
	if info.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("setting mode 0700 on keyfile folder %s: %w", dir, err)
		}
	}
	return nil
}

// removeStaleTempKeyFiles deletes temp files that an interrupted write left
// next to the keyfile at path, and returns their names. A missing folder is
// not an error.
func removeStaleTempKeyFiles(path string) ([]string, error) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing keyfile folder %s: %w", dir, err)
	}
	prefix := "." + filepath.Base(path) + tempKeyFileTag
	var removed []string
	for _, entry := range entries {
		if entry.IsDir() || !strings.HasPrefix(entry.Name(), prefix) {
			continue
		}
		stale := filepath.Join(dir, entry.Name())
		if err := os.Remove(stale); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("removing leftover temp keyfile %s: %w", stale, err)
		}
		removed = append(removed, stale)
	}
	return removed, nil
}
