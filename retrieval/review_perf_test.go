package retrieval

import (
	"fmt"
	"strings"
	"testing"
	"time"
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

// TestReviewSplitWrappedLinear: cutting a hard-wrapped article (whose
// chunks, re-spaced, are not spans of its body) costs about what cutting
// the same article with one line per paragraph costs. Each chunk that is
// not a span makes spanIn search the whole rest of the body, in Split and
// again in cutChunks: quadratic in the article's size (a 4 MiB wrapped
// article, the corpus's limit, took 2.4 s in each, against 0.09 s for
// Split before spans).
func TestReviewSplitWrappedLinear(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("timing")
	}
	cost := func(body string) time.Duration {
		a := article("w", body)
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			cs := Split(a, DefaultSplitOptions)
			cutChunks(a, cs, chunkHashes(cs), DefaultSplitOptions)
			best = min(best, time.Since(start))
		}
		return best
	}
	flat, wrapped := cost(reviewBody(1<<20, " ")), cost(reviewBody(1<<20, "\n"))
	if wrapped > 4*flat {
		t.Errorf("1 MiB: splitting the hard-wrapped article took %v, the one-line paragraphs %v", wrapped, flat)
	}
}
