package retrieval

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// embedWord is what the local embedder needs of one word as Words returns
// it, worked out once and shared by every Embed call through a wordCache:
// the word's SIF weight and vector, and, when the word is a content term,
// its stem and the hashes of the lexical features the stem yields (see
// embedScratch.hashed). It is immutable once made. The fields the embedder
// reads for every occurrence come first, and short gram lists are kept in
// the entry itself, to touch few cache lines.
type embedWord struct {
	key uint64 // maphash of word, to find it and tell words apart
	// The word and its stem are also kept in text, one after the other,
	// when they fit, so that comparing the word and hashing the stem read
	// no other memory; wordLen is 0 when they do not fit.
	wordLen, stemLen uint8
	term             bool // kept by termsMemo: not a stop word, not a lone letter
	// wordHash is the feature "w:"+stem; bigram is the FNV state after
	// "b:"+stem+" ", which the next term's stem continues into the bigram
	// feature; grams are the features "g:"+gram of the character 4-grams
	// of "<"+stem+">", each counted gramTF (1/len(grams)).
	gramTF     float64
	wordHash   uint64
	bigram     uint64
	grams      []uint64
	text       [32]byte
	word, stem string
	sif        sifWord
	gramBuf    [8]uint64
}

// is reports whether e is the entry of w, whose hash is key.
func (e *embedWord) is(w []byte, key uint64) bool {
	if e.key != key {
		return false
	}
	if e.wordLen > 0 {
		return string(e.text[:e.wordLen]) == string(w)
	}
	return e.word == string(w)
}

// fnvStem continues FNV-1a hash h over the bytes of e's stem.
func (e *embedWord) fnvStem(h uint64) uint64 {
	if e.wordLen == 0 {
		return fnvString(h, e.stem)
	}
	for _, c := range e.text[e.wordLen : e.wordLen+e.stemLen] {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// newEmbedWord works out w's entry with the SIF model m.
func newEmbedWord(m *sifModel, w string, key uint64) *embedWord {
	e := &embedWord{word: w, key: key, sif: m.word(w), term: isTerm(w)}
	if e.term {
		e.stem = Stem(w)
		e.hashStem()
	}
	if w != "" && len(w)+len(e.stem) <= len(e.text) {
		e.wordLen = uint8(copy(e.text[:], w))
		e.stemLen = uint8(copy(e.text[e.wordLen:], e.stem))
	}
	return e
}

// hashStem sets the feature hashes of e.stem.
func (e *embedWord) hashStem() {
	t := e.stem
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
	e.grams = e.gramBuf[:0]
	for j := range n {
		end := starts[min(j+4, len(starts)-1)]
		e.grams = append(e.grams, fnvString(fnvString(fnvOffset, "g:"), g[starts[j]:end]))
	}
	e.gramTF = 1 / float64(n)
}

// isTerm reports whether termsMemo keeps the word w as a term.
func isTerm(w string) bool {
	return !IsStopword(w) && !(utf8.RuneCountInString(w) == 1 && !isDigitString(w))
}

// wordCacheShards is the number of parts of a wordCache, each with its own
// table and its own lock for adding words.
const wordCacheShards = 64

// wordCacheSize is the most words a wordCache holds: more than the distinct
// words of a large news corpus (about 100,000), at a few hundred bytes
// each. The vectors are not counted: they are shared per lexicon word (see
// sifModel.rankVector).
const wordCacheSize = 1 << 17

// wordCache maps words to their embedWord for one SIF model, for all
// Embed calls of the process. It is safe for concurrent use, and finding a
// word takes no lock: each shard is an open-addressing table of atomic
// pointers that only ever fills (a word is added under the shard's lock),
// grows by being copied, and is replaced by an empty one when the shard
// is full, so the cache stays bounded. What it holds never changes the
// vectors, only how fast they are made.
type wordCache struct {
	sif      *sifModel
	seed     maphash.Seed
	perShard int
	shards   [wordCacheShards]wordShard
}

type wordShard struct {
	table atomic.Pointer[wordTable]
	mu    sync.Mutex // held to add a word
	_     [48]byte   // keep shards apart on separate cache lines
}

// wordTable is an open-addressing table of words probed linearly, at most
// half full; n, the number of words, is read and written under the
// shard's lock.
type wordTable struct {
	slots []atomic.Pointer[embedWord]
	n     int
}

func newWordTable(size int) *wordTable {
	return &wordTable{slots: make([]atomic.Pointer[embedWord], size)}
}

// find returns the entry of w, whose hash is key, or nil.
func (t *wordTable) find(w []byte, key uint64) *embedWord {
	mask := uint64(len(t.slots) - 1)
	for p := (key / wordCacheShards) & mask; ; p = (p + 1) & mask {
		e := t.slots[p].Load()
		if e == nil || e.is(w, key) {
			return e
		}
	}
}

// insert adds e, which t does not hold and has room for.
func (t *wordTable) insert(e *embedWord) {
	mask := uint64(len(t.slots) - 1)
	p := (e.key / wordCacheShards) & mask
	for t.slots[p].Load() != nil {
		p = (p + 1) & mask
	}
	t.slots[p].Store(e)
	t.n++
}

// newWordCache returns an empty cache over m of at most size words.
func newWordCache(m *sifModel, size int) *wordCache {
	c := &wordCache{sif: m, seed: maphash.MakeSeed(), perShard: max(1, size/wordCacheShards)}
	for i := range c.shards {
		c.shards[i].table.Store(newWordTable(c.minSlots()))
	}
	return c
}

// minSlots is the size of a shard's table when it is empty.
func (c *wordCache) minSlots() int { return min(64, c.maxSlots()) }

// maxSlots is the size of a shard's table when it is full.
func (c *wordCache) maxSlots() int {
	n := 2
	for n < 2*c.perShard {
		n *= 2
	}
	return n
}

// defaultWordCache is the cache over defaultSIF(), shared by every
// LocalEmbedder.
var defaultWordCache = sync.OnceValue(func() *wordCache { return newWordCache(defaultSIF(), wordCacheSize) })

// get returns the entry of word w.
func (c *wordCache) get(w []byte) *embedWord {
	key := maphash.Bytes(c.seed, w)
	s := &c.shards[key%wordCacheShards]
	if e := s.table.Load().find(w, key); e != nil {
		return e
	}
	e := newEmbedWord(c.sif, string(w), key)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table.Load()
	if old := t.find(w, key); old != nil {
		return old // added meanwhile
	}
	switch {
	case t.n >= c.perShard:
		t = newWordTable(c.minSlots()) // full: start afresh
		s.table.Store(t)
	case 2*(t.n+1) > len(t.slots):
		bigger := newWordTable(2 * len(t.slots))
		for i := range t.slots {
			if o := t.slots[i].Load(); o != nil {
				bigger.insert(o)
			}
		}
		t = bigger
		s.table.Store(t)
	}
	t.insert(e)
	return e
}
