package main

import (
	"context"
	"time"

	"github.com/opendray/opendray/internal/ptybench"
)

// measureThroughput compares one stream viewer's rate for a cat of the
// test file with a Go reader of a PTY running the same cat. The two run
// in alternating order, once each per round.
func (b *bench) measureThroughput(ctx context.Context) error {
	var rawBytes, streamBytes int64
	var rawTime, streamTime time.Duration
	var loss gapLoss
	raw := func() error {
		n, elapsed, err := ptybench.CatPTY(b.testFile)
		rawBytes += n
		rawTime += elapsed
		return err
	}
	stream := func() error {
		readers, err := b.catThroughSession(ctx, b.testFile, 1, 0)
		if err != nil {
			return err
		}
		streamBytes += readers[0].received
		streamTime += readers[0].elapsed
		loss.add(readers)
		return nil
	}
	for round := range b.cfg.rounds {
		b.logf("throughput: round %d of %d", round+1, b.cfg.rounds)
		if err := inAlternateOrder(round, raw, stream); err != nil {
			return err
		}
	}

	b.add(result{
		measure:     "1. output to one viewer",
		unit:        unitRate,
		value:       float64(streamBytes) / streamTime.Seconds(),
		baseline:    float64(rawBytes) / rawTime.Seconds(),
		hasBaseline: true,
		target:      target{kind: ratioAtLeast, limit: 0.8},
	})
	b.note("1. Workload: cat of a %s file of coloured UTF-8 text, in %s. Baseline: a Go reader of a PTY that runs the same cat, in alternating order with the stream.",
		formatQuantity(float64(b.cfg.fileSize), unitBytes), countRounds(b.cfg.rounds))
	if text := loss.describe("The viewer"); text != "" {
		b.note("1. %s", text)
	}
	return nil
}

// mean returns the arithmetic mean of values.
func mean(values []float64) float64 {
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}
