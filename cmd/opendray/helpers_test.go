package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// chmodPath sets mode on dir and every parent up to the temp folder, so
// another user can traverse into dir.
func chmodPath(dir string, mode os.FileMode) error {
	tmp := filepath.Clean(os.TempDir())
	for d := filepath.Clean(dir); strings.HasPrefix(d, tmp) && d != tmp; d = filepath.Dir(d) {
		if err := os.Chmod(d, mode); err != nil {
			return err
		}
	}
	return nil
}

// pgrepData returns the postgres processes whose command line names dir.
func pgrepData(dir string) string {
	out, _ := exec.Command("pgrep", "-af", "postgres.*"+dir).Output()
	return strings.TrimSpace(string(out))
}

// pgrepCount returns the number of processes whose command line contains pattern.
func pgrepCount(pattern string) int {
	out, _ := exec.Command("pgrep", "-fc", pattern).Output()
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}
