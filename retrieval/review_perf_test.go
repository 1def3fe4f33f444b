package retrieval

import (
	"fmt"
	"strings"
	"testing"
)

// reviewBody is an article body of about size bytes, in paragraphs of six
// sentences, each line of a paragraph ended by sep (a space: one line per
// paragraph; a newline: hard-wrapped Markdown).
func reviewBody(size int, sep string) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		for l := range 6 {
			if l > 0 {
				b.WriteString(sep)
			}
			fmt.Fprintf(&b, "Line %d of paragraph %d tells of the convoy and the checkpoint at dawn.", l, i)
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

// BenchmarkSplitWrapped measures Split and cutChunks over an article of
// one line per paragraph and the same article hard-wrapped, whose chunks,
// re-spaced, are not spans of its body (when spans were found by a search,
// each such chunk searched the rest of the body: a 1 MiB wrapped article
// took 385 ms against 11 ms, quadratic in its size):
//
//	go test ./retrieval -run '^$' -bench '^BenchmarkSplitWrapped$'
func BenchmarkSplitWrapped(b *testing.B) {
	for _, size := range []int{1 << 20, 4 << 20} {
		for _, lines := range []struct{ name, sep string }{{"one", " "}, {"wrapped", "\n"}} {
			b.Run(fmt.Sprintf("MiB=%d/lines=%s", size>>20, lines.name), func(b *testing.B) {
				a := article("w", reviewBody(size, lines.sep))
				b.SetBytes(int64(len(a.Body)))
				for b.Loop() {
					cs := Split(a, DefaultSplitOptions)
					cutChunks(a, cs, chunkHashes(cs))
				}
			})
		}
	}
}

// TestSpansAfterWrappedText: chunks that are spans of the body are kept as
// spans, with no search, even after a long run of chunks that are not
// (hard-wrapped paragraphs).
func TestSpansAfterWrappedText(t *testing.T) {
	// The second half in other words, so that no chunk of the first
	// half, re-spaced, reads as a stretch of it.
	body := reviewBody(64<<10, "\n") + strings.ReplaceAll(reviewBody(64<<10, " "), "convoy", "column")
	a := article("w", body)
	cs := Split(a, DefaultSplitOptions)
	ac := cutChunks(a, cs, chunkHashes(cs))
	want, got := 0, 0
	for i, c := range cs {
		if strings.Contains(body, c.Text) {
			want++
			if ac.span(i).n > 0 {
				got++
			}
		}
	}
	if want == 0 || got != want {
		t.Errorf("%d of the %d chunks that are spans of the body were found as spans", got, want)
	}
}
