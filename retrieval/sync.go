package retrieval

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/situationbot/bot/corpus"
)

// ErrPending is wrapped by the error of a Sync that could not embed every
// chunk (the embedder failed or returned bad vectors): the index took all
// the rest, and Report.Pending lists the articles left for a later Sync.
var ErrPending = errors.New("articles pending")

// ErrNotSaved is wrapped by Report.SaveErr when the snapshot could not be
// written: the index in memory is up to date, but the next start embeds
// again what the journal does not hold.
var ErrNotSaved = errors.New("embedding snapshot not saved")

// Report says what a Sync changed.
type Report struct {
	// Added, Updated, Removed and Unchanged list article IDs by what
	// happened to them; an article in Pending is in neither Added nor
	// Updated.
	Added, Updated, Removed, Unchanged []string
	// Pending lists the articles whose current version is not indexed
	// because some of their chunks could not be embedded; an article that
	// was indexed before keeps serving its previous version.
	Pending  []string
	Chunks   int // chunks in the index after the sync
	Embedded int // chunks whose vectors were computed by this sync
	// Split is the number of articles this sync cut into chunks: the new
	// and changed ones, and any whose chunks the index did not hold (all
	// of them after a snapshot of an older format).
	Split int
	// SaveErr, when not nil, wraps ErrNotSaved: the snapshot could not be
	// written. Sync still returns no error for it, as the index serves.
	SaveErr error
	Elapsed time.Duration
}

// Progress is told how many chunks of total have been embedded so far.
type Progress func(done, total int)

// Sync makes the index match arts: chunks of new and changed articles are
// embedded (only texts that have no vector yet), chunks of deleted articles
// are dropped, and the new state replaces the old in one swap. Each
// embedded batch is appended to the journal first, and a sync that changed
// anything ends by writing the snapshot atomically and removing the
// journal; a failure to write is reported in Report.SaveErr.
//
// If ctx is done before the end, Sync returns its error and the previous
// state keeps serving; the batches embedded so far are kept, so the next
// Sync (or the next process) does not embed them again. If the embedder
// fails, or returns a vector of the wrong length or not finite, the index
// still takes every change that needs no more embedding, and Sync returns
// an error wrapping ErrPending with the Report listing the rest (see
// Report.Pending). Other errors leave the state as it was.
func (ix *Index) Sync(ctx context.Context, arts []corpus.Article, progress Progress) (Report, error) {
	start := time.Now()
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()

	rep, err := ix.classify(arts)
	if err != nil {
		return rep, err
	}
	// Only articles whose chunks are not known from the last sync or the
	// snapshot are split.
	all, chunks, hashes, split := chunkArticles(arts, ix.split, ix.opt.Split)
	rep.Split = split
	// The keyword index of every chunk is built while the missing
	// vectors are embedded (the embedder leaves a core idle between
	// batches); it is the state's when every article is served in its
	// current version, the usual case.
	kwAll := make(chan *keywordIndex, 1)
	go func() { kwAll <- indexChunks(all) }()
	var embedErr error
	rep.Embedded, embedErr = ix.embedMissing(ctx, chunks, hashes, progress)
	if embedErr != nil && ctx.Err() != nil {
		return rep, embedErr
	}

	// Each article is served in its current version when every chunk has a
	// vector, else in its previous one if it had one. When every article
	// is served in its current version, the usual case, the chunks served
	// are all of them, as chunkArticles laid them out.
	var previous map[string]version
	current := true
	for _, hs := range hashes {
		current = current && ix.haveVectors(hs)
	}
	served := make([]corpus.Article, 0, len(arts))
	var servedChunks []Chunk
	if current {
		servedChunks = all
	}
	servedHashes := make([]string, 0, len(all)) // Chunk.Hash of each of servedChunks
	var previousHashes []string                 // of the previous versions served
	indexed := make(map[string]string, len(arts))
	known := make(map[string]articleChunks, len(arts))
	for i, a := range arts {
		if ix.haveVectors(hashes[i]) {
			served = append(served, a)
			if !current {
				servedChunks = append(servedChunks, chunks[i]...)
			}
			servedHashes = append(servedHashes, hashes[i]...)
			indexed[a.ID] = a.Hash
			ac, ok := ix.split[a.ID]
			ok = ok && ac.Hash == a.Hash
			switch {
			case ok && ac.spanned() && restoredFrom(ac, hashes[i]):
				known[a.ID] = ac
			case ok && !restoredFrom(ac, hashes[i]):
				// A span did not fit the body: the chunks just cut
				// replace them, in the snapshot too.
				ix.unsaved = true
				fallthrough
			default:
				known[a.ID] = cutChunks(a, chunks[i], hashes[i])
			}
			continue
		}
		rep.Pending = append(rep.Pending, a.ID)
		h, ok := ix.indexed[a.ID]
		if ok {
			indexed[a.ID] = h // still to update
			if ac, have := ix.split[a.ID]; have && ac.Hash == h {
				known[a.ID] = ac
			}
		}
		if previous == nil {
			previous = ix.current().versions()
		}
		if v, found := previous[a.ID]; found {
			served = append(served, v.article)
			servedChunks = append(servedChunks, v.chunks...)
			hs := chunkHashes(v.chunks)
			servedHashes = append(servedHashes, hs...)
			previousHashes = append(previousHashes, hs...)
			if _, have := known[a.ID]; !have && ok && v.article.Hash == h {
				known[a.ID] = cutChunks(v.article, v.chunks, hs)
			}
		}
	}
	var kw func() *keywordIndex
	if current {
		kw = func() *keywordIndex { return <-kwAll }
	}
	st, err := ix.build(ctx, served, servedChunks, servedHashes, ix.vectors, kw)
	if err != nil {
		return rep, err
	}

	keep, distinct := ix.keepVectors(st, servedHashes, previousHashes, hashes, known)
	// A snapshot whose rows could not be scanned in place (written in
	// another order) is rewritten in the state's, for the next start:
	// unless two chunks share a text (and a vector), which the rows of a
	// file, each vector once, cannot follow.
	reorder := len(ix.rows) > 0 && !st.adopted && len(servedHashes) > 0 && distinct == len(servedHashes)
	changed := ix.unsaved || reorder || len(keep) != len(ix.vectors) || !maps.Equal(indexed, ix.indexed)
	ix.vectors, ix.indexed, ix.split, ix.rows = keep, indexed, known, nil
	ix.mu.Lock()
	ix.st = st
	ix.mu.Unlock()
	if changed && ix.path != "" {
		rep.SaveErr = ix.save()
	}

	rep.Added = without(rep.Added, rep.Pending)
	rep.Updated = without(rep.Updated, rep.Pending)
	rep.Chunks = len(servedChunks)
	rep.Elapsed = time.Since(start)
	if len(rep.Pending) > 0 {
		if embedErr == nil {
			embedErr = errors.New("vectors missing")
		}
		names := strings.Join(rep.Pending[:min(5, len(rep.Pending))], ", ")
		if len(rep.Pending) > 5 {
			names += ", …"
		}
		return rep, fmt.Errorf("%w: %d of %d not indexed (%s): %w", ErrPending, len(rep.Pending), len(arts), names, embedErr)
	}
	return rep, nil
}

