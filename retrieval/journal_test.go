package retrieval

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/situationbot/bot/corpus"
)

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

// TestLocalEmbedderNoJournal: the local embedder's vectors are not
// checkpointed (redoing them is cheaper than writing them): a sync
// cancelled after its first batch leaves no journal.
func TestLocalEmbedderNoJournal(t *testing.T) {
	dir := t.TempDir()
	emb := NewLocalEmbedder(132)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Open(discard(), emb, dir, durableOpts).Sync(ctx, manyArticles(6), func(done, total int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync cancelled after a batch: err = %v", err)
	}
	if _, err := os.Stat(journalPath(snapshotPath(dir, emb.Identity()))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the local embedder's sync left a journal (stat: %v)", err)
	}
}
