package lexicon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// The GloVe asset, glove.bin, is little-endian:
//
//	magic   "LXGV"
//	version uint32 (GloveVersion)
//	count   uint32, the number of words
//	dims    uint32, the number of dimensions
//	count × (length uint8, the word's bytes), in frequency order
//	count × (scale float32, dims × int8), in the same order
//	count × uint32, the ranks of the words sorted by their bytes
//
// A word's vector is int8 × scale; tools/gloveconv picks the scale so that
// the vector has unit length. The sorted ranks let Load find words by
// binary search in the asset itself, with no map to build.
const (
	// GloveMagic opens glove.bin.
	GloveMagic = "LXGV"
	// GloveVersion is the format version of glove.bin that Load reads.
	GloveVersion = 1

	gloveHeaderLen = 16
	maxDims        = 4096
)

var errTruncated = errors.New("truncated")

// loadGloVe checks glove.bin and makes l refer to it. Only the offsets of
// the words go on the heap.
func (l *Lexicon) loadGloVe(b []byte) error {
	if len(b) < gloveHeaderLen {
		return errTruncated
	}
	if string(b[:4]) != GloveMagic {
		return errors.New("bad magic")
	}
	le := binary.LittleEndian
	if v := le.Uint32(b[4:]); v != GloveVersion {
		return fmt.Errorf("unsupported version %d", v)
	}
	count, dims := int(le.Uint32(b[8:])), int(le.Uint32(b[12:]))
	if dims == 0 || dims > maxDims {
		return fmt.Errorf("bad dimensions %d", dims)
	}
	if count > len(b) {
		return errTruncated
	}
	starts := make([]uint32, count)
	off := gloveHeaderLen
	for i := range starts {
		if off >= len(b) {
			return errTruncated
		}
		if b[off] == 0 {
			return fmt.Errorf("word %d is empty", i)
		}
		starts[i] = uint32(off)
		off += 1 + int(b[off])
	}
	rowLen := 4 + dims
	if len(b)-off != count*(rowLen+4) {
		return fmt.Errorf("%d bytes after the words, want %d", len(b)-off, count*(rowLen+4))
	}
	l.glove, l.dims, l.starts = b, dims, starts
	l.rows, l.sorted = b[off:off+count*rowLen], b[off+count*rowLen:]
	for i := range count {
		if scale, _ := l.row(int32(i)); !(scale > 0) || math.IsInf(float64(scale), 0) {
			return fmt.Errorf("word %q has scale %v", l.word(int32(i)), scale)
		}
		// Strictly increasing words make the ranks a permutation.
		r := l.sortedRank(i)
		if r < 0 || int(r) >= count {
			return fmt.Errorf("bad rank %d in the index", r)
		}
		if i > 0 && string(l.word(l.sortedRank(i-1))) >= string(l.word(r)) {
			return fmt.Errorf("index out of order at %q", l.word(r))
		}
	}
	return nil
}

// word returns the word of rank r.
func (l *Lexicon) word(r int32) []byte {
	s := l.starts[r]
	return l.glove[s+1 : s+1+uint32(l.glove[s])]
}

// sortedRank returns the rank of the i-th word in byte order.
func (l *Lexicon) sortedRank(i int) int32 {
	return int32(binary.LittleEndian.Uint32(l.sorted[4*i:]))
}

// rankOf returns the rank of w, or -1.
func (l *Lexicon) rankOf(w string) int32 {
	lo, hi := 0, len(l.starts)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if string(l.word(l.sortedRank(mid))) < w {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(l.starts) {
		if r := l.sortedRank(lo); string(l.word(r)) == w {
			return r
		}
	}
	return -1
}

// row returns the scale and int8 components of the word of rank r.
func (l *Lexicon) row(r int32) (float32, []byte) {
	n := 4 + l.dims
	b := l.rows[int(r)*n : int(r+1)*n]
	return math.Float32frombits(binary.LittleEndian.Uint32(b)), b[4:]
}

// normalize lower-cases word and trims surrounding space.
func normalize(word string) string {
	return strings.ToLower(strings.TrimSpace(word))
}

// find returns the rank of word, else of Lemma(word), else -1.
func (l *Lexicon) find(word string) int32 {
	w := normalize(word)
	if r := l.rankOf(w); r >= 0 {
		return r
	}
	if b := l.Lemma(w); b != w {
		return l.rankOf(b)
	}
	return -1
}

// Rank returns the 0-based position of word among the Lexicon's words, which
// keep GloVe's order, most frequent first; -1 when word has no vector. The
// word is lower-cased but not lemmatised. Rank counts only the words the
// Lexicon holds, so punctuation and numbers of GloVe's list take no rank.
func (l *Lexicon) Rank(word string) int {
	return int(l.rankOf(normalize(word)))
}

// Vector returns the unit-length vector of word, or of Lemma(word) when word
// itself has none; nil when neither has one. The caller owns the slice.
func (l *Lexicon) Vector(word string) []float32 {
	i := l.find(word)
	if i < 0 {
		return nil
	}
	scale, q := l.row(i)
	v := make([]float32, len(q))
	for j, c := range q {
		v[j] = float32(int8(c)) * scale
	}
	return v
}

// Similarity returns the cosine similarity of the vectors of a and b (see
// Vector), in [-1, 1]: 1 when the two words are equal once lower-cased,
// even if they have no vector, else 0 when either has none.
func (l *Lexicon) Similarity(a, b string) float64 {
	if x := normalize(a); x != "" && x == normalize(b) {
		return 1
	}
	i, j := l.find(a), l.find(b)
	if i < 0 || j < 0 {
		return 0
	}
	if i == j {
		return 1
	}
	si, qi := l.row(i)
	sj, qj := l.row(j)
	var dot int32
	for k, c := range qi {
		dot += int32(int8(c)) * int32(int8(qj[k]))
	}
	return max(-1, min(1, float64(dot)*float64(si)*float64(sj)))
}
