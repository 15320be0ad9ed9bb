package ptybench

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	values := make([]time.Duration, 0, 100)
	for i := 100; i >= 1; i-- {
		values = append(values, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{
		{1, 1 * time.Millisecond},
		{50, 50 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{99.5, 100 * time.Millisecond},
		{100, 100 * time.Millisecond},
	}
	for _, c := range cases {
		if got := Percentile(values, c.p); got != c.want {
			t.Errorf("Percentile(1..100 ms, %v) = %v; want %v", c.p, got, c.want)
		}
	}
	if values[0] != 100*time.Millisecond {
		t.Errorf("Percentile reordered its input: first value is %v; want 100ms", values[0])
	}
}

func TestPercentileSmallInputs(t *testing.T) {
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil, 50) = %v; want 0", got)
	}
	single := []time.Duration{7}
	if got := Percentile(single, 1); got != 7 {
		t.Errorf("Percentile([7], 1) = %v; want 7", got)
	}
	if got := Percentile(single, 99); got != 7 {
		t.Errorf("Percentile([7], 99) = %v; want 7", got)
	}
	three := []time.Duration{30, 10, 20}
	if got := Percentile(three, 50); got != 20 {
		t.Errorf("Percentile([30 10 20], 50) = %v; want 20", got)
	}
	if got := Percentile(three, 99); got != 30 {
		t.Errorf("Percentile([30 10 20], 99) = %v; want 30", got)
	}
}
