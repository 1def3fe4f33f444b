package retrieval

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// syncModel drives indexes through random histories (articles added,
// updated and removed, chunk texts shared across articles, updates that
// cannot be embedded, interrupted syncs, restarts, a reader following the
// writer's snapshot) and checks each state against what Split, the
// embedder and Terms say it should hold.
type syncModel struct {
	t     *testing.T
	rng   *rand.Rand
	emb   *hashEmbedder
	opt   Options
	dir   string
	texts map[string]string // Chunk.Hash → EmbedText, of every chunk seen
	// old states and a copy of their rows: a published state's rows must
	// never change.
	old []frozen
}

type frozen struct {
	st   *state
	rows []float32
}

// modelIndex is an index and what it should serve: the version of each
// article it serves.
type modelIndex struct {
	name   string
	ix     *Index
	served map[string]corpus.Article
	path   string // the snapshot it reads from (a reader), or "" (the writer)
}

var modelParas = []string{
	"The convoy reached the checkpoint before dawn and aid workers counted the families waiting.",
	"Talks in Geneva resumed on Monday, with both delegations meeting the envoy in separate rooms.",
	"Residents of the old city said food had run out weeks ago and that water came once a week.",
	"The governor said buses would take the wounded out first, then the elderly and the children.",
	"Shelling resumed in the afternoon,  according to   activists,\nwho counted twelve dead.",
	"A spokesman said the FAIL report could not be confirmed independently by reporters on the ground.",
}

func (m *syncModel) randomArticle(id string) corpus.Article {
	n := 1 + m.rng.IntN(3)
	var ps []string
	for range n {
		p := modelParas[m.rng.IntN(len(modelParas))]
		if m.rng.IntN(6) == 0 { // rarely failing
			ps = append(ps, p)
			continue
		}
		ps = append(ps, strings.ReplaceAll(p, "FAIL", "first"))
	}
	body := strings.Join(ps, "\n\n")
	if m.rng.IntN(15) == 0 {
		body = ""
	}
	title := []string{"Alpha", "Beta"}[m.rng.IntN(2)]
	a := article(id, body)
	a.Title = title
	a.Hash = id + ":" + title + ":" + body
	return a
}

func failing(a corpus.Article, opt SplitOptions) bool {
	for _, c := range Split(a, opt) {
		if strings.Contains(c.EmbedText(), "FAIL") {
			return true
		}
	}
	return false
}

// sync syncs mi to arts (cancelled after the first batch when cancel),
// while searches run, and checks the result.
func (m *syncModel) sync(mi *modelIndex, arts []corpus.Article, cancel bool) {
	t := m.t
	t.Helper()
	for _, a := range arts {
		for _, c := range Split(a, m.opt.Split) {
			m.texts[c.Hash()] = c.EmbedText()
		}
	}
	before := mi.ix.current()
	m.old = append(m.old, frozen{before, slices.Clone(before.vec.dataOrNil())})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var progress Progress
	if cancel {
		progress = func(done, total int) { stop() }
	}
	var wg sync.WaitGroup
	quit := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-quit:
				return
			default:
			}
			if _, err := mi.ix.Search(context.Background(), "convoy families envoy", 4); err != nil {
				t.Errorf("Search during Sync: %v", err)
				return
			}
		}
	})
	_, err := mi.ix.Sync(ctx, arts, progress)
	close(quit)
	wg.Wait()
	switch {
	case err == nil, errors.Is(err, ErrPending):
	case cancel && errors.Is(err, context.Canceled):
		m.checkFrozen(mi.name + " cancelled")
		return // nothing changes
	default:
		t.Fatalf("%s: Sync: %v", mi.name, err)
	}
	// What it should serve now: each article in its current version
	// when all its chunks have vectors (every one does unless a text
	// failed: the embedder is down from the batch that failed on), else
	// in the version it served before, if any.
	anyFailing := false
	for _, a := range arts {
		anyFailing = anyFailing || failing(a, m.opt.Split)
	}
	next := map[string]corpus.Article{}
	for _, a := range arts {
		embedded := true
		for _, c := range Split(a, m.opt.Split) {
			if _, ok := mi.ix.vectors[c.Hash()]; !ok {
				embedded = false
			}
		}
		if !anyFailing && !embedded {
			t.Fatalf("%s: %s has chunks without vectors, and no text failed", mi.name, a.ID)
		}
		if failing(a, m.opt.Split) && embedded {
			t.Fatalf("%s: %s has vectors for a text that failed", mi.name, a.ID)
		}
		if embedded {
			next[a.ID] = a
		} else if p, ok := mi.served[a.ID]; ok {
			next[a.ID] = p
		}
	}
	mi.served = next
	m.check(mi, arts)
	m.checkFrozen(mi.name)
}

func (f *flatVectors) dataOrNil() []float32 {
	if f == nil {
		return nil
	}
	return f.data
}

