package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/opendray/opendray/internal/ptybench"
)

// ringSize is the server's replay ring: the last 1 MiB of output.
const ringSize = 1 << 20

// replayFill is how much output the replay session prints before the
// measure, well beyond ringSize so that the ring is full.
const replayFill = 3_000_000

// measureReplay times new viewers of a session whose ring is full, from
// the dial to the offset frame that ends the replay, and compares it with
// reading as much output from a PTY running cat.
func (b *bench) measureReplay(ctx context.Context) error {
	b.logf("replay: %d viewers", b.cfg.replaySamples)
	info, err := b.api.createSession(ctx, createRequest{
		Provider: "custom",
		Command:  "/bin/sh",
		Args:     []string{"-c", `head -c ` + fmt.Sprint(replayFill) + ` "$1"; exec sleep 600`, "sh", b.testFile},
		Name:     "bench-replay",
	})
	if err != nil {
		return err
	}
	defer b.removeSession(ctx, info.ID)
	if err := b.waitOutput(ctx, info.ID, replayFill, 30*time.Second); err != nil {
		return err
	}

	ringFile, err := ptybench.CreateMixedFile(b.dir, ringSize)
	if err != nil {
		return err
	}
	var replayTimes, rawTimes []time.Duration
	for range b.cfg.replaySamples {
		elapsed, err := b.replayOnce(ctx, info.ID)
		if err != nil {
			return err
		}
		replayTimes = append(replayTimes, elapsed)

		_, elapsed, err = ptybench.CatPTY(ringFile)
		if err != nil {
			return err
		}
		rawTimes = append(rawTimes, elapsed)
	}

	b.add(result{
		measure:     "6. replay of a full 1 MiB ring, p50",
		unit:        unitSeconds,
		value:       ptybench.Percentile(replayTimes, 50).Seconds(),
		baseline:    ptybench.Percentile(rawTimes, 50).Seconds(),
		hasBaseline: true,
		target:      target{kind: valueBelow, limit: 0.010},
	})
	b.add(result{
		measure:     "6. replay of a full 1 MiB ring, max",
		unit:        unitSeconds,
		value:       slices.Max(replayTimes).Seconds(),
		baseline:    slices.Max(rawTimes).Seconds(),
		hasBaseline: true,
	})
	b.note("6. Workload: %d new viewers of a session with %d bytes of output, timed from the dial to the offset frame. Baseline: a Go reader of a PTY that runs cat of a 1 MiB file, alternating with the viewers.",
		b.cfg.replaySamples, replayFill)
	return nil
}

// replayOnce dials the stream of session id, reads the replay up to the
// offset frame and returns the time it took.
func (b *bench) replayOnce(ctx context.Context, id string) (time.Duration, error) {
	start := time.Now()
	stream, err := dialViewer(ctx, b.api, id)
	if err != nil {
		return 0, err
	}
	defer stream.close()
	replayed, err := stream.readReplay(start.Add(10 * time.Second))
	if err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if replayed != ringSize {
		return 0, fmt.Errorf("session %s replayed %d bytes; want a full ring of %d", id, replayed, ringSize)
	}
	return elapsed, nil
}

// waitOutput waits until session id has printed at least size bytes.
func (b *bench) waitOutput(ctx context.Context, id string, size int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		end, err := b.api.bufferEnd(ctx, id)
		if err != nil {
			return err
		}
		if end >= size {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("session %s printed %d bytes within %v; want %d", id, end, timeout, size)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
