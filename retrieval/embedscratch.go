package retrieval

import "sync"

// embedScratch is the memory one Embed worker reuses from text to text:
// the text's words, the lexical features and the SIF words being summed,
// and the float64 vector before it is rounded to float32.
type embedScratch struct {
	words []*embedWord // the text's words, in order
	occ   []feature    // the lexical features of the text, each occurrence
	feats featureSet
	sif   sifSet
	v     []float64
	buf   []byte // the word scanWords reads
}

var scratchPool = sync.Pool{New: func() any { return new(embedScratch) }}

// vector returns s.v resized to n and zeroed.
func (s *embedScratch) vector(n int) []float64 {
	if cap(s.v) < n {
		s.v = make([]float64, n)
	}
	s.v = s.v[:n]
	clear(s.v)
	return s.v
}

// hashed adds the lexical block of the text of s.words to v (zeroed), not
// normalised. Each content term (see Terms) counts its word feature once,
// the bigram with the previous term once, and its character 4-grams 1/n
// each (see embedWord). Features are identified by their 64-bit FNV-1a
// hash, counted in the order they occur, and added to v with damped counts
// in the order they first occur, so that colliding features add up to the
// same float on every run.
func (s *embedScratch) hashed(v []float64) {
	occ := s.occ[:0]
	var prev *embedWord
	for _, w := range s.words {
		if !w.term {
			continue
		}
		occ = append(occ, feature{w.wordHash, 1, 1})
		if prev != nil {
			occ = append(occ, feature{w.fnvStem(prev.bigram), 1, 0.5})
		}
		for _, g := range w.grams {
			occ = append(occ, feature{g, w.gramTF, 0.5})
		}
		prev = w
	}
	s.occ = occ
	fs := &s.feats
	fs.count(occ)
	dims := uint64(len(v))
	mask, pow2 := dims-1, dims&(dims-1) == 0
	one := dampOne
	for _, f := range fs.list {
		var idx int
		if pow2 {
			idx = int(f.hash & mask) // the same as %, for a power of two
		} else {
			idx = int(f.hash % dims)
		}
		sign := 1.0
		if f.hash>>63 == 1 {
			sign = -1
		}
		d := one
		if f.count != 1 {
			d = damp(f.count)
		}
		v[idx] += sign * d * f.scale
	}
}

// dampOne is damp(1), the damped count of most features.
var dampOne = damp(1)

// sifVector adds the SIF vector of the text of s.words to v (zeroed, the
// lexicon's dimensions long): see sifModel.vectorOf.
func (s *embedScratch) sifVector(m *sifModel, v []float64) {
	ss := &s.sif
	ss.reset(len(s.words))
	for _, w := range s.words {
		if w.sif.vec != nil { // a word without a vector adds nothing
			ss.add(w)
		}
	}
	m.vectorOf(v, ss.words, ss.counts)
}

// tableSlot is a slot of an open-addressing table of indexes keyed by
// 64-bit hashes; a slot whose gen is not the table's is empty, so that
// the table empties in O(1) from text to text.
type tableSlot struct {
	key uint64
	gen uint32
	idx int32
}

// slotTable is the open-addressing table of featureSet and sifSet,
// probed linearly and kept at most half full.
type slotTable struct {
	slots []tableSlot
	shift uint // 64 - log2(len(slots))
	gen   uint32
}

// reset empties t and sizes it for n keys.
func (t *slotTable) reset(n int) {
	size, shift := 64, uint(58)
	for size < 2*n {
		size, shift = size*2, shift-1
	}
	// Reallocate when too small, or far too large after a very long text
	// (a large table spreads a short text over more cache lines).
	if len(t.slots) < size || len(t.slots) > 16*size {
		t.slots, t.shift, t.gen = make([]tableSlot, size), shift, 0
	}
	t.gen++
	if t.gen == 0 {
		clear(t.slots)
		t.gen = 1
	}
}

// first returns the position where probing for key starts.
func (t *slotTable) first(key uint64) uint64 {
	return (key * tableMul) >> t.shift
}

// feature is a hashed feature: its hash, occurrences and kind weight.
type feature struct {
	hash  uint64
	count float64
	scale float64
}

// featureSet accumulates hashed features in the order they first occur.
type featureSet struct {
	table slotTable
	list  []feature
}

// count sets fs.list to the features of occ, each occurrence of a feature
// counting its count, in the order they first occur, with the scale of the
// first occurrence; the counts of a feature are summed in order.
func (fs *featureSet) count(occ []feature) {
	fs.table.reset(len(occ))
	if cap(fs.list) < len(occ) {
		fs.list = make([]feature, 0, len(occ))
	}
	list := fs.list[:0]
	slots, shift, gen := fs.table.slots, fs.table.shift, fs.table.gen
	mask := uint64(len(slots) - 1)
	for _, o := range occ {
		for p := (o.hash * tableMul) >> shift; ; p = (p + 1) & mask {
			s := &slots[p]
			if s.gen != gen {
				*s = tableSlot{key: o.hash, gen: gen, idx: int32(len(list))}
				list = append(list, o) // 0 + count is count
				break
			}
			if s.key == o.hash {
				list[s.idx].count += o.count
				break
			}
		}
	}
	fs.list = list
}

// tableMul spreads hashes over a slotTable (Fibonacci hashing).
const tableMul = 0x9e3779b97f4a7c15

// sifSet accumulates the distinct words of a text that have vectors, with
// their counts, in the order they first occur.
type sifSet struct {
	table  slotTable
	seen   []*embedWord
	words  []*sifWord
	counts []float64
}

// reset empties ss for at most n words.
func (ss *sifSet) reset(n int) {
	ss.table.reset(n)
	ss.seen, ss.words, ss.counts = ss.seen[:0], ss.words[:0], ss.counts[:0]
}

// add counts an occurrence of w. Words are told apart by their text: the
// same word may come as two entries if the cache dropped and remade it.
func (ss *sifSet) add(w *embedWord) {
	t := &ss.table
	mask := uint64(len(t.slots) - 1)
	for p := t.first(w.key); ; p = (p + 1) & mask {
		s := &t.slots[p]
		if s.gen != t.gen {
			*s = tableSlot{key: w.key, gen: t.gen, idx: int32(len(ss.seen))}
			ss.seen = append(ss.seen, w)
			ss.words = append(ss.words, &w.sif)
			ss.counts = append(ss.counts, 1)
			return
		}
		if s.key == w.key {
			if o := ss.seen[s.idx]; o == w || o.word == w.word {
				ss.counts[s.idx]++
				return
			}
		}
	}
}
