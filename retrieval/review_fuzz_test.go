package retrieval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// fuzzArts are the articles of the fuzz seed snapshot: single-spaced
// paragraphs (chunks kept as spans), paragraphs that Split re-spaces
// (chunks kept as texts), two articles of the same title and body (chunks
// sharing a vector), and one whose update cannot be embedded (served in
// its previous version).
func fuzzArts(update bool) []corpus.Article {
	para := func(i int) string {
		return fmt.Sprintf("Paragraph %d of the report: the convoy reached checkpoint %d before dawn, and aid workers counted families.", i, i*7)
	}
	var spaced, ragged strings.Builder
	for i := range 4 {
		spaced.WriteString(para(i) + "\n\n")
		ragged.WriteString(strings.ReplaceAll(para(i+10), " ", "  \n") + "\n\n")
	}
	twin := func(id string) corpus.Article {
		a := article(id, spaced.String())
		a.Title = "Twin"
		return a
	}
	pending := article("p", "An early version of the story.\n\nIt has two paragraphs.")
	if update {
		pending = article("p", "A later version that FAIL to embed.")
	}
	return []corpus.Article{article("s", spaced.String()), article("r", ragged.String()), twin("t1"), twin("t2"), pending}
}

var fuzzOpts = Options{Split: SplitOptions{MaxChars: 160, OverlapChars: 40}, BatchSize: 3}

// fuzzSeed returns a snapshot written by Sync for fuzzArts, without its
// trailer.
func fuzzSeed(f *testing.F, emb Embedder) []byte {
	dir := f.TempDir()
	ctx := context.Background()
	ix := Open(discard(), emb, dir, fuzzOpts)
	if _, err := ix.Sync(ctx, fuzzArts(false), nil); err != nil {
		f.Fatal(err)
	}
	if _, err := ix.Sync(ctx, fuzzArts(true), nil); !errors.Is(err, ErrPending) {
		f.Fatalf("second sync: %v, want ErrPending", err)
	}
	b, err := os.ReadFile(snapshotPath(dir, emb.Identity()))
	if err != nil {
		f.Fatal(err)
	}
	return b[:len(b)-sha256.Size]
}

// FuzzReadSnapshot feeds readSnapshot mutations of a real snapshot, with
// the checksum made right so that the decoding is what is tested. It must
// return a snapshot or ErrCorruptSnapshot, never panic; a snapshot it
// accepts must be consistent, and an index must start from it, sync and
// search, and write back a snapshot that reads.
func FuzzReadSnapshot(f *testing.F) {
	emb := &hashEmbedder{dims: 8}
	id := emb.Identity()
	seed := fuzzSeed(f, emb)
	f.Add(seed)
	f.Add([]byte(snapshotMagic))
	f.Add([]byte(snapshotMagicV2 + "\x05\x00\x00\x00H"))
	dir := f.TempDir() // one per fuzzing process: each input overwrites it
	path := snapshotPath(dir, id)
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := os.Remove(journalPath(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		if err := os.WriteFile(path, append(body[:len(body):len(body)], sum[:]...), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := readSnapshot(path, id)
		if err != nil {
			if !errors.Is(err, ErrCorruptSnapshot) && !errors.Is(err, errSnapshotV1) {
				t.Fatalf("readSnapshot = %v, want ErrCorruptSnapshot", err)
			}
			return
		}
		if len(s.Rows) != len(s.Vectors)*id.Dims {
			t.Fatalf("%d rows for %d vectors", len(s.Rows)/id.Dims, len(s.Vectors))
		}
		for h, v := range s.Vectors {
			if len(v) != id.Dims || !finite(v) {
				t.Fatalf("vector %q: %v", h, v)
			}
		}
		if len(s.Articles) > len(body) || len(s.Chunks) > len(s.Articles) {
			t.Fatalf("%d articles, %d with chunks, from %d bytes", len(s.Articles), len(s.Chunks), len(body))
		}
		// An index starts from it.
		ctx := context.Background()
		ix := Open(discard(), emb, dir, fuzzOpts)
		if _, err := ix.Sync(ctx, fuzzArts(true), nil); err != nil && !errors.Is(err, ErrPending) {
			t.Fatalf("Sync: %v", err)
		}
		st := ix.current()
		if st.vec.Len() != len(st.chunks) || len(st.hashes) != len(st.chunks) {
			t.Fatalf("state of %d chunks, %d rows, %d hashes", len(st.chunks), st.vec.Len(), len(st.hashes))
		}
		if _, err := ix.Search(ctx, "convoy checkpoint families", 5); err != nil {
			t.Fatalf("Search: %v", err)
		}
		if _, err := readSnapshot(path, id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the snapshot written back does not read: %v", err)
		}
	})
}

// TestReviewSnapshotEveryCut: a snapshot cut at any byte, or with any
// one byte inverted (its checksum then made right, so that the decoding
// meets the damage), reads as ErrCorruptSnapshot or, for a damage the
// format cannot tell, as a snapshot; it never panics.
func TestReviewSnapshotEveryCut(t *testing.T) {
	emb := &hashEmbedder{dims: 8}
	id := emb.Identity()
	dir := t.TempDir()
	ctx := context.Background()
	ix := Open(discard(), emb, dir, fuzzOpts)
	if _, err := ix.Sync(ctx, fuzzArts(false), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Sync(ctx, fuzzArts(true), nil); !errors.Is(err, ErrPending) {
		t.Fatal(err)
	}
	path := snapshotPath(dir, id)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "cut.snap")
	read := func(data []byte) error {
		t.Helper()
		if err := os.WriteFile(other, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readSnapshot(other, id)
		return err
	}
	// Every cut and inversion in the header and the first records, and
	// in the last records and the trailer; every few bytes between.
	sample := func(i, n int) bool { return i < 160 || i >= n-80 || i%29 == 0 }
	for n := range len(good) {
		if !sample(n, len(good)) {
			continue
		}
		if err := read(good[:n]); !errors.Is(err, ErrCorruptSnapshot) {
			t.Fatalf("cut at %d of %d bytes: %v, want ErrCorruptSnapshot", n, len(good), err)
		}
	}
	body := good[:len(good)-sha256.Size]
	for i := range body {
		if !sample(i, len(body)) {
			continue
		}
		b := bytes.Clone(body)
		b[i] ^= 0xff
		sum := sha256.Sum256(b)
		if err := read(append(b, sum[:]...)); err != nil && !errors.Is(err, ErrCorruptSnapshot) {
			t.Fatalf("byte %d inverted: %v, want ErrCorruptSnapshot or none", i, err)
		}
	}
}

// FuzzReviewTermReader: the keyword build, which reads a chunk's title
// and text apart, indexes the terms of its EmbedText, for any title and
// text.
func FuzzReviewTermReader(f *testing.F) {
	for _, s := range [][2]string{{"U.N", ".S. envoy"}, {"Syria'", "s army"}, {"2,", "500"}, {"x\xe2\x80", "\x99s"}, {"", "Homs"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		cs := []Chunk{{ID: "a#0", Title: title, Text: text}, {ID: "a#1", Title: text, Text: title}}
		want := newKeywordIndex([][]string{Terms(cs[0].EmbedText()), Terms(cs[1].EmbedText())})
		if got := indexChunks(cs); !reflect.DeepEqual(got, want) {
			t.Fatalf("title %q, text %q: the keyword build differs from Terms", title, text)
		}
	})
}
