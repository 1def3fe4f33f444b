package retrieval

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// flatVectors holds the collection's vectors for the query path: one
// contiguous []float32 of n rows of dims, in chunk order, each row
// normalised exactly as chromem-go normalises what it stores. chromem-go
// keeps the documents of record (one per chunk, reached through a map),
// whose embeddings are these very rows (see Index.build); scanning the
// rows avoids the map walk, the per-document pointer chase and the shared,
// locked heap of chromem-go's scan, and costs no memory of its own.
type flatVectors struct {
	dims int
	data []float32 // row i is data[i*dims : (i+1)*dims]
}

// newFlatVectors returns room for n vectors of dims.
func newFlatVectors(n, dims int) *flatVectors {
	f := &flatVectors{dims: dims, data: make([]float32, n*dims)}
	adviseHuge(f.data)
	return f
}

// Len is the number of rows.
func (f *flatVectors) Len() int {
	if f == nil || f.dims == 0 {
		return 0
	}
	return len(f.data) / f.dims
}

// Bytes is the memory the rows take.
func (f *flatVectors) Bytes() int {
	if f == nil {
		return 0
	}
	return 4 * len(f.data)
}

// row returns row i, capped so that appending to it cannot write the next.
func (f *flatVectors) row(i int) []float32 {
	return f.data[i*f.dims : (i+1)*f.dims : (i+1)*f.dims]
}

// set stores v as row i, normalised as chromem-go stores it.
func (f *flatVectors) set(i int, v []float32) error {
	if len(v) != f.dims {
		return fmt.Errorf("vector of %d dimensions, want %d", len(v), f.dims)
	}
	row := f.data[i*f.dims : (i+1)*f.dims]
	copy(row, v)
	if !isUnit(row) {
		normalizeInPlace(row)
	}
	return nil
}

// hit is a row and its similarity to the query.
type hit struct {
	doc int
	sim float32
}

// scanParallelMin is the least number of multiply-adds (rows × dims) for
// which search splits the scan over goroutines: below it, starting them
// costs more than it saves (about 8,000 rows of 356 dimensions).
const scanParallelMin = 1 << 21

// search returns the k rows most similar to q (cosine similarity, q
// normalised first as chromem-go normalises a query), best first; equal
// similarities are ordered by row. The similarities are chromem-go's to
// the bit (the same normalisation, each sum taken in the same order), so
// it gives the rows and order that QueryEmbedding gives over the same
// vectors, except that ties, which chromem-go leaves in no particular
// order, come out by row. Large scans are split over GOMAXPROCS
// goroutines.
func (f *flatVectors) search(q []float32, k int) ([]hit, error) {
	n := f.Len()
	k = min(k, n)
	if k <= 0 {
		return nil, nil
	}
	if len(q) != f.dims {
		return nil, fmt.Errorf("query of %d dimensions, want %d", len(q), f.dims)
	}
	if !isUnit(q) {
		q = slices.Clone(q)
		normalizeInPlace(q)
	}
	workers := runtime.GOMAXPROCS(0)
	if n*f.dims < scanParallelMin || workers < 2 {
		return f.scan(q, k, 0, n).sorted(), nil
	}
	workers = min(workers, n)
	per := (n + workers - 1) / workers
	tops := make([]topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, n)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tops[w] = f.scan(q, k, lo, hi)
		}()
	}
	wg.Wait()
	all := make(topK, 0, workers*k)
	for _, t := range tops {
		all = append(all, t...)
	}
	return all.sorted()[:min(k, len(all))], nil
}

// scan returns the best k of rows lo..hi as a heap.
func (f *flatVectors) scan(q []float32, k, lo, hi int) topK {
	d := f.dims
	t := make(topK, 0, k)
	add := func(i int, s float32) {
		if len(t) < k {
			t.push(hit{i, s})
		} else if outranks(hit{i, s}, t[0]) {
			t[0] = hit{i, s}
			t.down(0)
		}
	}
	i := lo
	for ; i+8 <= hi; i += 8 {
		s := dotRows8(q, f.data[i*d:(i+8)*d])
		for j, v := range s {
			add(i+j, v)
		}
	}
	for ; i+4 <= hi; i += 4 {
		s0, s1, s2, s3 := dotRows4(q, f.data[i*d:(i+4)*d])
		add(i, s0)
		add(i+1, s1)
		add(i+2, s2)
		add(i+3, s3)
	}
	for ; i < hi; i++ {
		add(i, dotRow(q, f.data[i*d:(i+1)*d]))
	}
	return t
}

