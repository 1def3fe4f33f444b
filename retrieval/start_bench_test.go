package retrieval

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkStart measures a start with an unchanged corpus of about
// 100,000 chunks: Open (the snapshot read) and Sync (nothing split or
// embedded; the chromem-go collection and the keyword index built), with
// the local embedder's 356 dimensions and with 1,024- and 1,536-dimension
// random vectors of a fake embedder. The snapshot is written outside the timer.
// It reports seconds to ready, the snapshot's read alone, and the peak
// memory the start added (VmHWM, reset through /proc/self/clear_refs, less
// the resident size before) against the vectors' size (chunks × dims × 4):
//
//	go test ./retrieval -run '^$' -bench '^BenchmarkStart$' -benchtime=1x
func BenchmarkStart(b *testing.B) {
	bc := benchCorpusOf(b, benchSizes[1])
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	for _, emb := range []Embedder{NewLocalEmbedder(0), randomEmbedder{dims: 1024}, randomEmbedder{dims: 1536}} {
		b.Run(fmt.Sprintf("dims=%d", emb.Identity().Dims), func(b *testing.B) {
			dir := b.TempDir()
			if _, err := Open(lg, emb, dir, Options{}).Sync(ctx, bc.articles, nil); err != nil {
				b.Fatal(err)
			}
			var ready, read time.Duration
			var peak, heap uint64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				debug.FreeOSMemory()
				base := resetPeak(b)
				b.StartTimer()
				start := time.Now()
				ix := Open(lg, emb, dir, Options{})
				read = time.Since(start)
				rep, err := ix.Sync(ctx, bc.articles, nil)
				ready = time.Since(start)
				b.StopTimer()
				if err != nil || rep.Embedded != 0 || rep.Split != 0 || rep.Chunks != bc.chunks {
					b.Fatalf("start: embedded %d, split %d, %d chunks of %d, err %v", rep.Embedded, rep.Split, rep.Chunks, bc.chunks, err)
				}
				peak = procStatus(b, "VmHWM") - base
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = ms.HeapInuse
				runtime.KeepAlive(ix)
				b.StartTimer()
			}
			vectors := uint64(bc.chunks * emb.Identity().Dims * 4)
			b.ReportMetric(ready.Seconds(), "s-ready")
			b.ReportMetric(read.Seconds(), "s-snapshot")
			b.ReportMetric(float64(vectors)/(1<<20), "MB-vectors")
			b.ReportMetric(float64(peak)/(1<<20), "MB-peak")
			b.ReportMetric(float64(peak)/float64(vectors), "peak/vectors")
			b.ReportMetric(float64(heap)/(1<<20), "MB-heap-after")
		})
	}
}

// randomEmbedder stands for a remote model: deterministic random vectors
// of dims dimensions, seeded by the text.
type randomEmbedder struct{ dims int }

func (e randomEmbedder) Identity() Identity {
	return Identity{Kind: "fake", Model: "random", Dims: e.dims}
}

func (e randomEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		var seed [8]byte
		copy(seed[:], t)
		r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:]), uint64(len(t))))
		v := make([]float32, e.dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out, nil
}

// resetPeak resets the process's peak resident size (VmHWM) and returns
// the resident size now.
func resetPeak(b *testing.B) uint64 {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak resident size: %v", err)
	}
	return procStatus(b, "VmRSS")
}

// procStatus returns a size field of /proc/self/status, in bytes.
func procStatus(b *testing.B, field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatalf("%s: %v", line, err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
