package logging

import (
	"testing"
	"time"
)

func appendN(r *Ring, n int) {
	for i := 0; i < n; i++ {
		r.Append(Record{Message: "m"})
	}
}

func TestRingSinceWithinCapacity(t *testing.T) {
	r := NewRing(5)
	appendN(r, 3)
	records, missed := r.Since(1, 0)
	if missed != 0 {
		t.Errorf("missed = %d; want 0", missed)
	}
	if len(records) != 2 || records[0].Seq != 2 || records[1].Seq != 3 {
		t.Errorf("Since(1) = %+v; want seq 2 and 3", records)
	}
}

func TestRingSinceAfterWrap(t *testing.T) {
	r := NewRing(5)
	appendN(r, 12) // keeps 8..12
	records, missed := r.Since(3, 0)
	if missed != 4 {
		t.Errorf("missed = %d; want 4 (seq 4..7 overwritten)", missed)
	}
	if len(records) != 5 || records[0].Seq != 8 || records[4].Seq != 12 {
		t.Fatalf("Since(3) returned seq %d..%d (%d records); want 8..12", records[0].Seq, records[len(records)-1].Seq, len(records))
	}
	for i := 1; i < len(records); i++ {
		if records[i].Seq != records[i-1].Seq+1 {
			t.Errorf("records out of order at %d: %d after %d", i, records[i].Seq, records[i-1].Seq)
		}
	}
}

func TestRingSinceLimitAndCurrent(t *testing.T) {
	r := NewRing(10)
	appendN(r, 7)
	records, _ := r.Since(0, 3)
	if len(records) != 3 || records[0].Seq != 1 {
		t.Errorf("Since(0, 3) = %d records from %d; want 3 from 1", len(records), records[0].Seq)
	}
	if records, missed := r.Since(7, 0); len(records) != 0 || missed != 0 {
		t.Errorf("Since(last) = %d records, missed %d; want none", len(records), missed)
	}
	if records, _ := r.Since(100, 0); len(records) != 0 {
		t.Errorf("Since(future) = %d records; want none", len(records))
	}
}

func TestRingTail(t *testing.T) {
	r := NewRing(4)
	appendN(r, 9)
	tail := r.Tail(2)
	if len(tail) != 2 || tail[0].Seq != 8 || tail[1].Seq != 9 {
		t.Errorf("Tail(2) = %+v; want seq 8, 9", tail)
	}
	if all := r.Tail(0); len(all) != 4 || all[0].Seq != 6 {
		t.Errorf("Tail(0) = %d records from %d; want 4 from 6", len(all), all[0].Seq)
	}
	if empty := NewRing(3).Tail(5); len(empty) != 0 {
		t.Errorf("Tail of empty ring = %d records; want 0", len(empty))
	}
}

func TestRingSubscribeWakes(t *testing.T) {
	r := NewRing(4)
	wake, cancel := r.Subscribe()
	defer cancel()
	r.Append(Record{})
	r.Append(Record{})
	select {
	case <-wake:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after Append")
	}
	cancel()
	r.Append(Record{})
	select {
	case <-wake:
		t.Error("wake-up after cancel")
	default:
	}
}
