package retrieval

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"
)

type poolEmbedder struct{ pool [][]float32 }

func (e poolEmbedder) Identity() Identity { return Identity{Kind: "fake", Model: "pool", Dims: 356} }
func (e poolEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.pool[(len(t)*31+int(t[len(t)/2]))%len(e.pool)]
	}
	return out, nil
}

func BenchmarkZZSyncNoEmbed(b *testing.B) {
	bc := benchCorpusOf(b, benchSizes[1])
	vs, _ := randomEmbedder{dims: 356}.Embed(context.Background(), []string{"a", "b", "c", "d", "e", "f", "g", "h"})
	emb := poolEmbedder{pool: vs}
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := 0
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		ix := Open(lg, emb, "", Options{})
		b.StartTimer()
		rep, err := ix.Sync(context.Background(), bc.articles, nil)
		if err != nil {
			b.Fatal(err)
		}
		n += rep.Chunks
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "chunks/s")
}
