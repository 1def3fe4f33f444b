package retrieval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// TestRestoredChunksEqualSplit: the chunks an index restores from its
// snapshot are exactly what Split cuts, for the shipped corpus and for
// random articles (headings, long tokens, CJK), and a restart with an
// unchanged corpus splits and embeds nothing.
func TestRestoredChunksEqualSplit(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 5))
	var random []corpus.Article
	for i := range 40 {
		random = append(random, article(fmt.Sprintf("r%02d", i), randomBody(r)))
	}
	g := newNewsGen(7)
	for i := range 20 {
		random = append(random, g.article(i))
	}
	cases := []struct {
		name string
		arts []corpus.Article
		opt  SplitOptions
	}{
		{"shipped corpus", loadCorpus(t), DefaultSplitOptions},
		{"shipped corpus, small chunks", loadCorpus(t), durableOpts.Split},
		{"random articles", random, DefaultSplitOptions},
		{"random articles, small chunks", random, SplitOptions{MaxChars: 120, OverlapChars: 40}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
			opt := Options{Split: tc.opt}
			first := Open(discard(), emb, dir, opt)
			if rep, err := first.Sync(ctx, tc.arts, nil); err != nil || rep.Split != len(tc.arts) {
				t.Fatalf("first Sync split %d of %d articles, err %v", rep.Split, len(tc.arts), err)
			}
			emb.take()

			snap, err := readSnapshot(snapshotPath(dir, emb.Identity()), emb.Identity())
			if err != nil {
				t.Fatal(err)
			}
			if snap.Split != tc.opt {
				t.Errorf("snapshot split options %+v, want %+v", snap.Split, tc.opt)
			}
			var want []Chunk
			for _, a := range tc.arts {
				cs := Split(a, tc.opt)
				want = append(want, cs...)
				ac, ok := snap.Chunks[a.ID]
				if !ok {
					t.Fatalf("snapshot lacks the chunks of %s", a.ID)
				}
				if got, ok := ac.chunksOf(a); !ok || !reflect.DeepEqual(got, cs) {
					t.Errorf("restored chunks of %s differ from Split:\n got %+v\nwant %+v", a.ID, got, cs)
				}
				if !reflect.DeepEqual(ac.Hashes, chunkHashes(cs)) {
					t.Errorf("restored chunk hashes of %s differ from Chunk.Hash", a.ID)
				}
			}

			again := Open(discard(), emb, dir, opt)
			rep, err := again.Sync(ctx, tc.arts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Split != 0 || emb.take() != 0 || len(rep.Unchanged) != len(tc.arts) {
				t.Errorf("restart with an unchanged corpus: split %d articles, embedded some, report %+v; want nothing", rep.Split, rep)
			}
			if got := again.current().chunks; !reflect.DeepEqual(got, want) {
				t.Errorf("restarted index serves %d chunks that differ from Split's %d", len(got), len(want))
			}
			if !reflect.DeepEqual(again.current().chunks, first.current().chunks) {
				t.Error("restarted index serves other chunks than the first")
			}
		})
	}
}

// TestSyncSplitsOnlyChanged: within one process and across a restart, a
// Sync splits only the new and changed articles, and the index serves what
// Split cuts of the current versions.
func TestSyncSplitsOnlyChanged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := manyArticles(6)
	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
	ix := Open(discard(), emb, dir, durableOpts)
	if _, err := ix.Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	arts[2] = article(arts[2].ID, arts[2].Body+"\n\nA late paragraph about the convoy.")
	arts = append(arts, article("new", "A new article about the talks in Geneva."))
	var want []Chunk
	for _, a := range arts {
		want = append(want, Split(a, durableOpts.Split)...)
	}
	// The same index splits the two changed articles; a restarted one,
	// after that sync saved them, splits none.
	for _, step := range []struct {
		name      string
		ix        *Index
		wantSplit int
	}{
		{"same process", ix, 2},
		{"restart", nil, 0},
	} {
		if step.ix == nil {
			step.ix = Open(discard(), emb, dir, durableOpts)
		}
		rep, err := step.ix.Sync(ctx, arts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Split != step.wantSplit {
			t.Errorf("%s: Sync split %d articles, want %d", step.name, rep.Split, step.wantSplit)
		}
		if !reflect.DeepEqual(step.ix.current().chunks, want) {
			t.Errorf("%s: index serves chunks other than Split's", step.name)
		}
	}
	arts[0] = article(arts[0].ID, "Replaced entirely.")
	rep, err := ix.Sync(ctx, arts, nil)
	if err != nil || rep.Split != 1 || len(rep.Updated) != 1 {
		t.Errorf("one article changed: split %d, report %+v, err %v; want 1", rep.Split, rep, err)
	}
}

// TestSplitOptionsChange: a snapshot cut with other split options gives its
// vectors but not its chunks; every article is split again, once.
func TestSplitOptionsChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := manyArticles(4)
	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
	if _, err := Open(discard(), emb, dir, durableOpts).Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	other := Options{Split: SplitOptions{MaxChars: 300, OverlapChars: 50}, BatchSize: 4}
	rep, err := Open(logTo(&logs), emb, dir, other).Sync(ctx, arts, nil)
	if err != nil || rep.Split != len(arts) || !strings.Contains(logs.String(), "split options or rules changed") {
		t.Errorf("new split options: split %d of %d articles, err %v; logs:\n%s", rep.Split, len(arts), err, logs.String())
	}
	if rep, err := Open(discard(), emb, dir, other).Sync(ctx, arts, nil); err != nil || rep.Split != 0 {
		t.Errorf("second start with the new options: split %d, err %v; want 0", rep.Split, err)
	}
}
