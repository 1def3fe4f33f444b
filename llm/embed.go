package llm

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Embed returns one L2-normalised vector per text, in input order. Texts
// are sent in batches of Config.EmbedBatch; each batch has its own
// Config.Timeout and the retry policy of every call. The first failing batch
// ends the call; its error says which texts it held.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for lo := 0; lo < len(texts); lo += c.cfg.EmbedBatch {
		hi := min(lo+c.cfg.EmbedBatch, len(texts))
		vecs, err := c.embedBatch(ctx, texts[lo:hi])
		if err != nil {
			return nil, fmt.Errorf("embed texts %d-%d of %d: %w", lo, hi-1, len(texts), err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// embedBatch embeds one batch, checks the reply and normalises it.
func (c *Client) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	const op = "embed"
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	start := time.Now()

	resp, err := c.embed.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
		Input:      texts,
		Model:      openai.EmbeddingModel(c.cfg.EmbedModel),
		Dimensions: c.cfg.EmbedDims,
	})
	if err != nil {
		return nil, c.classify(ctx, op, err)
	}
	bad := func(format string, args ...any) error {
		return &Error{Op: op, Err: ErrBadResponse, Message: fmt.Sprintf(format, args...)}
	}
	if len(resp.Data) != len(texts) {
		return nil, bad("got %d embeddings for %d inputs", len(resp.Data), len(texts))
	}
	data := slices.Clone(resp.Data)
	slices.SortFunc(data, func(a, b openai.Embedding) int { return cmp.Compare(a.Index, b.Index) })
	dims := c.cfg.EmbedDims
	if dims == 0 && len(data) > 0 {
		dims = len(data[0].Embedding)
	}
	vecs := make([][]float32, len(data))
	for i, d := range data {
		if d.Index != i {
			return nil, bad("embedding indexes are not 0..%d (found %d at position %d)", len(data)-1, d.Index, i)
		}
		if len(d.Embedding) == 0 || len(d.Embedding) != dims {
			return nil, bad("embedding %d has %d dimensions, want %d", i, len(d.Embedding), dims)
		}
		v, ok := normalize(d.Embedding)
		if !ok {
			return nil, bad("embedding %d is zero or not finite", i)
		}
		vecs[i] = v
	}
	c.lg.Debug("llm embed done", "model", c.cfg.EmbedModel, "texts", len(texts), "dims", dims, "duration", time.Since(start))
	return vecs, nil
}

// normalize returns v scaled to unit length, computing in float64; ok is
// false for a zero vector or one with NaN or infinite components.
func normalize(v []float32) ([]float32, bool) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	norm := math.Sqrt(sum)
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return nil, false
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / norm)
	}
	return out, true
}
