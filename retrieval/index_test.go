package retrieval

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/corpus"
)

// countingEmbedder wraps the local embedder and counts the texts it embeds.
type countingEmbedder struct {
	*LocalEmbedder
	mu    sync.Mutex
	texts int
	calls int
	fail  error
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.mu.Lock()
	c.texts += len(texts)
	c.calls++
	fail := c.fail
	c.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	return c.LocalEmbedder.Embed(ctx, texts)
}

func (c *countingEmbedder) take() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.texts
	c.texts = 0
	return n
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func article(id, body string) corpus.Article {
	return corpus.Article{ID: id, Title: "Title of " + id, Published: time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC), Body: body, Hash: id + ":" + body}
}

func chunkCount(arts ...corpus.Article) int {
	n := 0
	for _, a := range arts {
		n += len(Split(a, DefaultSplitOptions))
	}
	return n
}

// TestSyncEmbedsOnlyWhatChanged walks an index through add, unchanged
// restart, change and delete, counting the texts embedded each time.
func TestSyncEmbedsOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := loadCorpus(t)
	extra := article("extra", "Aid trucks reached the old city on Saturday. Residents queued for bread.")
	all := append(append([]corpus.Article(nil), arts...), extra)

	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(164)}
	ix := Open(discard(), emb, dir, Options{})
	rep, err := ix.Sync(ctx, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := chunkCount(all...)
	if got := emb.take(); got != total || rep.Embedded != total || rep.Chunks != total || len(rep.Added) != 3 {
		t.Fatalf("first sync: embedded %d (report %+v), want %d chunks, 3 added", got, rep, total)
	}

	// A restart with the same corpus embeds nothing and reports no change.
	emb2 := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(164)}
	ix2 := Open(discard(), emb2, dir, Options{})
	rep, err = ix2.Sync(ctx, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emb2.take(); got != 0 || len(rep.Unchanged) != 3 || len(rep.Added) != 0 || rep.Chunks != total {
		t.Fatalf("restart: embedded %d, report %+v; want 0 embedded, 3 unchanged", got, rep)
	}
	if ps, err := ix2.Search(ctx, "aid trucks reached the old city", 3); err != nil || len(ps) == 0 || ps[0].ArticleID != "extra" {
		t.Fatalf("search after restart = %v, %v; want the extra article first", ps, err)
	}
	emb2.take() // the query's embedding

	// Change one sentence of one article: only that article's changed
	// chunks are embedded.
	changed := extra
	changed.Body = strings.Replace(extra.Body, "Saturday", "Sunday", 1)
	changed.Hash = "changed"
	rep, err = ix2.Sync(ctx, append(append([]corpus.Article(nil), arts...), changed), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emb2.take(); got != 1 || len(rep.Updated) != 1 || rep.Updated[0] != "extra" {
		t.Fatalf("change: embedded %d, report %+v; want 1 chunk of extra", got, rep)
	}
	ps, _ := ix2.Search(ctx, "aid trucks reached the old city on Sunday", 1)
	if len(ps) != 1 || !strings.Contains(ps[0].Text, "Sunday") {
		t.Fatalf("search after change = %+v, want the new text", ps)
	}
	emb2.take()

	// Delete it: nothing embedded, its chunks gone from search and snapshot.
	rep, err = ix2.Sync(ctx, arts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emb2.take(); got != 0 || len(rep.Removed) != 1 || rep.Chunks != chunkCount(arts...) {
		t.Fatalf("delete: embedded %d, report %+v", got, rep)
	}
	ps, _ = ix2.Search(ctx, "aid trucks reached the old city on Sunday", 10)
	for _, p := range ps {
		if p.ArticleID == "extra" {
			t.Fatalf("deleted article still found: %+v", p)
		}
	}
	snap, err := readSnapshot(snapshotPath(dir, emb2.Identity()), emb2.Identity())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Vectors) != chunkCount(arts...) || len(snap.Articles) != len(arts) {
		t.Fatalf("snapshot after delete has %d vectors, %d articles; want %d, %d", len(snap.Vectors), len(snap.Articles), chunkCount(arts...), len(arts))
	}
}

// TestSnapshotDamaged truncates and corrupts the snapshot on disk: the index
// rebuilds, with a warning, instead of failing.
func TestSnapshotDamaged(t *testing.T) {
	ctx := context.Background()
	arts := loadCorpus(t)
	total := chunkCount(arts...)
	damage := map[string]func(path string) error{
		"truncated": func(p string) error {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, st.Size()/2)
		},
		"flipped byte": func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0xff
			return os.WriteFile(p, b, 0o644)
		},
		"empty":   func(p string) error { return os.WriteFile(p, nil, 0o644) },
		"garbage": func(p string) error { return os.WriteFile(p, []byte("not a snapshot at all"), 0o644) },
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
			if _, err := Open(discard(), emb, dir, Options{}).Sync(ctx, arts, nil); err != nil {
				t.Fatal(err)
			}
			emb.take()
			path := snapshotPath(dir, emb.Identity())
			if err := f(path); err != nil {
				t.Fatal(err)
			}
			var logs strings.Builder
			lg := slog.New(slog.NewTextHandler(&logs, nil))
			ix := Open(lg, emb, dir, Options{})
			rep, err := ix.Sync(ctx, arts, nil)
			if err != nil {
				t.Fatalf("sync after damage: %v", err)
			}
			if got := emb.take(); got != total || len(rep.Added) != len(arts) {
				t.Errorf("after damage: embedded %d, report %+v; want a full rebuild of %d", got, rep, total)
			}
			if !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("no warning logged: %s", logs.String())
			}
			if _, err := readSnapshot(path, emb.Identity()); err != nil {
				t.Errorf("snapshot not rewritten: %v", err)
			}
		})
	}
}

