package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned when initdb or postgres cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found")

// Layout is the set of folders of the server's binaries, data and socket,
// and the user that runs it.
type Layout struct {
	BinDir    string
	BaseDir   string
	DataDir   string
	SocketDir string
	// RunAs is the user that runs the server; nil means the current user.
	RunAs *user.User
}

// findBinDir returns the folder holding initdb and postgres: PATH first,
// then the newest /usr/lib/postgresql/N/bin (Debian and Ubuntu keep the
// server binaries off PATH), then common prefixes of other systems.
func findBinDir() (string, error) {
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return majorOf(versions[i]) > majorOf(versions[j]) })
	return searchBinDir(exec.LookPath, append(versions, "/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"))
}

// searchBinDir returns the first folder with both binaries: the one
// lookPath finds initdb in, else the first of candidates.
func searchBinDir(lookPath func(string) (string, error), candidates []string) (string, error) {
	if initdb, err := lookPath("initdb"); err == nil {
		dir := filepath.Dir(initdb)
		if isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w on PATH or in /usr/lib/postgresql/*/bin; install the PostgreSQL server package, or set database.url (OPENDRAY_DATABASE_URL) to an existing PostgreSQL 15+ server", ErrNoBinaries)
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// DefaultLayout picks the folders and user for this process: dir when it
// is not empty, else the current user's ~/.opendray/pg, or, as root,
// /var/lib/opendray/pg. As root the server runs as the postgres system user.
func DefaultLayout(dir string) (Layout, error) {
	binDir, err := findBinDir()
	if err != nil {
		return Layout{}, err
	}
	var runAs *user.User
	if os.Geteuid() == 0 {
		if runAs, err = user.Lookup("postgres"); err != nil {
			return Layout{}, errors.New("running as root, and PostgreSQL refuses to run as root, but there is no postgres system user to run it as; create one, run opendray as an ordinary user, or set database.url (OPENDRAY_DATABASE_URL)")
		}
	}
	if dir != "" {
		return layoutAt(binDir, dir, runAs), nil
	}
	if runAs == nil {
		home, err := os.UserHomeDir()
		if err != nil {
			return Layout{}, fmt.Errorf("finding the home folder for the embedded PostgreSQL: %w; set HOME or database.url", err)
		}
		return layoutAt(binDir, filepath.Join(home, ".opendray", "pg"), nil), nil
	}
	return layoutAt(binDir, "/var/lib/opendray/pg", runAs), nil
}

func layoutAt(binDir, base string, runAs *user.User) Layout {
	return Layout{
		BinDir:    binDir,
		BaseDir:   base,
		DataDir:   filepath.Join(base, "data"),
		SocketDir: filepath.Join(base, "run"),
		RunAs:     runAs,
	}
}

// URL returns the connection string for the opendray database on the
// layout's socket.
func (l Layout) URL() string {
	return fmt.Sprintf("host=%s user=%s dbname=%s sslmode=disable", quoteDSN(l.SocketDir), superuser, databaseName)
}

func quoteDSN(v string) string {
	if !strings.ContainsAny(v, " '\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
