package retrieval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestSnapshotV1Migrates: a snapshot of format v1 (one gob, no chunks)
// gives its vectors to the next start, which splits every article once,
// embeds nothing and rewrites the snapshot in format v2.
func TestSnapshotV1Migrates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := loadCorpus(t)
	emb := &countingEmbedder{LocalEmbedder: NewLocalEmbedder(132)}
	if _, err := Open(discard(), emb, dir, Options{}).Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	emb.take()
	path := snapshotPath(dir, emb.Identity())
	snap, err := readSnapshot(path, emb.Identity())
	if err != nil {
		t.Fatal(err)
	}
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
		t.Fatalf("snapshot not rewritten in format v2 (err %v)", err)
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
		{"magic of v3", append([]byte("situationbot-embeddings-v3\n"), good[len(snapshotMagic):]...), "bad header"},
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
