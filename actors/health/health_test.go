package health

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendray/opendray/actors/actortest"
)

// switchPinger fails while down is set, and can hang until its context ends.
type switchPinger struct {
	down  atomic.Bool
	hang  atomic.Bool
	calls atomic.Int32
	gate  sync.Mutex
}

func (p *switchPinger) Ping(ctx context.Context) error {
	p.calls.Add(1)
	if p.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	p.gate.Lock()
	p.gate.Unlock()
	if p.down.Load() {
		return errors.New("connection refused")
	}
	return nil
}

func startChecker(t *testing.T, p Pinger, opts Options) *Client {
	t.Helper()
	system := actortest.NewSystem(t)
	pid := system.Root.Spawn(NewProps(p, opts, actortest.Logger(t)))
	t.Cleanup(func() { system.Root.Stop(pid) })
	return NewClient(system, pid)
}

func check(t *testing.T, c *Client) Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	status, err := c.Check(ctx)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return status
}

func TestCheckFollowsDatabase(t *testing.T) {
	p := &switchPinger{}
	c := startChecker(t, p, Options{})
	if s := check(t, c); !s.DBOK {
		t.Fatalf("status with a reachable database = %+v; want DBOK", s)
	}
	p.down.Store(true)
	if s := check(t, c); s.DBOK || s.Err == nil {
		t.Fatalf("status with the database down = %+v; want not DBOK with an error", s)
	}
	p.down.Store(false)
	if s := check(t, c); !s.DBOK {
		t.Fatalf("status after recovery = %+v; want DBOK", s)
	}
}

func TestCheckTimesOutHungPing(t *testing.T) {
	p := &switchPinger{}
	p.hang.Store(true)
	c := startChecker(t, p, Options{Timeout: 100 * time.Millisecond})
	s := check(t, c)
	if s.DBOK || s.Err == nil {
		t.Fatalf("status of a hung ping = %+v; want a timeout error", s)
	}
}

func TestConcurrentChecksShareOnePing(t *testing.T) {
	p := &switchPinger{}
	c := startChecker(t, p, Options{})
	check(t, c) // the Started ping is done
	before := p.calls.Load()

	p.gate.Lock()
	var wg sync.WaitGroup
	results := make([]Status, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = check(t, c)
		}()
	}
	time.Sleep(100 * time.Millisecond) // let every request reach the actor
	p.gate.Unlock()
	wg.Wait()

	for i, s := range results {
		if !s.DBOK {
			t.Errorf("result %d = %+v; want DBOK", i, s)
		}
	}
	if calls := p.calls.Load() - before; calls > 2 {
		t.Errorf("8 concurrent checks made %d pings; want them to share one in flight", calls)
	}
}
