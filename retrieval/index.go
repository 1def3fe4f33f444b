package retrieval

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"

	chromem "github.com/philippgille/chromem-go"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/internal/atomicfile"
)

// Index is the searchable form of the corpus: chunks, their vectors in an
// in-memory chromem-go collection, and a keyword index over the same chunks.
// It is safe for concurrent use: searches run against an immutable state that
// Sync replaces in one swap, so a failed sync never leaves less than the old
// state serving (see Sync).
type Index struct {
	lg   *slog.Logger
	emb  Embedder
	id   Identity
	path string // snapshot file; "" means no persistence
	opt  Options

	syncMu  sync.Mutex               // one Sync at a time; guards the fields below
	vectors map[string][]float32     // Chunk.Hash → vector, for this embedder
	indexed map[string]string        // article ID → hash, as of the last sync
	split   map[string]articleChunks // article ID → the chunks of its indexed version, when known
	jr      *journal                 // the checkpoint of embeddings; nil without persistence
	unsaved bool                     // vectors holds some the snapshot file lacks
	// rows holds the snapshot's vectors as read, until the first Sync:
	// some of vectors are rows of it (see build).
	rows []float32

	mu sync.RWMutex
	st *state
}

// state is one immutable generation of the index.
type state struct {
	col      *chromem.Collection // the vectors of record
	vec      *flatVectors        // the same vectors, contiguous, that Search scans (scan.go)
	chunks   []Chunk
	hashes   []string // Chunk.Hash of each chunk
	adopted  bool     // vec scans the snapshot's rows in place
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
	BatchSize int     // texts per Embed call during sync, and per checkpoint; 0 means DefaultBatchSize
	// VectorWeight scales the vector ranking in the fusion (the keyword
	// ranking counts 1). 0 means 0.5 for the local embedder, whose vectors
	// partly repeat the lexical evidence that BM25 ranks (measured with
	// hashed-sif-v2 on the dev, homs-train and SQuAD questions: full weight
	// lost recall at k=3 and 5 that half weight keeps), and 1 for a model's
	// embeddings.
	VectorWeight float64
}

// DefaultBatchSize is the number of texts Sync embeds per call.
const DefaultBatchSize = 64

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

// Open returns an empty index for emb, restoring the embedding snapshot and
// journal (see journal.go) from dataDir when there are good ones. A missing
// or damaged snapshot is logged and ignored: the index is rebuilt by the
// next Sync, re-embedding only what the journal does not hold. Temporary
// snapshot files left by killed writes are removed. dataDir "" disables
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
		opt.BatchSize = DefaultBatchSize
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
		split:   map[string]articleChunks{},
		st:      &state{kw: newKeywordIndex(nil)},
	}
	if dataDir == "" {
		return ix
	}
	ix.path = snapshotPath(dataDir, ix.id)
	ix.sweep()
	snap, err := readSnapshot(ix.path, ix.id)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		lg.Info("no embedding snapshot, building from the corpus", "path", ix.path)
	case errors.Is(err, errSnapshotV1):
		ix.vectors, ix.indexed, ix.unsaved = snap.Vectors, snap.Articles, true
		lg.Info("embedding snapshot of an older format: vectors kept, articles split once and the snapshot rewritten by the next sync", "path", ix.path, "vectors", len(snap.Vectors))
	case err != nil:
		lg.Warn("ignoring embedding snapshot, rebuilding", "path", ix.path, "err", err)
	default:
		ix.vectors, ix.indexed, ix.rows = snap.Vectors, snap.Articles, snap.Rows
		if snap.reusableChunks(opt.Split) {
			ix.split = snap.Chunks
		} else {
			lg.Info("split options or rules changed since the snapshot: articles split again, vectors kept", "path", ix.path)
		}
		ix.unsaved = len(ix.split) != len(ix.indexed) || snap.Older
		lg.Debug("embedding snapshot loaded", "path", ix.path, "vectors", len(snap.Vectors), "articles", len(snap.Articles), "split", len(ix.split))
	}
	ix.jr = &journal{path: journalPath(ix.path), id: ix.id}
	jr, err := ix.jr.read()
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		lg.Warn("ignoring embedding journal", "path", ix.jr.path, "err", err)
	default:
		for h, v := range jr.vectors {
			ix.vectors[h] = v
		}
		ix.unsaved = ix.unsaved || jr.records > 0
		lg.Info("embedding journal replayed", "path", ix.jr.path, "records", jr.records)
		if jr.tail != nil {
			lg.Warn("embedding journal ends in a torn or damaged record; the records before it are used", "path", ix.jr.path, "records", jr.records, "err", jr.tail)
		}
	}
	return ix
}

