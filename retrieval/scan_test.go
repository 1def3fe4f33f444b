package retrieval

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	chromem "github.com/philippgille/chromem-go"
)

// randVectors returns n random vectors of dims with components uniform in
// [-1, 1), normalised when unit is set.
func randVectors(r *rand.Rand, n, dims int, unit bool) [][]float32 {
	vs := make([][]float32, n)
	for i := range vs {
		v := make([]float32, dims)
		for j := range v {
			v[j] = 2*r.Float32() - 1
		}
		if unit {
			normalizeInPlace(v)
		}
		vs[i] = v
	}
	return vs
}

// randIndex is an index built over n chunks with the given vectors, and an
// embedder that maps each query text of queryText(i) to qv[i].
type randIndex struct {
	ix *Index
	st *state
	qv [][]float32
}

// queryText is the text of the i-th query of a randIndex.
func queryText(i int) string { return fmt.Sprintf("query %d", i) }

// newRandIndex builds an index over n chunks whose vectors are random
// (normalised when unit is set), with nq random queries.
func newRandIndex(tb testing.TB, n, dims, nq int, seed uint64, unit bool) *randIndex {
	tb.Helper()
	ri, err := buildRandIndex(n, dims, nq, seed, unit)
	if err != nil {
		tb.Fatalf("build: %v", err)
	}
	return ri
}

// buildRandIndex is newRandIndex without a testing.TB, for the benchmarks'
// lazily built data.
func buildRandIndex(n, dims, nq int, seed uint64, unit bool) (*randIndex, error) {
	r := rand.New(rand.NewPCG(seed, uint64(dims)))
	vs := randVectors(r, n, dims, unit)
	ri := &randIndex{qv: randVectors(r, nq, dims, unit)}
	byText := make(map[string][]float32, nq)
	for i, v := range ri.qv {
		byText[queryText(i)] = v
	}
	emb := EmbedFunc{
		ID: Identity{Kind: "test", Model: "random", Dims: dims},
		Fn: func(_ context.Context, texts []string) ([][]float32, error) {
			out := make([][]float32, len(texts))
			for i, t := range texts {
				if out[i] = byText[t]; out[i] == nil {
					return nil, fmt.Errorf("no vector for %q", t)
				}
			}
			return out, nil
		},
	}
	ri.ix = Open(slog.New(slog.NewTextHandler(io.Discard, nil)), emb, "", Options{Mode: Vector})
	chunks := make([]Chunk, n)
	vectors := make(map[string][]float32, n)
	for i := range chunks {
		chunks[i] = Chunk{ID: fmt.Sprintf("a%07d#0", i), ArticleID: fmt.Sprintf("a%07d", i), Text: fmt.Sprintf("chunk %d", i)}
		vectors[chunks[i].Hash()] = vs[i]
	}
	st, err := ri.ix.build(context.Background(), nil, chunks, chunkHashes(chunks), vectors, nil)
	if err != nil {
		return nil, err
	}
	ri.ix.st, ri.st = st, st
	return ri, nil
}

// TestFlatSearchMatchesChromem checks that the contiguous scan gives
// chromem-go's QueryEmbedding results over the same collection: the same
// IDs in the same order and the same similarities to the bit, at sizes on
// both sides of the parallel threshold, with and without normalised input.
// (Random vectors have no exact ties; tied holds the rule if one occurs.)
func TestFlatSearchMatchesChromem(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		n, dims int
		unit    bool
	}{
		{"tiny", 5, 8, true},
		{"odd dims", 300, 13, true},
		{"small", 2_000, 64, true},
		{"not normalised", 2_000, 64, false},
		{"parallel", 12_000, 356, true},
		{"parallel not normalised", 7_000, 1_536, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ri := newRandIndex(t, tc.n, tc.dims, 5, uint64(tc.n), tc.unit)
			if ri.st.vec.Len() != tc.n || ri.st.col.Count() != tc.n {
				t.Fatalf("copy holds %d rows, collection %d documents; want %d", ri.st.vec.Len(), ri.st.col.Count(), tc.n)
			}
			for qi, q := range ri.qv {
				for _, k := range []int{1, 20, tc.n} {
					k = min(k, tc.n, 100)
					want, err := ri.st.col.QueryEmbedding(ctx, q, k, nil, nil)
					if err != nil {
						t.Fatal(err)
					}
					got, err := ri.st.vec.search(q, k)
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != len(want) {
						t.Fatalf("query %d, k=%d: %d hits, want %d", qi, k, len(got), len(want))
					}
					for i, h := range got {
						id := ri.st.chunks[h.doc].ID
						if h.sim != want[i].Similarity || (id != want[i].ID && !tied(want, i, id)) {
							t.Fatalf("query %d, k=%d, rank %d: %s (%.9g), want %s (%.9g)", qi, k, i, id, h.sim, want[i].ID, want[i].Similarity)
						}
					}
				}
			}
		})
	}
}

