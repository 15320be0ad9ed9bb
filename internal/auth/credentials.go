package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost is the bcrypt cost of the hashes that Rotate writes.
const DefaultBcryptCost = 12

// Password limits for Rotate. bcrypt ignores every byte past 72, so a
// longer password would be accepted with any suffix.
const (
	MinPasswordChars = 8
	MaxPasswordBytes = 72
)

// Errors of New and Rotate.
var (
	// ErrNoCredentials means neither keyfile exists and admin.password is empty.
	ErrNoCredentials = errors.New("no admin credentials")
	// ErrWrongPassword means the current password given to Rotate is wrong.
	ErrWrongPassword = errors.New("current password is incorrect")
	// ErrInvalidNewCredentials wraps a rejected new user name or password.
	ErrInvalidNewCredentials = errors.New("invalid new credentials")
	// ErrKeyFileReadOnly means the keyfile named by OPENDRAY_ADMIN_KEY_FILE
	// cannot be replaced, so rotation must happen where it is provisioned.
	ErrKeyFileReadOnly = errors.New("the keyfile set by " + KeyFileEnv + " is read-only")
)

// Source identifies the origin of the live admin credentials: one of the
// two keyfiles or the bootstrap configuration.
type Source int

// Credential sources, in precedence order.
const (
	SourceKeyFileEnv  Source = iota + 1 // the keyfile named by OPENDRAY_ADMIN_KEY_FILE
	SourceHomeKeyFile                   // $HOME/.opendray/secrets/admin.key
	SourceConfig                        // admin.user and admin.password
)

func (s Source) String() string {
	switch s {
	case SourceKeyFileEnv:
		return KeyFileEnv
	case SourceHomeKeyFile:
		return "home keyfile"
	case SourceConfig:
		return "admin.password"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// credential is one immutable set of admin credentials.
type credential struct {
	source     Source
	path       string // keyfile path; empty for SourceConfig
	user       string
	userDigest [sha256.Size]byte

	// Keyfile sources: the bcrypt hash of the password, and a hash of a
	// random password at the same cost that is compared instead when the
	// user name is wrong, so both mistakes take the same time.
	hash      []byte
	dummyHash []byte

	// SourceConfig: the SHA-256 digest of the password. Comparing digests
	// with subtle.ConstantTimeCompare takes the same time for any input
	// length.
	passwordDigest [sha256.Size]byte
}

// Credentials holds the live admin credentials and rotates them. It is safe
// for concurrent use.
type Credentials struct {
	envKeyFile string // Config.KeyFile
	homePath   string // $HOME/.opendray/secrets/admin.key
	cost       int
	compare    func(hash, password []byte) error
	writer     keyFileWriter
	logger     *slog.Logger

	// rotateMu serialises Rotate from the password check to the swap.
	rotateMu sync.Mutex

	// mu guards current.
	mu      sync.RWMutex
	current *credential
}

// loadCredentials picks the credential source by precedence and loads it.
func loadCredentials(cfg Config, cost int, logger *slog.Logger) (*Credentials, error) {
	c := &Credentials{
		envKeyFile: cfg.KeyFile,
		cost:       cost,
		compare:    bcrypt.CompareHashAndPassword,
		logger:     logger,
	}
	if cfg.HomeDir != "" {
		c.homePath = HomeKeyFilePath(cfg.HomeDir)
	}

	cred, err := c.loadSource(cfg)
	if err != nil {
		return nil, err
	}
	c.current = cred

	attrs := []any{slog.String("source", cred.source.String()), slog.String("user", cred.user)}
	if cred.path != "" {
		attrs = append(attrs, slog.String("path", cred.path))
	}
	logger.Info("admin credentials loaded", attrs...)
	if cred.source != SourceConfig && cfg.Password != "" {
		logger.Info("admin.password is ignored because a keyfile exists", slog.String("path", cred.path))
	}
	return c, nil
}

func (c *Credentials) loadSource(cfg Config) (*credential, error) {
	if cfg.KeyFile != "" {
		c.removeStaleTempFiles(cfg.KeyFile)
		kf, err := readKeyFile(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s is set: %w", KeyFileEnv, err)
		}
		return c.keyFileCredential(SourceKeyFileEnv, cfg.KeyFile, kf)
	}

	if c.homePath == "" {
		return nil, errors.New("the home directory is unknown, so the keyfile at $HOME/.opendray/secrets/admin.key cannot be found; set HOME")
	}
	c.removeStaleTempFiles(c.homePath)
	_, err := os.Stat(c.homePath)
	switch {
	case err == nil:
		kf, err := readKeyFile(c.homePath)
		if err != nil {
			return nil, err
		}
		return c.keyFileCredential(SourceHomeKeyFile, c.homePath, kf)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("checking keyfile %s: %w", c.homePath, err)
	}

	if cfg.Password == "" {
		return nil, fmt.Errorf("%w: set OPENDRAY_ADMIN_PASSWORD (or admin.password in the config file) for the first login, or provide a keyfile at %s or through %s",
			ErrNoCredentials, c.homePath, KeyFileEnv)
	}
	if utf8.RuneCountInString(cfg.Password.Reveal()) < MinPasswordChars {
		c.logger.Warn("admin.password is shorter than 8 characters; change the credentials after the first login")
	}
	return &credential{
		source:         SourceConfig,
		user:           cfg.User,
		userDigest:     sha256.Sum256([]byte(cfg.User)),
		passwordDigest: sha256.Sum256([]byte(cfg.Password.Reveal())),
	}, nil
}

// keyFileCredential builds a credential from a parsed keyfile, with a dummy
// hash at the same cost as the real one.
func (c *Credentials) keyFileCredential(source Source, path string, kf keyFile) (*credential, error) {
	cost, err := bcrypt.Cost(kf.hash)
	if err != nil {
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	if cost < DefaultBcryptCost {
		c.logger.Warn("keyfile bcrypt cost is below the recommended minimum; change the credentials to rehash",
			slog.String("path", path), slog.Int("cost", cost), slog.Int("minimum", DefaultBcryptCost))
	}
	dummy, err := dummyHash(cost)
	if err != nil {
		return nil, err
	}
	return &credential{
		source:     source,
		path:       path,
		user:       kf.user,
		userDigest: sha256.Sum256([]byte(kf.user)),
		hash:       kf.hash,
		dummyHash:  dummy,
	}, nil
}

func dummyHash(cost int) ([]byte, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return nil, err
	}
	return bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(random)), cost)
}

