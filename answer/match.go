package answer

import (
	"strings"
	"sync"

	"github.com/situationbot/bot/lexicon"
	"github.com/situationbot/bot/retrieval"
)

// Matching a question term against a sentence: exactly, through WordNet,
// or by word vectors, with what was looked up remembered.

// sentenceWords is what a sentence offers to the matcher.
type sentenceWords struct {
	stems  map[string]bool
	lemmas map[string]bool
	words  []string // distinct lower-case content words
}

// wordsOf returns what texts offer to the matcher, remembered for the
// question being answered: candidates share their neighbours and titles.
func wordsOf(m *memo, texts ...string) sentenceWords {
	key := strings.Join(texts, "\x00")
	if sw, ok := m.sents[key]; ok {
		return sw
	}
	sw := sentenceWords{stems: map[string]bool{}, lemmas: map[string]bool{}}
	seen := map[string]bool{}
	for _, text := range texts {
		for _, w := range retrieval.Words(text) {
			if retrieval.IsStopword(w) {
				continue
			}
			info := m.info(w, true, false)
			sw.stems[info.stem] = true
			for _, l := range info.lemmas {
				sw.lemmas[l] = true
			}
			sw.lemmas[w] = true
			if !seen[w] {
				seen[w] = true
				sw.words = append(sw.words, w)
			}
		}
	}
	m.sents[key] = sw
	return sw
}

// match grades how a sentence holds a question term: 1 exactly (same stem
// or lemma), 0.9 through a synonym, else the best word-vector similarity
// (kind 0, 1, 2 for exact, synonym or paraphrase, weaker vector).
func (sw sentenceWords) match(t qterm, vecs *memo) (float64, int) {
	if sw.stems[t.stem] || sw.lemmas[t.lemma] || sw.lemmas[t.word] {
		return 1, 0
	}
	for s := range t.syn {
		if sw.lemmas[s] {
			return 0.9, 1
		}
	}
	best := 0.0
	if t.vec != nil {
		for _, w := range sw.words {
			if v := vecs.get(w); v != nil {
				best = max(best, dot(t.vec, v))
			}
		}
	}
	if best >= paraphraseSimilarity && !t.name {
		// As close as synonyms get ("agreed" and "deal"): the same thing
		// said another way. Names never match this way: Aleppo is near
		// Homs, and is not Homs.
		return best, 1
	}
	return best, 2
}

// paraphraseSimilarity is the word-vector similarity from which a word
// of the sentence stands for a question word as a synonym would.
const paraphraseSimilarity = 0.75

// memo remembers what answering one question looked up: each word's
// stem, lemmas and vector, each text's words and terms.
type memo struct {
	lex   *lexicon.Lexicon
	known *wordCache // shared across questions
	words map[string]wordInfo
	sents map[string]sentenceWords
	terms map[string][]string
}

type wordInfo struct {
	stem      string
	lemmas    []string
	vec       []float32 // nil when the lexicon has none
	hasLemmas bool
	hasVec    bool
}

func newMemo(lex *lexicon.Lexicon, known *wordCache) *memo {
	return &memo{lex: lex, known: known, words: map[string]wordInfo{}, sents: map[string]sentenceWords{}, terms: map[string][]string{}}
}

// info returns what is known of w, looking up its lemmas and vector only
// when asked for them (the stem always).
func (m *memo) info(w string, lemmas, vec bool) wordInfo {
	i, ok := m.words[w]
	if !ok {
		if i, ok = m.known.get(w); !ok {
			i = wordInfo{stem: retrieval.Stem(w)}
		}
	}
	changed := !ok
	if lemmas && !i.hasLemmas {
		i.lemmas, i.hasLemmas, changed = m.lex.Lemmas(w), true, true
	}
	if vec && !i.hasVec {
		i.vec, i.hasVec, changed = m.lex.Vector(w), true, true
	}
	m.words[w] = i
	if changed {
		m.known.put(w, i)
	}
	return i
}

// stem is w's stem.
func (m *memo) stem(w string) string { return m.info(w, false, false).stem }

// get is w's word vector, nil when the lexicon has none.
func (m *memo) get(w string) []float32 { return m.info(w, false, true).vec }

// wordCache keeps what the lexicon and the stemmer said of each word, for
// every question after: the articles' words come back question after
// question. It stops growing at maxCachedWords, so that questions full of
// made-up words cannot fill the memory.
type wordCache struct {
	mu sync.RWMutex
	m  map[string]wordInfo
}

const maxCachedWords = 50_000

func newWordCache() *wordCache { return &wordCache{m: map[string]wordInfo{}} }

func (c *wordCache) get(w string) (wordInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, ok := c.m[w]
	return i, ok
}

func (c *wordCache) put(w string, i wordInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[w]; ok || len(c.m) < maxCachedWords {
		c.m[w] = i
	}
}

// termsOf is retrieval.Terms(text), remembered.
func (m *memo) termsOf(text string) []string {
	if t, ok := m.terms[text]; ok {
		return t
	}
	t := retrieval.Terms(text)
	m.terms[text] = t
	return t
}

func dot(a, b []float32) float64 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}
