package main

import (
	"strings"
	"testing"
)

func TestFormatQuantity(t *testing.T) {
	cases := []struct {
		value float64
		unit  unit
		want  string
	}{
		{74_912_345, unitRate, "74.9 MB/s"},
		{0.0000725, unitSeconds, "72.5 µs"},
		{0.000149, unitSeconds, "149 µs"},
		{0.00203, unitSeconds, "2.03 ms"},
		{1.5, unitSeconds, "1.50 s"},
		{-0.0000215, unitSeconds, "-21.5 µs"},
		{190 * 1024, unitBytes, "190 KiB"},
		{26.6 * (1 << 20), unitBytes, "26.6 MiB"},
		{24 * (1 << 30), unitBytes, "24.0 GiB"},
		{0.0123, unitPercent, "0.0123 %"},
		{0, unitPercent, "0 %"},
		{1234.6, unitPercent, "1235 %"},
	}
	for _, c := range cases {
		if got := formatQuantity(c.value, c.unit); got != c.want {
			t.Errorf("formatQuantity(%v, %d) = %q; want %q", c.value, c.unit, got, c.want)
		}
	}
}

func TestTrimZeros(t *testing.T) {
	cases := map[string]string{
		"1.00 ms":  "1 ms",
		"2.50 %":   "2.5 %",
		"250 µs":   "250 µs",
		"32.0 MiB": "32 MiB",
		"100":      "100",
	}
	for text, want := range cases {
		if got := trimZeros(text); got != want {
			t.Errorf("trimZeros(%q) = %q; want %q", text, got, want)
		}
	}
}

func TestVerdict(t *testing.T) {
	cases := []struct {
		name string
		r    result
		want string
	}{
		{"ratio met", result{value: 80, baseline: 100, hasBaseline: true, target: target{ratioAtLeast, 0.8}}, "ok"},
		{"ratio missed", result{value: 79, baseline: 100, hasBaseline: true, target: target{ratioAtLeast, 0.8}}, "MISSED"},
		{"ratio without baseline", result{value: 79, target: target{ratioAtLeast, 0.8}}, "n/a (no baseline)"},
		{"at most, equal", result{value: 32, target: target{valueAtMost, 32}}, "ok"},
		{"below, equal", result{value: 2, target: target{valueBelow, 2}}, "MISSED"},
		{"overhead met", result{unit: unitSeconds, value: 0.000149, baseline: 0.0000725, hasBaseline: true, target: target{overheadAtMost, 0.00025}}, "ok (overhead 76.5 µs)"},
		{"overhead missed", result{unit: unitSeconds, value: 0.0015, baseline: 0.0002, hasBaseline: true, target: target{overheadAtMost, 0.001}}, "MISSED (overhead 1.30 ms)"},
		{"no target", result{value: 1}, ""},
	}
	for _, c := range cases {
		if got := c.r.verdict(); got != c.want {
			t.Errorf("%s: verdict = %q; want %q", c.name, got, c.want)
		}
	}
}

func TestWriteTable(t *testing.T) {
	results := []result{
		{measure: "1. output to one viewer", unit: unitRate, value: 60e6, baseline: 80e6, hasBaseline: true, target: target{ratioAtLeast, 0.8}},
		{measure: "6. replay, max", unit: unitSeconds, value: 0.0067},
	}
	var out strings.Builder
	if err := writeTable(&out, results, []string{"1. a note"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	want := []string{
		"measure                  opendray   baseline   ratio  target         result",
		"1. output to one viewer  60.0 MB/s  80.0 MB/s  0.75   ratio >= 0.80  MISSED",
		"6. replay, max           6.70 ms    -          -      -              ",
		"",
		"1. a note",
	}
	if len(lines) != len(want) {
		t.Fatalf("writeTable wrote %d lines; want %d:\n%s", len(lines), len(want), out.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q; want %q", i+1, lines[i], want[i])
		}
	}
	// Every column starts at the same offset in each row.
	if strings.Index(lines[1], "60.0") != strings.Index(lines[0], "opendray") {
		t.Errorf("the opendray column is not aligned:\n%s", out.String())
	}
}

func TestFormatRatios(t *testing.T) {
	if got := formatRatios([]float64{0.912, 1.0, 1.234}); got != "0.91, 1.00, 1.23" {
		t.Errorf("formatRatios = %q; want %q", got, "0.91, 1.00, 1.23")
	}
}
