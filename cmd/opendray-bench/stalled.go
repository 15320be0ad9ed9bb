package main

import (
	"context"
	"slices"
	"time"
)

// rssInterval is how often the server's resident memory is sampled while
// output flows.
const rssInterval = 5 * time.Millisecond

// measureStalled compares two readers' rate beside one viewer that never
// reads with their rate alone, and the server's resident memory growth in
// both cases.
func (b *bench) measureStalled(ctx context.Context) error {
	var aloneRates, besideRates, ratios []float64
	var aloneGrowth, besideGrowth []float64
	var loss gapLoss
	alone := func() error {
		rate, growth, err := b.readersWithGrowth(ctx, 0, &loss)
		aloneRates = append(aloneRates, rate)
		aloneGrowth = append(aloneGrowth, growth)
		return err
	}
	beside := func() error {
		rate, growth, err := b.readersWithGrowth(ctx, 1, &loss)
		besideRates = append(besideRates, rate)
		besideGrowth = append(besideGrowth, growth)
		return err
	}
	for round := range b.cfg.rounds {
		b.logf("stalled viewer: round %d of %d", round+1, b.cfg.rounds)
		if err := inAlternateOrder(round, alone, beside); err != nil {
			return err
		}
		ratios = append(ratios, besideRates[round]/aloneRates[round])
	}

	b.add(result{
		measure:     "3. two readers beside a stalled viewer",
		unit:        unitRate,
		value:       mean(besideRates),
		baseline:    mean(aloneRates),
		hasBaseline: true,
		target:      target{kind: ratioAtLeast, limit: 0.9},
	})
	b.add(result{
		measure:     "3. server RSS growth, stalled viewer",
		unit:        unitBytes,
		value:       slices.Max(besideGrowth),
		baseline:    slices.Max(aloneGrowth),
		hasBaseline: true,
		target:      target{kind: valueAtMost, limit: 32 << 20},
	})
	b.note("3. Workload: the same cat to two readers, with and without a third viewer that never reads after its handshake, in alternating order, in %s. The rate is per reader. Ratio per round: %s.",
		countRounds(b.cfg.rounds), formatRatios(ratios))
	b.note("3. RSS growth: the server's highest VmRSS, sampled every %v during a run, minus its VmRSS before the run, in the worst round. Baseline: the same without the stalled viewer.",
		rssInterval)
	if text := loss.describe("The readers"); text != "" {
		b.note("3. %s", text)
	}
	return nil
}

// readersWithGrowth runs a cat to two readers beside stalled viewers and
// returns the readers' mean rate and the server's peak RSS growth. It
// adds the readers' skipped output to loss.
func (b *bench) readersWithGrowth(ctx context.Context, stalled int, loss *gapLoss) (float64, float64, error) {
	before, err := readRSS(b.cfg.pid)
	if err != nil {
		return 0, 0, err
	}
	sampler := startRSSSampler(b.cfg.pid, rssInterval)
	readers, runErr := b.catThroughSession(ctx, b.testFile, 2, stalled)
	peak, err := sampler.stop()
	if runErr != nil {
		return 0, 0, runErr
	}
	if err != nil {
		return 0, 0, err
	}
	loss.add(readers)
	var received int64
	var elapsed time.Duration
	for _, reader := range readers {
		received += reader.received
		elapsed += reader.elapsed
	}
	return float64(received) / elapsed.Seconds(), float64(peak - before), nil
}
