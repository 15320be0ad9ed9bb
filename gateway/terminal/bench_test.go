package terminal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"
	"net"

	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/actors/session/sessiontest"
	"github.com/opendray/opendray/internal/ptybench"
)

// Benchmarks print numbers and assert nothing about time. Run them with
//
//	go test -run '^$' -bench . -benchtime 3x ./gateway/terminal/
//
// Each compares the session path with a plain program reading a PTY
// directly, in the same run, so that machine load affects both.

const benchFileSize = 32 << 20

// writeMixedFile writes a file of ptybench.WriteMixedText output.
func writeMixedFile(tb testing.TB, size int) string {
	tb.Helper()
	path, err := ptybench.CreateMixedFile(tb.TempDir(), int64(size))
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// rawPTYCat runs cat on a PTY and returns the bytes read and the time
// taken.
func rawPTYCat(tb testing.TB, path string) (int64, time.Duration) {
	tb.Helper()
	n, elapsed, err := ptybench.CatPTY(path)
	if err != nil {
		tb.Fatal(err)
	}
	return n, elapsed
}

// benchServer is a fiber app with the stream route on 127.0.0.1 and no
// leak check (benchmarks stop everything they start but tolerate
// library goroutines that end late).
func benchServer(b *testing.B, tune func(*session.Config)) *server {
	b.Helper()
	env := sessiontest.Start(b, testDatabaseURL, tune)
	handler := &Handler{Sessions: env.Client, Logger: env.Logger}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/api/v1/sessions/:id/stream", handler.Stream())
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(listener) }()
	b.Cleanup(func() {
		_ = app.ShutdownWithTimeout(10 * time.Second)
		<-served
	})
	return &server{env: env, addr: listener.Addr().String()}
}

func benchDial(b *testing.B, s *server, id, query string) *fastws.Conn {
	b.Helper()
	url := "ws://" + s.addr + "/api/v1/sessions/" + id + "/stream"
	if query != "" {
		url += "?" + query
	}
	dialer := fastws.Dialer{HandshakeTimeout: 5 * time.Second, ReadBufferSize: 64 << 10}
	conn, _, err := dialer.Dial(url, nil)
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	return conn
}

// drain reads binary bytes until the server closes the stream and returns
// their count and the time of the last byte.
func drain(conn *fastws.Conn) (int64, time.Time, error) {
	var total int64
	var last time.Time
	for {
		kind, r, err := conn.NextReader()
		if err != nil {
			var closeErr *fastws.CloseError
			if errors.As(err, &closeErr) && closeErr.Code == fastws.CloseNormalClosure {
				return total, last, nil
			}
			return total, last, err
		}
		if kind == fastws.BinaryMessage {
			n, _ := io.Copy(io.Discard, r)
			total += n
			last = time.Now()
		}
	}
}

