package retrieval

import (
	"container/heap"
	"math"
	"sort"
)

// keywordIndex scores chunks against a query with Okapi BM25 over Terms.
// It is immutable once built, so searches need no lock.
type keywordIndex struct {
	ids      []string // chunk IDs by document number
	lengths  []int    // terms per document
	postings map[string][]posting
	avgLen   float64
}

type posting struct {
	doc int
	tf  int
}

const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// newKeywordIndex indexes the given chunk texts (already in term form).
func newKeywordIndex(ids []string, terms [][]string) *keywordIndex {
	k := &keywordIndex{ids: ids, lengths: make([]int, len(ids)), postings: map[string][]posting{}}
	total := 0
	for d, ts := range terms {
		k.lengths[d] = len(ts)
		total += len(ts)
		counts := map[string]int{}
		for _, t := range ts {
			counts[t]++
		}
		// Deterministic posting order: documents are visited in order.
		for t, c := range counts {
			k.postings[t] = append(k.postings[t], posting{doc: d, tf: c})
		}
	}
	if len(ids) > 0 {
		k.avgLen = float64(total) / float64(len(ids))
	}
	return k
}

// N is the number of documents.
func (k *keywordIndex) N() int { return len(k.ids) }

// DF is the number of documents containing term t.
func (k *keywordIndex) DF(t string) int { return len(k.postings[t]) }

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
		for _, p := range k.postings[t] {
			tf := float64(p.tf)
			norm := bm25K1 * (1 - bm25B + bm25B*float64(k.lengths[p.doc])/k.avgLen)
			if acc[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			acc[p.doc] += idf * tf * (bm25K1 + 1) / (tf + norm)
		}
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
