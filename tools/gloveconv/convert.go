package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// The glove.bin format, as lexicon.Load reads it. The converter does not
// import lexicon, which embeds the files the converters write.
const (
	magic   = "LXGV" // lexicon.GloveMagic
	version = 1      // lexicon.GloveVersion
)

// Stats describes what Convert wrote.
type Stats struct {
	Words, Dims int
	Bytes       int64
}

// Convert reads the wink JSON from r and writes to w the glove.bin that
// lexicon.Load reads (lexicon/glove.go documents the format): the first n
// entries of the "words" list that isWord accepts and that have a non-zero
// vector. It streams the JSON and holds only the vectors of candidate
// words, as float32.
func Convert(w io.Writer, r io.Reader, n int) (Stats, error) {
	words, dims, vecs, err := decode(r, n)
	if err != nil {
		return Stats{}, err
	}
	var keep []string
	seen := make(map[string]bool)
	for _, word := range words {
		if len(keep) == n {
			break
		}
		v, ok := vecs[word]
		if !ok || seen[word] {
			continue
		}
		if len(v) < dims {
			return Stats{}, fmt.Errorf("vector of %q has %d values, want %d", word, len(v), dims)
		}
		if norm(v[:dims]) == 0 {
			continue
		}
		seen[word] = true
		keep = append(keep, word)
	}
	if len(keep) == 0 {
		return Stats{}, errors.New("no words to keep")
	}

	cw := &countWriter{w: w}
	le := binary.LittleEndian
	buf := le.AppendUint32([]byte(magic), version)
	buf = le.AppendUint32(buf, uint32(len(keep)))
	buf = le.AppendUint32(buf, uint32(dims))
	for _, word := range keep {
		buf = append(buf, byte(len(word)))
		buf = append(buf, word...)
	}
	for _, word := range keep {
		scale, q := quantize(vecs[word][:dims])
		buf = le.AppendUint32(buf, math.Float32bits(scale))
		for _, c := range q {
			buf = append(buf, byte(c))
		}
		if len(buf) > 1<<20 {
			if _, err := cw.Write(buf); err != nil {
				return Stats{}, err
			}
			buf = buf[:0]
		}
	}
	// The index: the ranks in the words' byte order.
	ranks := make([]int, len(keep))
	for i := range ranks {
		ranks[i] = i
	}
	slices.SortFunc(ranks, func(a, b int) int { return strings.Compare(keep[a], keep[b]) })
	for _, r := range ranks {
		buf = le.AppendUint32(buf, uint32(r))
	}
	if _, err := cw.Write(buf); err != nil {
		return Stats{}, err
	}
	return Stats{Words: len(keep), Dims: dims, Bytes: cw.n}, nil
}

// decode streams the wink JSON object: "words" (the vocabulary, most
// frequent first), "dimensions", and "vectors" (word → dims values followed
// by the L2 norm and the word's index). It keeps the vectors of the first n
// words that isWord accepts, or of all of them when "vectors" comes before
// "words".
func decode(r io.Reader, n int) (words []string, dims int, vecs map[string][]float32, err error) {
	dec := json.NewDecoder(r)
	if err := delim(dec, '{'); err != nil {
		return nil, 0, nil, err
	}
	var wanted map[string]bool // nil until "words" is read
	vecs = make(map[string][]float32)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, 0, nil, err
		}
		switch key {
		case "words":
			if err := dec.Decode(&words); err != nil {
				return nil, 0, nil, fmt.Errorf("words: %w", err)
			}
			wanted = make(map[string]bool, n)
			for _, w := range words {
				if len(wanted) == n {
					break
				}
				if isWord(w) {
					wanted[w] = true
				}
			}
		case "dimensions":
			if err := dec.Decode(&dims); err != nil {
				return nil, 0, nil, fmt.Errorf("dimensions: %w", err)
			}
		case "vectors":
			if err := decodeVectors(dec, vecs, func(w string) bool {
				return isWord(w) && (wanted == nil || wanted[w])
			}); err != nil {
				return nil, 0, nil, fmt.Errorf("vectors: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, 0, nil, fmt.Errorf("%v: %w", key, err)
			}
		}
	}
	switch {
	case words == nil:
		return nil, 0, nil, errors.New(`no "words"`)
	case dims <= 0 || dims > 4096:
		return nil, 0, nil, fmt.Errorf(`bad or missing "dimensions": %d`, dims)
	}
	return words, dims, vecs, nil
}

// decodeVectors reads the "vectors" object into vecs, keeping the words
// that want accepts.
func decodeVectors(dec *json.Decoder, vecs map[string][]float32, want func(string) bool) error {
	if err := delim(dec, '{'); err != nil {
		return err
	}
	var buf []float64
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		word, _ := t.(string)
		if !want(word) {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if err := dec.Decode(&buf); err != nil {
			return fmt.Errorf("%q: %w", word, err)
		}
		v := make([]float32, len(buf))
		for i, x := range buf {
			v[i] = float32(x)
		}
		vecs[word] = v
	}
	return delim(dec, '}')
}

// delim reads the next token and checks that it is d.
func delim(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("got %v, want %v", t, d)
	}
	return nil
}

// isWord reports whether w is a lower-case word worth a vector: letters a-z,
// with single hyphens or apostrophes between letters ("cease-fire",
// "o'brien", "n't"), at most 255 bytes.
func isWord(w string) bool {
	if w == "" || len(w) > 255 {
		return false
	}
	prevLetter := false
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case 'a' <= c && c <= 'z':
			prevLetter = true
		case (c == '-' || c == '\'') && prevLetter && i < len(w)-1:
			prevLetter = false
		default:
			return false
		}
	}
	return prevLetter
}

// norm returns the Euclidean length of v.
func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// quantize maps v, whose direction alone matters, to int8s spanning
// [-127, 127] and the scale that makes q × scale a unit vector. Scaling v
// first to unit length would give the same q, so it is left out.
func quantize(v []float32) (scale float32, q []int8) {
	var peak float64
	for _, x := range v {
		peak = max(peak, math.Abs(float64(x)))
	}
	q = make([]int8, len(v))
	var s float64
	for i, x := range v {
		c := math.Round(float64(x) / peak * 127)
		q[i] = int8(c)
		s += c * c
	}
	return float32(1 / math.Sqrt(s)), q
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

// Write writes p to the underlying writer and counts it.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
