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
	var rawCPU, streamCPU cpuUse
	raw := func() error {
		start, err := rawCPU.begin(0)
		if err != nil {
			return err
		}
		n, elapsed, err := ptybench.CatPTY(b.testFile)
		rawBytes += n
		rawTime += elapsed
		if err != nil {
			return err
		}
		return rawCPU.end(start)
	}
	stream := func() error {
		start, err := streamCPU.begin(b.cfg.pid)
		if err != nil {
			return err
		}
		readers, err := b.catThroughSession(ctx, b.testFile, 1, 0)
		if err != nil {
			return err
		}
		streamBytes += readers[0].received
		streamTime += readers[0].elapsed
		loss.add(readers)
		return streamCPU.end(start)
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
	rounds := time.Duration(b.cfg.rounds)
	b.note("1. CPU time per round: the server used %v and the driver %v while the stream ran, and the driver %v for the raw reader. The cat processes are not counted.",
		(streamCPU.server / rounds).Round(10*time.Millisecond), (streamCPU.driver / rounds).Round(10*time.Millisecond),
		(rawCPU.driver / rounds).Round(10*time.Millisecond))
	return nil
}

// cpuUse sums the CPU time of the server and of the driver over several
// runs of one workload.
type cpuUse struct {
	server, driver time.Duration
}

// cpuMark is the CPU time of both processes when a run began. A zero
// serverPID means the server is not sampled.
type cpuMark struct {
	serverPID      int
	server, driver time.Duration
}

// begin reads the CPU time of the server serverPID, unless it is 0, and
// of the driver.
func (c *cpuUse) begin(serverPID int) (cpuMark, error) {
	mark := cpuMark{serverPID: serverPID}
	var err error
	if serverPID != 0 {
		if mark.server, err = readCPU(serverPID); err != nil {
			return mark, err
		}
	}
	mark.driver, err = readCPU(0)
	return mark, err
}

// end adds the CPU time used since start.
func (c *cpuUse) end(start cpuMark) error {
	if start.serverPID != 0 {
		server, err := readCPU(start.serverPID)
		if err != nil {
			return err
		}
		c.server += server - start.server
	}
	driver, err := readCPU(0)
	if err != nil {
		return err
	}
	c.driver += driver - start.driver
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
