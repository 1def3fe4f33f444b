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
	"time"

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

// interruptOnce runs a Sync of arts on dir that is cancelled at batch n+1,
// as Ctrl-C would, leaving n batches in the journal and no new snapshot.
func interruptOnce(t *testing.T, dir string, arts []corpus.Article, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	emb := newScripted(n + 1)
	emb.atFail = cancel
	if _, err := Open(discard(), emb, dir, durableOpts).Sync(ctx, arts, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync cancelled at batch %d: err = %v", n+1, err)
	}
	if _, err := os.Stat(journalPath(snapshotPath(dir, emb.Identity()))); err != nil {
		t.Fatalf("no journal after an interrupted sync: %v", err)
	}
}

// TestJournalTornTail: a journal whose last record was cut by a crash is
// read up to it, with a warning, and appended to after it.
func TestJournalTornTail(t *testing.T) {
	dir := t.TempDir()
	arts := manyArticles(6)
	total := chunkCountOpt(durableOpts, arts...)
	interruptOnce(t, dir, arts, 3)
	jpath := journalPath(snapshotPath(dir, newScripted(0).Identity()))
	st, err := os.Stat(jpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(jpath, st.Size()-3); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	// Two more batches, appended after the torn record.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	emb := newScripted(3)
	emb.atFail = cancel
	if _, err := Open(logTo(&logs), emb, dir, durableOpts).Sync(ctx, arts, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("second interrupted Sync: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "torn") {
		t.Errorf("no warning about the torn record:\n%s", logs.String())
	}
	logs.Reset()
	emb = newScripted(0)
	if _, err := Open(logTo(&logs), emb, dir, durableOpts).Sync(context.Background(), arts, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := emb.embedded(), total-(3*4-1)-2*4; got != want {
		t.Errorf("after a torn journal embedded %d texts, want %d", got, want)
	}
	if strings.Contains(logs.String(), "torn") {
		t.Errorf("the torn record was not overwritten:\n%s", logs.String())
	}
}

// TestJournalOtherIdentity: a journal of another embedder is ignored.
func TestJournalOtherIdentity(t *testing.T) {
	dir := t.TempDir()
	arts := manyArticles(3)
	interruptOnce(t, dir, arts, 2)
	other := &scriptedEmbedder{LocalEmbedder: NewLocalEmbedder(148)}
	from := journalPath(snapshotPath(dir, newScripted(0).Identity()))
	if err := os.Rename(from, journalPath(snapshotPath(dir, other.Identity()))); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	if _, err := Open(logTo(&logs), other, dir, durableOpts).Sync(context.Background(), arts, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := other.embedded(), chunkCountOpt(durableOpts, arts...); got != want {
		t.Errorf("with another embedder's journal embedded %d texts, want all %d", got, want)
	}
	if !strings.Contains(logs.String(), "ignoring embedding journal") {
		t.Errorf("no warning about the foreign journal:\n%s", logs.String())
	}
}

// TestNonFiniteVectors: a snapshot or journal holding a NaN or infinite
// vector is not trusted, and Sync refuses such vectors from an embedder.
func TestNonFiniteVectors(t *testing.T) {
	ctx := context.Background()
	arts := manyArticles(2)
	total := chunkCountOpt(durableOpts, arts...)
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		t.Run(fmt.Sprint(bad), func(t *testing.T) {
			dir := t.TempDir()
			emb := newScripted(0)
			if _, err := Open(discard(), emb, dir, durableOpts).Sync(ctx, arts, nil); err != nil {
				t.Fatal(err)
			}
			path := snapshotPath(dir, emb.Identity())
			snap, err := readSnapshot(path, emb.Identity())
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range snap.Vectors {
				v[5] = bad
				break
			}
			if err := writeSnapshot(path, snap); err != nil {
				t.Fatal(err)
			}
			if _, err := readSnapshot(path, emb.Identity()); !errors.Is(err, ErrCorruptSnapshot) || !strings.Contains(err.Error(), "not finite") {
				t.Errorf("readSnapshot with a %v component: err = %v", bad, err)
			}
			var logs strings.Builder
			again := newScripted(0)
			if _, err := Open(logTo(&logs), again, dir, durableOpts).Sync(ctx, arts, nil); err != nil {
				t.Fatal(err)
			}
			if again.embedded() != total || !strings.Contains(logs.String(), "ignoring embedding snapshot") {
				t.Errorf("rebuild embedded %d of %d; logs:\n%s", again.embedded(), total, logs.String())
			}
		})
	}

	t.Run("journal", func(t *testing.T) {
		dir := t.TempDir()
		id := newScripted(0).Identity()
		j := &journal{path: journalPath(snapshotPath(dir, id)), id: id}
		good := Normalize(make([]float32, id.Dims))
		nan := append([]float32(nil), good...)
		nan[1] = float32(math.NaN())
		for i, v := range [][]float32{good, good, nan, good} {
			if err := j.append([]string{fmt.Sprint("h", i)}, [][]float32{v}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := j.read()
		if err != nil || got.records != 2 || got.tail == nil || !strings.Contains(got.tail.Error(), "not finite") {
			t.Errorf("journal with a NaN record: read %d records, tail %v, err %v; want 2 and the NaN named", got.records, got.tail, err)
		}
	})

	t.Run("embedder", func(t *testing.T) {
		dir := t.TempDir()
		emb := newScripted(0)
		emb.nan = true
		ix := Open(discard(), emb, dir, durableOpts)
		rep, err := ix.Sync(ctx, arts, nil)
		if !errors.Is(err, ErrPending) || !strings.Contains(err.Error(), "NaN") {
			t.Fatalf("Sync with an embedder returning NaN: err = %v", err)
		}
		if rep.Embedded != 0 || ix.Len() != 0 {
			t.Errorf("NaN batch kept: %+v, %d chunks indexed", rep, ix.Len())
		}
		if _, err := os.Stat(journalPath(snapshotPath(dir, emb.Identity()))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("NaN batch journaled: %v", err)
		}
	})
}

// TestSweepOnOpen: temporary snapshot files of killed writes are removed
// when the index opens; a recent one and other files stay.
func TestSweepOnOpen(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * staleTemp)
	files := map[string]bool{ // name → want removed
		".embeddings-local-hashed-sif-v2-132.snap.4152.tmp": true,
		".embeddings-openai-m-64.snap.99.tmp":               true,
		".embeddings-local-hashed-sif-v2-132.snap.7.tmp":    false, // recent
		".summaries.json.12.tmp":                            false, // another package's
		"embeddings-local-hashed-sif-v2-132.snap.journal":   false,
		"feedback.jsonl": false,
	}
	for name, stale := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if stale || name != ".embeddings-local-hashed-sif-v2-132.snap.7.tmp" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	Open(discard(), NewLocalEmbedder(132), dir, Options{})
	for name, want := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone := errors.Is(err, os.ErrNotExist); gone != want {
			t.Errorf("%s: removed = %t, want %t", name, gone, want)
		}
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

// TestFindSnapshot finds the dimensions of a model's snapshot by name,
// the newest when there are several.
func TestFindSnapshot(t *testing.T) {
	dir := t.TempDir()
	if _, ok := FindSnapshot(dir, "openai", "nomic-embed-text:latest"); ok {
		t.Error("FindSnapshot in an empty directory: found one")
	}
	old := time.Now().Add(-time.Hour)
	for _, f := range []struct {
		id    Identity
		mtime time.Time
	}{
		{Identity{"openai", "nomic-embed-text:latest", 512}, old},
		{Identity{"openai", "nomic-embed-text:latest", 768}, time.Now()},
		{Identity{"openai", "nomic-embed-text:latest-v2", 1024}, time.Now()},
		{Identity{"local", "nomic-embed-text:latest", 2048}, time.Now()},
	} {
		p := snapshotPath(dir, f.id)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, f.mtime, f.mtime); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, ".embeddings-openai-nomic-embed-text_latest-4096.snap.1.tmp"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "embeddings-openai-nomic-embed-text_latest-4096.snap.journal"), nil, 0o644)
	id, ok := FindSnapshot(dir, "openai", "nomic-embed-text:latest")
	if want := (Identity{"openai", "nomic-embed-text:latest", 768}); !ok || id != want {
		t.Errorf("FindSnapshot = %v, %t; want %v", id, ok, want)
	}
}