// TestIdentityChangeRebuilds shows that a different embedder never reuses
// another's vectors.
func TestIdentityChangeRebuilds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := loadCorpus(t)
	a := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
	if _, err := Open(discard(), a, dir, Options{}).Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	b := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(148)}
	ix := Open(discard(), b, dir, Options{})
	if _, err := ix.Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	if got := b.take(); got != chunkCount(arts...) {
		t.Errorf("new embedder embedded %d chunks, want all %d", got, chunkCount(arts...))
	}
	if _, err := ix.Search(ctx, "evacuated", 3); err != nil {
		t.Errorf("search with the new embedder: %v", err)
	}
	// A snapshot renamed to the other identity is rejected, not mixed in.
	if err := os.Rename(snapshotPath(dir, a.Identity()), snapshotPath(dir, b.Identity())); err != nil {
		t.Fatal(err)
	}
	if _, err := readSnapshot(snapshotPath(dir, b.Identity()), b.Identity()); !errors.Is(err, ErrCorruptSnapshot) {
		t.Errorf("readSnapshot of another identity: err = %v, want ErrCorruptSnapshot", err)
	}
}

// TestSyncFailureKeepsServing: an embedder that fails mid-sync leaves the
// previous state searchable and the snapshot untouched.
func TestSyncFailureKeepsServing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := loadCorpus(t)
	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
	ix := Open(discard(), emb, dir, Options{})
	if _, err := ix.Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(snapshotPath(dir, emb.Identity()))
	emb.fail = errors.New("endpoint down")
	_, err := ix.Sync(ctx, append(arts, article("new", "Fresh news arrived today from the city.")), nil)
	if err == nil || !strings.Contains(err.Error(), "endpoint down") {
		t.Fatalf("Sync with failing embedder: err = %v", err)
	}
	if ix.Len() != chunkCount(arts...) {
		t.Errorf("after failed sync Len = %d, want the old %d", ix.Len(), chunkCount(arts...))
	}
	after, _ := os.ReadFile(snapshotPath(dir, emb.Identity()))
	if string(before) != string(after) {
		t.Error("failed sync changed the snapshot")
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".embeddings-*")); len(matches) != 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}

