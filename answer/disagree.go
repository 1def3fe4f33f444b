package answer

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/question"
	"github.com/situationbot/bot/retrieval"
)

// Disagreement: when another article reports the same thing as the best
// sentence with a different value (a count, a date, who did it), the
// answer gives both, each with its source, and says that they differ.

// disagreement is a rival account of the best sentence's claim.
type disagreement struct {
	rival              int      // index of the rival candidate, -1 for none
	bestVals, rivalVal []string // the values each gives, as written
}

// answerValues are the values a sentence gives for what the question
// asks: dates for "when", names the question does not use for "who", and
// otherwise its figures.
func answerValues(pq question.Question, s sentence, p retrieval.Passage) []string {
	var out []string
	add := func(v string) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	switch pq.Type {
	case question.Date:
		for _, r := range ResolveDates(s.text, p.Published) {
			add(FormatDate(r))
		}
	case question.Person, question.Organization:
		asked := map[string]bool{}
		for _, w := range retrieval.Words(pq.Text + " " + pq.Context) {
			asked[retrieval.Stem(w)] = true
		}
		for _, n := range capitalisedWords(s.text) {
			if !asked[retrieval.Stem(strings.ToLower(n))] {
				add(n)
			}
		}
	default:
		for _, f := range figureRe.FindAllString(quoted(s.text), -1) {
			add(f)
		}
	}
	return out
}

// capitalisedWords returns the capitalised words of s after its first, without
// punctuation, stopwords excepted.
func capitalisedWords(s string) []string {
	var out []string
	for i, f := range strings.Fields(quoted(s)) {
		f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		r, _ := utf8.DecodeRuneInString(f)
		if i == 0 || !unicode.IsUpper(r) || retrieval.IsStopword(strings.ToLower(f)) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// normalValue is a value compared across accounts: "2,500" = "2500".
func normalValue(v string) string {
	return strings.ToLower(strings.ReplaceAll(v, ",", ""))
}

// disagreeing finds a sentence from another article that reports the same
// thing as the best one with a different value: it covers nearly as much
// of the question, shares much of the best sentence's wording, meets the
// question's constraints (eligible), and gives values for what is asked
// none of which the best gives.
func disagreeing(pq question.Question, q terms, cands []sentence, probs []float64, best int, passages []retrieval.Passage) disagreement {
	d := disagreement{rival: -1}
	b := cands[best]
	bv := answerValues(pq, b, passages[b.passage])
	if len(bv) == 0 {
		return d
	}
	have := map[string]bool{}
	for _, v := range bv {
		have[normalValue(v)] = true
	}
	bestCov := coverage(q.keys, q.weights, q.total, b)
	rivalCov := 0.0
	for i, s := range cands {
		if i == best || probs[i] <= 0 || passages[s.passage].ArticleID == passages[b.passage].ArticleID {
			continue
		}
		cov := coverage(q.keys, q.weights, q.total, s)
		if cov < 0.8*bestCov || jaccard(s.terms, b.terms) < 0.3 || cov <= rivalCov {
			continue
		}
		sv := answerValues(pq, s, passages[s.passage])
		differs := len(sv) > 0
		for _, v := range sv {
			differs = differs && !have[normalValue(v)]
		}
		if differs {
			d.rival, d.rivalVal, rivalCov = i, sv, cov
		}
	}
	if d.rival >= 0 {
		d.bestVals = bv
	}
	return d
}

// note is the sentence that says the accounts differ, citing each: "The
// articles differ: 58 [1]; 83 [2]."
func (d disagreement) note(bestN, rivalN int) string {
	return "The articles differ: " + strings.Join(d.bestVals, ", ") + " [" + strconv.Itoa(bestN) + "]; " +
		strings.Join(d.rivalVal, ", ") + " [" + strconv.Itoa(rivalN) + "]."
}