func (c *Credentials) removeStaleTempFiles(path string) {
	removed, err := removeStaleTempKeyFiles(path)
	for _, name := range removed {
		c.logger.Info("removed a temp keyfile left by an interrupted rotation", slog.String("path", name))
	}
	if err != nil {
		c.logger.Warn("cannot remove leftover temp keyfiles", slog.Any("error", err))
	}
}

func (c *Credentials) snapshot() *credential {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.current
}

// User returns the current admin user name.
func (c *Credentials) User() string { return c.snapshot().user }

// Source returns the current credential source and its keyfile path (empty
// for SourceConfig).
func (c *Credentials) Source() (Source, string) {
	cred := c.snapshot()
	return cred.source, cred.path
}

// Verify reports whether user and password match the current credentials.
// It takes the same time whichever of the two is wrong: with a keyfile, a
// wrong user name still runs one bcrypt comparison (against the dummy
// hash), and with admin.password both values are compared as SHA-256
// digests in constant time.
func (c *Credentials) Verify(user string, password Secret) bool {
	cred := c.snapshot()
	userDigest := sha256.Sum256([]byte(user))
	userOK := subtle.ConstantTimeCompare(userDigest[:], cred.userDigest[:]) == 1

	if cred.hash != nil {
		hash := cred.hash
		if !userOK {
			hash = cred.dummyHash
		}
		passwordOK := c.compare(hash, []byte(password.Reveal())) == nil
		return userOK && passwordOK
	}

	passwordDigest := sha256.Sum256([]byte(password.Reveal()))
	passwordOK := subtle.ConstantTimeCompare(passwordDigest[:], cred.passwordDigest[:]) == 1
	return userOK && passwordOK
}

