package session

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestRingKeepsNewestBytes(t *testing.T) {
	r := newRing(8)
	r.Write([]byte("abcdef"))
	r.Write([]byte("ghij"))

	if r.Start() != 2 || r.End() != 10 {
		t.Fatalf("start, end = %d, %d; want 2, 10", r.Start(), r.End())
	}
	got, from := r.ReadFrom(0, 0)
	if from != 2 || string(got) != "cdefghij" {
		t.Errorf("ReadFrom(0) = %q at %d; want cdefghij at 2", got, from)
	}
	got, from = r.ReadFrom(7, 2)
	if from != 7 || string(got) != "hi" {
		t.Errorf("ReadFrom(7, 2) = %q at %d; want hi at 7", got, from)
	}
	got, from = r.ReadFrom(12, 0)
	if len(got) != 0 || from != 10 {
		t.Errorf("ReadFrom past the end = %q at %d; want nothing at 10", got, from)
	}
	got, from = r.Tail(3)
	if from != 7 || string(got) != "hij" {
		t.Errorf("Tail(3) = %q at %d; want hij at 7", got, from)
	}
}

func TestRingWriteLargerThanCapacity(t *testing.T) {
	r := newRing(4)
	r.Write([]byte("x"))
	r.Write([]byte("0123456789"))
	got, from := r.ReadFrom(0, 0)
	if from != 7 || string(got) != "6789" {
		t.Errorf("ReadFrom(0) = %q at %d; want 6789 at 7", got, from)
	}
}

func TestRingMatchesReference(t *testing.T) {
	const capacity = 5000
	r := newRing(capacity)
	var all []byte
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		chunk := make([]byte, rng.IntN(3000))
		for j := range chunk {
			chunk[j] = byte(i + j)
		}
		r.Write(chunk)
		all = append(all, chunk...)

		start := max(0, len(all)-capacity)
		if r.Start() != int64(start) || r.End() != int64(len(all)) {
			t.Fatalf("after write %d: start, end = %d, %d; want %d, %d", i, r.Start(), r.End(), start, len(all))
		}
		from := int64(start + rng.IntN(len(all)-start+1))
		limit := rng.IntN(capacity)
		got, at := r.ReadFrom(from, limit)
		want := all[from:]
		if limit > 0 && len(want) > limit {
			want = want[:limit]
		}
		if at != from || !bytes.Equal(got, want) {
			t.Fatalf("after write %d: ReadFrom(%d, %d) returned %d bytes at %d; want %d bytes at %d",
				i, from, limit, len(got), at, len(want), from)
		}
	}
}
