package session

import (
	"testing"
	"time"
)

// FuzzEmulator feeds arbitrary output, split at an arbitrary point, to the
// filtered emulator on a small and a usual screen. It must neither panic
// nor take long. Inputs that break bare vt10x, and any crashing input that
// `go test -fuzz` finds, are kept under testdata/fuzz/FuzzEmulator and run
// as regression cases.
func FuzzEmulator(f *testing.F) {
	f.Add([]byte("hello\x1b[-1@"), uint16(5))
	f.Add([]byte("hello\x1b[-1P"), uint16(5))
	f.Add([]byte("\x1b[999999999I"), uint16(3))
	f.Add([]byte("ab╭─╮"), uint16(4))
	f.Add([]byte("\x1b[?1049h\x1b[2J\x1b[10;5H\x1b[38;5;208mx\x1b[0m\x1b]0;t\x07"), uint16(9))
	f.Add([]byte("\x1b[5;1r\x1b[3S\x1b[2T\x1b[4L\x1b[2M\x1b[9X\x1b[3Z\x1b#8"), uint16(11))

	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		cut := int(split) % (len(data) + 1)
		for _, size := range [][2]int{{20, 3}, {80, 24}} {
			e := newEmulator(size[0], size[1])
			start := time.Now()
			e.Write(data[:cut])
			e.Write(data[cut:])
			snap := e.Snapshot()
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Fatalf("%dx%d: feeding %d bytes took %v", size[0], size[1], len(data), elapsed)
			}
			if len(snap.Lines) != size[1] {
				t.Fatalf("%dx%d: snapshot has %d lines", size[0], size[1], len(snap.Lines))
			}
		}
	})
}