// ValidateNewPassword returns an error wrapping ErrInvalidNewCredentials
// unless password has at least 8 characters and at most 72 bytes.
func ValidateNewPassword(password Secret) error {
	plain := password.Reveal()
	if n := utf8.RuneCountInString(plain); n < MinPasswordChars {
		return fmt.Errorf("%w: the new password must be at least %d characters, got %d", ErrInvalidNewCredentials, MinPasswordChars, n)
	}
	if len(plain) > MaxPasswordBytes {
		return fmt.Errorf("%w: the new password must be at most %d bytes, got %d (bcrypt ignores every byte past %d)",
			ErrInvalidNewCredentials, MaxPasswordBytes, len(plain), MaxPasswordBytes)
	}
	return nil
}

// Rotation describes a completed Rotate.
type Rotation struct {
	OldUser string
	NewUser string
	Path    string // the keyfile written
}

// Rotate checks currentPassword for currentUser, writes a keyfile with
// newUser and a bcrypt hash of newPassword, and then switches the live
// credentials to it. An empty newUser keeps the current user name.
//
// The keyfile goes to the OPENDRAY_ADMIN_KEY_FILE path when that source is
// active (ErrKeyFileReadOnly when it cannot be replaced), else to
// $HOME/.opendray/secrets/admin.key. When any step fails, the keyfile on
// disk and the live credentials stay as they were. Rotate does not revoke
// tokens: the caller does that once it returns.
func (c *Credentials) Rotate(currentUser string, currentPassword Secret, newUser string, newPassword Secret) (Rotation, error) {
	if newUser == "" {
		newUser = currentUser
	}
	if err := ValidateUserName(newUser); err != nil {
		return Rotation{}, fmt.Errorf("%w: the new user name %w", ErrInvalidNewCredentials, err)
	}
	if err := ValidateNewPassword(newPassword); err != nil {
		return Rotation{}, err
	}

	c.rotateMu.Lock()
	defer c.rotateMu.Unlock()

	if !c.Verify(currentUser, currentPassword) {
		return Rotation{}, ErrWrongPassword
	}
	old := c.snapshot()

	hash, err := bcrypt.GenerateFromPassword([]byte(newPassword.Reveal()), c.cost)
	if err != nil {
		return Rotation{}, fmt.Errorf("hashing the new password: %w", err)
	}
	kf := keyFile{user: newUser, hash: hash}

	source, path, err := c.writeRotated(old, kf)
	if err != nil {
		return Rotation{}, err
	}
	cred, err := c.keyFileCredential(source, path, kf)
	if err != nil {
		return Rotation{}, err
	}

	c.mu.Lock()
	c.current = cred
	c.mu.Unlock()
	return Rotation{OldUser: old.user, NewUser: newUser, Path: path}, nil
}

// writeRotated writes kf where the next start will find it first, and
// returns the source and path that now hold the credentials.
func (c *Credentials) writeRotated(old *credential, kf keyFile) (Source, string, error) {
	if old.source == SourceKeyFileEnv {
		target, err := filepath.EvalSymlinks(old.path)
		if err != nil {
			return 0, "", fmt.Errorf("resolving keyfile %s: %w", old.path, err)
		}
		if err := c.writer.write(target, kf); err != nil {
			if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
				return 0, "", fmt.Errorf("%w: %s cannot be replaced (%w); rotate the credentials where the keyfile is provisioned", ErrKeyFileReadOnly, old.path, err)
			}
			return 0, "", err
		}
		return SourceKeyFileEnv, old.path, nil
	}

	if c.homePath == "" {
		return 0, "", errors.New("the home directory is unknown, so there is nowhere to write the keyfile; set HOME")
	}
	if err := prepareHomeKeyDir(filepath.Dir(c.homePath)); err != nil {
		return 0, "", err
	}
	if err := c.writer.write(c.homePath, kf); err != nil {
		return 0, "", err
	}
	return SourceHomeKeyFile, c.homePath, nil
}
