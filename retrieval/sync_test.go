package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// scriptedEmbedder is the local embedder with a script: it counts the texts
// it embeds, and from call failAt on (1-based; 0 never) it fails, or calls
// atFail first (to cancel a context, say). nan makes it return a NaN
// component in every vector.
type scriptedEmbedder struct {
	*LocalEmbedder
	mu     sync.Mutex
	calls  int
	texts  int
	failAt int
	atFail func()
	nan    bool
}

func newScripted(failAt int) *scriptedEmbedder {
	return &scriptedEmbedder{LocalEmbedder: NewLocalEmbedder(132), failAt: failAt}
}

// Identity is the local embedder's but of kind "model": the embedder
// stands for a remote model, whose vectors Sync checkpoints.
func (e *scriptedEmbedder) Identity() Identity { return asModel(e.LocalEmbedder.Identity()) }

// asModel is id as a remote model's identity.
func asModel(id Identity) Identity {
	id.Kind = "model"
	return id
}

func (e *scriptedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls++
	fail := e.failAt > 0 && e.calls >= e.failAt
	if !fail {
		e.texts += len(texts)
	}
	e.mu.Unlock()
	if fail {
		if e.atFail != nil {
			e.atFail()
			return nil, ctx.Err()
		}
		return nil, errors.New("endpoint down")
	}
	vecs, err := e.LocalEmbedder.Embed(ctx, texts)
	if e.nan && err == nil {
		vecs[len(vecs)-1][3] = float32(math.NaN())
	}
	return vecs, err
}

func (e *scriptedEmbedder) embedded() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.texts
}

// durableOpts split small and embed in batches of 4, for many batches.
var durableOpts = Options{Split: SplitOptions{MaxChars: 200, OverlapChars: 0}, BatchSize: 4}

// manyArticles returns n articles of distinct text, several chunks each.
func manyArticles(n int) []corpus.Article {
	var arts []corpus.Article
	for i := range n {
		var b strings.Builder
		for p := range 4 {
			fmt.Fprintf(&b, "Report %d, part %d: the convoy number %d reached checkpoint %d before dawn. Aid workers counted %d families waiting in the old city, and %d more arrived at noon.\n\n", i, p, i*10+p, p*7+i, 100+i*p, 20+p)
		}
		arts = append(arts, article(fmt.Sprintf("a%02d", i), b.String()))
	}
	return arts
}

func chunkCountOpt(opt Options, arts ...corpus.Article) int {
	n := 0
	for _, a := range arts {
		n += len(Split(a, opt.Split))
	}
	return n
}

func logTo(b *strings.Builder) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, nil))
}

