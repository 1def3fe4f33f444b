package retrieval

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// termTestChunks are generated news chunks and the corpus's own.
func termTestChunks(t *testing.T) []Chunk {
	var chunks []Chunk
	g := newNewsGen(11)
	for i := range 200 {
		chunks = append(chunks, Split(g.article(i), DefaultSplitOptions)...)
	}
	for _, a := range loadCorpus(t) {
		chunks = append(chunks, Split(a, DefaultSplitOptions)...)
	}
	return chunks
}

// TestIndexChunksEqualsTerms: the parallel, in-place keyword build gives
// the index that Terms of each chunk gives, whatever the number of
// workers.
func TestIndexChunksEqualsTerms(t *testing.T) {
	chunks := termTestChunks(t)
	// Titles that end where a rule of Words looks ahead.
	for i, title := range []string{"U.N", "U.N.", "Syria's", "Syria'", "2,", "2,500", "x’", ""} {
		for j, text := range []string{"s and more", ".S. envoy", "500 people", "Homs"} {
			chunks = append(chunks, Chunk{ID: fmt.Sprintf("edge-%d-%d", i, j), Title: title, Text: text})
		}
	}
	terms := make([][]string, len(chunks))
	for i, c := range chunks {
		terms[i] = Terms(c.EmbedText())
	}
	want := newKeywordIndex(terms)
	for _, procs := range []int{1, 2, 5} {
		old := runtime.GOMAXPROCS(procs)
		got := indexChunks(chunks)
		runtime.GOMAXPROCS(old)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("GOMAXPROCS=%d: indexChunks differs from the index of Terms (%d terms, want %d; average length %g, want %g)",
				procs, len(got.dict), len(want.dict), got.avgLen, want.avgLen)
		}
	}
	// And the reference itself counts what Terms says.
	term := Stem("evacuated")
	var docs []int
	for d, ts := range terms {
		if slices.Contains(ts, term) {
			docs = append(docs, d)
		}
	}
	var got []int
	want.each(term, func(p posting) {
		got = append(got, int(p.doc))
		if n := int32(countOf(terms[p.doc], term)); p.tf != n {
			t.Errorf("document %d: tf(%s) = %d, want %d", p.doc, term, p.tf, n)
		}
	})
	if len(docs) == 0 || !slices.Equal(got, docs) || want.DF(term) != len(docs) {
		t.Errorf("postings of %q = %v (DF %d), want %v", term, got, want.DF(term), docs)
	}
}

// TestWordsEqualsReference: Words, which reads in place with an ASCII
// fast path, splits as the plain rune loop it replaced, on the corpus and
// on texts built to reach every branch.
func TestWordsEqualsReference(t *testing.T) {
	texts := []string{
		"", "U.N. and U.S. officials", "2,500 people; 1,2 and 3,", "Syria's women’s rights",
		"rock 'n' roll, don't, O'Brien's", "ÉVACUATION à Homs — İstanbul ΣΙΓΜΑ", "bad \xff\xfe bytes", "a.b.c. A.B.C.D.",
		"x'", "'s", "٣٤ and 三十", "Ǆemal ǅ", "end with 's",
	}
	for _, c := range termTestChunks(t) {
		texts = append(texts, c.EmbedText())
	}
	for _, s := range texts {
		if got, want := Words(s), refWords(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("Words(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzWords checks Words against the reference on any input.
func FuzzWords(f *testing.F) {
	for _, s := range []string{"U.N. 2,500 Syria's", "ÉVA’s x'y", "\xff'S."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Words(s), refWords(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("Words(%q) = %q, want %q", s, got, want)
		}
	})
}

// refWords is Words as it was written before scanWords: the reference.
func refWords(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && b.Len() > 0:
			next, n := utf8.DecodeRuneInString(s[i+size:])
			if (next == 's' || next == 'S') && !isWordRune(s, i+size+n) {
				flush()
				i += size + n
				continue
			}
			if !unicode.IsLetter(next) {
				flush()
			}
		case r == '.' && b.Len() > 0 && isInitialism(s, i, b.String()):
		case r == ',' && b.Len() > 0 && isDigitString(b.String()):
			next, _ := utf8.DecodeRuneInString(s[i+size:])
			if !unicode.IsDigit(next) {
				flush()
			}
		default:
			flush()
		}
		i += size
	}
	flush()
	return out
}

func countOf(ts []string, t string) int {
	n := 0
	for _, x := range ts {
		if x == t {
			n++
		}
	}
	return n
}

// TestParagraphsEqualsReference: Paragraphs, which keeps paragraphs
// already single-spaced as they are, gives what normalising every one
// gives.
func TestParagraphsEqualsReference(t *testing.T) {
	texts := []string{"", " ", "a", " a", "a ", "a  b", "a\tb", "a\u00a0b", "a\u2009b\n\nc", "x\r\n\r\ny", "\xff \xfe", "a\u0085b", "one.\n\n\n\ntwo. three\nfour"}
	g := newNewsGen(5)
	for i := range 50 {
		texts = append(texts, g.article(i).Body)
	}
	for _, a := range loadCorpus(t) {
		texts = append(texts, a.Body)
	}
	for _, s := range texts {
		if got, want := Paragraphs(s), refParagraphs(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("Paragraphs(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzParagraphs checks Paragraphs against the reference on any input.
func FuzzParagraphs(f *testing.F) {
	for _, s := range []string{"a  b\n\nc", " x\u00a0y\t", "\r\n\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Paragraphs(s), refParagraphs(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("Paragraphs(%q) = %q, want %q", s, got, want)
		}
	})
}

// refParagraphs is Paragraphs normalising every paragraph: the reference.
func refParagraphs(text string) []string {
	var out []string
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p := strings.Join(strings.Fields(block), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// TestNormalizeVector: normalizeVector writes what normalising through
// float64s (normalize, the local embedder's) gives, bit for bit.
func TestNormalizeVector(t *testing.T) {
	emb := randomEmbedder{dims: 37}
	vs, _ := emb.Embed(context.Background(), []string{"a", "bb", "some text", ""})
	vs = append(vs, make([]float32, 37))
	for _, v := range vs {
		f := make([]float64, len(v))
		for i, x := range v {
			f[i] = float64(x)
		}
		if got, want := normalizeVector(make([]float32, len(v)), v), normalize(f); !slices.Equal(got, want) {
			t.Errorf("normalizeVector(%v) = %v, want %v", v[:3], got[:3], want[:3])
		}
	}
}
