package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"sync"
)

// hashEmbedder is a deterministic stand-in for a remote model: the vector
// of a text is drawn from its SHA-256 (not of unit length), and any text
// containing "FAIL" makes the whole call fail. It counts the texts it
// embeds.
type hashEmbedder struct {
	dims  int
	kind  string // "" means "model"
	mu    sync.Mutex
	texts int
}

func (e *hashEmbedder) Identity() Identity {
	kind := e.kind
	if kind == "" {
		kind = "model"
	}
	return Identity{Kind: kind, Model: "hash", Dims: e.dims}
}

func (e *hashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, t := range texts {
		if strings.Contains(t, "FAIL") {
			return nil, errors.New("endpoint down")
		}
	}
	e.mu.Lock()
	e.texts += len(texts)
	e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = hashVector(t, e.dims)
	}
	return out, nil
}

func (e *hashEmbedder) take() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.texts
	e.texts = 0
	return n
}

// hashVector is the raw vector hashEmbedder gives text.
func hashVector(text string, dims int) []float32 {
	v := make([]float32, dims)
	sum := sha256.Sum256([]byte(text))
	for i := range v {
		if i%8 == 0 && i > 0 {
			sum = sha256.Sum256(sum[:])
		}
		x := binary.LittleEndian.Uint32(sum[4*(i%8):])
		v[i] = 3 * (float32(x)/math.MaxUint32 - 0.5)
	}
	return v
}

// wantRow is the row an index holds for text embedded by hashEmbedder.
func wantRow(text string, dims int) []float32 {
	r := normalizeVector(make([]float32, dims), hashVector(text, dims))
	if !isUnit(r) {
		normalizeInPlace(r)
	}
	return r
}
