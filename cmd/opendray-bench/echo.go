package main

import (
	"context"
	"fmt"
	"time"

	"github.com/opendray/opendray/internal/ptybench"
)

// echoWarmup is the number of round trips on each path before sampling.
const echoWarmup = 100

// measureEcho compares the round trip of one keystroke to cat in raw mode
// and back over the stream with the same round trip over a bare PTY,
// alternating the two for each sample.
func (b *bench) measureEcho(ctx context.Context) error {
	b.logf("keystroke echo: %d samples", b.cfg.echoSamples)
	info, err := b.api.createSession(ctx, createRequest{
		Provider: "custom",
		Command:  "/bin/sh",
		Args:     []string{"-c", ptybench.EchoScript},
		Name:     "bench-echo",
	})
	if err != nil {
		return err
	}
	defer b.removeSession(ctx, info.ID)
	stream, err := dialViewer(ctx, b.api, info.ID)
	if err != nil {
		return err
	}
	defer stream.close()
	if err := stream.readUntil(ptybench.EchoReady+"\n", time.Now().Add(10*time.Second)); err != nil {
		return err
	}

	raw, err := ptybench.StartEcho(10 * time.Second)
	if err != nil {
		return err
	}
	defer raw.Close()

	var rawTimes, streamTimes []time.Duration
	for i := range echoWarmup + b.cfg.echoSamples {
		if i%1000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rawTime, err := raw.RoundTrip()
		if err != nil {
			return err
		}
		streamTime, err := streamRoundTrip(stream)
		if err != nil {
			return fmt.Errorf("keystroke %d over the stream of session %s: %w", i+1, info.ID, err)
		}
		if i >= echoWarmup {
			rawTimes = append(rawTimes, rawTime)
			streamTimes = append(streamTimes, streamTime)
		}
	}

	for _, p := range []struct {
		percentile float64
		limit      time.Duration
	}{{50, 250 * time.Microsecond}, {99, time.Millisecond}} {
		b.add(result{
			measure:     fmt.Sprintf("4. keystroke echo p%g", p.percentile),
			unit:        unitSeconds,
			value:       ptybench.Percentile(streamTimes, p.percentile).Seconds(),
			baseline:    ptybench.Percentile(rawTimes, p.percentile).Seconds(),
			hasBaseline: true,
			target:      target{kind: overheadAtMost, limit: p.limit.Seconds()},
		})
	}
	b.note("4. Workload: one byte to `sh -c '%s'` and back over the stream, %d samples after %d for warm-up. Baseline: the same script on a PTY that the driver reads, alternating with the stream. The overhead is the difference of the percentiles.",
		ptybench.EchoScript, b.cfg.echoSamples, echoWarmup)
	return nil
}

// streamRoundTrip sends one keystroke over the stream and returns the time
// until its echo arrives.
func streamRoundTrip(stream *viewer) (time.Duration, error) {
	if err := stream.conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := stream.sendKeys([]byte{'k'}); err != nil {
		return 0, err
	}
	n, err := stream.readOutput()
	if err != nil {
		return 0, err
	}
	if n != 1 {
		return 0, fmt.Errorf("the echo has %d bytes; want 1", n)
	}
	return time.Since(start), nil
}
