package retrieval

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/internal/golden"
)

// loadCorpus loads the shipped articles.
func loadCorpus(t testing.TB) []corpus.Article {
	t.Helper()
	arts, errs, err := corpus.Load(os.DirFS("../corpus"))
	if err != nil || len(errs) > 0 {
		t.Fatalf("load corpus: %v %v", err, errs)
	}
	return arts
}

func renderChunks(cs []Chunk) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "=== %s (ordinal %d, %d chars, %s, %q)\n%s\n\n", c.ID, c.Ordinal, utf8.RuneCountInString(c.Text), c.Published.Format(corpus.DateLayout), c.Title, c.Text)
	}
	return b.String()
}

// TestSplitGolden pins the chunk boundaries of the shipped articles.
// Refresh with: go test ./retrieval -run TestSplitGolden -update
func TestSplitGolden(t *testing.T) {
	for _, a := range loadCorpus(t) {
		t.Run(a.ID, func(t *testing.T) {
			got := renderChunks(Split(a, DefaultSplitOptions))
			golden.Check(t, filepath.Join("testdata", "chunks", a.ID+".golden"), got)
		})
	}
}

// TestSplitInvariants checks what every chunking must hold, on the shipped
// articles and with smaller limits.
func TestSplitInvariants(t *testing.T) {
	for _, a := range loadCorpus(t) {
		for _, max := range []int{200, 400, 700, 1500} {
			opt := SplitOptions{MaxChars: max, OverlapChars: max / 3}
			cs := Split(a, opt)
			if len(cs) == 0 {
				t.Fatalf("Split(%s, %d) gave no chunks", a.ID, max)
			}
			var all strings.Builder
			for i, c := range cs {
				if c.Ordinal != i || c.ArticleID != a.ID || c.Title != a.Title || !c.Published.Equal(a.Published) {
					t.Errorf("chunk %d metadata = %+v", i, c)
				}
				if n := utf8.RuneCountInString(c.Text); n > max {
					t.Errorf("Split(%s, %d): chunk %d has %d chars", a.ID, max, i, n)
				}
				// Only a heading too long to share a chunk with its
				// sentence stands alone; otherwise none ends a chunk.
				paras := Paragraphs(c.Text)
				if IsHeading(paras[len(paras)-1]) && !allHeadings(paras) {
					t.Errorf("Split(%s, %d): chunk %d ends with a heading %q", a.ID, max, i, paras[len(paras)-1])
				}
				all.WriteString(c.Text + " ")
			}
			// Every sentence of the article is in some chunk, whole.
			for _, p := range Paragraphs(a.Body) {
				for _, s := range Sentences(p) {
					if utf8.RuneCountInString(s) <= max && !strings.Contains(all.String(), s) {
						t.Errorf("Split(%s, %d) lost or cut sentence %q", a.ID, max, s)
					}
				}
			}
			if again := Split(a, opt); !reflect.DeepEqual(again, cs) {
				t.Errorf("Split(%s, %d) is not deterministic", a.ID, max)
			}
		}
	}
}

func allHeadings(paras []string) bool {
	for _, p := range paras {
		if !IsHeading(p) {
			return false
		}
	}
	return true
}

func TestSplitHeadingStaysWithText(t *testing.T) {
	a := corpus.Article{ID: "h", Title: "T", Published: time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC), Body: strings.Repeat("Filler sentence number one is here. ", 12) +
		"\n\nEvacuation excludes males aged 15 to 55\n\nThe government said 58 people were evacuated Friday."}
	for _, c := range Split(a, SplitOptions{MaxChars: 450, OverlapChars: 100}) {
		if strings.Contains(c.Text, "Evacuation excludes males") && !strings.Contains(c.Text, "58 people") {
			t.Errorf("heading separated from its text: %q", c.Text)
		}
	}
}

func TestSplitLongSentence(t *testing.T) {
	long := strings.TrimSpace(strings.Repeat("word ", 300)) + "."
	a := corpus.Article{ID: "l", Title: "T", Body: "Short opener here. " + long}
	cs := Split(a, SplitOptions{MaxChars: 200, OverlapChars: 50})
	if len(cs) < 7 {
		t.Fatalf("Split of a 1500-char sentence with max 200 gave %d chunks, want at least 7", len(cs))
	}
	for _, c := range cs {
		if n := utf8.RuneCountInString(c.Text); n > 200 {
			t.Errorf("chunk of %d chars: %q", n, c.Text)
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"One. Two.", []string{"One.", "Two."}},
		{"The U.N. mediator met them. He left.", []string{"The U.N. mediator met them.", "He left."}},
		{"Talks were adjourned until Feb. 10 with no progress. Then more.", []string{"Talks were adjourned until Feb. 10 with no progress.", "Then more."}},
		{`He said: "We will go." Then he left.`, []string{`He said: "We will go."`, "Then he left."}},
		{"It is needed ... We are ready.", []string{"It is needed ... We are ready."}},
		{"Is it? Yes! 58 people left.", []string{"Is it?", "Yes!", "58 people left."}},
		{"Mr. Psaki spoke. 3.5 million fled.", []string{"Mr. Psaki spoke.", "3.5 million fled."}},
		{"no final stop", []string{"no final stop"}},
	}
	for _, tc := range tests {
		if got := Sentences(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Sentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"How many people were evacuated?", []string{"peopl", "evacu"}},
		{"Syria's three-year-old conflict", []string{"syria", "three", "year", "old", "conflict"}},
		{"2,500 civilians, 58 women", []string{"2500", "civilian", "58", "woman"}},
		{"The U.N. and the U.S.", []string{"un", "us"}},
		{"rammed buses; ram bus", []string{"ram", "bus", "ram", "bus"}},
		{"retook / retake, said / says", []string{"retak", "retak", "say", "say"}},
		{"Évacuation à Homs", []string{"évacuat", "hom"}},
		{"strategically strategic", []string{"strateg", "strateg"}},
		{"Kids weren't there", []string{"child"}},
	}
	for _, tc := range tests {
		if got := Terms(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Terms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsHeading(t *testing.T) {
	tests := map[string]bool{
		"Evacuation excludes males aged 15 to 55":       true,
		"'The atmosphere is positive'":                  true,
		"The government said 58 people were evacuated.": false,
		"Discuss as:":                     false,
		strings.Repeat("long words ", 20): false,
	}
	for in, want := range tests {
		if got := IsHeading(in); got != want {
			t.Errorf("IsHeading(%q) = %t, want %t", in, got, want)
		}
	}
}
