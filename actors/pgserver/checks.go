package pgserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// checkNotInUse returns an error when a live postgres already serves the
// data folder, typically a second opendray started on the same folder.
// Starting anyway would connect to the other instance's server through the
// shared socket and then fail on PostgreSQL's own lock file.
func checkNotInUse(layout Layout) error {
	data, err := os.ReadFile(filepath.Join(layout.DataDir, "postmaster.pid"))
	if err != nil {
		return nil // no lock file: nothing runs there
	}
	firstLine, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(firstLine))
	if err != nil || pid <= 0 {
		return nil // postgres itself reports a damaged lock file
	}
	if !isPostgres(pid) {
		return nil // a stale lock file, which postgres removes itself
	}
	return fmt.Errorf("another PostgreSQL (pid %d) already uses %s, probably started by another opendray; stop that one, or give this one its own folder with database.embedded_dir", pid, layout.DataDir)
}

// isPostgres reports whether pid is a live process named postgres.
func isPostgres(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	comm, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil {
		return true // no /proc (macOS): trust the live pid
	}
	return strings.HasPrefix(strings.TrimSpace(string(comm)), "postgres")
}

// checkReachable returns an error when the user that runs the server
// cannot enter every folder above the layout's base folder. initdb would
// otherwise fail with a bare "permission denied" that names the binary.
func checkReachable(layout Layout) error {
	if layout.RunAs == nil {
		return nil
	}
	uid, gid := ids(layout.RunAs)
	for dir := filepath.Dir(layout.BaseDir); ; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err == nil {
			if !canEnter(info, uid, gid) {
				return fmt.Errorf("the %s user, which runs the embedded PostgreSQL, cannot enter %s (mode %o); choose a database.embedded_dir below a folder it can enter, such as /var/lib/opendray, or run chmod o+x %s",
					layout.RunAs.Username, dir, info.Mode().Perm(), dir)
			}
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// canEnter reports whether a user with uid and gid may search dir.
func canEnter(info os.FileInfo, uid, gid int) bool {
	stat, ok := info.Sys().(*syscall.Stat_t)
	mode := info.Mode().Perm()
	if !ok {
		return mode&0o001 != 0
	}
	switch {
	case int(stat.Uid) == uid:
		return mode&0o100 != 0
	case int(stat.Gid) == gid:
		return mode&0o010 != 0
	}
	return mode&0o001 != 0
}
