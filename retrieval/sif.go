package retrieval

import (
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/situationbot/bot/lexicon"
)

// sifA is the a of SIF's word weight a/(a+p(w)) (Arora, Liang and Ma,
// 2017, "A simple but tough-to-beat baseline for sentence embeddings"): a
// word as frequent as a (one token in a thousand) weighs one half, "the"
// about a hundredth, and a word past the few thousand most frequent nearly 1.
// The paper's range is 1e-4 to 1e-3; 1e-4 and 3e-3 measured the same or a
// few questions apart.
const sifA = 1e-3

// sifSentenceLen is the sentence length, in words, of the model behind the
// common component (see newSIF).
const sifSentenceLen = 20

// sifModel embeds texts as SIF sentence vectors over the lexicon's GloVe
// vectors: the average of the word vectors, each weighted a/(a+p(w)), less
// its projection on a common component. It depends on nothing but the
// lexicon and is safe for concurrent use: once made, it only fills in
// its table of word vectors, atomically.
type sifModel struct {
	lex *lexicon.Lexicon
	// harmonic is H_V, the V-th harmonic number over the V words with
	// vectors: p(rank r) = 1 / ((r+1) H_V).
	harmonic float64
	// common is the unit common component removed from every sentence vector.
	common []float64
	// vecs holds the vector of the word of each rank once it has been
	// asked for, shared by all the words that resolve to it (see
	// rankVector).
	vecs []atomic.Pointer[[]float32]
}

// defaultSIF is the model over lexicon.Default(), built on first use.
var defaultSIF = sync.OnceValue(func() *sifModel { return newSIF(lexicon.Default(), commonWords()) })

// newSIF returns the SIF model of lex, with the common component computed
// from the words of source.
//
// Word probabilities come from GloVe's frequency order by Zipf's law with
// exponent 1: the word of 0-based rank r has p = 1/((r+1) H_V), normalised
// over the V words of the lexicon. A word with a vector only through its
// lemma takes the lemma's rank.
//
// The common component is the one the paper removes, the first principal
// component of the sentence vectors, but computed from a fixed source, so
// that it does not depend on the corpus: vectors are kept per embedder
// identity, and a question must be embedded as the chunks were whatever
// corpus is loaded. The source is a model of text: sentences of n =
// sifSentenceLen words drawn independently, by the Zipf probabilities, from
// the words of source. For the weighted word vectors x = w·v, with mean μ
// and second moment S, the average s of such a sentence has E[s sᵀ] = S/n +
// (1-1/n) μμᵀ, whose leading eigenvector is the component. Power iteration
// finds it, in float64 and a fixed order, so it is the same on every run.
//
// The source is a word list because the lexicon does not list its words.
// GloVe has one strong common direction, and the list barely matters: from
// the stop words (commonWords) or from the 80,000 words of glove.bin, read
// outside the lexicon, the two components have a cosine of 0.99. Removing
// the component measured better than keeping it (the SIF block alone, as
// the vector retriever, finds the answer in the top 5 for 82% of the SQuAD
// questions against 78%).
func newSIF(lex *lexicon.Lexicon, source []string) *sifModel {
	m := &sifModel{lex: lex, vecs: make([]atomic.Pointer[[]float32], lex.Size())}
	for r := lex.Size(); r >= 1; r-- {
		m.harmonic += 1 / float64(r)
	}
	d := lex.Dims()
	mu := make([]float64, d)
	sec := make([]float64, d*d)
	var mass float64
	seen := map[string]bool{}
	for _, w := range source {
		if seen[w] {
			continue
		}
		seen[w] = true
		b, r := m.lookup(w)
		if r < 0 {
			continue
		}
		p := m.prob(r)
		wt, v := sifA/(sifA+p), m.rankVector(b, r)
		mass += p
		for i, x := range v {
			xi := wt * float64(x)
			mu[i] += p * xi
			for j := range d {
				sec[i*d+j] += p * xi * wt * float64(v[j])
			}
		}
	}
	if mass == 0 {
		return m
	}
	n := float64(sifSentenceLen)
	for i := range d {
		mu[i] /= mass
	}
	for i := range d {
		for j := range d {
			sec[i*d+j] = sec[i*d+j]/mass/n + (1-1/n)*mu[i]*mu[j]
		}
	}
	// Power iteration from the mean direction, which is close already.
	u := unitVec(append([]float64(nil), mu...))
	for range 200 {
		next := make([]float64, d)
		for i := range d {
			var s float64
			for j := range d {
				s += sec[i*d+j] * u[j]
			}
			next[i] = s
		}
		u = unitVec(next)
	}
	m.common = u
	return m
}

// lookup resolves a lower-cased word to the lexicon word that carries its
// vector (the word itself, else its lemma) and that word's rank; "" and -1
// when neither has a vector.
func (m *sifModel) lookup(w string) (string, int) {
	if r := m.lex.Rank(w); r >= 0 {
		return w, r
	}
	if b := m.lex.Lemma(w); b != w {
		if r := m.lex.Rank(b); r >= 0 {
			return b, r
		}
	}
	return "", -1
}

// prob is the Zipf probability of rank r.
func (m *sifModel) prob(r int) float64 { return 1 / (float64(r+1) * m.harmonic) }

// rankVector returns the vector of b, the lexicon word of rank r, made
// once and then shared: the caller must not change it.
func (m *sifModel) rankVector(b string, r int) []float32 {
	if r >= len(m.vecs) {
		return m.lex.Vector(b)
	}
	if p := m.vecs[r].Load(); p != nil {
		return *p
	}
	v := m.lex.Vector(b)
	if !m.vecs[r].CompareAndSwap(nil, &v) {
		return *m.vecs[r].Load()
	}
	return v
}

// sifWord is a word's SIF weight and vector; a nil vector when the lexicon
// has none. The vector is shared (see rankVector).
type sifWord struct {
	weight float64
	vec    []float32
}

// word returns the SIF weight and vector of a lower-cased word.
func (m *sifModel) word(w string) sifWord {
	// The lexicon holds only words of letters (and inner '-' or '\'').
	if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return sifWord{}
	}
	b, r := m.lookup(w)
	if r < 0 {
		return sifWord{}
	}
	return sifWord{sifA / (sifA + m.prob(r)), m.rankVector(b, r)}
}

// vectorOf adds to v (zeroed, Dims long) the SIF vector of a text whose
// distinct words with vectors are words, in the order they first occur, with
// their counts, and removes the common component; the result is not
// normalised, and all zeros when no word has a vector. Each distinct word
// is weighted once by its count, and the words are summed in the order they
// first occur, so that the float sum is the same on every run.
func (m *sifModel) vectorOf(v []float64, words []*sifWord, counts []float64) {
	for i, sw := range words {
		wt := sw.weight * counts[i]
		for j, x := range sw.vec {
			v[j] += wt * float64(x)
		}
	}
	if m.common != nil {
		var dot float64
		for i, x := range v {
			dot += x * m.common[i]
		}
		for i := range v {
			v[i] -= dot * m.common[i]
		}
	}
}

// unitVec scales v to unit length in place and returns it; a zero v is
// returned as it is.
func unitVec(v []float64) []float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return v
	}
	n := math.Sqrt(s)
	for i := range v {
		v[i] /= n
	}
	return v
}

// commonWords is the source of the common component: the stop words, in
// sorted order so that the sums run the same way every time.
func commonWords() []string {
	ws := make([]string, 0, len(stopwords))
	for w := range stopwords {
		ws = append(ws, w)
	}
	sort.Strings(ws)
	return ws
}