// tied reports whether id is in want with the similarity of want[i]:
// chromem-go leaves equal similarities in no particular order.
func tied(want []chromem.Result, i int, id string) bool {
	for _, r := range want {
		if r.ID == id {
			return r.Similarity == want[i].Similarity
		}
	}
	return false
}

// TestFlatSearchTies checks that equal similarities come out by row, the
// same whether the scan is split over goroutines or not.
func TestFlatSearchTies(t *testing.T) {
	const dims = 64
	n := scanParallelMin/dims + 100
	r := rand.New(rand.NewPCG(7, 7))
	distinct := randVectors(r, 10, dims, true)
	f := newFlatVectors(n, dims)
	for i := range n {
		if err := f.set(i, distinct[i%10]); err != nil {
			t.Fatal(err)
		}
	}
	q := distinct[3]
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		got, err := f.search(q, 25)
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range got {
			if want := 3 + 10*i; h.doc != want {
				t.Fatalf("GOMAXPROCS=%d: rank %d is row %d, want %d", procs, i, h.doc, want)
			}
		}
	}
}

// TestFlatSearchErrors checks the cases the scan refuses or answers empty.
func TestFlatSearchErrors(t *testing.T) {
	f := newFlatVectors(3, 4)
	if err := f.set(0, []float32{1, 0, 0}); err == nil {
		t.Error("set accepted a vector of 3 dimensions in a copy of 4")
	}
	if _, err := f.search([]float32{1, 0}, 2); err == nil {
		t.Error("search accepted a query of 2 dimensions in a copy of 4")
	}
	if got, err := f.search([]float32{1, 0, 0, 0}, 0); got != nil || err != nil {
		t.Errorf("search(k=0) = %v, %v; want nothing", got, err)
	}
	if got, err := newFlatVectors(0, 4).search([]float32{1, 0, 0, 0}, 5); got != nil || err != nil {
		t.Errorf("search over no rows = %v, %v; want nothing", got, err)
	}
	if got, _ := f.search([]float32{1, 0, 0, 0}, 10); len(got) != 3 {
		t.Errorf("search(k=10) over 3 rows gave %d hits, want 3", len(got))
	}
}

// TestSearchVectorModeUsesCopy checks that Search in vector mode ranks as
// chromem-go's QueryEmbedding does over the same state.
func TestSearchVectorModeUsesCopy(t *testing.T) {
	ctx := context.Background()
	ri := newRandIndex(t, 3_000, 32, 3, 11, true)
	for i, q := range ri.qv {
		ps, err := ri.ix.Search(ctx, queryText(i), 5)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ri.st.col.QueryEmbedding(ctx, q, 20, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for j, p := range ps {
			if p.ID != want[j].ID || math.Abs(p.VectorScore-float64(want[j].Similarity)) > 1e-5 {
				t.Errorf("query %d, rank %d: Search gave %s (%.6f), QueryEmbedding %s (%.6f)", i, j, p.ID, p.VectorScore, want[j].ID, want[j].Similarity)
			}
		}
	}
}
