package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// atClockTick is the auxiliary vector key of the kernel's clock tick
// rate (AT_CLKTCK in <elf.h>), the unit of utime and stime in
// /proc/<pid>/stat.
const atClockTick = 17

// defaultClockTicks is USER_HZ on every Linux architecture Go supports,
// used when /proc/self/auxv cannot be read.
const defaultClockTicks = 100

// clockTicks returns the clock ticks per second of /proc/<pid>/stat.
var clockTicks = sync.OnceValue(func() int64 {
	data, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return defaultClockTicks
	}
	if ticks, ok := parseAuxvClockTicks(data); ok {
		return ticks
	}
	return defaultClockTicks
})

// parseAuxvClockTicks finds AT_CLKTCK in the contents of /proc/self/auxv
// of a 64-bit little-endian process: pairs of 8-byte key and value.
func parseAuxvClockTicks(data []byte) (int64, bool) {
	for len(data) >= 16 {
		key := binary.LittleEndian.Uint64(data[:8])
		value := binary.LittleEndian.Uint64(data[8:16])
		data = data[16:]
		if key == 0 {
			return 0, false
		}
		if key == atClockTick && value > 0 {
			return int64(value), true
		}
	}
	return 0, false
}

// parseStatusRSS returns VmRSS from the contents of /proc/<pid>/status,
// in bytes.
func parseStatusRSS(data []byte) (int64, error) {
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		rest, found := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !found {
			continue
		}
		fields := strings.Fields(string(rest))
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("invalid VmRSS line %q; want \"VmRSS: <number> kB\"", line)
		}
		kib, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid VmRSS line %q: %v", line, err)
		}
		return kib << 10, nil
	}
	return 0, errors.New("no VmRSS line; the process may be a zombie or a kernel thread")
}

// parseStatCPU returns the user plus system CPU time from the contents of
// /proc/<pid>/stat, whose utime and stime fields count ticks of
// ticksPerSecond.
func parseStatCPU(data []byte, ticksPerSecond int64) (time.Duration, error) {
	// The command name in field 2 is in parentheses and may contain
	// spaces and parentheses itself, so the fixed fields start after
	// the last ')'.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, errors.New("invalid stat: no ')' after the command name")
	}
	fields := strings.Fields(string(data[end+1:]))
	// fields[0] is field 3 (state), so utime (field 14) and stime
	// (field 15) are fields[11] and fields[12].
	if len(fields) < 13 {
		return 0, fmt.Errorf("invalid stat: %d fields after the command name; want at least 13", len(fields))
	}
	var ticks int64
	for _, field := range fields[11:13] {
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid stat: utime or stime %q: %v", field, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / time.Duration(ticksPerSecond), nil
}

// procPath returns /proc/<pid>/<file>, or /proc/self/<file> for pid 0.
func procPath(pid int, file string) string {
	if pid == 0 {
		return "/proc/self/" + file
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + file
}

// readRSS returns the resident set size of process pid (0 for this
// process) in bytes.
func readRSS(pid int) (int64, error) {
	data, err := os.ReadFile(procPath(pid, "status"))
	if err != nil {
		return 0, err
	}
	rss, err := parseStatusRSS(data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", procPath(pid, "status"), err)
	}
	return rss, nil
}

// readCPU returns the CPU time process pid (0 for this process) has used
// in user and system mode. Its resolution is one clock tick, 10 ms with
// the usual USER_HZ of 100.
func readCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(procPath(pid, "stat"))
	if err != nil {
		return 0, err
	}
	cpu, err := parseStatCPU(data, clockTicks())
	if err != nil {
		return 0, fmt.Errorf("%s: %w", procPath(pid, "stat"), err)
	}
	return cpu, nil
}

// rssSampler records the highest resident set size of a process, read
// at a fixed interval until stop.
type rssSampler struct {
	peak int64
	err  error
	quit chan struct{}
	done chan struct{}
}

func startRSSSampler(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			rss, err := readRSS(pid)
			if err != nil {
				s.err = err
				return
			}
			s.peak = max(s.peak, rss)
			select {
			case <-s.quit:
				return
			case <-ticker.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the highest value seen.
func (s *rssSampler) stop() (int64, error) {
	close(s.quit)
	<-s.done
	return s.peak, s.err
}
