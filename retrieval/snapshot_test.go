package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
