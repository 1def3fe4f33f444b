package retrieval

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/situationbot/bot/corpus"
)

// listing records every file under dir with its size and modification
// time, to tell whether anything was written.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fmt.Sprint(info.ModTime().Format(time.RFC3339Nano), " ", info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadOnlyFollowsWriter syncs a writer and a read-only index over the
// same folder: the reader embeds nothing the writer's snapshot holds,
// serves what the writer added once it reloads, and writes nothing.
func TestReadOnlyFollowsWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := loadCorpus(t)
	writerEmb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(164)}
	writer := Open(discard(), writerEmb, dir, Options{})
	if _, err := writer.Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	before := listing(t, dir)

	readerEmb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(164)}
	reader := OpenReadOnly(discard(), readerEmb, dir, Options{})
	rep, err := reader.Sync(ctx, arts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readerEmb.take(); got != 0 || rep.Chunks != chunkCount(arts...) {
		t.Fatalf("reader's first sync embedded %d, report %+v; want 0 embedded, %d chunks", got, rep, chunkCount(arts...))
	}

	// The writer adds an article; the reader, once it reloads, serves it
	// without embedding it.
	extra := article("extra", "Aid trucks reached the old city on Saturday. Residents queued for bread.")
	all := append(append([]corpus.Article(nil), arts...), extra)
	if _, err := writer.Sync(ctx, all, nil); err != nil {
		t.Fatal(err)
	}
	snap := SnapshotPath(dir, writer.Identity())
	if n, err := reader.LoadSnapshot(snap); err != nil || n != chunkCount(all...) {
		t.Fatalf("LoadSnapshot = %d, %v; want %d vectors", n, err, chunkCount(all...))
	}
	before = listing(t, dir) // the writer's new snapshot
	rep, err = reader.Sync(ctx, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readerEmb.take(); got != 0 || len(rep.Added) != 1 {
		t.Fatalf("reader's reload embedded %d, report %+v; want 0 embedded, 1 added", got, rep)
	}
	if ps, err := reader.Search(ctx, "aid trucks reached the old city", 3); err != nil || len(ps) == 0 || ps[0].ArticleID != "extra" {
		t.Fatalf("reader's search = %v, %v; want the extra article first", ps, err)
	}

	// An article the snapshot lacks is embedded in memory, and nothing is
	// written: no snapshot, no journal, no temporary file.
	more := append(all, article("more", "Talks resumed in Geneva on Monday."))
	if _, err := reader.Sync(ctx, more, nil); err != nil {
		t.Fatal(err)
	}
	if got := readerEmb.take(); got == 0 {
		t.Error("the reader did not embed the article its snapshot lacks")
	}
	after := listing(t, dir)
	if len(after) != len(before) {
		t.Errorf("the reader changed the folder: %v, was %v", after, before)
	}
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed: %s, was %s", p, after[p], v)
		}
	}
}

// TestReadOnlyWithoutSnapshot opens a reader before any writer has saved:
// it embeds for itself, in memory, and LoadSnapshot reports the missing
// file.
func TestReadOnlyWithoutSnapshot(t *testing.T) {
	dir := t.TempDir()
	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(164)}
	reader := OpenReadOnly(discard(), emb, dir, Options{})
	arts := loadCorpus(t)
	if _, err := reader.Sync(context.Background(), arts, nil); err != nil {
		t.Fatal(err)
	}
	if got := emb.take(); got != chunkCount(arts...) {
		t.Errorf("embedded %d, want %d", got, chunkCount(arts...))
	}
	if _, err := reader.LoadSnapshot(SnapshotPath(dir, reader.Identity())); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadSnapshot of no file = %v, want fs.ErrNotExist", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the reader wrote %v", entries)
	}
}
