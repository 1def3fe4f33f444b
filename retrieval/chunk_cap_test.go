package retrieval

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/corpus"
)

// stripSpace removes all white space, which Split normalises.
func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// checkSplit splits body and checks what holds for any text: every chunk is
// non-empty, trimmed, at most MaxChars runes and valid UTF-8 when body is;
// with no overlap the chunks give back the body's text exactly, in order;
// with overlap each chunk is a piece of the body.
func checkSplit(t *testing.T, body string, opt SplitOptions) []Chunk {
	t.Helper()
	cs := Split(corpus.Article{ID: "x", Title: "T", Body: body}, opt)
	want := stripSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if (want == "") != (len(cs) == 0) {
		t.Fatalf("Split(%.40q) gave %d chunks for %d runes of text", body, len(cs), utf8.RuneCountInString(want))
	}
	var all strings.Builder
	for i, c := range cs {
		n := utf8.RuneCountInString(c.Text)
		switch {
		case n == 0:
			t.Fatalf("Split(%.40q, %+v): chunk %d is empty", body, opt, i)
		case n > opt.MaxChars:
			t.Fatalf("Split(%.40q, %+v): chunk %d has %d runes, cap %d", body, opt, i, n, opt.MaxChars)
		case strings.TrimSpace(c.Text) != c.Text:
			t.Fatalf("Split(%.40q, %+v): chunk %d is not trimmed: %q", body, opt, i, c.Text)
		case utf8.ValidString(body) && !utf8.ValidString(c.Text):
			t.Fatalf("Split(%.40q, %+v): chunk %d is not valid UTF-8", body, opt, i)
		case c.Ordinal != i:
			t.Fatalf("Split: chunk %d has ordinal %d", i, c.Ordinal)
		}
		stripped := stripSpace(c.Text)
		if opt.OverlapChars > 0 && len(want) < 1<<16 && !strings.Contains(want, stripped) {
			t.Fatalf("Split(%.40q, %+v): chunk %d %q is not in the text", body, opt, i, c.Text)
		}
		all.WriteString(stripped)
	}
	if opt.OverlapChars == 0 && all.String() != want {
		t.Fatalf("Split(%.40q, %+v): the chunks do not give back the text", body, opt)
	}
	return cs
}

// pseudoWord is n letters that do not repeat in a short cycle.
func pseudoWord(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

func TestSplitHardCap(t *testing.T) {
	wordRun := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString("word")
			b.WriteString(strings.Repeat("x", i%7))
			b.WriteByte(' ')
		}
		return b.String()
	}
	wholeWords := regexp.MustCompile(`^(wordx*)( wordx*)*$`)
	tests := []struct {
		name  string
		body  string
		max   int
		check func(t *testing.T, cs []Chunk)
	}{
		{"5 MB one word", pseudoWord(5 << 20), 1000, func(t *testing.T, cs []Chunk) {
			if want := (5<<20 + 999) / 1000; len(cs) != want {
				t.Errorf("%d chunks, want %d", len(cs), want)
			}
			for _, c := range cs[:len(cs)-1] {
				if n := utf8.RuneCountInString(c.Text); n != 1000 {
					t.Fatalf("chunk %d has %d runes, want the full 1000", c.Ordinal, n)
				}
			}
		}},
		{"CJK sentences, no spaces", strings.Repeat("叙利亚政府说周五有五十八人从霍姆斯老城撤离。", 200), 100, func(t *testing.T, cs []Chunk) {
			for _, c := range cs {
				if !strings.HasSuffix(c.Text, "。") {
					t.Fatalf("chunk %d not cut after a full stop: %q", c.Ordinal, c.Text)
				}
			}
		}},
		{"CJK, no punctuation", strings.Repeat("联合国调解人", 2000), 100, func(t *testing.T, cs []Chunk) {
			if len(cs) != 120 {
				t.Errorf("%d chunks of 12000 runes at 100, want 120", len(cs))
			}
		}},
		{"words, no sentence mark", wordRun(3000), 200, func(t *testing.T, cs []Chunk) {
			for _, c := range cs {
				if !wholeWords.MatchString(c.Text) {
					t.Fatalf("chunk %d cuts a word: %q", c.Ordinal, c.Text)
				}
			}
		}},
		{"lower-case sentences", strings.Repeat("the convoy waited at the checkpoint. ", 100), 200, func(t *testing.T, cs []Chunk) {
			for _, c := range cs {
				if !strings.HasSuffix(c.Text, ".") {
					t.Fatalf("chunk %d not cut after a sentence: %q", c.Ordinal, c.Text)
				}
			}
		}},
		{"emoji, no spaces", strings.Repeat("👍🏽👨‍👩‍👧🇸🇾", 500), 50, nil},
		{"heading and a long sentence", "Evacuation excludes males aged 15 to 55\n\n" + wordRun(400), 300, func(t *testing.T, cs []Chunk) {
			if !strings.HasPrefix(cs[0].Text, "Evacuation excludes males aged 15 to 55\n\nword") {
				t.Errorf("first chunk = %.80q, want the heading with the start of its sentence", cs[0].Text)
			}
		}},
		{"heading longer than the cap", "A heading of some length that is longer than the cap\n\nThen text.", 20, nil},
		{"tiny cap", "One. Two three four. Évacuation à Homs 👍🏽 中文。", 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, overlap := range []int{0, tc.max / 4} {
				cs := checkSplit(t, tc.body, SplitOptions{MaxChars: tc.max, OverlapChars: overlap})
				if tc.check != nil && overlap == 0 {
					tc.check(t, cs)
				}
			}
		})
	}
}

