package ptybench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteMixedText writes at least size bytes of coloured text with box
// drawing and accented characters, the kind of output an agent's TUI
// produces. It stops after the line that reaches size, so the output may
// exceed size by less than one line.
func WriteMixedText(w io.Writer, size int64) error {
	buffered := bufio.NewWriter(w)
	var written int64
	for i := 0; written < size; i++ {
		n, err := fmt.Fprintf(buffered, "\x1b[%dm%06d\x1b[0m │ déjà vu ╭─╮ café ✓ \x1b[1;34mbuild\x1b[0m step %d of the pipeline finished\n", 31+i%7, i, i)
		if err != nil {
			return err
		}
		written += int64(n)
	}
	return buffered.Flush()
}

// CreateMixedFile writes a file of WriteMixedText output into dir and
// returns its path.
func CreateMixedFile(dir string, size int64) (string, error) {
	f, err := os.CreateTemp(dir, "mixed-*.txt")
	if err != nil {
		return "", err
	}
	path := filepath.Clean(f.Name())
	if err := WriteMixedText(f, size); err != nil {
		f.Close()
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}