// sweep removes the temporary snapshot files that killed writes left.
func (ix *Index) sweep() {
	removed, err := atomicfile.RemoveStale(filepath.Dir(ix.path), snapshotGlob, staleTemp)
	for _, p := range removed {
		ix.lg.Info("removed a temporary snapshot file left by an interrupted write", "path", p)
	}
	if err != nil {
		ix.lg.Warn("temporary snapshot files not removed", "err", err)
	}
}

// Identity is the embedder identity the index was built with.
func (ix *Index) Identity() Identity { return ix.id }

// build makes a new generation: a fresh chromem-go collection (named after
// the embedder identity, which is also stored in its metadata), the
// contiguous rows of its vectors that Search scans, and a keyword index
// over chunks (kw, when it is not nil, gives it: built beforehand).
// hashes[i] is chunks[i].Hash(), the key of its vector.
//
// Each vector is held once: the collection's documents are given the rows
// themselves, normalised as chromem-go stores them, so that it keeps them
// rather than copies. When the snapshot's rows, as read, are the chunks'
// vectors in chunk order (a start with the corpus of the last save), they
// become the rows, in place; otherwise the vectors are copied into new
// rows. Either way vectors[h] is the row of h afterwards, so that no
// older array is kept alive for them.
func (ix *Index) build(ctx context.Context, arts []corpus.Article, chunks []Chunk, hashes []string, vectors map[string][]float32, kw func() *keywordIndex) (*state, error) {
	db := chromem.NewDB()
	meta := map[string]string{"embedder_kind": ix.id.Kind, "embedder_model": ix.id.Model, "dims": fmt.Sprint(ix.id.Dims)}
	col, err := db.CreateCollection("chunks-"+ix.id.String(), meta, noEmbedding)
	if err != nil {
		return nil, fmt.Errorf("create collection: %w", err)
	}
	st := &state{
		col:      col,
		chunks:   chunks,
		hashes:   hashes,
		articles: arts,
	}
	if rows, ok := inPlace(ix.rows, hashes, vectors, ix.id.Dims); ok {
		st.vec, st.adopted = &flatVectors{dims: ix.id.Dims, data: rows}, true
		for i := range hashes {
			row := st.vec.row(i)
			if !isUnit(row) {
				normalizeInPlace(row)
			}
		}
	} else {
		st.vec = newFlatVectors(len(chunks), ix.id.Dims)
		for i, c := range chunks {
			if err := st.vec.set(i, vectors[hashes[i]]); err != nil {
				return nil, fmt.Errorf("chunk %s: %w", c.ID, err)
			}
		}
	}
	for i, c := range chunks {
		// Content stays empty: the chunk text lives in st.chunks, so the
		// collection holds only what it searches. One document at a
		// time: AddDocuments starts a goroutine per document, which at
		// 100k chunks cost more than the adding.
		if err := col.AddDocument(ctx, chromem.Document{ID: c.ID, Embedding: st.vec.row(i)}); err != nil {
			return nil, fmt.Errorf("add document %s: %w", c.ID, err)
		}
	}
	if kw != nil {
		st.kw = kw()
	} else {
		st.kw = indexChunks(chunks)
	}
	return st, nil
}

// inPlace returns the first len(hashes) rows of rows when they are the
// vectors of hashes, in order: vectors[hashes[i]] is row i itself (the
// same memory), for every i.
func inPlace(rows []float32, hashes []string, vectors map[string][]float32, dims int) ([]float32, bool) {
	n := len(hashes) * dims
	if len(hashes) == 0 || len(rows) < n {
		return nil, false
	}
	for i, h := range hashes {
		v := vectors[h]
		if len(v) != dims || &v[0] != &rows[i*dims] {
			return nil, false
		}
	}
	return rows[:n:n], true
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
