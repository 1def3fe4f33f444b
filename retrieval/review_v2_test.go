package retrieval

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// TestReviewV2SortedMigrates: a snapshot of format v2 as the previous
// release wrote it (vectors sorted by hash, chunks as texts) serves the
// first start without splitting or embedding, with the right rows; that
// start rewrites it in format v3, and the next start scans it in place.
func TestReviewV2SortedMigrates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := &hashEmbedder{dims: 8}
	opt := Options{Split: SplitOptions{MaxChars: 150, OverlapChars: 30}}
	arts := manyArticles(4)
	// Two articles of one text: chunks that share a vector.
	twin := arts[0]
	twin.ID, twin.Hash = "twin", "twin:"+twin.Body
	arts = append(arts, twin)
	if _, err := Open(discard(), emb, dir, opt).Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	emb.take()
	arts = arts[:4] // the twin goes: the next starts may scan in place
	path := snapshotPath(dir, emb.Identity())
	s, err := readSnapshot(path, emb.Identity())
	if err != nil {
		t.Fatal(err)
	}
	// As v2 wrote it: vectors sorted by hash, articles by ID.
	s.Order = nil
	all := append(slices.Clone(arts), twin)
	slices.SortFunc(all, func(a, b corpus.Article) int { return strings.Compare(a.ID, b.ID) })
	if err := os.WriteFile(path, encodeV2(t, s, all), 0o644); err != nil {
		t.Fatal(err)
	}

	m := &syncModel{t: t, emb: emb, opt: opt, dir: dir, texts: map[string]string{}}
	served := map[string]corpus.Article{}
	for _, a := range all {
		for _, c := range Split(a, opt.Split) {
			m.texts[c.Hash()] = c.EmbedText()
		}
	}
	for _, a := range arts {
		served[a.ID] = a
	}
	for i, wantAdopted := range []bool{false, true, true} {
		ix := Open(discard(), emb, dir, opt)
		rep, err := ix.Sync(ctx, arts, nil)
		if err != nil || rep.Split != 0 || emb.take() != 0 {
			t.Fatalf("start %d: split %d, err %v; want nothing split or embedded", i+1, rep.Split, err)
		}
		m.check(&modelIndex{name: "start", ix: ix, served: served}, arts)
		if ix.current().adopted != wantAdopted {
			t.Errorf("start %d: scanned in place %v, want %v", i+1, ix.current().adopted, wantAdopted)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte(snapshotMagic)) {
			t.Fatalf("start %d: the snapshot is not of the current format (%v)", i+1, err)
		}
	}
}