// TestSyncFailureKeepsBatches: an embedder failing after N batches loses
// none of them; the next index on the same DATA_DIR embeds only the rest,
// and its successful sync leaves a snapshot and no journal.
func TestSyncFailureKeepsBatches(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := manyArticles(6)
	total := chunkCountOpt(durableOpts, arts...)
	const n = 3
	if total <= n*durableOpts.BatchSize {
		t.Fatalf("only %d chunks", total)
	}
	emb := newScripted(n + 1)
	ix := Open(discard(), emb, dir, durableOpts)
	rep, err := ix.Sync(ctx, arts, nil)
	if !errors.Is(err, ErrPending) || !strings.Contains(err.Error(), "endpoint down") {
		t.Fatalf("Sync with an embedder failing at batch %d: err = %v, want ErrPending and the cause", n+1, err)
	}
	if rep.Embedded != n*durableOpts.BatchSize || len(rep.Pending) == 0 || len(rep.Added)+len(rep.Pending) != len(arts) {
		t.Errorf("report = %+v; want %d embedded, the rest pending", rep, n*durableOpts.BatchSize)
	}
	// The articles whose chunks all came back are served.
	if ix.Len() != rep.Chunks || len(ix.Articles()) != len(rep.Added) {
		t.Errorf("index holds %d chunks of %d articles, report says %d chunks, added %v", ix.Len(), len(ix.Articles()), rep.Chunks, rep.Added)
	}

	again := newScripted(0)
	ix2 := Open(discard(), again, dir, durableOpts)
	rep, err = ix2.Sync(ctx, arts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.embedded(), total-n*durableOpts.BatchSize; got != want || rep.Embedded != want {
		t.Errorf("resumed sync embedded %d texts (report %d), want %d of %d", got, rep.Embedded, want, total)
	}
	if rep.Chunks != total || len(rep.Pending) != 0 {
		t.Errorf("resumed sync report = %+v", rep)
	}
	path := snapshotPath(dir, again.Identity())
	if _, err := os.Stat(journalPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal still there after a successful sync: %v", err)
	}
	if snap, err := readSnapshot(path, again.Identity()); err != nil || len(snap.Vectors) != total {
		t.Errorf("snapshot after the resumed sync: %v", err)
	}
}

// TestSyncCancelled: a context cancelled mid-sync (Ctrl-C) returns its
// error, leaves the old state serving, and keeps the batches embedded.
func TestSyncCancelled(t *testing.T) {
	dir := t.TempDir()
	first := manyArticles(2)
	emb := newScripted(0)
	ix := Open(discard(), emb, dir, durableOpts)
	if _, err := ix.Sync(context.Background(), first, nil); err != nil {
		t.Fatal(err)
	}
	before, beforeLen := ix.Articles(), ix.Len()

	more := manyArticles(7)
	newChunks := chunkCountOpt(durableOpts, more[2:]...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 2
	emb.calls, emb.failAt, emb.atFail = 0, n+1, cancel
	rep, err := ix.Sync(ctx, more, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrPending) {
		t.Fatalf("cancelled Sync: err = %v, want context.Canceled", err)
	}
	if rep.Embedded != n*durableOpts.BatchSize {
		t.Errorf("cancelled Sync embedded %d, want %d", rep.Embedded, n*durableOpts.BatchSize)
	}
	if len(ix.Articles()) != len(before) || ix.Len() != beforeLen {
		t.Errorf("after a cancelled Sync the index has %d articles, %d chunks; want the old %d, %d", len(ix.Articles()), ix.Len(), len(before), beforeLen)
	}
	if ps, err := ix.Search(context.Background(), "convoy checkpoint", 3); err != nil || len(ps) == 0 {
		t.Errorf("search after a cancelled Sync = %v, %v", ps, err)
	}

	again := newScripted(0)
	if _, err := Open(discard(), again, dir, durableOpts).Sync(context.Background(), more, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := again.embedded(), newChunks-n*durableOpts.BatchSize; got != want {
		t.Errorf("after the cancelled sync, the next embedded %d texts, want %d", got, want)
	}
}

// TestPendingKeepsPreviousVersion: with the embedder down, a refresh takes
// what needs no embedding (a removal), keeps serving the previous version
// of a changed article, leaves a new one out, and a later Sync catches up.
func TestPendingKeepsPreviousVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := manyArticles(3)
	emb := newScripted(0)
	ix := Open(discard(), emb, dir, durableOpts)
	if _, err := ix.Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	changed := arts[1]
	changed.Body = strings.ReplaceAll(changed.Body, "before dawn", "after the ceasefire")
	changed.Hash = "v2"
	fresh := article("new", "Fresh news arrived today from the besieged quarter of the city.")
	next := []corpus.Article{arts[0], changed, fresh} // arts[2] removed

	emb.failAt = emb.calls + 1
	rep, err := ix.Sync(ctx, next, nil)
	if !errors.Is(err, ErrPending) {
		t.Fatalf("Sync with the embedder down: err = %v", err)
	}
	if strings.Join(rep.Pending, ",") != changed.ID+",new" || len(rep.Added)+len(rep.Updated) != 0 || strings.Join(rep.Removed, ",") != arts[2].ID {
		t.Errorf("report = %+v", rep)
	}
	var ids []string
	for _, a := range ix.Articles() {
		ids = append(ids, a.ID+"@"+a.Hash)
	}
	if got, want := strings.Join(ids, " "), arts[0].ID+"@"+arts[0].Hash+" "+arts[1].ID+"@"+arts[1].Hash; got != want {
		t.Errorf("serving %s, want %s", got, want)
	}
	ps, err := ix.Search(ctx, "convoy number 10 before dawn", 3)
	if err != nil || len(ps) == 0 || ps[0].ArticleID != arts[1].ID {
		t.Errorf("search for the previous version = %v, %v", ps, err)
	}

	emb.failAt = 0
	rep, err = ix.Sync(ctx, next, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Added, ",") != "new" || strings.Join(rep.Updated, ",") != changed.ID || len(rep.Pending) != 0 {
		t.Errorf("catch-up report = %+v", rep)
	}
}

// TestSaveFailureReported: a snapshot that cannot be written is reported
// in Report.SaveErr while the index serves the new state.
func TestSaveFailureReported(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ix := Open(discard(), NewLocalEmbedder(132), filepath.Join(file, "data"), Options{})
	rep, err := ix.Sync(context.Background(), loadCorpus(t), nil)
	if err != nil {
		t.Fatalf("Sync with an unwritable DATA_DIR: %v, want no error", err)
	}
	if !errors.Is(rep.SaveErr, ErrNotSaved) {
		t.Errorf("Report.SaveErr = %v, want ErrNotSaved", rep.SaveErr)
	}
	if ps, err := ix.Search(context.Background(), "blue blankets", 1); err != nil || len(ps) == 0 {
		t.Errorf("search = %v, %v", ps, err)
	}
}
