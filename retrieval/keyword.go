package retrieval

import (
	"container/heap"
	"encoding/binary"
	"math"
	"sort"
)

// keywordIndex scores chunks against a query with Okapi BM25 over Terms.
// Terms are numbered (dict), and the postings of term t, in document
// order, are data[start[t]:start[t+1]]: for each document, the uvarint of
// its number less the previous one's (the first's less -1) and the uvarint
// of the term's frequency in it, about 2.5 bytes a posting where a pair of
// int32 would take 8. It is immutable once built, so searches need no lock.
type keywordIndex struct {
	lengths []int32 // terms per document (chunk), by document number
	dict    map[string]int32
	df      []int32 // documents per term number
	start   []int   // len(df)+1 offsets into data
	data    []byte
	avgLen  float64
}

// posting is one document of a term's postings, decoded.
type posting struct {
	doc int32
	tf  int32
}

const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// newKeywordIndex indexes the given chunk texts (already in term form).
func newKeywordIndex(terms [][]string) *keywordIndex {
	docs := make([]docTerms, len(terms))
	dict := map[string]int32{}
	var names []string
	for d, ts := range terms {
		docs[d].length = int32(len(ts))
		counts := map[int32]uint64{}
		var order []int32
		for _, t := range ts {
			id, ok := dict[t]
			if !ok {
				id = int32(len(names))
				dict[t] = id
				names = append(names, t)
			}
			if counts[id] == 0 {
				order = append(order, id)
			}
			counts[id]++
		}
		for _, id := range order {
			docs[d].pairs = binary.AppendUvarint(binary.AppendUvarint(docs[d].pairs, uint64(id)), counts[id])
		}
	}
	return assemble([]termPart{{names: names, docs: docs}})
}

// docTerms is a document in term numbers: for each distinct term, in the
// order first met, the uvarint of its number and of its frequency; and
// its length in terms.
type docTerms struct {
	pairs  []byte
	length int32
}

// each calls f with each distinct term of d and its frequency.
func (d docTerms) each(f func(t, tf int32)) {
	p := d.pairs
	for len(p) > 0 {
		t, n := binary.Uvarint(p)
		tf, m := binary.Uvarint(p[n:])
		p = p[n+m:]
		f(int32(t), int32(tf))
	}
}

// termPart is a run of consecutive documents with its own term numbers:
// names[i] is the term numbered i.
type termPart struct {
	names []string
	docs  []docTerms
}

// assemble makes the index of the documents of parts, which hold them in
// order: the parts' term numbers are mapped to one numbering, in the order
// the parts first name each term, and each term's postings are cut from
// one array sized by a first count, so the index is the same whatever the
// parts and costs two allocations besides its dictionary.
func assemble(parts []termPart) *keywordIndex {
	n := 0
	for _, part := range parts {
		n += len(part.docs)
	}
	k := &keywordIndex{lengths: make([]int32, 0, n), dict: map[string]int32{}}
	remap := make([][]int32, len(parts))
	for p, part := range parts {
		remap[p] = make([]int32, len(part.names))
		for i, t := range part.names {
			id, ok := k.dict[t]
			if !ok {
				id = int32(len(k.df))
				k.dict[t] = id
				k.df = append(k.df, 0)
			}
			remap[p][i] = id
		}
	}
	// Two passes over the documents: the bytes of each term's postings,
	// then the postings, each in its place.
	last := make([]int32, len(k.df))
	each := func(f func(doc, t, tf int32)) {
		for i := range last {
			last[i] = -1
		}
		doc := int32(0)
		for p, part := range parts {
			for _, d := range part.docs {
				d.each(func(t, tf int32) { f(doc, remap[p][t], tf) })
				doc++
			}
		}
	}
	size := make([]int, len(k.df))
	each(func(doc, t, tf int32) {
		size[t] += uvarintLen(uint64(doc-last[t])) + uvarintLen(uint64(tf))
		last[t] = doc
		k.df[t]++
	})
	k.start = make([]int, len(k.df)+1)
	for t, n := range size {
		k.start[t+1] = k.start[t] + n
	}
	k.data = make([]byte, k.start[len(k.df)])
	at := size // now each term's write position
	copy(at, k.start[:len(k.df)])
	each(func(doc, t, tf int32) {
		at[t] += binary.PutUvarint(k.data[at[t]:], uint64(doc-last[t]))
		at[t] += binary.PutUvarint(k.data[at[t]:], uint64(tf))
		last[t] = doc
	})
	terms := 0
	for _, part := range parts {
		for _, d := range part.docs {
			k.lengths = append(k.lengths, d.length)
			terms += int(d.length)
		}
	}
	if n > 0 {
		k.avgLen = float64(terms) / float64(n)
	}
	return k
}

// uvarintLen is the length of x as a uvarint.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// N is the number of documents.
func (k *keywordIndex) N() int { return len(k.lengths) }

// DF is the number of documents containing term t.
func (k *keywordIndex) DF(t string) int {
	id, ok := k.dict[t]
	if !ok {
		return 0
	}
	return int(k.df[id])
}

// each calls f with the postings of term t, in document order.
func (k *keywordIndex) each(t string, f func(p posting)) {
	id, ok := k.dict[t]
	if !ok {
		return
	}
	data := k.data[k.start[id]:k.start[id+1]]
	doc := int64(-1)
	for len(data) > 0 {
		delta, n := binary.Uvarint(data)
		tf, m := binary.Uvarint(data[n:])
		data = data[n+m:]
		doc += int64(delta)
		f(posting{doc: int32(doc), tf: int32(tf)})
	}
}

// IDF is the BM25 inverse document frequency of t (always positive). A term
// found in no document gets the largest weight a term can have.
func (k *keywordIndex) IDF(t string) float64 {
	n := float64(k.N())
	df := float64(k.DF(t))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

type scored struct {
	doc   int
	score float64
}

// search returns the top n documents for the query terms, best first, with
// their BM25 scores. Documents with no query term are not returned.
func (k *keywordIndex) search(query []string, n int) []scored {
	seen := map[string]bool{}
	acc := make([]float64, k.N())
	var touched []int
	for _, t := range query {
		if seen[t] {
			continue
		}
		seen[t] = true
		idf := k.IDF(t)
		k.each(t, func(p posting) {
			tf := float64(p.tf)
			norm := bm25K1 * (1 - bm25B + bm25B*float64(k.lengths[p.doc])/k.avgLen)
			if acc[p.doc] == 0 {
				touched = append(touched, int(p.doc))
			}
			acc[p.doc] += idf * tf * (bm25K1 + 1) / (tf + norm)
		})
	}
	// Keep the best n in a min-heap rather than sorting every match: at
	// 100k chunks a common term touches half the index.
	h := make(topN, 0, n+1)
	for _, d := range touched {
		s := scored{d, acc[d]}
		if len(h) < n {
			heap.Push(&h, s)
		} else if better(s, h[0]) {
			h[0] = s
			heap.Fix(&h, 0)
		}
	}
	out := []scored(h)
	sort.Slice(out, func(i, j int) bool { return better(out[i], out[j]) })
	return out
}

// better orders results: higher score first, then lower document number.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.doc < b.doc
}

// topN is a min-heap of results: the worst kept result is at the top.
type topN []scored

func (h topN) Len() int           { return len(h) }
func (h topN) Less(i, j int) bool { return better(h[j], h[i]) }
func (h topN) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topN) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *topN) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
