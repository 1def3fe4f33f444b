package retrieval

import (
	"context"
	"fmt"
	"math"
	"runtime"
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
		hashW: math.Sqrt(1 - localSIFShare), sifW: math.Sqrt(localSIFShare), sif: sif}
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
			// Words repeat across a batch: look each up once.
			memo := map[string]sifWord{}
			stems := map[string]string{}
			for i := w; i < len(texts); i += workers {
				if ctx.Err() != nil {
					return
				}
				out[i] = e.vector(texts[i], memo, stems)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// vector embeds text; memo caches word lookups (see sifModel.vector) and
// stems caches stems (see termsMemo).
func (e *LocalEmbedder) vector(text string, memo map[string]sifWord, stems map[string]string) []float32 {
	v := make([]float64, 0, e.dims)
	if e.hashDims > 0 {
		v = append(v, scaled(unitVec(hashed(text, e.hashDims, stems)), e.hashW)...)
	}
	if e.sifW > 0 {
		v = append(v, scaled(unitVec(e.sif.vector(Words(text), memo)), e.sifW)...)
	}
	return normalize(v)
}

// scaled multiplies v by w in place and returns it.
func scaled(v []float64, w float64) []float64 {
	for i := range v {
		v[i] *= w
	}
	return v
}

// hashed returns the lexical block of text, dims long, not normalised.
// Features are identified by their 64-bit FNV-1a hash and summed in the
// order they first occur, so that colliding features add up to the same
// float on every run. stems caches stems (see termsMemo).
func hashed(text string, dims int, stems map[string]string) []float64 {
	var fs features
	terms := termsMemo(text, stems)
	var starts []int
	for i, t := range terms {
		w := fnvString(fnvString(fnvOffset, "w:"), t)
		fs.add(w, 1, 1)
		if i > 0 {
			b := fnvString(fnvString(fnvString(fnvString(fnvOffset, "b:"), terms[i-1]), " "), t)
			fs.add(b, 1, 0.5)
		}
		// The character 4-grams of "<" + t + ">" (the whole of it when
		// shorter) share one occurrence.
		g := "<" + t + ">"
		starts = starts[:0]
		for j := range g {
			starts = append(starts, j)
		}
		starts = append(starts, len(g))
		n := max(1, len(starts)-4)
		for j := range n {
			end := starts[min(j+4, len(starts)-1)]
			fs.add(fnvString(fnvString(fnvOffset, "g:"), g[starts[j]:end]), 1/float64(n), 0.5)
		}
	}
	v := make([]float64, dims)
	for i, sum := range fs.hashes {
		idx := int(sum % uint64(dims))
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[idx] += sign * damp(fs.counts[i]) * fs.scales[i]
	}
	return v
}

// features accumulates hashed features in the order they first occur.
type features struct {
	index  map[uint64]int
	hashes []uint64
	counts []float64 // occurrences
	scales []float64 // the weight of the feature's kind
}

// add counts tf occurrences of feature h, whose kind weighs scale.
func (fs *features) add(h uint64, tf, scale float64) {
	if fs.index == nil {
		fs.index = map[uint64]int{}
	}
	i, ok := fs.index[h]
	if !ok {
		i = len(fs.hashes)
		fs.index[h] = i
		fs.hashes = append(fs.hashes, h)
		fs.counts = append(fs.counts, 0)
		fs.scales = append(fs.scales, scale)
	}
	fs.counts[i] += tf
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
