package retrieval

import (
	"math"
	"strings"
	"unicode"
)

// This file keeps the local embedder as it was before it was made fast
// (commit c1df6db), renamed, as the reference that the fast one must match
// bit for bit (see TestLocalEmbedderMatchesReference). Do not change it:
// the vectors are persisted per embedder identity.

// refVector is LocalEmbedder.vector as it was.
func refVector(e *LocalEmbedder, text string, memo map[string]refSIFWord, stems map[string]string) []float32 {
	v := make([]float64, 0, e.dims)
	if e.hashDims > 0 {
		v = append(v, refScaled(refUnitVec(refHashed(text, e.hashDims, stems)), e.hashW)...)
	}
	if e.sifW > 0 {
		v = append(v, refScaled(refUnitVec(refSIFVector(e.sif, Words(text), memo)), e.sifW)...)
	}
	return refNormalize(v)
}

// refHashed is hashed as it was.
func refHashed(text string, dims int, stems map[string]string) []float64 {
	var fs refFeatures
	terms := termsMemo(text, stems)
	var starts []int
	for i, t := range terms {
		w := refFNV(refFNV(refFNVOffset, "w:"), t)
		fs.add(w, 1, 1)
		if i > 0 {
			b := refFNV(refFNV(refFNV(refFNV(refFNVOffset, "b:"), terms[i-1]), " "), t)
			fs.add(b, 1, 0.5)
		}
		g := "<" + t + ">"
		starts = starts[:0]
		for j := range g {
			starts = append(starts, j)
		}
		starts = append(starts, len(g))
		n := max(1, len(starts)-4)
		for j := range n {
			end := starts[min(j+4, len(starts)-1)]
			fs.add(refFNV(refFNV(refFNVOffset, "g:"), g[starts[j]:end]), 1/float64(n), 0.5)
		}
	}
	v := make([]float64, dims)
	for i, sum := range fs.hashes {
		idx := int(sum % uint64(dims))
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[idx] += sign * refDamp(fs.counts[i]) * fs.scales[i]
	}
	return v
}

// refFeatures is features as it was.
type refFeatures struct {
	index  map[uint64]int
	hashes []uint64
	counts []float64
	scales []float64
}

func (fs *refFeatures) add(h uint64, tf, scale float64) {
	if fs.index == nil {
		fs.index = map[uint64]int{}
	}
	i, ok := fs.index[h]
	if !ok {
		i = len(fs.hashes)
		fs.index[h] = i
		fs.hashes = append(fs.hashes, h)
		fs.counts = append(fs.counts, 0)
		fs.scales = append(fs.scales, scale)
	}
	fs.counts[i] += tf
}

// refLookup is sifModel.lookup as it was.
func refLookup(m *sifModel, w string) (string, int) {
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

// refWord is sifModel.word as it was.
func refWord(m *sifModel, w string) refSIFWord {
	if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return refSIFWord{}
	}
	b, r := refLookup(m, w)
	if r < 0 {
		return refSIFWord{}
	}
	return refSIFWord{1e-3 / (1e-3 + 1/(float64(r+1)*m.harmonic)), m.lex.Vector(b)}
}

// refSIFVector is sifModel.vector as it was.
func refSIFVector(m *sifModel, words []string, memo map[string]refSIFWord) []float64 {
	index := make(map[string]int, len(words))
	var distinct []string
	var count []float64
	for _, w := range words {
		i, ok := index[w]
		if !ok {
			i = len(distinct)
			index[w] = i
			distinct = append(distinct, w)
			count = append(count, 0)
		}
		count[i]++
	}
	v := make([]float64, m.lex.Dims())
	for i, w := range distinct {
		sw, ok := memo[w]
		if !ok {
			sw = refWord(m, w)
			if memo != nil {
				memo[w] = sw
			}
		}
		wt := sw.weight * count[i]
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
	return v
}

// refSIFWord is sifWord as it was.
type refSIFWord struct {
	weight float64
	vec    []float32
}

// refScaled is scaled as it was.
func refScaled(v []float64, w float64) []float64 {
	for i := range v {
		v[i] *= w
	}
	return v
}

// refUnitVec is unitVec as it was.
func refUnitVec(v []float64) []float64 {
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

// refNormalize is normalize as it was.
func refNormalize(v []float64) []float32 {
	var sum float64
	for _, x := range v {
		sum += x * x
	}
	out := make([]float32, len(v))
	if sum == 0 {
		out[0] = 1
		return out
	}
	n := math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(x / n)
	}
	return out
}

// refFNVOffset and refFNV are FNV-1a as it was computed.
const refFNVOffset = 14695981039346656037

func refFNV(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// refDamp is damp as it was.
func refDamp(tf float64) float64 {
	if tf < 1 {
		return tf
	}
	return 1 + math.Log(tf)
}