func TestSearchEdgeCases(t *testing.T) {
	ctx := context.Background()
	emb := NewLocalEmbedder(132)
	ix := Open(discard(), emb, "", Options{})
	if ps, err := ix.Search(ctx, "anything", 5); err != nil || len(ps) != 0 {
		t.Fatalf("Search on an empty index = %v, %v; want nothing, no error", ps, err)
	}
	one := article("one", "Only one short article exists here.")
	if _, err := ix.Sync(ctx, []corpus.Article{one}, nil); err != nil {
		t.Fatal(err)
	}
	// k larger than the number of chunks must not trip chromem-go's
	// nResults check.
	ps, err := ix.Search(ctx, "short article", 50)
	if err != nil || len(ps) != 1 {
		t.Fatalf("Search with k > chunks = %v, %v", ps, err)
	}
	// Mutating a result must not change the index.
	ps[0].Text = "tampered"
	again, _ := ix.Search(ctx, "short article", 1)
	if again[0].Text == "tampered" {
		t.Fatal("search results alias the index")
	}
	if _, err := ix.Sync(ctx, []corpus.Article{one, one}, nil); err == nil {
		t.Error("Sync with a duplicate article ID: want error")
	}
}

func TestRelevanceJudgement(t *testing.T) {
	ctx := context.Background()
	ix := Open(discard(), NewLocalEmbedder(0), "", Options{})
	if _, err := ix.Sync(ctx, loadCorpus(t), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want bool
	}{
		{"How many people did the government say were evacuated from Homs on Friday?", true},
		{"Which spokeswoman spoke for the State Department?", true},
		{"What is a good recipe for lasagne?", false},
		{"Is it sunny in Homs today?", false},
		{"Until when were the stalled peace talks put off, after round one?", true},
		{"Who won the football league in Spain?", false},
	}
	for _, tc := range tests {
		ps, err := ix.Search(ctx, tc.q, 5)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, p := range ps {
			got = got || p.Relevant
		}
		if got != tc.want {
			t.Errorf("Search(%q) relevant = %t, want %t", tc.q, got, tc.want)
		}
	}
}

func TestModes(t *testing.T) {
	ctx := context.Background()
	arts := loadCorpus(t)
	for _, m := range []Mode{Hybrid, Vector, Keyword} {
		ix := Open(discard(), NewLocalEmbedder(0), "", Options{Mode: m})
		if _, err := ix.Sync(ctx, arts, nil); err != nil {
			t.Fatal(err)
		}
		ps, err := ix.Search(ctx, "blue blankets", 3)
		if err != nil || len(ps) == 0 || !strings.Contains(ps[0].Text, "blue blankets") {
			t.Errorf("mode %s: top passage for 'blue blankets' = %v, %v", m, ps, err)
		}
		for _, p := range ps {
			if (m == Keyword && p.VectorScore != 0) || (m == Vector && p.KeywordScore != 0) {
				t.Errorf("mode %s: passage scored by the other retriever: %+v", m, p)
			}
		}
	}
	if _, err := ParseMode("fuzzy"); err == nil {
		t.Error("ParseMode(fuzzy): want error")
	}
}

// TestEmbedderFailureDegradesToKeyword: hybrid search survives a query
// embedding failure by searching keywords only.
func TestEmbedderFailureDegradesToKeyword(t *testing.T) {
	ctx := context.Background()
	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
	ix := Open(discard(), emb, "", Options{})
	if _, err := ix.Sync(ctx, loadCorpus(t), nil); err != nil {
		t.Fatal(err)
	}
	emb.fail = errors.New("down")
	ps, err := ix.Search(ctx, "blue blankets", 3)
	if err != nil || len(ps) == 0 || !strings.Contains(ps[0].Text, "blue blankets") {
		t.Fatalf("hybrid search with a failing embedder = %v, %v", ps, err)
	}
	vix := Open(discard(), emb, "", Options{Mode: Vector})
	emb.fail = nil
	if _, err := vix.Sync(ctx, loadCorpus(t), nil); err != nil {
		t.Fatal(err)
	}
	emb.fail = errors.New("down")
	if _, err := vix.Search(ctx, "blue blankets", 3); err == nil {
		t.Error("vector-only search with a failing embedder: want error")
	}
}
