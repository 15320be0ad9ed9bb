package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// catScript waits for one line of input, then runs cat on its first
// argument, so that viewers can attach before the output starts.
const catScript = `read line; exec cat "$1"`

// drainTimeout bounds the reading of one cat's output by one viewer.
const drainTimeout = 3 * time.Minute

// readerResult is the live output one viewer received from a cat.
type readerResult struct {
	received int64
	lost     int64
	// elapsed runs from the keystroke that starts cat to the last byte.
	elapsed time.Duration
}

// rate returns the reader's received bytes per second.
func (r readerResult) rate() float64 { return float64(r.received) / r.elapsed.Seconds() }

// gapLoss sums the live output viewers received and the output that gap
// frames reported as skipped.
type gapLoss struct {
	received, lost int64
}

func (g *gapLoss) add(readers []readerResult) {
	for _, reader := range readers {
		g.received += reader.received
		g.lost += reader.lost
	}
}

// describe returns a sentence for the notes on the output that subject
// skipped, or "" when nothing was skipped.
func (g gapLoss) describe(subject string) string {
	if g.lost == 0 {
		return ""
	}
	total := g.received + g.lost
	return fmt.Sprintf("%s skipped %s of %s of output (%.2f%%), which the server reported in gap frames because that output had left the 1 MiB ring before it was sent. Skipped bytes count as not received.",
		subject, formatQuantity(float64(g.lost), unitBytes), formatQuantity(float64(total), unitBytes), 100*float64(g.lost)/float64(total))
}

// inAlternateOrder runs first and then second in even rounds, and the
// other way round in odd rounds, so that neither one always runs right
// after the other.
func inAlternateOrder(round int, first, second func() error) error {
	if round%2 == 1 {
		first, second = second, first
	}
	if err := first(); err != nil {
		return err
	}
	return second()
}

// catThroughSession runs cat of path in a new session with readers
// viewers that read and stalled viewers that never read after their
// handshake, and returns what each reader received.
func (b *bench) catThroughSession(ctx context.Context, path string, readers, stalled int) ([]readerResult, error) {
	info, err := b.api.createSession(ctx, createRequest{
		Provider: "custom",
		Command:  "/bin/sh",
		Args:     []string{"-c", catScript, "sh", path},
		Name:     "bench-cat",
	})
	if err != nil {
		return nil, err
	}
	defer b.removeSession(ctx, info.ID)

	var viewers []*viewer
	closeViewers := func() {
		for _, v := range viewers {
			v.close()
		}
	}
	defer closeViewers()
	for range stalled + readers {
		v, err := dialViewer(ctx, b.api, info.ID)
		if err != nil {
			return nil, err
		}
		viewers = append(viewers, v)
	}
	reading := viewers[stalled:]
	for _, v := range reading {
		if _, err := v.readReplay(time.Now().Add(10 * time.Second)); err != nil {
			return nil, err
		}
	}

	// An interrupt closes the viewers, which ends their reads at once.
	stopOnCancel := context.AfterFunc(ctx, closeViewers)
	defer stopOnCancel()

	start := time.Now()
	if err := reading[0].sendKeys([]byte("\r")); err != nil {
		return nil, fmt.Errorf("sending the line that starts cat: %w", err)
	}
	results := make([]readerResult, len(reading))
	errs := make([]error, len(reading))
	var wg sync.WaitGroup
	for i, v := range reading {
		wg.Go(func() {
			got, err := v.drain(start.Add(drainTimeout))
			results[i] = readerResult{received: got.received, lost: got.lost, elapsed: got.last.Sub(start)}
			if err == nil && got.received == 0 {
				err = errors.New("no live output arrived")
			}
			if err != nil {
				errs[i] = fmt.Errorf("viewer %d of session %s: %w", i+1, info.ID, err)
			}
		})
	}
	wg.Wait()
	return results, errors.Join(errs...)
}
