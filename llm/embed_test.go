package llm_test

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"testing"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/llm/llmtest"
)

func TestEmbedBatchesInOrder(t *testing.T) {
	texts := []string{"siege of homs", "evacuation", "aid convoy", "ceasefire talks", "geneva"}
	tests := []struct {
		name      string
		batch     int
		shuffle   bool
		wantCalls int
	}{
		{name: "batch 2", batch: 2, wantCalls: 3},
		{name: "batch 2 shuffled", batch: 2, shuffle: true, wantCalls: 3},
		{name: "one batch shuffled", batch: 0, shuffle: true, wantCalls: 1},
		{name: "batch 1", batch: 1, wantCalls: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			srv.ShuffleEmbeddings = tc.shuffle
			c, _ := newClient(t, srv, func(cfg *llm.Config) { cfg.EmbedBatch = tc.batch })

			got, err := c.Embed(t.Context(), texts)
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			if len(got) != len(texts) {
				t.Fatalf("Embed returned %d vectors, want %d", len(got), len(texts))
			}
			for i, text := range texts {
				if want := llmtest.HashEmbedding(text, llmtest.DefaultDims); !approxEqual(got[i], want) {
					t.Errorf("vector %d = %v, want the embedding of %q", i, got[i], text)
				}
			}
			if n := srv.EmbedCalls(); n != tc.wantCalls {
				t.Errorf("server got %d calls, want %d", n, tc.wantCalls)
			}
			var sent []string
			for _, r := range srv.EmbedRequests() {
				sent = append(sent, r.Inputs...)
				if r.Model != "test-embed" || r.Dimensions != 0 {
					t.Errorf("request model, dimensions = %q, %d; want test-embed, 0", r.Model, r.Dimensions)
				}
			}
			if !slices.Equal(sent, texts) {
				t.Errorf("inputs sent = %q, want %q", sent, texts)
			}
		})
	}
}

func TestEmbedNormalises(t *testing.T) {
	srv := newServer(t)
	srv.EmbedFunc = func(_ string, in []string) ([][]float32, int) {
		out := make([][]float32, len(in))
		for i := range in {
			out[i] = []float32{3, 4, float32(i)}
		}
		return out, 0
	}
	c, _ := newClient(t, srv, nil)
	got, err := c.Embed(t.Context(), []string{"a", "b"})
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	want := [][]float32{{0.6, 0.8, 0}, {3 / float32(math.Sqrt(26)), 4 / float32(math.Sqrt(26)), 1 / float32(math.Sqrt(26))}}
	for i := range want {
		if !approxEqual(got[i], want[i]) {
			t.Errorf("vector %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestEmbedDimensions(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, func(cfg *llm.Config) { cfg.EmbedDims = 16 })
	got, err := c.Embed(t.Context(), []string{"siege"})
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(got) != 1 || len(got[0]) != 16 {
		t.Errorf("Embed returned %d vectors of %d dims, want 1 of 16", len(got), len(got[0]))
	}
	if reqs := srv.EmbedRequests(); len(reqs) != 1 || reqs[0].Dimensions != 16 {
		t.Errorf("requests = %+v, want one with dimensions 16", reqs)
	}
	if c.EmbedDims() != 16 || c.EmbedModel() != "test-embed" || c.ChatModel() != "test-chat" {
		t.Errorf("accessors = %d, %q, %q", c.EmbedDims(), c.EmbedModel(), c.ChatModel())
	}
}

func TestEmbedErrors(t *testing.T) {
	vectors := func(n, dims int) [][]float32 {
		out := make([][]float32, n)
		for i := range out {
			out[i] = make([]float32, dims)
			out[i][0] = 1
		}
		return out
	}
	tests := []struct {
		name      string
		dims      int
		embed     func(model string, in []string) ([][]float32, int)
		queue     []int // statuses of scripted errors, in order
		wantErr   error // nil: success
		wantCalls int
	}{
		{
			name:    "too few vectors",
			embed:   func(_ string, in []string) ([][]float32, int) { return vectors(len(in)-1, 4), 0 },
			wantErr: llm.ErrBadResponse, wantCalls: 1,
		},
		{
			name:    "too many vectors",
			embed:   func(_ string, in []string) ([][]float32, int) { return vectors(len(in)+1, 4), 0 },
			wantErr: llm.ErrBadResponse, wantCalls: 1,
		},
		{
			name:    "mixed dimensions",
			embed:   func(_ string, in []string) ([][]float32, int) { v := vectors(len(in), 4); v[1] = v[1][:3]; return v, 0 },
			wantErr: llm.ErrBadResponse, wantCalls: 1,
		},
		{
			name:    "dimensions other than configured",
			dims:    8,
			embed:   func(_ string, in []string) ([][]float32, int) { return vectors(len(in), 4), 0 },
			wantErr: llm.ErrBadResponse, wantCalls: 1,
		},
		{
			name:    "zero vector",
			embed:   func(_ string, in []string) ([][]float32, int) { v := vectors(len(in), 4); v[0][0] = 0; return v, 0 },
			wantErr: llm.ErrBadResponse, wantCalls: 1,
		},
		{
			name:      "429 then success",
			queue:     []int{http.StatusTooManyRequests},
			wantCalls: 2,
		},
		{
			name:    "server error from EmbedFunc",
			embed:   func(string, []string) ([][]float32, int) { return nil, http.StatusInternalServerError },
			wantErr: llm.ErrServer, wantCalls: 4,
		},
		{
			name:    "400 not retried",
			queue:   []int{http.StatusBadRequest},
			wantErr: llm.ErrRejected, wantCalls: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			srv.EmbedFunc = tc.embed
			for _, st := range tc.queue {
				srv.EnqueueEmbed(st, llmtest.OllamaError("scripted"))
			}
			c, _ := newClient(t, srv, func(cfg *llm.Config) { cfg.EmbedDims = tc.dims })
			got, err := c.Embed(t.Context(), []string{"a", "b", "c"})
			if tc.wantErr == nil {
				if err != nil || len(got) != 3 {
					t.Errorf("Embed = %d vectors, %v; want 3, nil", len(got), err)
				}
			} else {
				var e *llm.Error
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &e) {
					t.Errorf("Embed error = %v, want an *llm.Error wrapping %v", err, tc.wantErr)
				}
				if got != nil {
					t.Errorf("Embed returned %d vectors with an error", len(got))
				}
			}
			if n := srv.EmbedCalls(); n != tc.wantCalls {
				t.Errorf("server got %d calls, want %d", n, tc.wantCalls)
			}
		})
	}
}

func TestEmbedNothing(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	got, err := c.Embed(t.Context(), nil)
	if err != nil || len(got) != 0 || srv.EmbedCalls() != 0 {
		t.Errorf("Embed(nil) = %v, %v after %d calls; want empty, nil, 0 calls", got, err, srv.EmbedCalls())
	}
}

func approxEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}