// dotRows4 returns the dot products of q with the four rows of len(q) that
// rows holds. Each is summed in index order like dotRow, so its value does
// not depend on which kernel computed it, and equals chromem-go's to the
// bit; the four independent sums keep the processor busy where one
// running sum would wait on each addition (about as fast as the fastest
// plain Go scan measured, the floor of BenchmarkVectorFloor).
func dotRows4(q, rows []float32) (s0, s1, s2, s3 float32) {
	n := len(q)
	r0, r1, r2, r3 := rows[:n], rows[n:2*n], rows[2*n:3*n], rows[3*n:4*n]
	for i, x := range q {
		s0 += r0[i] * x
		s1 += r1[i] * x
		s2 += r2[i] * x
		s3 += r3[i] * x
	}
	return s0, s1, s2, s3
}

// dotRows8 is dotRows4 over eight rows: more independent sums in flight,
// each still summed in index order, so the values are the same.
func dotRows8(q, rows []float32) (s [8]float32) {
	n := len(q)
	if n == 0 {
		return s
	}
	r0, r1, r2, r3 := rows[:n:n], rows[n:2*n:2*n], rows[2*n:3*n:3*n], rows[3*n:4*n:4*n]
	r4, r5, r6, r7 := rows[4*n:5*n:5*n], rows[5*n:6*n:6*n], rows[6*n:7*n:7*n], rows[7*n:8*n:8*n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for i, x := range q {
		s0 += r0[i] * x
		s1 += r1[i] * x
		s2 += r2[i] * x
		s3 += r3[i] * x
		s4 += r4[i] * x
		s5 += r5[i] * x
		s6 += r6[i] * x
		s7 += r7[i] * x
	}
	return [8]float32{s0, s1, s2, s3, s4, s5, s6, s7}
}

// dotRow is the dot product of q and row, summed in index order as
// chromem-go sums it.
func dotRow(q, row []float32) float32 {
	row = row[:len(q)]
	var s float32
	for i, x := range q {
		s += row[i] * x
	}
	return s
}

// outranks reports whether a ranks above b: a higher similarity, or the same
// and an earlier row.
func outranks(a, b hit) bool {
	return a.sim > b.sim || (a.sim == b.sim && a.doc < b.doc)
}

// topK is a min-heap of hits under outranks: the worst kept hit is at [0].
type topK []hit

func (t *topK) push(h hit) {
	*t = append(*t, h)
	s := *t
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !outranks(s[p], s[i]) {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (t topK) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(t) {
			return
		}
		w := l // the worse child
		if r := l + 1; r < len(t) && outranks(t[l], t[r]) {
			w = r
		}
		if !outranks(t[i], t[w]) {
			return
		}
		t[i], t[w] = t[w], t[i]
		i = w
	}
}

// sorted orders t best first, in place.
func (t topK) sorted() []hit {
	slices.SortFunc(t, func(a, b hit) int {
		switch {
		case outranks(a, b):
			return -1
		case outranks(b, a):
			return 1
		}
		return 0
	})
	return t
}

// isUnit reports whether v has length 1, with chromem-go's test (a float64
// sum, tolerance 1e-6): chromem-go keeps a unit row as it is given.
func isUnit(v []float32) bool {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	return math.Abs(math.Sqrt(sq)-1) < 1e-6
}

// normalizeInPlace divides v by its length as chromem-go does (a float32
// sum), so that a row holds what the collection would have stored.
func normalizeInPlace(v []float32) {
	var norm float32
	for _, x := range v {
		norm += x * x
	}
	norm = float32(math.Sqrt(float64(norm)))
	for i := range v {
		v[i] /= norm
	}
}

// normalizeVector writes v scaled to unit length into dst, of v's length,
// and returns dst; a zero v is written as the first unit vector. The sum
// and the division are in float64 (Normalize is this into a new slice).
func normalizeVector(dst, v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		clear(dst)
		dst[0] = 1
		return dst
	}
	n := math.Sqrt(sum)
	for i, x := range v {
		dst[i] = float32(float64(x) / n)
	}
	return dst
}