func (m *syncModel) checkFrozen(name string) {
	t := m.t
	t.Helper()
	for i, fr := range m.old {
		if !slices.Equal(fr.st.vec.dataOrNil(), fr.rows) && !equalNaN(fr.st.vec.dataOrNil(), fr.rows) {
			t.Fatalf("%s: the rows of published state %d changed", name, i)
		}
	}
	if len(m.old) > 8 {
		m.old = m.old[len(m.old)-8:]
	}
}

func equalNaN(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return x == y || x != x && y != y })
}

// check compares mi's state with what it should serve.
func (m *syncModel) check(mi *modelIndex, arts []corpus.Article) {
	t := m.t
	t.Helper()
	st := mi.ix.current()
	var wantArts []corpus.Article
	var wantChunks []Chunk
	for _, a := range arts {
		if v, ok := mi.served[a.ID]; ok {
			wantArts = append(wantArts, v)
			wantChunks = append(wantChunks, Split(v, m.opt.Split)...)
		}
	}
	if !reflect.DeepEqual(st.articles, wantArts) && !(len(st.articles) == 0 && len(wantArts) == 0) {
		t.Fatalf("%s: serves %v, want %v", mi.name, artIDs(st.articles), artIDs(wantArts))
	}
	if !reflect.DeepEqual(st.chunks, wantChunks) && !(len(st.chunks) == 0 && len(wantChunks) == 0) {
		t.Fatalf("%s: chunks differ from Split's (%d, want %d)", mi.name, len(st.chunks), len(wantChunks))
	}
	dims := m.emb.dims
	terms := make([][]string, len(wantChunks))
	for i, c := range wantChunks {
		terms[i] = Terms(c.EmbedText())
		if st.hashes[i] != c.Hash() {
			t.Fatalf("%s: hash of chunk %s is %s, want %s", mi.name, c.ID, st.hashes[i], c.Hash())
		}
		want := wantRow(c.EmbedText(), dims)
		if row := st.vec.row(i); !slices.Equal(row, want) {
			t.Fatalf("%s: row of chunk %s = %v, want %v", mi.name, c.ID, row, want)
		}
		doc, err := st.col.GetByID(context.Background(), c.ID)
		if err != nil || !slices.Equal(doc.Embedding, want) {
			t.Fatalf("%s: chromem-go's vector of %s = %v (%v), want %v", mi.name, c.ID, doc.Embedding, err, want)
		}
		if v := mi.ix.vectors[c.Hash()]; !slices.Equal(v, want) {
			t.Fatalf("%s: the index's vector of %s = %v, want %v", mi.name, c.ID, v, want)
		}
	}
	if st.vec.Len() != len(wantChunks) {
		t.Fatalf("%s: %d rows for %d chunks", mi.name, st.vec.Len(), len(wantChunks))
	}
	if len(wantChunks) > 0 {
		if kw := newKeywordIndex(terms); !reflect.DeepEqual(st.kw, kw) {
			t.Fatalf("%s: keyword index differs from that of Terms", mi.name)
		}
	}
	// Every vector the index keeps is the vector of its text.
	for h, v := range mi.ix.vectors {
		text, ok := m.texts[h]
		if !ok {
			t.Fatalf("%s: a vector for unknown hash %s", mi.name, h)
		}
		if want := wantRow(text, dims); !slices.Equal(v, want) {
			t.Fatalf("%s: kept vector of %q = %v, want %v", mi.name, text, v, want)
		}
	}
	// And so is every vector of the snapshot.
	if m.dir != "" && mi.path == "" {
		s, err := readSnapshot(snapshotPath(m.dir, m.emb.Identity()), m.emb.Identity())
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			t.Fatalf("%s: snapshot: %v", mi.name, err)
		}
		for h, v := range s.Vectors {
			if want := wantRow(m.texts[h], dims); !slices.Equal(v, want) {
				t.Fatalf("%s: snapshot's vector of %q = %v, want %v", mi.name, m.texts[h], v, want)
			}
		}
	}
}

func artIDs(as []corpus.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s@%x", a.ID, sha256.Sum256([]byte(a.Hash)))[:12])
	}
	return out
}

// TestReviewSyncHistories runs random histories of a writer with a
// snapshot and a reader following it.
func TestReviewSyncHistories(t *testing.T) {
	for seed := range uint64(reviewSeeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runSyncHistory(t, seed, 30)
		})
	}
}

