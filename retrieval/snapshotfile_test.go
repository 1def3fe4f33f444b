package retrieval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// savedCorpus indexes the corpus in dir with a counting local embedder
// (its count then reset), and returns the articles, the embedder, the
// snapshot's path and the snapshot as read.
func savedCorpus(t *testing.T, dir string) ([]corpus.Article, *countingEmbedder, string, *snapshot) {
	t.Helper()
	arts := loadCorpus(t)
	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
	if _, err := Open(discard(), emb, dir, Options{}).Sync(context.Background(), arts, nil); err != nil {
		t.Fatal(err)
	}
	emb.take()
	path := snapshotPath(dir, emb.Identity())
	snap, err := readSnapshot(path, emb.Identity())
	if err != nil {
		t.Fatal(err)
	}
	return arts, emb, path, snap
}

// TestSnapshotV1Migrates: a snapshot of format v1 (one gob, no chunks)
// gives its vectors to the next start, which splits every article once,
// embeds nothing and rewrites the snapshot in the current format.
func TestSnapshotV1Migrates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts, emb, path, snap := savedCorpus(t, dir)
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(snapshotV1{Identity: snap.Identity, Articles: snap.Articles, Vectors: snap.Vectors}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body.Bytes())
	v1 := append(append([]byte(snapshotMagicV1), body.Bytes()...), sum[:]...)
	if err := os.WriteFile(path, v1, 0o644); err != nil {
		t.Fatal(err)
	}

	var logs strings.Builder
	rep, err := Open(logTo(&logs), emb, dir, Options{}).Sync(ctx, arts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emb.take(); got != 0 || rep.Split != len(arts) || len(rep.Unchanged) != len(arts) {
		t.Errorf("first start on a v1 snapshot: embedded %d, split %d of %d articles, report %+v; want 0 embedded, all split", got, rep.Split, len(arts), rep)
	}
	if !strings.Contains(logs.String(), "older format") || strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("v1 snapshot: want one info line about the older format; logs:\n%s", logs.String())
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte(snapshotMagic)) {
		t.Fatalf("snapshot not rewritten in the current format (err %v)", err)
	}
	rep, err = Open(discard(), emb, dir, Options{}).Sync(ctx, arts, nil)
	if err != nil || rep.Split != 0 || emb.take() != 0 {
		t.Errorf("second start: split %d, err %v; want nothing split or embedded", rep.Split, err)
	}
}

// TestSnapshotStreamDamage: damage that only the end of the stream shows
// (the trailer, bytes after it, a missing end record) makes the snapshot
// untrusted, and so does another embedder's header.
func TestSnapshotStreamDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := NewLocalEmbedder(132)
	if _, err := Open(discard(), emb, dir, Options{}).Sync(ctx, manyArticles(3), nil); err != nil {
		t.Fatal(err)
	}
	path := snapshotPath(dir, emb.Identity())
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := len(good)
	endRecord := n - sha256.Size - 5 // 4-byte length, kind 'E'
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"trailer flipped", flip(good, n-1), "checksum mismatch"},
		{"trailer cut", good[:n-1], ""},
		{"byte after the trailer", append(bytes.Clone(good), 0), ""},
		{"no end record", append(bytes.Clone(good[:endRecord]), good[n-sha256.Size:]...), ""},
		{"vector flipped", flip(good, len(snapshotMagic)+200), ""},
		{"magic of v4", append([]byte("situationbot-embeddings-v4\n"), good[len(snapshotMagic):]...), "bad header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := readSnapshot(path, emb.Identity())
			if !errors.Is(err, ErrCorruptSnapshot) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("readSnapshot = %v, want ErrCorruptSnapshot %q", err, tc.want)
			}
		})
	}
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	other := NewLocalEmbedder(140).Identity()
	if _, err := readSnapshot(path, other); !errors.Is(err, ErrCorruptSnapshot) || !strings.Contains(err.Error(), "embedder") {
		t.Errorf("readSnapshot for another embedder = %v, want ErrCorruptSnapshot naming the embedder", err)
	}
}

// flip returns a copy of b with the byte at i inverted.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

// TestSnapshotV2Read: a snapshot of format v2 (chunk texts, not spans)
// serves the next start, which neither splits nor embeds, and is
// rewritten in the current format (its chunks kept as texts until their
// article changes).
func TestSnapshotV2Read(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts, emb, path, snap := savedCorpus(t, dir)
	// The vectors in chunk order, as the current format writes them, so
	// that only the format calls for the rewrite.
	for _, a := range arts {
		snap.Order = append(snap.Order, snap.Chunks[a.ID].Hashes...)
	}
	if err := os.WriteFile(path, encodeV2(t, snap, arts), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Open(discard(), emb, dir, Options{}).Sync(ctx, arts, nil)
	if err != nil || emb.take() != 0 || rep.Split != 0 {
		t.Fatalf("start on a v2 snapshot: split %d, err %v; want nothing split or embedded", rep.Split, err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte(snapshotMagic)) {
		t.Fatalf("the v2 snapshot was not rewritten in the current format (%v)", err)
	}
	again, err := readSnapshot(path, emb.Identity())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		if got, ok := again.Chunks[a.ID].chunksOf(a); !ok || !reflect.DeepEqual(got, Split(a, DefaultSplitOptions)) {
			t.Errorf("rewritten chunks of %s differ from Split", a.ID)
		}
	}
}

// encodeV2 writes s in format v2, the vectors of s.Order first (none: all
// sorted by hash, as v2 wrote them), then the articles of arts, in order,
// their chunk texts resolved against them.
func encodeV2(t *testing.T, s *snapshot, arts []corpus.Article) []byte {
	t.Helper()
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
	for _, h := range vectorOrder(s) {
		v := s.Vectors[h]
		p = append([]byte{recVector, byte(len(h))}, h...)
		for _, x := range v {
			p = binary.LittleEndian.AppendUint32(p, math.Float32bits(x))
		}
		frame(p)
	}
	for _, a := range arts {
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
	return append(out, sum[:]...)
}
