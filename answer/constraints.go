package answer

import (
	"strings"

	"github.com/situationbot/bot/question"
	"github.com/situationbot/bot/retrieval"
)

// What a question fixes and a sentence must respect: names, figures,
// negation, role modifiers, polar words, the thing counted.

// countHeadMissing reports whether a "how many X" question's X (by stem,
// lemma or synonym) is missing from the sentence and its context: a
// count of something else does not answer it.
func (r reading) countHeadMissing(m *memo, sw sentenceWords) bool {
	h := r.q.Head
	if r.q.Type != question.Count || h == "" || h == "times" || h == "time" {
		return false
	}
	return !mentions(m, sw, h)
}

// focusMissing reports whether a word of the question's focus (the
// "prime minister" of "who is the prime minister") is missing from the
// sentence and its context.
func (r reading) focusMissing(m *memo, sw sentenceWords) bool {
	for _, f := range r.q.Focus {
		if !mentions(m, sw, f) {
			return true
		}
	}
	return false
}

// mentions reports whether sw holds w by stem, lemma or WordNet synonym,
// or by a word as close as a synonym in the vectors ("troops" for
// "soldiers").
func mentions(m *memo, sw sentenceWords, w string) bool {
	lex := m.lex
	if sw.stems[retrieval.Stem(w)] || sw.lemmas[lex.Lemma(w)] {
		return true
	}
	for _, l := range lex.Lemmas(w) {
		for _, syn := range lex.Synonyms(l) {
			if sw.lemmas[syn] {
				return true
			}
		}
	}
	if wv := lex.Vector(w); wv != nil {
		for _, x := range sw.words {
			if v := m.get(x); v != nil && dot(wv, v) >= paraphraseSimilarity {
				return true
			}
		}
	}
	return false
}

// namesInCorpus is the share of the question's names whose words all
// occur somewhere in the corpus (1 when it names nothing).
func (r reading) namesInCorpus() float64 {
	if len(r.q.Names) == 0 {
		return 1
	}
	n := 0
	for _, name := range r.q.Names {
		ok := true
		for _, w := range retrieval.Words(name) {
			if r.unseen[retrieval.Stem(w)] {
				ok = false
			}
		}
		if ok {
			n++
		}
	}
	return float64(n) / float64(len(r.q.Names))
}

// polarWords are function words that turn a question into another one
// when swapped or dropped: "the most abundant" is not "the least
// abundant", "before" is not "after". Stop-word lists drop them, so they
// are compared on their own.
var polarWords = map[string]bool{
	"most": true, "least": true, "more": true, "less": true, "fewer": true, "before": true, "after": true,
	"first": true, "last": true, "only": true, "same": true, "different": true, "always": true,
	"never": true, "all": true, "none": true, "both": true, "neither": true, "either": true, "without": true,
	"increase": true, "decrease": true, "higher": true, "lower": true, "larger": true, "smaller": true,
	"earliest": true, "latest": true, "maximum": true, "minimum": true, "above": true, "below": true,
	"inside": true, "outside": true, "against": true, "early": true, "late": true, "old": true, "new": true,
}

// polarityMismatch reports whether the question uses a polar word that
// text does not.
func (r reading) polarityMismatch(text string) bool {
	have := map[string]bool{}
	for _, w := range retrieval.Words(text) {
		have[w] = true
	}
	for _, w := range retrieval.Words(r.q.Text) {
		if polarWords[w] && !have[w] {
			return true
		}
	}
	return false
}

// namesMet is the share of the question's names that text holds (1 when
// the question names nothing).
func (r reading) namesMet(m *memo, text string) float64 {
	if len(r.q.Names) == 0 {
		return 1
	}
	// Words lower-cases after reading initialisms ("U.N."), so the text
	// goes in as written.
	words := retrieval.Words(question.FoldAccents(text))
	have := map[string]bool{}
	for _, w := range words {
		have[m.stem(w)] = true
		if full, ok := monthAbbreviations[w]; ok {
			have[full] = true
		}
	}
	met := 0
	for _, n := range r.q.Names {
		ok := true
		for _, w := range retrieval.Words(question.FoldAccents(n)) {
			if !have[retrieval.Stem(w)] && !demonymOf(w, words) {
				ok = false
			}
		}
		if ok {
			met++
		}
	}
	return float64(met) / float64(len(r.q.Names))
}

// monthAbbreviations let "January" in a question meet "Jan." in an
// article.
var monthAbbreviations = map[string]string{
	"jan": "januari", "feb": "februari", "mar": "march", "apr": "april", "jun": "june", "jul": "juli",
	"aug": "august", "sep": "septemb", "sept": "septemb", "oct": "octob", "nov": "novemb", "dec": "decemb",
}

// demonymSuffixes turn a place into its people or adjective: Russia →
// Russian, Iran → Iranian, Japan → Japanese, Israel → Israeli.
var demonymSuffixes = []string{"n", "an", "ian", "ns", "ans", "ians", "ese", "i", "is"}

// demonymOf reports whether one of words is name with a demonym suffix,
// or name is one of words with one: "Russia" is met by "Russian".
func demonymOf(name string, words []string) bool {
	if len(name) < 4 {
		return false
	}
	for _, w := range words {
		long, short := w, name
		if len(short) > len(long) {
			long, short = short, long
		}
		if len(short) < 4 || !strings.HasPrefix(long, strings.TrimSuffix(short, "a")) {
			continue
		}
		rest := long[len(strings.TrimSuffix(short, "a")):]
		for _, suf := range demonymSuffixes {
			if rest == suf || (strings.HasSuffix(short, "a") && "a"+rest == suf) {
				return true
			}
		}
	}
	return false
}

// numbersMet is 1 when text states every figure the question writes in
// digits (in digits or in words).
func (r reading) numbersMet(text string) float64 {
	if len(r.q.Figures) == 0 {
		return 1
	}
	have := map[string]bool{}
	for _, n := range question.Numbers(text) {
		have[n] = true
	}
	for _, n := range r.q.Figures {
		if !have[n] {
			return 0
		}
	}
	return 1
}

func negated(text string) bool {
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if question.IsNegation(strings.Trim(w, `.,;:!?"'“”()`)) {
			return true
		}
	}
	return false
}

// modifierMismatch reports whether text qualifies a role the question
// names with a modifier the question does not use: "deputy foreign
// minister" for a question about the foreign minister.
func (r reading) modifierMismatch(text string) bool {
	qmods := map[string]bool{}
	for _, m := range r.q.Modifiers {
		qmods[m] = true
	}
	qstems := map[string]bool{}
	for _, t := range r.terms {
		if !qmods[t.word] {
			qstems[t.stem] = true
		}
	}
	ws := retrieval.Words(text)
	have := map[string]bool{}
	for i, w := range ws {
		have[w] = true
		if !question.RoleModifiers[w] || qmods[w] {
			continue
		}
		// "deputy foreign minister": the modifier qualifies a role the
		// question names within the next three words.
		for j := i + 1; j < min(i+4, len(ws)); j++ {
			if qstems[retrieval.Stem(ws[j])] {
				return true
			}
		}
	}
	// And the other way: a question about the deputy governor is not
	// answered by a sentence about the governor.
	for m := range qmods {
		if !have[m] {
			return true
		}
	}
	return false
}
