package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// initialPasswordName is the file beside the home keyfile that holds a
// generated first-run password.
const initialPasswordName = "initial-admin-password"

// InitialPasswordPath returns $HOME/.opendray/secrets/initial-admin-password.
func InitialPasswordPath(homeDir string) string {
	return filepath.Join(homeDir, homeKeyFileDir, initialPasswordName)
}

// EnsureInitialPassword returns the generated first-run password of
// homeDir, creating it when it does not exist yet: 24 random bytes,
// base64url-encoded, in a file of mode 0600 in the 0700 secrets folder.
// It lets a first run start without any configuration; the operator reads
// the file, logs in and changes the credentials, which writes the keyfile.
func EnsureInitialPassword(homeDir string) (password Secret, path string, created bool, err error) {
	path = InitialPasswordPath(homeDir)
	data, err := os.ReadFile(path)
	if err == nil {
		value := strings.TrimSpace(string(data))
		if len(value) < MinPasswordChars {
			return "", path, false, fmt.Errorf("initial password file %s is empty or too short; delete it to generate a new one", path)
		}
		return Secret(value), path, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", path, false, fmt.Errorf("reading initial password file: %w", err)
	}

	if err := prepareHomeKeyDir(filepath.Dir(path)); err != nil {
		return "", path, false, err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", path, false, err
	}
	value := base64.RawURLEncoding.EncodeToString(raw)
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", path, false, fmt.Errorf("creating initial password file: %w", err)
	}
	_, err = file.WriteString(value + "\n")
	if err == nil {
		err = file.Sync()
	}
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		os.Remove(path)
		return "", path, false, fmt.Errorf("writing initial password file %s: %w", path, err)
	}
	return Secret(value), path, true, syncDir(filepath.Dir(path))
}

// RemoveInitialPassword deletes the generated first-run password of
// homeDir. Call it when another source (a keyfile or a configured
// password) decides who logs in, so the file cannot mislead. It reports
// whether a file was removed.
func RemoveInitialPassword(homeDir string) (bool, error) {
	err := os.Remove(InitialPasswordPath(homeDir))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
