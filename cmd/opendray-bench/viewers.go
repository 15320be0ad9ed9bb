package main

import (
	"context"
	"slices"
)

// tenViewers is the viewer count of the many-viewers measure.
const tenViewers = 10

// measureViewers compares the rate of each of ten viewers of one cat with
// the rate of a single viewer of the same cat in the same round.
func (b *bench) measureViewers(ctx context.Context) error {
	var single, slowest, median, ratios []float64
	var loss gapLoss
	for round := range b.cfg.rounds {
		b.logf("ten viewers: round %d of %d", round+1, b.cfg.rounds)
		var alone, many []readerResult
		err := inAlternateOrder(round,
			func() (err error) {
				alone, err = b.catThroughSession(ctx, b.testFile, 1, 0)
				return err
			},
			func() (err error) {
				many, err = b.catThroughSession(ctx, b.testFile, tenViewers, 0)
				return err
			})
		if err != nil {
			return err
		}
		loss.add(alone)
		loss.add(many)
		rates := make([]float64, len(many))
		for i, reader := range many {
			rates[i] = reader.rate()
		}
		slices.Sort(rates)
		single = append(single, alone[0].rate())
		slowest = append(slowest, rates[0])
		median = append(median, rates[len(rates)/2])
		ratios = append(ratios, rates[0]/alone[0].rate())
	}

	b.add(result{
		measure:     "2. ten viewers, slowest",
		unit:        unitRate,
		value:       mean(slowest),
		baseline:    mean(single),
		hasBaseline: true,
		target:      target{kind: ratioAtLeast, limit: 0.5},
	})
	b.add(result{
		measure:     "2. ten viewers, median",
		unit:        unitRate,
		value:       mean(median),
		baseline:    mean(single),
		hasBaseline: true,
	})
	b.note("2. Workload: the same cat to ten viewers, in %s. Baseline: one viewer of the same cat in the same round, in alternating order. Slowest viewer over the single viewer, per round: %s.",
		countRounds(b.cfg.rounds), formatRatios(ratios))
	if text := loss.describe("The viewers"); text != "" {
		b.note("2. %s", text)
	}
	return nil
}
