package retrieval

import (
	"hash/maphash"
	"strings"
	"sync"
	"unicode/utf8"
)

// embedWord is what the local embedder needs of one word as Words returns
// it, worked out once and shared by every Embed call through a wordCache:
// the word's SIF weight and vector, and, when the word is a content term,
// its stem and the hashes of the lexical features the stem yields (see
// hashed). It is immutable once made.
type embedWord struct {
	word string
	key  uint64 // maphash of word, to tell words apart within a text
	sif  sifWord
	term bool // kept by termsMemo: not a stop word, not a lone letter
	stem string
	// wordHash is the feature "w:"+stem; bigram is the FNV state after
	// "b:"+stem+" ", which the next term's stem continues into the bigram
	// feature; grams are the features "g:"+gram of the character 4-grams
	// of "<"+stem+">", each counted gramTF (1/len(grams)).
	wordHash uint64
	bigram   uint64
	grams    []uint64
	gramTF   float64
}

// newEmbedWord works out w's entry with the SIF model m.
func newEmbedWord(m *sifModel, w string, key uint64) *embedWord {
	e := &embedWord{word: w, key: key, sif: m.word(w), term: isTerm(w)}
	if !e.term {
		return e
	}
	t := Stem(w)
	e.stem = t
	e.wordHash = fnvString(fnvString(fnvOffset, "w:"), t)
	e.bigram = fnvString(fnvString(fnvString(fnvOffset, "b:"), t), " ")
	// The character 4-grams of "<" + t + ">" (the whole of it when
	// shorter) share one occurrence.
	g := "<" + t + ">"
	starts := make([]int, 0, len(g)+1)
	for j := range g {
		starts = append(starts, j)
	}
	starts = append(starts, len(g))
	n := max(1, len(starts)-4)
	e.grams = make([]uint64, n)
	for j := range n {
		end := starts[min(j+4, len(starts)-1)]
		e.grams[j] = fnvString(fnvString(fnvOffset, "g:"), g[starts[j]:end])
	}
	e.gramTF = 1 / float64(n)
	return e
}

// isTerm reports whether termsMemo keeps the word w as a term.
func isTerm(w string) bool {
	return !IsStopword(w) && !(utf8.RuneCountInString(w) == 1 && !isDigitString(w))
}

// wordCacheShards is the number of independently locked parts of a
// wordCache, so that workers seldom wait on each other.
const wordCacheShards = 64

// wordCacheSize is the most words a wordCache holds: more than the distinct
// words of a large news corpus (about 100,000), at a few hundred bytes
// each. The vectors are not counted: they are shared per lexicon word (see
// sifModel.rankVector).
const wordCacheSize = 1 << 17

// wordCache maps words to their embedWord for one SIF model, for all
// Embed calls of the process. It is safe for concurrent use. When a shard
// is full, adding a word drops another one chosen at random (by map
// iteration order), so its size stays bounded; what it holds never changes
// the vectors, only how fast they are made.
type wordCache struct {
	sif      *sifModel
	seed     maphash.Seed
	perShard int
	shards   [wordCacheShards]wordShard
}

type wordShard struct {
	mu sync.RWMutex
	m  map[string]*embedWord
	_  [32]byte // 64 bytes in all: shards apart on separate cache lines
}

// newWordCache returns an empty cache over m of at most size words.
func newWordCache(m *sifModel, size int) *wordCache {
	c := &wordCache{sif: m, seed: maphash.MakeSeed(), perShard: max(1, size/wordCacheShards)}
	for i := range c.shards {
		c.shards[i].m = map[string]*embedWord{}
	}
	return c
}

// defaultWordCache is the cache over defaultSIF(), shared by every
// LocalEmbedder.
var defaultWordCache = sync.OnceValue(func() *wordCache { return newWordCache(defaultSIF(), wordCacheSize) })

// get returns the entry of word w.
func (c *wordCache) get(w string) *embedWord {
	key := maphash.String(c.seed, w)
	s := &c.shards[key%wordCacheShards]
	s.mu.RLock()
	e := s.m[w]
	s.mu.RUnlock()
	if e != nil {
		return e
	}
	e = newEmbedWord(c.sif, strings.Clone(w), key)
	s.mu.Lock()
	if old := s.m[w]; old != nil {
		e = old
	} else {
		if len(s.m) >= c.perShard {
			for k := range s.m {
				delete(s.m, k)
				break
			}
		}
		s.m[e.word] = e
	}
	s.mu.Unlock()
	return e
}
