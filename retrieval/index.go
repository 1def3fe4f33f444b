package retrieval

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"sort"
	"sync"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"github.com/situationbot/bot/corpus"
)

// Index is the searchable form of the corpus: chunks, their vectors in an
// in-memory chromem-go collection, and a keyword index over the same chunks.
// It is safe for concurrent use: searches run against an immutable state that
// Sync replaces in one swap, so a failed sync leaves the old state serving.
type Index struct {
	lg   *slog.Logger
	emb  Embedder
	id   Identity
	path string // snapshot file; "" means no persistence
	opt  Options

	syncMu  sync.Mutex           // one Sync at a time; guards vectors and indexed
	vectors map[string][]float32 // Chunk.Hash → vector, for this embedder
	indexed map[string]string    // article ID → hash, as of the last sync

	mu sync.RWMutex
	st *state
}

// state is one immutable generation of the index.
type state struct {
	col      *chromem.Collection
	chunks   []Chunk
	byID     map[string]int
	kw       *keywordIndex
	articles []corpus.Article
}

// Mode selects which retrievers take part in Search.
type Mode string

// The retrieval modes. Hybrid is the default; the others exist to measure
// what each part adds.
const (
	Hybrid  Mode = "hybrid"
	Vector  Mode = "vector"
	Keyword Mode = "keyword"
)

// Options tunes an Index.
type Options struct {
	Split     SplitOptions
	Mode      Mode    // "" means Hybrid
	MinCover  float64 // relevance threshold on Coverage; 0 means DefaultMinCover
	BatchSize int     // texts per Embed call during sync; 0 means 64
	// VectorWeight scales the vector ranking in the fusion (the keyword
	// ranking counts 1). 0 means 0.5 for the local embedder, whose vectors
	// partly repeat the lexical evidence that BM25 ranks (measured with
	// hashed-sif-v2 on the dev, homs-train and SQuAD questions: full weight
	// lost recall at k=3 and 5 that half weight keeps), and 1 for a model's
	// embeddings.
	VectorWeight float64
}

// DefaultMinCover is the share of a question's (IDF-weighted) terms a
// passage must contain to count as relevant.
const DefaultMinCover = 0.45

// ParseMode parses a Mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "", Hybrid:
		return Hybrid, nil
	case Vector, Keyword:
		return m, nil
	}
	return "", fmt.Errorf("unknown retrieval mode %q (want hybrid, vector or keyword)", s)
}

// Open returns an empty index for emb, restoring the embedding snapshot from
// dataDir when there is a good one. A missing or damaged snapshot is logged
// and ignored: the index is rebuilt by the next Sync. dataDir "" disables
// persistence.
func Open(lg *slog.Logger, emb Embedder, dataDir string, opt Options) *Index {
	if opt.Split.MaxChars <= 0 {
		opt.Split = DefaultSplitOptions
	}
	if opt.Mode == "" {
		opt.Mode = Hybrid
	}
	if opt.MinCover <= 0 {
		opt.MinCover = DefaultMinCover
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 64
	}
	if opt.VectorWeight <= 0 {
		opt.VectorWeight = 1
		if emb.Identity().Kind == "local" {
			opt.VectorWeight = 0.5
		}
	}
	ix := &Index{
		lg:      lg,
		emb:     emb,
		id:      emb.Identity(),
		opt:     opt,
		vectors: map[string][]float32{},
		indexed: map[string]string{},
		st:      &state{byID: map[string]int{}, kw: newKeywordIndex(nil, nil)},
	}
	if dataDir == "" {
		return ix
	}
	ix.path = snapshotPath(dataDir, ix.id)
	snap, err := readSnapshot(ix.path, ix.id)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		lg.Info("no embedding snapshot, building from the corpus", "path", ix.path)
	case err != nil:
		lg.Warn("ignoring embedding snapshot, rebuilding", "path", ix.path, "err", err)
	default:
		ix.vectors = snap.Vectors
		ix.indexed = snap.Articles
		lg.Debug("embedding snapshot loaded", "path", ix.path, "vectors", len(snap.Vectors))
	}
	return ix
}

// Identity is the embedder identity the index was built with.
func (ix *Index) Identity() Identity { return ix.id }

// Report says what a Sync changed.
type Report struct {
	Added, Updated, Removed, Unchanged []string // article IDs
	Chunks                             int      // chunks in the index after the sync
	Embedded                           int      // chunks whose vectors were computed by this sync
	Elapsed                            time.Duration
}

// Progress is told how many chunks of total have been embedded so far.
type Progress func(done, total int)

