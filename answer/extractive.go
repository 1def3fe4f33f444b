package answer

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/retrieval"
)

// The extractive composer is the embedded default: with no model it answers
// with the sentence of the retrieved passages that the answerability model
// (decide.go) judges most likely to answer the question, when that
// likelihood clears the model's threshold, and refuses otherwise. The
// answer leads with that sentence (preceded by the sentence before it when
// it opens with a pronoun, followed by the rest of a quote it opens), then
// adds sentences that say more (maximal marginal relevance), never ones
// that repeat it.

// terms are the question's weighted terms, for marginal relevance.
type terms struct {
	weights map[string]float64 // IDF weight of each question term
	keys    []string           // the terms, sorted, so that sums are deterministic
	total   float64
}

func newTerms(weights map[string]float64) terms {
	t := terms{weights: weights, keys: sortedKeys(weights)}
	for _, k := range t.keys {
		t.total += weights[k]
	}
	return t
}

// sentence is a candidate sentence of a passage.
type sentence struct {
	text    string
	passage int // index into the passages
	pos     int // position among all candidates: consecutive sentences of a paragraph are consecutive
	para    int // paragraph number within the passage
	terms   map[string]bool
	names   []string // stems of capitalised words not at the start
	context float64  // the best Coverage of a passage holding the sentence
	prev    string   // the sentence before it in its paragraph, "" for the first
	next    string   // the sentence after it in its paragraph, "" for the last
}

