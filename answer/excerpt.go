package answer

import (
	"sort"
	"strings"
	"time"

	"github.com/situationbot/bot/retrieval"
)

// maxExcerptSentences bounds the sentences an excerpt quotes.
const maxExcerptSentences = 3

// checked is written text after the grounding check, with the sources it
// still cites.
type checked struct {
	text    string
	sources []Source // renumbered: sources[i].N == i+1
	removed []string // the sentences removed, as written
	kept    int      // the sentences kept
}

// checkCited runs the grounding check on text whose markers [n] point to
// sources[n-1], each backed by its Quote (the passage or article text),
// title and date. Sentences that fail are removed, the rest renumbered,
// and each source still cited gets an excerpt: the sentences of its
// quote that back the sentences citing it (a source that already has an
// excerpt, the sentences an extractive answer quotes, keeps it).
func checkCited(text string, sources []Source) checked {
	evs := make([]*evidence, len(sources))
	for i, s := range sources {
		evs[i] = newEvidence(s.Quote, s.Title, s.Published)
	}
	g := ground(text, evs)
	out, used := Renumber(g.text, len(sources))
	c := checked{text: out, removed: g.removed, kept: g.kept}
	claims := claimsBySource(out, len(used))
	for i, u := range used {
		src := sources[u-1]
		src.N = i + 1
		if src.Excerpt == "" {
			src.Excerpt = excerpt(src.Quote, claims[i+1])
		}
		c.sources = append(c.sources, src)
	}
	return c
}

// claimsBySource returns, for each source number 1..n, the sentences of
// text that cite it.
func claimsBySource(text string, n int) map[int][]string {
	out := map[int][]string{}
	for _, line := range claimSentences(text) {
		for _, s := range line {
			for _, k := range Citations(s) {
				if k >= 1 && k <= n {
					out[k] = append(out[k], s)
				}
			}
		}
	}
	return out
}

// excerpt returns the sentences of quote that best back claims: for each
// claim, the sentence sharing most of its facts (numbers count most, then
// names) and words; at most maxExcerptSentences, in the quote's order.
// With no claim, or none sharing anything, it is the quote's first
// sentence.
func excerpt(quote string, claims []string) string {
	var sents []string
	for _, p := range retrieval.Paragraphs(quote) {
		sents = append(sents, retrieval.Sentences(p)...)
	}
	if len(sents) == 0 {
		return ""
	}
	type scored struct {
		evidence *evidence
		words    map[string]bool
	}
	index := make([]scored, len(sents))
	for i, s := range sents {
		index[i] = scored{newEvidence(s, "", time.Time{}), stemSet(s)}
	}
	picked := map[int]bool{}
	for _, c := range claims {
		f := claimFacts(c)
		words := stemSet(c)
		best, bestScore := -1, 0.0
		for i, s := range index {
			score := 0.0
			for _, n := range f.numbers {
				if s.evidence.numbers[n] {
					score += 3
				}
			}
			for _, w := range f.names {
				if s.evidence.has(w) {
					score += 2
				}
			}
			for w := range words {
				if s.words[w] {
					score++
				}
			}
			if score > bestScore {
				best, bestScore = i, score
			}
		}
		if best >= 0 {
			picked[best] = true
		}
	}
	if len(picked) == 0 {
		picked[0] = true
	}
	order := make([]int, 0, len(picked))
	for i := range picked {
		order = append(order, i)
	}
	sort.Ints(order)
	if len(order) > maxExcerptSentences {
		order = order[:maxExcerptSentences]
	}
	var b strings.Builder
	for j, i := range order {
		switch {
		case j == 0:
		case i == order[j-1]+1:
			b.WriteByte(' ')
		default:
			b.WriteString(" … ")
		}
		b.WriteString(quoted(sents[i]))
	}
	return b.String()
}

// stemSet is the stems of the content words of s.
func stemSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range retrieval.Words(citeRe.ReplaceAllString(s, " ")) {
		if !retrieval.IsStopword(w) {
			out[retrieval.Stem(w)] = true
		}
	}
	return out
}