// Sync makes the index match arts: chunks of new and changed articles are
// embedded (only texts not already in the snapshot), chunks of deleted
// articles are dropped, and the new state replaces the old in one swap. The
// snapshot is then written atomically. On error the previous state keeps
// serving and nothing is written.
func (ix *Index) Sync(ctx context.Context, arts []corpus.Article, progress Progress) (Report, error) {
	start := time.Now()
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()

	var rep Report
	seen := map[string]bool{}
	for _, a := range arts {
		if seen[a.ID] {
			return rep, fmt.Errorf("duplicate article ID %q", a.ID)
		}
		seen[a.ID] = true
		switch old, ok := ix.indexed[a.ID]; {
		case !ok:
			rep.Added = append(rep.Added, a.ID)
		case old != a.Hash:
			rep.Updated = append(rep.Updated, a.ID)
		default:
			rep.Unchanged = append(rep.Unchanged, a.ID)
		}
	}
	for id := range ix.indexed {
		if !seen[id] {
			rep.Removed = append(rep.Removed, id)
		}
	}
	sort.Strings(rep.Removed)

	var chunks []Chunk
	for _, a := range arts {
		chunks = append(chunks, Split(a, ix.opt.Split)...)
	}
	// Embed the texts the cache does not have, in batches.
	var todo []int
	pending := map[string]bool{}
	for i, c := range chunks {
		h := c.Hash()
		if _, ok := ix.vectors[h]; !ok && !pending[h] {
			pending[h] = true
			todo = append(todo, i)
		}
	}
	fresh := map[string][]float32{}
	for b := 0; b < len(todo); b += ix.opt.BatchSize {
		batch := todo[b:min(b+ix.opt.BatchSize, len(todo))]
		texts := make([]string, len(batch))
		for j, i := range batch {
			texts[j] = chunks[i].EmbedText()
		}
		vecs, err := ix.emb.Embed(ctx, texts)
		if err != nil {
			return rep, fmt.Errorf("embed chunks: %w", err)
		}
		if len(vecs) != len(texts) {
			return rep, fmt.Errorf("embed chunks: got %d vectors for %d texts", len(vecs), len(texts))
		}
		for j, i := range batch {
			if len(vecs[j]) != ix.id.Dims {
				return rep, fmt.Errorf("embed chunks: vector of %d dimensions, embedder %s", len(vecs[j]), ix.id)
			}
			fresh[chunks[i].Hash()] = Normalize(vecs[j])
		}
		if progress != nil {
			progress(b+len(batch), len(todo))
		}
	}

	vectors := make(map[string][]float32, len(chunks))
	for _, c := range chunks {
		h := c.Hash()
		if v, ok := fresh[h]; ok {
			vectors[h] = v
		} else {
			vectors[h] = ix.vectors[h]
		}
	}
	st, err := ix.build(ctx, arts, chunks, vectors)
	if err != nil {
		return rep, err
	}

	indexed := make(map[string]string, len(arts))
	for _, a := range arts {
		indexed[a.ID] = a.Hash
	}
	changed := len(fresh) > 0 || len(vectors) != len(ix.vectors) || !sameMap(indexed, ix.indexed)
	ix.vectors, ix.indexed = vectors, indexed
	ix.mu.Lock()
	ix.st = st
	ix.mu.Unlock()

	if changed && ix.path != "" {
		if err := writeSnapshot(ix.path, &snapshot{Identity: ix.id, Articles: indexed, Vectors: vectors}); err != nil {
			// The index is up to date in memory; only the next start pays.
			ix.lg.Warn("embedding snapshot not saved", "path", ix.path, "err", err)
		}
	}
	rep.Chunks = len(chunks)
	rep.Embedded = len(fresh)
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// build makes a new generation: a fresh chromem-go collection (named after
// the embedder identity, which is also stored in its metadata) and keyword
// index over chunks.
func (ix *Index) build(ctx context.Context, arts []corpus.Article, chunks []Chunk, vectors map[string][]float32) (*state, error) {
	db := chromem.NewDB()
	meta := map[string]string{"embedder_kind": ix.id.Kind, "embedder_model": ix.id.Model, "dims": fmt.Sprint(ix.id.Dims)}
	col, err := db.CreateCollection("chunks-"+ix.id.String(), meta, noEmbedding)
	if err != nil {
		return nil, fmt.Errorf("create collection: %w", err)
	}
	st := &state{
		col:      col,
		chunks:   chunks,
		byID:     make(map[string]int, len(chunks)),
		articles: arts,
	}
	ids := make([]string, len(chunks))
	allTerms := make([][]string, len(chunks))
	docs := make([]chromem.Document, 0, 1000)
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		// AddDocuments starts a goroutine per document: feed it in batches.
		if err := col.AddDocuments(ctx, docs, runtime.NumCPU()); err != nil {
			return fmt.Errorf("add documents: %w", err)
		}
		docs = docs[:0]
		return nil
	}
	for i, c := range chunks {
		ids[i] = c.ID
		st.byID[c.ID] = i
		allTerms[i] = Terms(c.EmbedText())
		// Content stays empty: the chunk text lives in st.chunks, so the
		// collection holds only what it searches.
		docs = append(docs, chromem.Document{ID: c.ID, Embedding: vectors[c.Hash()]})
		if len(docs) == cap(docs) {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	st.kw = newKeywordIndex(ids, allTerms)
	return st, nil
}

// noEmbedding is the collection's embedding function: the index always
// passes vectors, so chromem-go must never embed on its own.
func noEmbedding(context.Context, string) ([]float32, error) {
	return nil, errors.New("retrieval: collection embeds nothing by itself")
}

// Articles returns the articles of the current state, oldest first.
func (ix *Index) Articles() []corpus.Article {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.st.articles
}

// Len is the number of chunks indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.st.chunks)
}

func (ix *Index) current() *state {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.st
}