// classify sorts arts into added, updated and unchanged against the last
// sync, and lists the removed articles.
func (ix *Index) classify(arts []corpus.Article) (Report, error) {
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
	return rep, nil
}

// embedMissing embeds the chunk texts that have no vector yet, in batches.
// Each batch's vectors are checked, added to ix.vectors and appended to the
// journal before the next batch is asked for. It returns how many texts it
// embedded, and the error that stopped it.
func (ix *Index) embedMissing(ctx context.Context, chunks [][]Chunk, hashes [][]string, progress Progress) (int, error) {
	var todo []Chunk
	var todoHashes []string
	pending := map[string]bool{}
	for i, cs := range chunks {
		for j, c := range cs {
			h := hashes[i][j]
			if _, ok := ix.vectors[h]; !ok && !pending[h] {
				pending[h] = true
				todo = append(todo, c)
				todoHashes = append(todoHashes, h)
			}
		}
	}
	// The vectors go into rows in the order embedded, which on a first
	// sync is chunk order: build then scans them in place (see inPlace).
	var rows []float32
	if len(todo) > 0 {
		rows = make([]float32, len(todo)*ix.id.Dims)
		adviseHuge(rows)
		if ix.rows == nil {
			ix.rows = rows
		}
	}
	// A remote model's vectors are checkpointed batch by batch; the local
	// embedder's are not: it redoes a batch faster than the journal
	// writes one (100k chunks: 4.3 s to embed, 1.6 s more to journal).
	checkpoint := ix.jr != nil && ix.id.Kind != "local"
	done := 0
	for b := 0; b < len(todo); b += ix.opt.BatchSize {
		if ctx.Err() != nil {
			return done, interrupted(ctx, done, len(todo))
		}
		batch := todo[b:min(b+ix.opt.BatchSize, len(todo))]
		texts := make([]string, len(batch))
		for j, c := range batch {
			texts[j] = c.EmbedText()
		}
		vecs, err := ix.emb.Embed(ctx, texts)
		if err == nil {
			err = ix.checkVectors(vecs, len(texts))
		}
		if err != nil {
			if ctx.Err() != nil {
				return done, interrupted(ctx, done, len(todo))
			}
			return done, fmt.Errorf("embed chunks: %w", err)
		}
		hashes := todoHashes[b : b+len(batch)]
		for j := range batch {
			row := (b + j) * ix.id.Dims
			vecs[j] = normalizeVector(rows[row:row+ix.id.Dims:row+ix.id.Dims], vecs[j])
			ix.vectors[hashes[j]] = vecs[j]
		}
		ix.unsaved = true
		done += len(batch)
		if checkpoint {
			if err := ix.jr.append(hashes, vecs); err != nil {
				ix.lg.Warn("embedding checkpoint not written; a crash now would lose this sync's embeddings", "path", ix.jr.path, "err", err)
				checkpoint = false
			}
		}
		if progress != nil {
			progress(done, len(todo))
		}
	}
	return done, nil
}

