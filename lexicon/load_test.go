package lexicon

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// smallGloVe encodes three 2-d words in the glove.bin format.
func smallGloVe() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32([]byte(GloveMagic), GloveVersion)
	b = le.AppendUint32(b, 3)
	b = le.AppendUint32(b, 2)
	words := []string{"flee", "fly", "run"}
	vecs := [][2]int8{{127, 0}, {127, 127}, {0, -127}}
	for _, w := range words {
		b = append(b, byte(len(w)))
		b = append(b, w...)
	}
	for _, v := range vecs {
		n := math.Hypot(float64(v[0]), float64(v[1]))
		b = le.AppendUint32(b, math.Float32bits(float32(1/n)))
		b = append(b, byte(v[0]), byte(v[1]))
	}
	for r := range words { // already in byte order
		b = le.AppendUint32(b, uint32(r))
	}
	return b
}

// Offsets in smallGloVe.
const (
	smallRows  = 16 + 5 + 4 + 4 // after the header and the words
	smallIndex = smallRows + 3*6
)

// smallWordNet is a WordNet asset's text: "fled" is "flee", which shares a
// synset with "fly" and "take_flight".
const smallWordNet = `wordnet-lexicon 1 4 1 3 3
@exc n
@exc v
fled flee
@exc a
@exc r
@synsets
flee fly take_flight
@lemmas
flee v1 0
fly n2 v4 0
run n3 v9
take_flight v1 0
`

// gz compresses text.
func gz(text string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(text))
	zw.Close()
	return b.Bytes()
}

func TestLoadSmall(t *testing.T) {
	l, err := Load(smallGloVe(), gz(smallWordNet))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if l.Size() != 3 || l.Dims() != 2 {
		t.Errorf("Size(), Dims() = %d, %d, want 3, 2", l.Size(), l.Dims())
	}
	if got := l.Lemma("fled"); got != "flee" {
		t.Errorf("Lemma(fled) = %q, want flee", got)
	}
	if got, want := l.Synonyms("fled"), []string{"fly", "take flight"}; !slices.Equal(got, want) {
		t.Errorf("Synonyms(fled) = %q, want %q", got, want)
	}
	if got := l.Synonyms("run"); len(got) != 0 {
		t.Errorf("Synonyms(run) = %q, want none", got)
	}
	if got := l.Similarity("fled", "fly"); math.Abs(got-math.Sqrt(0.5)) > 1e-6 {
		t.Errorf("Similarity(fled, fly) = %v, want %v", got, math.Sqrt(0.5))
	}
	if got := l.Similarity("flee", "run"); got != 0 {
		t.Errorf("Similarity(flee, run) = %v, want 0", got)
	}
	if got := l.Rank("run"); got != 2 {
		t.Errorf("Rank(run) = %d, want 2", got)
	}
}

func TestLoadCorrupt(t *testing.T) {
	glove, wordnet := smallGloVe(), gz(smallWordNet)
	withGloVe := func(f func([]byte) []byte) []byte { return f(slices.Clone(glove)) }
	withText := func(old, new string) []byte { return gz(strings.Replace(smallWordNet, old, new, 1)) }
	tests := []struct {
		name           string
		glove, wordnet []byte
	}{
		{"empty glove", nil, wordnet},
		{"bad magic", withGloVe(func(b []byte) []byte { b[0] = 'X'; return b }), wordnet},
		{"bad version", withGloVe(func(b []byte) []byte { b[4] = 9; return b }), wordnet},
		{"truncated glove", glove[:len(glove)-1], wordnet},
		{"glove too long", append(slices.Clone(glove), 0), wordnet},
		{"too many words", withGloVe(func(b []byte) []byte { b[8] = 200; return b }), wordnet},
		{"zero dimensions", withGloVe(func(b []byte) []byte { b[12] = 0; return b }), wordnet},
		{"duplicate word", withGloVe(func(b []byte) []byte { copy(b[26:29], "fly"); return b }), wordnet},
		{"zero scale", withGloVe(func(b []byte) []byte { clear(b[smallRows+12 : smallRows+16]); return b }), wordnet},
		{"rank out of range", withGloVe(func(b []byte) []byte { b[smallIndex] = 3; return b }), wordnet},
		{"index out of order", withGloVe(func(b []byte) []byte { b[smallIndex], b[smallIndex+4] = 1, 0; return b }), wordnet},
		{"repeated rank", withGloVe(func(b []byte) []byte { b[smallIndex+4] = 0; return b }), wordnet},
		{"empty wordnet", glove, nil},
		{"not gzip", glove, []byte(smallWordNet)},
		{"truncated gzip", glove, wordnet[:len(wordnet)-5]},
		{"bad header", glove, withText("wordnet-lexicon 1", "wordnet-lexicon 2")},
		{"wrong lemma count", glove, withText(" 4 1 3 3", " 5 1 3 3")},
		{"missing section", glove, withText("@exc a\n", "")},
		{"sections out of order", glove, withText("@exc a\n@exc r", "@exc r\n@exc a")},
		{"bad exception", glove, withText("fled flee", "fled")},
		{"one-lemma synset", glove, withText("flee fly take_flight", "flee")},
		{"lemmas out of order", glove, withText("flee v1 0\nfly n2 v4 0", "fly n2 v4 0\nflee v1 0")},
		{"bad synset id", glove, withText("flee v1 0", "flee v1 7")},
		{"id before part of speech", glove, withText("flee v1 0", "flee 0 v1")},
		{"parts of speech out of order", glove, withText("fly n2 v4 0", "fly v4 n2 0")},
		{"unknown part of speech", glove, withText("run n3 v9", "run n3 x9")},
		{"no part of speech", glove, withText("run n3 v9", "run")},
		{"too many synsets", glove, withText("flee v1 0", "flee v1 0 0 0 0")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Load(tc.glove, tc.wordnet); err == nil {
				t.Error("Load succeeded, want an error")
			}
		})
	}
}

// BenchmarkLoad decodes the embedded assets, as Default does once, and
// reports the heap that a Lexicon keeps.
func BenchmarkLoad(b *testing.B) {
	var keep *Lexicon
	for b.Loop() {
		l, err := Load(gloveAsset, wordnetAsset)
		if err != nil {
			b.Fatal(err)
		}
		keep = l
	}
	var before, after runtime.MemStats
	keep = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep, _ = Load(gloveAsset, wordnetAsset)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-kept")
	runtime.KeepAlive(keep)
}
