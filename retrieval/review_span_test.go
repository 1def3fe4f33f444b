package retrieval

import (
	"context"
	"fmt"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// TestReviewBadSpanRepaired: a snapshot whose chunk span does not fit its
// article's body (a damaged or foreign snapshot under a good checksum)
// makes the next start split the article again, as chunksOf says; that
// start must then record the chunks it cut, so that the start after it
// splits nothing, rather than keep and rewrite the bad span forever.
func TestReviewBadSpanRepaired(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := &hashEmbedder{dims: 8}
	opt := Options{Split: SplitOptions{MaxChars: 120, OverlapChars: 0}}
	arts := manyArticles(3)
	if _, err := Open(discard(), emb, dir, opt).Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	path := snapshotPath(dir, emb.Identity())
	s, err := readSnapshot(path, emb.Identity())
	if err != nil {
		t.Fatal(err)
	}
	ac := s.Chunks[arts[1].ID]
	if !ac.spanned() || ac.Spans[1].n == 0 {
		t.Fatalf("chunk 1 of %s is not kept as a span", arts[1].ID)
	}
	ac.Spans[1].off = uint32(len(arts[1].Body)) // past the body
	for _, a := range arts {
		s.Order = append(s.Order, s.Chunks[a.ID].Hashes...)
	}
	if err := writeSnapshot(path, s); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		ix := Open(discard(), emb, dir, opt)
		rep, err := ix.Sync(ctx, arts, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := &syncModel{t: t, emb: emb, opt: opt, texts: map[string]string{}}
		for _, a := range arts {
			for _, c := range Split(a, opt.Split) {
				m.texts[c.Hash()] = c.EmbedText()
			}
		}
		m.check(&modelIndex{name: fmt.Sprintf("start %d", i+1), ix: ix, served: map[string]corpus.Article{arts[0].ID: arts[0], arts[1].ID: arts[1], arts[2].ID: arts[2]}}, arts)
		if rep.Split != want {
			t.Errorf("start %d after the bad span: split %d articles, want %d", i+1, rep.Split, want)
		}
	}
}
