package retrieval

import (
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
	out := make([]scored, 0, len(touched))
	for _, d := range touched {
		out = append(out, scored{d, acc[d]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].doc < out[j].doc
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
