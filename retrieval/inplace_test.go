package retrieval

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestStartScansSnapshotInPlace: a start with the corpus of the last save
// scans the snapshot's rows as read, and chromem-go's documents hold those
// very rows, so that each vector is in memory once; a snapshot written in
// another order is copied on the first start and rewritten, and the next
// start scans it in place. Results are the same either way.
func TestStartScansSnapshotInPlace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := manyArticles(12)
	emb := randomEmbedder{dims: 48} // not unit vectors: normalised in place
	first := Open(discard(), emb, dir, durableOpts)
	if _, err := first.Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	query := arts[3].Body[:80]
	want, err := first.Search(ctx, query, 5)
	if err != nil || len(want) == 0 {
		t.Fatalf("Search = %v, %v", want, err)
	}

	start := func(name string) *Index {
		t.Helper()
		ix := Open(discard(), emb, dir, durableOpts)
		rep, err := ix.Sync(ctx, arts, nil)
		if err != nil || rep.Embedded != 0 {
			t.Fatalf("%s: Sync embedded %d, err %v", name, rep.Embedded, err)
		}
		got, err := ix.Search(ctx, query, 5)
		if err != nil || !reflect.DeepEqual(passageIDs(got), passageIDs(want)) {
			t.Fatalf("%s: Search = %v, %v; want %v", name, passageIDs(got), err, passageIDs(want))
		}
		for i := range got {
			if got[i].VectorScore != want[i].VectorScore {
				t.Errorf("%s: passage %s scores %v, want %v", name, got[i].ID, got[i].VectorScore, want[i].VectorScore)
			}
		}
		return ix
	}
	ix := start("start after a save")
	st := ix.current()
	if !st.adopted {
		t.Fatal("a start with the saved corpus copied the snapshot's vectors")
	}
	checkHeldOnce(t, ix)

	// The same vectors written sorted by hash, as older builds wrote them.
	path := snapshotPath(dir, emb.Identity())
	snap, err := readSnapshot(path, emb.Identity())
	if err != nil {
		t.Fatal(err)
	}
	snap.Order = nil
	if err := writeSnapshot(path, snap); err != nil {
		t.Fatal(err)
	}
	if ix := start("start with a sorted snapshot"); ix.current().adopted {
		t.Error("rows in another order were scanned in place")
	} else {
		checkHeldOnce(t, ix)
	}
	if ix := start("start after the rewrite"); !ix.current().adopted {
		t.Error("the snapshot was not rewritten in chunk order")
	}
}

// checkHeldOnce checks that ix's vector of every chunk is the row the
// scan reads, and that chromem-go's document holds the same memory.
func checkHeldOnce(t *testing.T, ix *Index) {
	t.Helper()
	st := ix.current()
	for i, h := range st.hashes {
		row := st.vec.row(i)
		if v := ix.vectors[h]; &v[0] != &row[0] {
			t.Fatalf("chunk %d: the index's vector is not the scanned row", i)
		}
		if i%5 != 0 {
			continue
		}
		// chromem-go's results alias the stored embedding. (Chunks of
		// the same text share a vector: the best match may be another.)
		res, err := st.col.QueryEmbedding(context.Background(), row, 1, nil, nil)
		if err != nil || len(res) != 1 {
			t.Fatalf("chunk %d: QueryEmbedding = %v, %v", i, res, err)
		}
		j := slices.IndexFunc(st.chunks, func(c Chunk) bool { return c.ID == res[0].ID })
		if j < 0 || &res[0].Embedding[0] != &st.vec.row(j)[0] {
			t.Fatalf("chunk %d: chromem-go holds a copy of the row", i)
		}
	}
}

func passageIDs(ps []Passage) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestChunksShareTheBody: a chunk that is a span of its article's body is
// that span of the body's memory, not a copy, whether Split cut it or a
// snapshot restored it.
func TestChunksShareTheBody(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := loadCorpus(t)
	within := func(c Chunk, body string) bool {
		p, b := uintptr(unsafe.Pointer(unsafe.StringData(c.Text))), uintptr(unsafe.Pointer(unsafe.StringData(body)))
		return p >= b && p+uintptr(len(c.Text)) <= b+uintptr(len(body))
	}
	shared, total := 0, 0
	for _, a := range arts {
		for _, c := range Split(a, DefaultSplitOptions) {
			total++
			if within(c, a.Body) {
				shared++
			}
		}
	}
	if shared == 0 {
		t.Fatalf("Split: none of %d chunks shares its article's body", total)
	}
	emb := NewLocalEmbedder(132)
	if _, err := Open(discard(), emb, dir, Options{}).Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	ix := Open(discard(), emb, dir, Options{})
	if rep, err := ix.Sync(ctx, arts, nil); err != nil || rep.Split != 0 {
		t.Fatalf("restart: split %d, err %v", rep.Split, err)
	}
	bodies := map[string]string{}
	for _, a := range arts {
		bodies[a.ID] = a.Body
	}
	restored := 0
	for _, c := range ix.current().chunks {
		if within(c, bodies[c.ArticleID]) {
			restored++
		}
	}
	if restored != shared {
		t.Errorf("restored from the snapshot, %d chunks share their article's body; Split shares %d", restored, shared)
	}
}

// TestFirstSyncScansEmbeddedRows: the vectors a first sync embeds are
// written, normalised, into rows in chunk order, which the state scans
// in place.
func TestFirstSyncScansEmbeddedRows(t *testing.T) {
	ix := Open(discard(), randomEmbedder{dims: 40}, "", Options{})
	if _, err := ix.Sync(context.Background(), loadCorpus(t), nil); err != nil {
		t.Fatal(err)
	}
	if !ix.current().adopted {
		t.Fatal("the first sync copied the vectors it embedded")
	}
	checkHeldOnce(t, ix)
}

// TestSpansNeedTheSameBody: spans restored from a snapshot are used only on
// the body they were cut from; a file read into another body (a release
// that parses differently: same file hash) is split again.
func TestSpansNeedTheSameBody(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	arts := loadCorpus(t)
	emb := NewLocalEmbedder(132)
	if _, err := Open(discard(), emb, dir, Options{}).Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	changed := slices.Clone(arts)
	changed[0].Body = strings.Replace(changed[0].Body, "e", "a", 1) // same length, same file hash
	ix := Open(discard(), emb, dir, Options{})
	rep, err := ix.Sync(ctx, changed, nil)
	if err != nil || rep.Split != 1 {
		t.Fatalf("Sync with one body changed under the same hash: split %d, err %v; want 1", rep.Split, err)
	}
	want := Split(changed[0], DefaultSplitOptions)
	if got := ix.current().chunks[:len(want)]; !reflect.DeepEqual(got, want) {
		t.Errorf("chunks of the changed body differ from Split")
	}
}
