package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machineSummary describes the host for the report: CPUs, CPU model,
// memory, kernel and the Go version the driver was built with.
func machineSummary() string {
	model := "unknown CPU model"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		model = cpuModel(data)
	}
	memory := "unknown memory"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		if total, ok := memTotal(data); ok {
			memory = formatQuantity(float64(total), unitBytes)
		}
	}
	kernel := "unknown kernel"
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = "Linux " + strings.TrimSpace(string(data))
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s, %s", runtime.NumCPU(), model, memory, kernel, runtime.Version())
}

// cpuModel returns the first "model name" of /proc/cpuinfo contents.
func cpuModel(data []byte) string {
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		key, value, found := strings.Cut(scanner.Text(), ":")
		if found && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU model"
}

// memTotal returns MemTotal of /proc/meminfo contents in bytes.
func memTotal(data []byte) (int64, bool) {
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		rest, found := bytes.CutPrefix(line, []byte("MemTotal:"))
		if !found {
			continue
		}
		var kib int64
		if _, err := fmt.Sscanf(string(rest), "%d kB", &kib); err != nil {
			return 0, false
		}
		return kib << 10, true
	}
	return 0, false
}

// loadAverage returns the 1, 5 and 15 minute load averages as
// /proc/loadavg shows them.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}