// streamCat starts a session that cats path after reading a line, and
// attaches viewers to it. The first `stalled` viewers never read. Then it
// sends the line and returns the bytes and time of each reading viewer.
func streamCat(b *testing.B, s *server, path string, readers, stalled int) ([]int64, []time.Duration) {
	b.Helper()
	info := s.env.Create(b, "/bin/sh", "-c", "read x; exec cat "+path)
	waitQuiet(b, s, info.ID)

	var conns []*fastws.Conn
	for range stalled + readers {
		conns = append(conns, benchDial(b, s, info.ID, ""))
	}
	defer func() {
		for _, conn := range conns {
			conn.Close()
		}
	}()
	// Skip each reader's replay of the short start-up output.
	for _, conn := range conns[stalled:] {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			if bytes.Contains(data, []byte(`"type":"offset"`)) {
				break
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.env.Client.Input(ctx, info.ID, []byte("go\n")); err != nil {
		b.Fatal(err)
	}

	bytesRead := make([]int64, readers)
	elapsed := make([]time.Duration, readers)
	var wg sync.WaitGroup
	for i, conn := range conns[stalled:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, last, err := drain(conn)
			if err != nil {
				b.Errorf("viewer %d: %v", i, err)
			}
			bytesRead[i], elapsed[i] = n, last.Sub(start)
		}()
	}
	wg.Wait()
	return bytesRead, elapsed
}

// waitQuiet gives the shell time to reach its read.
func waitQuiet(b *testing.B, s *server, id string) {
	b.Helper()
	time.Sleep(100 * time.Millisecond)
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }

func BenchmarkStreamThroughputVsRawPTY(b *testing.B) {
	path := writeMixedFile(b, benchFileSize)
	s := benchServer(b, nil)
	var rawBytes, streamBytes int64
	var rawTime, streamTime time.Duration
	b.ResetTimer()
	for range b.N {
		n, d := rawPTYCat(b, path)
		rawBytes += n
		rawTime += d
		counts, times := streamCat(b, s, path, 1, 0)
		streamBytes += counts[0]
		streamTime += times[0]
	}
	b.StopTimer()
	raw, stream := mbps(rawBytes, rawTime), mbps(streamBytes, streamTime)
	b.ReportMetric(raw, "raw_MB/s")
	b.ReportMetric(stream, "stream_MB/s")
	b.ReportMetric(stream/raw, "ratio")
}

func BenchmarkStreamTenViewers(b *testing.B) {
	path := writeMixedFile(b, benchFileSize)
	s := benchServer(b, nil)
	var single, slowest []float64
	b.ResetTimer()
	for range b.N {
		counts, times := streamCat(b, s, path, 1, 0)
		single = append(single, mbps(counts[0], times[0]))
		counts, times = streamCat(b, s, path, 10, 0)
		rates := make([]float64, len(counts))
		for i := range counts {
			rates[i] = mbps(counts[i], times[i])
		}
		slowest = append(slowest, slices.Min(rates))
	}
	b.StopTimer()
	b.ReportMetric(mean(single), "single_MB/s")
	b.ReportMetric(mean(slowest), "slowest_of_10_MB/s")
	b.ReportMetric(mean(slowest)/mean(single), "ratio")
}

func BenchmarkStreamStalledViewer(b *testing.B) {
	path := writeMixedFile(b, benchFileSize)
	s := benchServer(b, nil)
	var alone, beside []float64
	var growthAlone, growthBeside []float64
	b.ResetTimer()
	for range b.N {
		var counts []int64
		var times []time.Duration
		growth := peakHeapGrowth(func() { counts, times = streamCat(b, s, path, 2, 0) })
		alone = append(alone, mbps(counts[0]+counts[1], times[0]+times[1]))
		growthAlone = append(growthAlone, growth)

		growth = peakHeapGrowth(func() { counts, times = streamCat(b, s, path, 2, 1) })
		beside = append(beside, mbps(counts[0]+counts[1], times[0]+times[1]))
		growthBeside = append(growthBeside, growth)
	}
	b.StopTimer()
	b.ReportMetric(mean(alone), "two_readers_MB/s")
	b.ReportMetric(mean(beside), "two_readers_beside_stalled_MB/s")
	b.ReportMetric(mean(beside)/mean(alone), "ratio")
	// Peak heap growth includes garbage the collector has not reclaimed
	// yet, so the run without the stalled viewer is the reference.
	b.ReportMetric(slices.Max(growthAlone), "peak_heap_growth_without_stalled_MiB")
	b.ReportMetric(slices.Max(growthBeside), "peak_heap_growth_with_stalled_MiB")
}

// peakHeapGrowth runs f and returns the highest HeapInuse seen during it,
// sampled every 5 ms, above the value after a GC before it, in MiB.
func peakHeapGrowth(f func()) float64 {
	runtime.GC()
	base := heapInUse()
	peak := base
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				peak = max(peak, heapInUse())
			}
		}
	}()
	f()
	close(stop)
	<-sampled
	return float64(peak-base) / (1 << 20)
}

func heapInUse() uint64 {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapInuse
}

func mean(values []float64) float64 {
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}

