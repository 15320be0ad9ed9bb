package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// unit is the kind of quantity a result holds, which sets how it is shown.
type unit int

const (
	// unitRate is bytes per second, shown in MB/s (10^6 bytes per second).
	unitRate unit = iota
	// unitSeconds is shown in µs, ms or s.
	unitSeconds
	// unitBytes is shown in KiB, MiB or GiB.
	unitBytes
	// unitPercent is CPU time over wall time, in percent of one core.
	unitPercent
)

// formatQuantity returns v in unit u with three significant digits.
func formatQuantity(v float64, u unit) string {
	magnitude := math.Abs(v)
	switch u {
	case unitRate:
		return significant(v/1e6) + " MB/s"
	case unitSeconds:
		switch {
		case magnitude < 1e-3:
			return significant(v*1e6) + " µs"
		case magnitude < 1:
			return significant(v*1e3) + " ms"
		default:
			return significant(v) + " s"
		}
	case unitBytes:
		switch {
		case magnitude < 1<<20:
			return significant(v/(1<<10)) + " KiB"
		case magnitude < 1<<30:
			return significant(v/(1<<20)) + " MiB"
		default:
			return significant(v/(1<<30)) + " GiB"
		}
	case unitPercent:
		return significant(v) + " %"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// significant formats v with three significant digits and no exponent,
// so 0.01234 becomes 0.0123 and 1234.6 becomes 1235.
func significant(v float64) string {
	if v == 0 {
		return "0"
	}
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	return strconv.FormatFloat(v, 'f', max(digits, 0), 64)
}

// trimZeros drops trailing zeros after the decimal point of the number
// that starts text, so "1.00 ms" becomes "1 ms" and "2.50 %" "2.5 %".
func trimZeros(text string) string {
	number, rest, _ := strings.Cut(text, " ")
	if strings.Contains(number, ".") {
		number = strings.TrimRight(strings.TrimRight(number, "0"), ".")
	}
	if rest == "" {
		return number
	}
	return number + " " + rest
}

// countRounds returns "1 round" or "n rounds".
func countRounds(n int) string {
	if n == 1 {
		return "1 round"
	}
	return strconv.Itoa(n) + " rounds"
}

// formatRatios returns values with two decimals, as "0.91, 1.02, 0.88".
func formatRatios(values []float64) string {
	texts := make([]string, len(values))
	for i, v := range values {
		texts[i] = strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strings.Join(texts, ", ")
}

// targetKind is the figure of a result that a target limits.
type targetKind int

const (
	noTarget targetKind = iota
	// ratioAtLeast limits value/baseline from below.
	ratioAtLeast
	// valueAtMost limits the value from above, inclusive.
	valueAtMost
	// valueBelow limits the value from above, exclusive.
	valueBelow
	// overheadAtMost limits value minus baseline from above, inclusive.
	overheadAtMost
)

// target is a goal for one result. A missed target is reported, never
// an error.
type target struct {
	kind  targetKind
	limit float64
}

// result is one row of the table: a number measured through opendray and
// the baseline measured beside it in the same run.
type result struct {
	measure string
	unit    unit
	value   float64
	// baseline is the same quantity without opendray in the path. It is
	// absent when hasBaseline is false.
	baseline    float64
	hasBaseline bool
	target      target
}

// ratio returns value/baseline, or false when there is no baseline or it
// is zero.
func (r result) ratio() (float64, bool) {
	if !r.hasBaseline || r.baseline == 0 {
		return 0, false
	}
	return r.value / r.baseline, true
}

// describeTarget returns the target as the table shows it, or "-".
func (r result) describeTarget() string {
	limit := trimZeros(formatQuantity(r.target.limit, r.unit))
	switch r.target.kind {
	case ratioAtLeast:
		return "ratio >= " + strconv.FormatFloat(r.target.limit, 'f', 2, 64)
	case valueAtMost:
		return "<= " + limit
	case valueBelow:
		return "< " + limit
	case overheadAtMost:
		return "overhead <= " + limit
	}
	return "-"
}

// verdict returns "ok" or "MISSED" for a result with a target, with the
// overhead for overhead targets, "n/a" when the figure the target limits
// could not be computed, and "" without a target.
func (r result) verdict() string {
	met := false
	detail := ""
	switch r.target.kind {
	case noTarget:
		return ""
	case ratioAtLeast:
		ratio, ok := r.ratio()
		if !ok {
			return "n/a (no baseline)"
		}
		met = ratio >= r.target.limit
	case valueAtMost:
		met = r.value <= r.target.limit
	case valueBelow:
		met = r.value < r.target.limit
	case overheadAtMost:
		if !r.hasBaseline {
			return "n/a (no baseline)"
		}
		overhead := r.value - r.baseline
		met = overhead <= r.target.limit
		detail = " (overhead " + formatQuantity(overhead, r.unit) + ")"
	}
	if met {
		return "ok" + detail
	}
	return "MISSED" + detail
}

// writeTable writes results as aligned columns, then each note on a line
// of its own.
func writeTable(w io.Writer, results []result, notes []string) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "measure\topendray\tbaseline\tratio\ttarget\tresult")
	for _, r := range results {
		baseline, ratio := "-", "-"
		if r.hasBaseline {
			baseline = formatQuantity(r.baseline, r.unit)
		}
		if value, ok := r.ratio(); ok {
			ratio = strconv.FormatFloat(value, 'f', 2, 64)
		}
		fmt.Fprintf(table, "%s\t%s\t%s\t%s\t%s\t%s\n",
			r.measure, formatQuantity(r.value, r.unit), baseline, ratio, r.describeTarget(), r.verdict())
	}
	if err := table.Flush(); err != nil {
		return err
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
	}
	for _, note := range notes {
		if _, err := fmt.Fprintln(w, note); err != nil {
			return err
		}
	}
	return nil
}