// randomBody mixes English sentences, headings, long tokens, CJK runs,
// emoji and stray white space, with or without paragraph breaks.
func randomBody(r *rand.Rand) string {
	pieces := []func() string{
		func() string { return "The convoy reached Homs. " },
		func() string { return "the talks stalled, said an envoy; nobody knew why " },
		func() string { return "Evacuation excludes males\n\n" },
		func() string { return "\n\n" },
		func() string { return "\n" },
		func() string { return "   " },
		func() string { return strings.Repeat("x", r.IntN(400)) },
		func() string { return strings.Repeat("联合国调解人", r.IntN(60)) },
		func() string { return "叙利亚。霍姆斯！" },
		func() string { return strings.Repeat("👨‍👩‍👧", r.IntN(30)) },
		func() string { return "🇸🇾 " },
		func() string { return "U.S. officials said 2,500 people. " },
		func() string { return `"We will go." ` },
		func() string { return "\u3000全角空格\u3000" },
	}
	var b strings.Builder
	for range r.IntN(60) {
		b.WriteString(pieces[r.IntN(len(pieces))]())
	}
	return b.String()
}

// TestSplitProperty checks the cap and the text on random bodies and caps.
func TestSplitProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 14))
	for i := range 400 {
		body := randomBody(r)
		max := 1 + r.IntN(300)
		if i%5 == 0 {
			max = 1 + r.IntN(8)
		}
		overlap := 0
		if i%2 == 1 {
			overlap = r.IntN(max + 1)
		}
		checkSplit(t, body, SplitOptions{MaxChars: max, OverlapChars: overlap})
	}
}

// FuzzSplit runs checkSplit on any text and cap.
func FuzzSplit(f *testing.F) {
	f.Add("One. Two three four.\n\nA heading\n\nMore text here.", uint16(10), uint16(3))
	f.Add(strings.Repeat("联合国调解人", 50), uint16(7), uint16(0))
	f.Add(strings.Repeat("👨‍👩‍👧", 40), uint16(5), uint16(5))
	f.Add("\xff\xfe broken \xc3 bytes.", uint16(2), uint16(1))
	f.Fuzz(func(t *testing.T, body string, max, overlap uint16) {
		checkSplit(t, body, SplitOptions{MaxChars: 1 + int(max%400), OverlapChars: int(overlap % 400)})
	})
}
