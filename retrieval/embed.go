package retrieval

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
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
// that needs no network and no model server. Its vector joins two blocks,
// each L2-normalised and weighted, and the whole is L2-normalised again:
//
//   - a lexical block (the "hashing trick"): each content term (stop words
//     removed, stemmed), weight 1; each pair of adjacent content terms,
//     weight 0.5, for phrases; the character 4-grams of each term, sharing
//     weight 0.5, so that related forms ("evacuees", "evacuated") meet.
//     Counts are damped (1 + ln tf) and hashed into a fixed number of
//     dimensions. It keeps exact names and numbers strong.
//   - a semantic block: the SIF sentence vector of the text over GloVe word
//     vectors (see sifModel), so that "truce" and "ceasefire" meet.
//
// The cosine of two vectors is then the blocks' cosines averaged with the
// squared block weights as weights (see localSIFShare). Nothing depends on
// the corpus, so a question and the chunks embed alike whatever is loaded.
type LocalEmbedder struct {
	dims     int     // total length
	hashDims int     // length of the lexical block; 0 leaves it out
	hashW    float64 // weight of the lexical block
	sifW     float64 // weight of the semantic block; 0 leaves it out
	sif      *sifModel
	words    *wordCache // over sif
}

// LocalModel is the model name of LocalEmbedder; bump it when the features
// or the lexicon's word vectors change (TestLocalEmbedderGolden notices), so
// that snapshots of the old vectors are rebuilt.
const LocalModel = "hashed-sif-v2"

// localSIFShare is the semantic block's share of the cosine of two
// LocalEmbedder vectors whose blocks are both non-empty; the lexical block
// has the rest. Measured in hybrid search at VectorWeight 0.5 on the dev,
// homs-train and SQuAD questions, shares from 0.5 to 0.8 did equally well
// (within a question or two) and better than 0.3, the lexical block alone
// or the semantic block alone; 0.7 sits in that plateau.
const localSIFShare = 0.7

// NewLocalEmbedder returns a LocalEmbedder whose vectors have dims
// dimensions: the lexicon's 100 for the semantic block, the rest for the
// lexical block. dims <= 0 means 356 (a 256-dimension lexical block); a dims
// that leaves the lexical block fewer than 16 dimensions is raised to do so.
func NewLocalEmbedder(dims int) *LocalEmbedder {
	sif := defaultSIF()
	d := sif.lex.Dims()
	if dims <= 0 {
		dims = d + 256
	}
	dims = max(dims, d+16)
	return &LocalEmbedder{dims: dims, hashDims: dims - d,
		hashW: math.Sqrt(1 - localSIFShare), sifW: math.Sqrt(localSIFShare), sif: sif, words: defaultWordCache()}
}

// Identity returns kind "local", LocalModel and the dimensions.
func (e *LocalEmbedder) Identity() Identity {
	return Identity{Kind: "local", Model: LocalModel, Dims: e.dims}
}

// Embed embeds each text, spreading large batches over the CPUs; it never
// fails unless ctx is done. Words are looked up, stemmed and hashed once
// per process (see wordCache), and each worker reuses its scratch memory
// (see embedScratch); the vectors are the same as if each text were
// embedded alone.
func (e *LocalEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	n := e.vectorLen()
	out := make([][]float32, len(texts))
	buf := make([]float32, len(texts)*n)
	// Workers take the next text as they finish one, so that long and
	// short texts even out; the caller is one of them.
	var next atomic.Int64
	work := func() {
		s := scratchPool.Get().(*embedScratch)
		defer scratchPool.Put(s)
		for {
			i := int(next.Add(1) - 1)
			if i >= len(texts) || ctx.Err() != nil {
				return
			}
			out[i] = buf[i*n : (i+1)*n : (i+1)*n]
			e.vector(texts[i], s, out[i])
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(texts)/16)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// vectorLen is the length of e's vectors: the lexical block's and the
// semantic block's.
func (e *LocalEmbedder) vectorLen() int {
	n := 0
	if e.hashDims > 0 {
		n += e.hashDims
	}
	if e.sifW > 0 {
		n += e.sif.lex.Dims()
	}
	return n
}

// vector embeds text into out (vectorLen long) with the scratch memory s.
func (e *LocalEmbedder) vector(text string, s *embedScratch, out []float32) {
	s.words = s.words[:0]
	s.buf = scanWords(text, s.buf, func(w []byte) {
		s.words = append(s.words, e.words.get(w))
	})
	v := s.vector(len(out))
	off := 0
	if e.hashDims > 0 {
		s.hashed(v[:e.hashDims])
		scaled(unitVec(v[:e.hashDims]), e.hashW)
		off = e.hashDims
	}
	if e.sifW > 0 {
		s.sifVector(e.sif, v[off:])
		scaled(unitVec(v[off:]), e.sifW)
	}
	normalizeInto(out, v)
}

// scaled multiplies v by w in place and returns it.
func scaled(v []float64, w float64) []float64 {
	for i := range v {
		v[i] *= w
	}
	return v
}

// FNV-1a, 64-bit, as hash/fnv computes it, without allocating.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvString continues FNV-1a hash h over the bytes of s.
func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// damp is sublinear term frequency: 1 + ln tf, linear below 1.
func damp(tf float64) float64 {
	if tf < 1 {
		return tf
	}
	return 1 + math.Log(tf)
}

func normalize(v []float64) []float32 {
	out := make([]float32, len(v))
	normalizeInto(out, v)
	return out
}

// normalizeInto writes v scaled to unit length into out, as float32; a
// zero v is written as the first unit vector.
func normalizeInto(out []float32, v []float64) {
	var sum float64
	for _, x := range v {
		sum += x * x
	}
	if sum == 0 {
		// An empty text: a fixed unit vector, so that chromem-go accepts it.
		clear(out)
		out[0] = 1
		return
	}
	n := math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(x / n)
	}
}

// Normalize returns v scaled to unit length (a copy); a zero vector is
// returned as the first unit vector.
func Normalize(v []float32) []float32 {
	return normalizeVector(make([]float32, len(v)), v)
}