func runSyncHistory(t *testing.T, seed uint64, steps int) {
	m := &syncModel{
		t:     t,
		rng:   rand.New(rand.NewPCG(seed, 42)),
		emb:   &hashEmbedder{dims: 12, kind: []string{"model", "local"}[seed%2]},
		opt:   Options{Split: SplitOptions{MaxChars: 60 + 40*int(seed%4), OverlapChars: 30 * int(seed%3)}, BatchSize: 1 + int(seed%5)},
		dir:   t.TempDir(),
		texts: map[string]string{},
	}
	writer := &modelIndex{name: "writer", ix: Open(discard(), m.emb, m.dir, m.opt)}
	reader := &modelIndex{name: "reader", ix: OpenReadOnly(discard(), m.emb, "", m.opt), path: snapshotPath(m.dir, m.emb.Identity())}
	corpusNow := map[string]corpus.Article{}
	arts := func() []corpus.Article {
		var out []corpus.Article
		for _, a := range corpusNow {
			out = append(out, a)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		return out
	}
	for step := range steps {
		// Change the corpus a little.
		for range 1 + m.rng.IntN(3) {
			id := fmt.Sprintf("a%d", m.rng.IntN(6))
			if _, ok := corpusNow[id]; ok && m.rng.IntN(4) == 0 {
				delete(corpusNow, id)
				continue
			}
			corpusNow[id] = m.randomArticle(id)
		}
		switch r := m.rng.IntN(10); {
		case r == 0: // a restart of the writer
			writer = &modelIndex{name: fmt.Sprintf("writer restarted at %d", step), ix: Open(discard(), m.emb, m.dir, m.opt)}
			m.sync(writer, arts(), false)
		case r == 1: // an interrupted sync
			m.sync(writer, arts(), true)
		case r <= 3: // the reader follows, reading the snapshot once or twice
			m.sync(writer, arts(), false)
			for range 1 + m.rng.IntN(2) {
				if _, err := reader.ix.LoadSnapshot(reader.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("LoadSnapshot: %v", err)
				}
			}
			m.sync(reader, arts(), false)
		case r == 4: // the reader reads the snapshot, then syncs to a changed corpus
			if _, err := reader.ix.LoadSnapshot(reader.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("LoadSnapshot: %v", err)
			}
			m.sync(reader, arts(), r%2 == 0 && m.rng.IntN(2) == 0)
		default:
			m.sync(writer, arts(), false)
		}
	}
}

// reviewSeeds is the number of random histories TestReviewSyncHistories runs.
var reviewSeeds = 6

// TestReviewBM25Straightforward: the keyword index that a build makes
// (indexChunks: parallel, term-numbered, varint postings) scores every
// chunk as BM25 computed straight from Terms of each chunk.
func TestReviewBM25Straightforward(t *testing.T) {
	chunks := termTestChunks(t)
	docs := make([][]string, len(chunks))
	total := 0
	for i, c := range chunks {
		docs[i] = Terms(c.EmbedText())
		total += len(docs[i])
	}
	kw := indexChunks(chunks)
	n := float64(len(docs))
	avg := float64(total) / n
	df := map[string]int{}
	for _, ts := range docs {
		seen := map[string]bool{}
		for _, x := range ts {
			if !seen[x] {
				seen[x] = true
				df[x]++
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for q := range 100 {
		// Terms of some chunk, a common term, a repeated one and one
		// found nowhere.
		src := docs[rng.IntN(len(docs))]
		var query []string
		for range 1 + rng.IntN(5) {
			if len(src) > 0 {
				query = append(query, src[rng.IntN(len(src))])
			}
		}
		query = append(query, Stem("said"), "zzzunseen")
		if len(query) > 2 {
			query = append(query, query[0])
		}
		var want []scored
		for d, ts := range docs {
			score, seen := 0.0, map[string]bool{}
			for _, x := range query {
				if seen[x] {
					continue
				}
				seen[x] = true
				tf := float64(countOf(ts, x))
				if tf == 0 {
					continue
				}
				idf := math.Log(1 + (n-float64(df[x])+0.5)/(float64(df[x])+0.5))
				norm := bm25K1 * (1 - bm25B + bm25B*float64(len(ts))/avg)
				score += idf * tf * (bm25K1 + 1) / (tf + norm)
			}
			if score > 0 {
				want = append(want, scored{d, score})
			}
		}
		sort.Slice(want, func(i, j int) bool { return better(want[i], want[j]) })
		k := 1 + rng.IntN(40)
		got := kw.search(query, k)
		want = want[:min(k, len(want))]
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("query %d %q: top %d = %v, want %v", q, query, k, got, want)
		}
	}
	for x, d := range df {
		if kw.DF(x) != d {
			t.Fatalf("DF(%q) = %d, want %d", x, kw.DF(x), d)
		}
	}
	if kw.N() != len(docs) || kw.avgLen != avg {
		t.Fatalf("N = %d, average length %v; want %d, %v", kw.N(), kw.avgLen, len(docs), avg)
	}
}

// TestReviewWordCacheGrowsConcurrently: with a cache whose shards grow
// (64 slots to 128) and are then replaced, concurrent Embed calls of
// different texts still give the reference's vectors. Run with -race.
func TestReviewWordCacheGrowsConcurrently(t *testing.T) {
	texts := matchTexts(t, 60)
	e := NewLocalEmbedder(0)
	e.words = newWordCache(e.sif, 40*wordCacheShards)
	if e.words.minSlots() >= e.words.maxSlots() {
		t.Fatalf("shards of %d to %d slots do not grow", e.words.minSlots(), e.words.maxSlots())
	}
	want := make([][]float32, len(texts))
	for i, s := range texts {
		want[i] = refVector(e, s, nil, nil)
	}
	embedFromGoroutines(t, e, texts, want, 8, 32, 8)
}