// keepVectors returns the vectors to keep after a sync that built st,
// serving the chunks of servedHashes: theirs (st's rows) and those of
// what is wanted (hashes, known, the previous versions served). A vector
// kept for a chunk not served is copied out of any array it shares with
// others (an older state's rows, the snapshot's), so that the array can be
// freed. It also returns how many distinct chunk texts are served. When
// the index holds the vectors of the chunks served and no other (a start
// with an unchanged corpus), ix.vectors itself is kept, pointed at st's
// rows, rather than rebuilt.
func (ix *Index) keepVectors(st *state, servedHashes, previousHashes []string, hashes [][]string, known map[string]articleChunks) (map[string][]float32, int) {
	if len(servedHashes) == len(ix.vectors) {
		same := true
		for i, h := range servedHashes {
			ix.vectors[h] = st.vec.row(i)
		}
		for i, h := range servedHashes {
			same = same && &ix.vectors[h][0] == &st.vec.row(i)[0]
		}
		if same { // no two chunks share a text: each vector is served
			return ix.vectors, len(servedHashes)
		}
	}
	keep := make(map[string][]float32, len(servedHashes))
	for i, h := range servedHashes {
		keep[h] = st.vec.row(i)
	}
	distinct := len(keep)
	keepVector := func(h string) {
		if _, ok := keep[h]; ok {
			return
		}
		if v, ok := ix.vectors[h]; ok {
			keep[h] = slices.Clip(slices.Clone(v))
		}
	}
	for _, hs := range hashes {
		for _, h := range hs {
			keepVector(h)
		}
	}
	for _, ac := range known {
		for _, h := range ac.Hashes {
			keepVector(h)
		}
	}
	for _, h := range previousHashes {
		keepVector(h)
	}
	return keep, distinct
}

// interrupted is the error of a sync stopped by ctx.
func interrupted(ctx context.Context, done, total int) error {
	return fmt.Errorf("sync interrupted after embedding %d of %d chunks (kept for the next sync): %w", done, total, context.Cause(ctx))
}

// checkVectors checks an embedder's answer for n texts: n vectors of the
// index's dimensions, every component a finite number.
func (ix *Index) checkVectors(vecs [][]float32, n int) error {
	if len(vecs) != n {
		return fmt.Errorf("got %d vectors for %d texts", len(vecs), n)
	}
	for j, v := range vecs {
		if len(v) != ix.id.Dims {
			return fmt.Errorf("vector of %d dimensions, embedder %s", len(v), ix.id)
		}
		if !finite(v) {
			return fmt.Errorf("embedder %s returned a vector with NaN or infinite components (text %d of the batch)", ix.id, j+1)
		}
	}
	return nil
}

// haveVectors reports whether every chunk hash of hs has a vector.
func (ix *Index) haveVectors(hs []string) bool {
	for _, h := range hs {
		if _, ok := ix.vectors[h]; !ok {
			return false
		}
	}
	return true
}

// chunkHashes returns the Chunk.Hash of each chunk of cs.
func chunkHashes(cs []Chunk) []string {
	hs := make([]string, len(cs))
	for i, c := range cs {
		hs[i] = c.Hash()
	}
	return hs
}

// save writes the snapshot of the current vectors and articles, then
// removes the journal it supersedes and any temporary files of killed
// writes. It returns an error wrapping ErrNotSaved, also logged.
func (ix *Index) save() error {
	err := writeSnapshot(ix.path, &snapshot{Identity: ix.id, Split: ix.opt.Split, Articles: ix.indexed, Chunks: ix.split, Vectors: ix.vectors, Order: ix.current().hashes})
	if err != nil {
		// The index is up to date in memory; the journal keeps what it
		// holds for the next start.
		ix.lg.Warn("embedding snapshot not saved", "path", ix.path, "err", err)
		return fmt.Errorf("%w: %w", ErrNotSaved, err)
	}
	ix.unsaved = false
	if err := ix.jr.remove(); err != nil {
		ix.lg.Warn("embedding journal not removed", "path", ix.jr.path, "err", err)
	}
	ix.sweep()
	return nil
}

// version is an article as a state serves it, with its chunks.
type version struct {
	article corpus.Article
	chunks  []Chunk
}

// versions returns the articles the state serves, by ID.
func (st *state) versions() map[string]version {
	m := make(map[string]version, len(st.articles))
	for _, a := range st.articles {
		m[a.ID] = version{article: a}
	}
	for _, c := range st.chunks {
		v := m[c.ArticleID]
		v.chunks = append(v.chunks, c)
		m[c.ArticleID] = v
	}
	return m
}

// without returns ids minus those in drop.
func without(ids, drop []string) []string {
	if len(drop) == 0 {
		return ids
	}
	skip := make(map[string]bool, len(drop))
	for _, id := range drop {
		skip[id] = true
	}
	var out []string
	for _, id := range ids {
		if !skip[id] {
			out = append(out, id)
		}
	}
	return out
}