// BenchmarkKeystrokeEcho measures the round trip of one keystroke to a
// raw-mode cat and back, over the stream and over a bare PTY.
func BenchmarkKeystrokeEcho(b *testing.B) {
	const samples = 2000
	s := benchServer(b, nil)

	echo, err := ptybench.StartEcho(10 * time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer echo.Close()

	info := s.env.Create(b, "/bin/sh", "-c", ptybench.EchoScript)
	conn := benchDial(b, s, info.ID, "")
	defer conn.Close()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		if bytes.Contains(data, []byte(ptybench.EchoReady)) {
			break
		}
	}
	var rawTimes, streamTimes []time.Duration
	b.ResetTimer()
	for range b.N {
		for range samples {
			elapsed, err := echo.RoundTrip()
			if err != nil {
				b.Fatal(err)
			}
			rawTimes = append(rawTimes, elapsed)

			start := time.Now()
			if err := conn.WriteMessage(fastws.BinaryMessage, []byte("k")); err != nil {
				b.Fatal(err)
			}
			for {
				kind, data, err := conn.ReadMessage()
				if err != nil {
					b.Fatal(err)
				}
				if kind == fastws.BinaryMessage && len(data) > 0 {
					break
				}
			}
			streamTimes = append(streamTimes, time.Since(start))
		}
	}
	b.StopTimer()
	rawP50, rawP99 := ptybench.Percentile(rawTimes, 50), ptybench.Percentile(rawTimes, 99)
	streamP50, streamP99 := ptybench.Percentile(streamTimes, 50), ptybench.Percentile(streamTimes, 99)
	b.ReportMetric(micros(rawP50), "raw_p50_us")
	b.ReportMetric(micros(rawP99), "raw_p99_us")
	b.ReportMetric(micros(streamP50), "stream_p50_us")
	b.ReportMetric(micros(streamP99), "stream_p99_us")
	b.ReportMetric(micros(streamP50-rawP50), "overhead_p50_us")
	b.ReportMetric(micros(streamP99-rawP99), "overhead_p99_us")
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// BenchmarkReplayFullRing measures a new viewer's attach and the replay
// of a full 1 MiB ring, up to the offset frame.
func BenchmarkReplayFullRing(b *testing.B) {
	s := benchServer(b, nil)
	info := s.env.Create(b, "/bin/sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' r; sleep 600")
	deadline := time.Now().Add(20 * time.Second)
	for s.env.Buffer(b, info.ID).End < 3000000 {
		if time.Now().After(deadline) {
			b.Fatal("the ring never filled")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var times []time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		conn := benchDial(b, s, info.ID, "")
		var replayed int
		for {
			kind, data, err := conn.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			if kind == fastws.BinaryMessage {
				replayed += len(data)
				continue
			}
			if bytes.Contains(data, []byte(`"type":"offset"`)) {
				break
			}
		}
		times = append(times, time.Since(start))
		conn.Close()
		if replayed != 1<<20 {
			b.Fatalf("replayed %d bytes; want 1 MiB", replayed)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(ptybench.Percentile(times, 50))/float64(time.Millisecond), "replay_p50_ms")
	b.ReportMetric(float64(slices.Max(times))/float64(time.Millisecond), "replay_max_ms")
}

// BenchmarkIdleShellSessions starts 500 shells, then measures the
// gateway's memory per session (the shells are separate processes) and
// the CPU the gateway spends while they sit idle.
func BenchmarkIdleShellSessions(b *testing.B) {
	const sessions = 500
	for range b.N {
		env := sessiontest.Start(b, testDatabaseURL, func(cfg *session.Config) {
			cfg.IdleThreshold = 30 * time.Second
			cfg.IdleInterval = 5 * time.Second
		})
		runtime.GC()
		before := rss(b)
		var ids []string
		for range sessions {
			ids = append(ids, env.Create(b, "/bin/sh").ID)
		}
		time.Sleep(time.Second)
		runtime.GC()
		after := rss(b)

		cpuBefore, wallBefore := cpuTime(), time.Now()
		time.Sleep(15 * time.Second)
		cpu, wall := cpuTime()-cpuBefore, time.Since(wallBefore)

		b.ReportMetric(float64(after-before)/sessions/1024, "rss_KiB/session")
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "idle_cpu_%")

		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		if err := env.Client.StopAll(ctx); err != nil {
			b.Errorf("StopAll: %v", err)
		}
		cancel()
		_ = ids
	}
}

// rss returns the resident set size of this process in bytes.
func rss(tb testing.TB) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, found := strings.CutPrefix(line, "VmRSS:"); found {
			kib, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kib * 1024
		}
	}
	tb.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func cpuTime() time.Duration {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