// candidates splits the passages into sentences, skipping headings,
// fragments and sentences repeated by chunk overlap.
func candidates(passages []retrieval.Passage) []sentence {
	var out []sentence
	seen := map[string]int{} // normalised text → index in out
	for pi, p := range passages {
		for pa, para := range retrieval.Paragraphs(p.Text) {
			if retrieval.IsHeading(para) {
				continue
			}
			ss := retrieval.Sentences(para)
			for si, s := range ss {
				key := strings.ToLower(strings.Join(strings.Fields(s), " "))
				if i, ok := seen[key]; ok {
					// Repeated by chunk overlap: keep the first, with the
					// better context.
					out[i].context = max(out[i].context, p.Coverage)
					continue
				}
				if utf8.RuneCountInString(s) < 25 || len(strings.Fields(s)) < 5 {
					continue
				}
				seen[key] = len(out)
				terms := map[string]bool{}
				for _, t := range retrieval.Terms(s) {
					terms[t] = true
				}
				c := sentence{text: s, passage: pi, para: pa, pos: len(out), terms: terms, names: properNames(s), context: p.Coverage}
				if si > 0 {
					c.prev = ss[si-1]
				}
				if si+1 < len(ss) {
					c.next = ss[si+1]
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// properNames returns the stems of capitalised words that do not start the
// sentence: names of people, places and bodies.
func properNames(s string) []string {
	var out []string
	fields := strings.Fields(s)
	for i, f := range fields {
		if i == 0 {
			continue
		}
		f = strings.Trim(f, `"'“”‘’(),.;:!?`)
		r, _ := utf8.DecodeRuneInString(f)
		if !unicode.IsUpper(r) {
			continue
		}
		for _, w := range retrieval.Words(f) {
			if !retrieval.IsStopword(w) && len(w) > 2 {
				out = append(out, retrieval.Stem(w))
			}
		}
	}
	return out
}

// coverage is the weighted share of the question's terms in s, counting
// each term at weight w[t] (so already-answered terms can be discounted).
func coverage(keys []string, w map[string]float64, total float64, s sentence) float64 {
	if total == 0 {
		return 0
	}
	var hit float64
	for _, t := range keys {
		if retrieval.Matches(s.terms, t) {
			hit += w[t]
		}
	}
	return hit / total
}

// Composer limits.
const (
	maxSentences   = 3
	maxAnswerRunes = 700
	// extraShare is how likely, beside the best sentence, a further
	// sentence must be to join the answer, as the ranker's softmax over
	// the candidates sees it (exp of the score difference). Measured on
	// the training sets: a tenth keeps SQuAD accuracy at 0.878 (0.86 at a
	// quarter, 0.82 at a half) while fewer answers trail loosely related
	// sentences than when any highly rated sentence joined.
	extraShare = 0.1
	// contextWeight rewards sentences from passages that cover the whole
	// question: the answer usually sits among the question's other words.
	contextWeight = 0.2
)

// picked is a chosen sentence and the passage it cites.
type picked struct {
	text    string
	passage int
}

// compose picks the sentences of an extractive answer, best first: the
// candidate most likely to answer (probs, from the answerability model's
// ranker), then what completes it. It returns nil when there is no
// candidate.
func compose(q terms, passages []retrieval.Passage, cands []sentence, probs []float64, rival int) []picked {
	if len(cands) == 0 {
		return nil
	}
	best := bestCandidate(probs)
	var out []picked
	var chosen []int
	size := 0
	add := func(text string, passage int) {
		out = append(out, picked{text: text, passage: passage})
		size += utf8.RuneCountInString(text)
	}
	// Discount the terms already answered; reward names the chosen sentences
	// introduced, so that a follow-on sentence about the same person counts.
	residual := map[string]float64{}
	var mean float64
	for _, t := range q.keys {
		residual[t] = q.weights[t]
		mean += q.weights[t] / float64(len(q.keys))
	}
	rkeys := append([]string(nil), q.keys...)
	update := func(s sentence) {
		for _, t := range rkeys {
			if retrieval.Matches(s.terms, t) {
				residual[t] = q.weights[t] * 0.3
			}
		}
		for _, n := range s.names {
			if _, ok := residual[n]; !ok {
				residual[n] = mean * 0.5
				rkeys = append(rkeys, n)
			}
		}
	}
	choose := func(i int) {
		c := cands[i]
		chosen = append(chosen, i)
		// "They were given water and food" needs the sentence that says
		// who they are.
		if c.prev != "" && pronounStart.MatchString(c.text) && !containsText(out, c.prev) {
			add(c.prev, c.passage)
		}
		add(c.text, c.passage)
		update(c)
		// A quote the sentence opens is closed by the sentences after it.
		if opensQuote(c.text) && c.next != "" && !containsText(out, c.next) {
			add(c.next, c.passage)
		}
		// A sentence that names a speaker is best followed by what the
		// speaker said, when the article quotes it next.
		for j := i + 1; j < min(i+3, len(cands)) && len(out) < maxSentences; j++ {
			if quotesSpeaker(c, cands[j], j == i+1) {
				if !contains(chosen, j) && !containsText(out, cands[j].text) && size+utf8.RuneCountInString(cands[j].text) <= maxAnswerRunes {
					chosen = append(chosen, j)
					add(cands[j].text, cands[j].passage)
					update(cands[j])
				}
				break
			}
		}
	}
	choose(best)
	bestCov := coverage(q.keys, q.weights, q.total, cands[best])
	// An article that reports the same thing differently (disagree.go) is
	// shown side by side rather than one picked.
	if rival >= 0 && !contains(chosen, rival) && len(out) < maxSentences {
		choose(rival)
	}
	bestScore := probs[best]
	for len(out) < maxSentences {
		next, nextScore := -1, 0.0
		for i, s := range cands {
			if contains(chosen, i) || containsText(out, s.text) || logit(probs[i]) < logit(bestScore)+math.Log(extraShare) {
				continue
			}
			if size+utf8.RuneCountInString(s.text) > maxAnswerRunes {
				continue
			}
			red := 0.0
			for _, c := range chosen {
				red = max(red, jaccard(s.terms, cands[c].terms))
			}
			if red > 0.5 {
				continue
			}
			// A sentence from another article must stand on its own.
			own := coverage(q.keys, q.weights, q.total, s)
			if passages[s.passage].ArticleID != passages[cands[best].passage].ArticleID && own < 0.8*bestCov {
				continue
			}
			score := probs[i] + coverage(rkeys, residual, q.total, s) + contextWeight*s.context - 0.3*red
			if contains(chosen, i-1) && cands[i-1].passage == s.passage && cands[i-1].para == s.para {
				score += 0.1
			}
			if score > nextScore {
				next, nextScore = i, score
			}
		}
		if next < 0 {
			break
		}
		choose(next)
	}
	return out
}

// bestCandidate is the candidate the ranker puts first.
func bestCandidate(probs []float64) int {
	best := 0
	for i := range probs {
		if probs[i] > probs[best] {
			best = i
		}
	}
	return best
}

// logit is the ranker's score behind probability p.
func logit(p float64) float64 {
	p = min(max(p, 1e-12), 1-1e-12)
	return math.Log(p / (1 - p))
}

// containsText reports whether a sentence is already in the answer.
func containsText(ps []picked, text string) bool {
	for _, p := range ps {
		if p.text == text {
			return true
		}
	}
	return false
}

// opensQuote reports whether s opens a quotation it does not close.
func opensQuote(s string) bool {
	return strings.Count(s, "\"")%2 == 1 || strings.Count(s, "“") > strings.Count(s, "”")
}

// figureRe finds figures written in digits ("58", "2,500", "2.3").
var figureRe = regexp.MustCompile(`\d[\d,.]*\d|\d`)

// speechRe finds a verb of speech: the sentence reports what someone said.
var speechRe = regexp.MustCompile(`(?i)\b(said|says|told|added|stated|announced|declared|warned)\b`)

// quotesSpeaker reports whether next, a sentence shortly after s in the
// same passage, is a direct quote from the speaker s names: it holds
// quotation marks and names one of s's proper names, or, right after s,
// opens with a quotation mark or a pronoun.
func quotesSpeaker(s, next sentence, adjacent bool) bool {
	if next.passage != s.passage || len(s.names) == 0 || !speechRe.MatchString(s.text) {
		return false
	}
	if !strings.ContainsAny(next.text, "\"“”") {
		return false
	}
	first := strings.Fields(next.text)[0]
	if adjacent && (strings.HasPrefix(first, "\"") || strings.HasPrefix(first, "“") || first == "He" || first == "She" || first == "They") {
		return true
	}
	for _, n := range s.names {
		if next.terms[n] {
			return true
		}
	}
	return false
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// cite appends a citation marker to a sentence, before its final full stop
// when it ends with one ("... on Friday [1]."), after it otherwise.
func cite(s string, n int) string {
	marker := "[" + strconv.Itoa(n) + "]"
	s = quoted(s)
	if strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "..") {
		return s[:len(s)-1] + " " + marker + "."
	}
	return s + " " + marker
}

// quoted is an article's sentence as an answer quotes it: bracketed
// numbers the article has of its own ("[6] Official statement") are
// dropped, so that none passes for a citation.
func quoted(s string) string {
	return strings.Join(strings.Fields(citeRe.ReplaceAllString(s, " ")), " ")
}
