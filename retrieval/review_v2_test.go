package retrieval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"math"
	"os"
	"slices"
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
	var out []byte
	frame := func(p []byte) {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	out = append(out, snapshotMagicV2...)
	p := appendStr([]byte{recHeader}, identityRecord(s.Identity))
	for _, x := range []int{s.Split.MaxChars, s.Split.OverlapChars, s.SplitVersion, len(s.Vectors), len(s.Articles)} {
		p = binary.AppendUvarint(p, uint64(x))
	}
	frame(p)
	for _, h := range slices.Sorted(maps.Keys(s.Vectors)) {
		p = append([]byte{recVector, byte(len(h))}, h...)
		for _, x := range s.Vectors[h] {
			p = binary.LittleEndian.AppendUint32(p, math.Float32bits(x))
		}
		frame(p)
	}
	all := append(slices.Clone(arts), twin)
	slices.SortFunc(all, func(a, b corpus.Article) int { return bytes.Compare([]byte(a.ID), []byte(b.ID)) })
	for _, a := range all {
		cs, ok := s.Chunks[a.ID].chunksOf(a)
		if !ok {
			t.Fatalf("no chunks of %s", a.ID)
		}
		p = appendStr(appendStr([]byte{recArticle}, a.ID), s.Articles[a.ID])
		p = binary.AppendUvarint(append(p, 1), uint64(len(cs)))
		for i, c := range cs {
			p = appendStr(appendStr(p, c.Text), s.Chunks[a.ID].Hashes[i])
		}
		frame(p)
	}
	frame([]byte{recEnd})
	sum := sha256.Sum256(out)
	if err := os.WriteFile(path, append(out, sum[:]...), 0o644); err != nil {
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
