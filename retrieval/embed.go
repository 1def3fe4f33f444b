package retrieval

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"strings"
	"sync"
)

// Identity names an embedder. Vectors from embedders with different
// identities are never mixed in one index.
type Identity struct {
	Kind  string // "local" or "openai"
	Model string // model name
	Dims  int    // vector length
}

// String renders the identity as kind/model/dims.
func (id Identity) String() string { return fmt.Sprintf("%s/%s/%d", id.Kind, id.Model, id.Dims) }

// Embedder turns texts into vectors, in batches.
type Embedder interface {
	// Identity names the embedder; it is stored with the index.
	Identity() Identity
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// EmbedFunc adapts a batch embedding function (for instance the OpenAI-
// compatible client's Embed) and an identity into an Embedder.
type EmbedFunc struct {
	ID Identity
	Fn func(ctx context.Context, texts []string) ([][]float32, error)
}

// Identity returns f.ID.
func (f EmbedFunc) Identity() Identity { return f.ID }

// Embed calls f.Fn.
func (f EmbedFunc) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return f.Fn(ctx, texts)
}

// LocalEmbedder is the embedded default: a pure-Go, deterministic embedder
// that needs no network and no model. It hashes weighted features of the
// text into a fixed number of dimensions (the "hashing trick"):
//
//   - each content term (stop words removed, lightly stemmed), weight 1;
//   - each pair of adjacent content terms, weight 0.5, for phrases;
//   - the character 4-grams of each term, sharing weight 0.5, so that
//     related forms ("evacuees", "evacuated") still meet.
//
// Term counts are damped (1 + ln tf) and the vector is L2-normalised. It is
// a lexical embedder: good at finding passages that use the question's
// words, blind to synonyms.
type LocalEmbedder struct {
	dims int
}

// LocalModel is the model name of LocalEmbedder; bump it when the features change.
const LocalModel = "hashed-terms-v1"

// NewLocalEmbedder returns a LocalEmbedder with dims dimensions (1024 when dims <= 0).
func NewLocalEmbedder(dims int) *LocalEmbedder {
	if dims <= 0 {
		dims = 1024
	}
	return &LocalEmbedder{dims: dims}
}

// Identity returns kind "local", LocalModel and the dimensions.
func (e *LocalEmbedder) Identity() Identity {
	return Identity{Kind: "local", Model: LocalModel, Dims: e.dims}
}

// Embed embeds each text, spreading large batches over the CPUs; it never
// fails unless ctx is done.
func (e *LocalEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(texts)/16))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(texts); i += workers {
				if ctx.Err() != nil {
					return
				}
				out[i] = e.vector(texts[i])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *LocalEmbedder) vector(text string) []float32 {
	feats := map[string]float64{}
	terms := Terms(text)
	for i, t := range terms {
		feats["w:"+t]++
		if i > 0 {
			feats["b:"+terms[i-1]+" "+t]++
		}
		grams := charGrams(t, 4)
		for _, g := range grams {
			feats["g:"+g] += 1 / float64(len(grams))
		}
	}
	v := make([]float64, e.dims)
	for f, tf := range feats {
		h := fnv.New64a()
		h.Write([]byte(f))
		sum := h.Sum64()
		idx := int(sum % uint64(e.dims))
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[idx] += sign * damp(tf) * weightScale(f)
	}
	return normalize(v)
}

// damp is sublinear term frequency: 1 + ln tf, linear below 1.
func damp(tf float64) float64 {
	if tf < 1 {
		return tf
	}
	return 1 + math.Log(tf)
}

// weightScale is the weight of a feature's kind.
func weightScale(f string) float64 {
	switch {
	case strings.HasPrefix(f, "b:"), strings.HasPrefix(f, "g:"):
		return 0.5
	}
	return 1
}

// charGrams returns the n-grams of "<" + w + ">".
func charGrams(w string, n int) []string {
	r := []rune("<" + w + ">")
	if len(r) <= n {
		return []string{string(r)}
	}
	out := make([]string, 0, len(r)-n+1)
	for i := 0; i+n <= len(r); i++ {
		out = append(out, string(r[i:i+n]))
	}
	return out
}

func normalize(v []float64) []float32 {
	var sum float64
	for _, x := range v {
		sum += x * x
	}
	out := make([]float32, len(v))
	if sum == 0 {
		// An empty text: a fixed unit vector, so that chromem-go accepts it.
		out[0] = 1
		return out
	}
	n := math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(x / n)
	}
	return out
}

// Normalize returns v scaled to unit length (a copy); a zero vector is
// returned as the first unit vector.
func Normalize(v []float32) []float32 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return normalize(f)
}
