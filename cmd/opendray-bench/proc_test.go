package main

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatusRSS(t *testing.T) {
	status := "Name:\topendray\nVmPeak:\t 2000000 kB\nVmRSS:\t   51234 kB\nRssAnon:\t 40000 kB\n"
	rss, err := parseStatusRSS([]byte(status))
	if err != nil {
		t.Fatal(err)
	}
	if rss != 51234*1024 {
		t.Errorf("parseStatusRSS = %d; want %d", rss, 51234*1024)
	}
}

func TestParseStatusRSSMissing(t *testing.T) {
	if _, err := parseStatusRSS([]byte("Name:\tkthreadd\nState:\tS (sleeping)\n")); err == nil {
		t.Error("parseStatusRSS without a VmRSS line returned no error")
	}
	if _, err := parseStatusRSS([]byte("VmRSS:\t12 MB\n")); err == nil {
		t.Error("parseStatusRSS of a VmRSS in MB returned no error")
	}
}

func TestParseStatCPU(t *testing.T) {
	// The command name contains a space and a ')'; utime is 250 and
	// stime 130 ticks.
	stat := "4242 (open dray)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 130 0 0 20 0 12 0 100 200000000 5000 18446744073709551615\n"
	cpu, err := parseStatCPU([]byte(stat), 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3800 * time.Millisecond; cpu != want {
		t.Errorf("parseStatCPU at 100 ticks/s = %v; want %v", cpu, want)
	}
	cpu, err = parseStatCPU([]byte(stat), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if want := 380 * time.Millisecond; cpu != want {
		t.Errorf("parseStatCPU at 1000 ticks/s = %v; want %v", cpu, want)
	}
}

func TestParseStatCPUInvalid(t *testing.T) {
	for _, stat := range []string{
		"4242 opendray S 1",
		"4242 (opendray) S 1 2 3",
		"4242 (opendray) S 1 4242 4242 0 -1 4194560 1000 0 0 0 x 130 0",
	} {
		if _, err := parseStatCPU([]byte(stat), 100); err == nil {
			t.Errorf("parseStatCPU(%q) returned no error", stat)
		}
	}
}

func TestParseAuxvClockTicks(t *testing.T) {
	auxv := auxvBytes(6, 4096, 17, 250, 0, 0)
	ticks, ok := parseAuxvClockTicks(auxv)
	if !ok || ticks != 250 {
		t.Errorf("parseAuxvClockTicks = %d, %v; want 250, true", ticks, ok)
	}
	if _, ok := parseAuxvClockTicks(auxvBytes(6, 4096, 0, 0, 17, 250)); ok {
		t.Error("parseAuxvClockTicks read past AT_NULL")
	}
	if _, ok := parseAuxvClockTicks(auxvBytes(6, 4096)); ok {
		t.Error("parseAuxvClockTicks found AT_CLKTCK in a vector without it")
	}
}

func auxvBytes(pairs ...uint64) []byte {
	data := make([]byte, 0, 8*len(pairs))
	for _, v := range pairs {
		data = binary.LittleEndian.AppendUint64(data, v)
	}
	return data
}

func TestReadSelf(t *testing.T) {
	rss, err := readRSS(0)
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 {
		t.Errorf("readRSS(0) = %d; want a positive size", rss)
	}
	if _, err := readCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if ticks := clockTicks(); ticks <= 0 {
		t.Errorf("clockTicks() = %d; want a positive rate", ticks)
	}
}

func TestMachineParsers(t *testing.T) {
	cpuinfo := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n"
	if got := cpuModel([]byte(cpuinfo)); got != "Intel(R) Xeon(R) Processor" {
		t.Errorf("cpuModel = %q; want the model name", got)
	}
	meminfo := "MemTotal:       24684544 kB\nMemFree:         1000000 kB\n"
	total, ok := memTotal([]byte(meminfo))
	if !ok || total != 24684544*1024 {
		t.Errorf("memTotal = %d, %v; want %d, true", total, ok, 24684544*1024)
	}
	if _, ok := memTotal([]byte(strings.Replace(meminfo, "MemTotal", "MemSize", 1))); ok {
		t.Error("memTotal found a total in meminfo without MemTotal")
	}
}
