package retrieval

import (
	"context"
	"fmt"
	"sort"
)

// Passage is a retrieved chunk with its scores.
type Passage struct {
	Chunk
	Score        float64 // fused score (reciprocal rank fusion); higher is better
	VectorScore  float64 // cosine similarity to the question, if among the vector candidates
	KeywordScore float64 // BM25 score, if among the keyword candidates
	Coverage     float64 // share of the question's IDF-weighted terms found in the passage, 0..1
	Hits         int     // distinct informative question terms found in the passage
	Relevant     bool    // the relevance judgement (see Search)
}

// rrfK is the constant of reciprocal rank fusion (Cormack et al., 2009).
const rrfK = 60

// Search returns up to k passages for query, best first. In hybrid mode the
// vector and keyword rankings are fused by reciprocal rank; each passage
// carries a relevance judgement: it is relevant when it holds at least
// MinCover of the question's weighted terms, or a little less (by
// spreadAllowance) spread over at least spreadHits distinct informative
// terms. The second rule admits questions phrased partly in words the
// articles do not use ("when were the talks due to restart?") while still
// refusing those that match on one incidental word ("the weather in Homs
// today"). A failing or unusable query embedding (say, a remote embedder
// that is down) degrades hybrid search to keyword search for that query,
// logged; vector-only search fails instead.
func (ix *Index) Search(ctx context.Context, query string, k int) ([]Passage, error) {
	st := ix.current()
	if k <= 0 || len(st.chunks) == 0 {
		return nil, nil
	}
	cand := max(4*k, 20)
	qterms := Terms(query)
	fused := map[int]*Passage{}
	get := func(doc int) *Passage {
		p := fused[doc]
		if p == nil {
			p = &Passage{Chunk: st.chunks[doc]}
			fused[doc] = p
		}
		return p
	}
	mode := ix.opt.Mode
	// The keyword ranking runs beside the vector scan.
	var kwRes []scored
	kwDone := make(chan struct{})
	go func() {
		defer close(kwDone)
		if mode != Vector {
			kwRes = st.kw.search(qterms, cand)
		}
	}()
	if mode != Keyword {
		vecs, err := ix.emb.Embed(ctx, []string{query})
		switch {
		case err != nil && mode == Vector:
			<-kwDone
			return nil, fmt.Errorf("embed query: %w", err)
		case err != nil:
			ix.lg.Warn("query embedding failed, keyword search only", "err", err)
		case len(vecs) != 1 || len(vecs[0]) != ix.id.Dims || !finite(vecs[0]):
			if mode == Vector {
				<-kwDone
				return nil, fmt.Errorf("embed query: bad vector from %s", ix.id)
			}
			ix.lg.Warn("query embedding unusable, keyword search only", "embedder", ix.id)
		default:
			// The scan runs over the state's contiguous rows, the
			// collection's vectors themselves, and ranks as
			// QueryEmbedding does (scan.go), in a fraction of the time.
			res, err := st.vec.search(vecs[0], cand)
			if err != nil {
				<-kwDone
				return nil, fmt.Errorf("vector query: %w", err)
			}
			for rank, h := range res {
				p := get(h.doc)
				p.VectorScore = float64(h.sim)
				p.Score += ix.opt.VectorWeight / float64(rrfK+rank+1)
			}
		}
	}
	<-kwDone
	for rank, s := range kwRes {
		p := get(s.doc)
		p.KeywordScore = s.score
		p.Score += 1.0 / float64(rrfK+rank+1)
	}
	out := make([]Passage, 0, len(fused))
	for _, p := range fused {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > k {
		out = out[:k]
	}
	weights := ix.termWeights(st, qterms)
	for i := range out {
		out[i].Coverage, out[i].Hits = coverage(weights, Terms(out[i].EmbedText()))
		out[i].Relevant = out[i].Coverage >= ix.opt.MinCover ||
			(out[i].Coverage >= ix.opt.MinCover-spreadAllowance && out[i].Hits >= spreadHits)
	}
	return out, nil
}

// TermWeights returns the weight of each distinct query term: its IDF over
// the current index, reduced for generic question words. Terms that no chunk contains get the highest weight, so
// that a question about something the articles never mention is not judged
// relevant on its common words alone.
func (ix *Index) TermWeights(query string) map[string]float64 {
	return ix.termWeights(ix.current(), Terms(query))
}

// DocFreq returns how many chunks of the current index contain term t (a
// stem, as Terms gives).
func (ix *Index) DocFreq(t string) int { return ix.current().kw.DF(t) }

func (ix *Index) termWeights(st *state, qterms []string) map[string]float64 {
	w := make(map[string]float64, len(qterms))
	for _, t := range qterms {
		w[t] = termWeight(t, st.kw.IDF(t))
	}
	return w
}

// Relevance tuning: see Search.
const (
	spreadAllowance = 0.1
	spreadHits      = 3
	// informative is the least weight of a term counted in Hits: words
	// found in nearly every chunk ("Homs" here) do not count.
	informative = 0.25
)

// coverage is the weighted share of query terms present in terms, and how
// many informative query terms are present.
func coverage(weights map[string]float64, terms []string) (float64, int) {
	var total, hit float64
	hits := 0
	have := make(map[string]bool, len(terms))
	for _, t := range terms {
		have[t] = true
	}
	keys := make([]string, 0, len(weights))
	for t := range weights {
		keys = append(keys, t)
	}
	// Summed in a fixed order, so that the same question gets the same
	// judgement on every run.
	sort.Strings(keys)
	for _, t := range keys {
		w := weights[t]
		total += w
		if Matches(have, t) {
			hit += w
			if w >= informative {
				hits++
			}
		}
	}
	if total == 0 {
		return 0, 0
	}
	return hit / total, hits
}
