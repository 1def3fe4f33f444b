package answer

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/retrieval"
)

// The extractive composer is the embedded default: with no model it answers
// with the one to three sentences of the retrieved passages that best answer
// the question, each cited. Sentences are scored by the IDF-weighted share of
// the question's terms they contain, with a bonus when they hold the kind of
// thing the question asks for (a number for "how many", a date for "when"),
// and later sentences are chosen for what they add (maximal marginal
// relevance), never for repeating what is already said.

// qkind is what a question asks for.
type qkind int

const (
	askOther qkind = iota
	askCount       // how many, how much
	askWhen        // when, what day, what date
	askWho         // who, whom, whose
)

// question is a parsed question.
type question struct {
	kind      qkind
	countNoun string             // stem of the counted thing in "how many X"
	weights   map[string]float64 // IDF weight of each question term
	total     float64
}

func parseQuestion(q string, weights map[string]float64) question {
	pq := question{weights: weights}
	for _, w := range weights {
		pq.total += w
	}
	// The kind comes from the first question word: in "What did they give
	// the people who left?" the "who" is not the question.
	words := retrieval.Words(q)
	for i, w := range words {
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		switch w {
		case "how":
			if next == "many" || next == "much" {
				pq.kind = askCount
				pq.countNoun = countedNoun(words[i+2:])
			}
		case "when":
			pq.kind = askWhen
		case "what", "which":
			if next == "day" || next == "date" || next == "year" || next == "time" || next == "month" {
				pq.kind = askWhen
			}
		case "who", "whom", "whose":
			pq.kind = askWho
		case "where", "why":
		default:
			continue
		}
		break
	}
	return pq
}

// countedNoun picks the head of "how many <adjectives> <noun>": among the
// first two content words after "how many", the first plural one, else the
// first.
func countedNoun(rest []string) string {
	var cand []string
	for _, w := range rest {
		if retrieval.IsStopword(w) || isAuxiliary(w) {
			break
		}
		cand = append(cand, w)
		if len(cand) == 2 {
			break
		}
	}
	if len(cand) == 0 {
		return ""
	}
	for _, w := range cand {
		if strings.HasSuffix(w, "s") || w == "people" || w == "children" || w == "men" || w == "women" {
			return retrieval.Stem(w)
		}
	}
	return retrieval.Stem(cand[0])
}

func isAuxiliary(w string) bool {
	switch w {
	case "did", "do", "does", "is", "are", "was", "were", "have", "has", "had", "will", "would", "can", "could", "may", "might", "should", "must":
		return true
	}
	return false
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
			for _, s := range retrieval.Sentences(para) {
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
				out = append(out, sentence{text: s, passage: pi, para: pa, pos: len(out), terms: terms, names: properNames(s), context: p.Coverage})
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

var (
	numberWordRe = regexp.MustCompile(`(?i)\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundred|hundreds|thousand|thousands|million|millions|dozen|dozens|twice|once|several|scores)\b|\d`)
	timeRe       = regexp.MustCompile(`(?i)\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|yesterday|today|tomorrow|tonight|week|month|year|years|morning|afternoon|evening|night|ago|since|until|earlier|later|\d{4})\b`)
	repeatRe     = regexp.MustCompile(`(?i)\b(once|twice|thrice|times)\b`)
)

// typeBonus rewards a sentence that holds the kind of thing asked for.
func (q question) typeBonus(s sentence) float64 {
	switch q.kind {
	case askCount:
		bonus := -0.15
		if q.answersCount(s) {
			bonus = 0.15
		}
		if q.countNoun != "" && q.namesCounted(s) {
			bonus += 0.05
		}
		return bonus
	case askWhen:
		if timeRe.MatchString(s.text) {
			return 0.15
		}
	case askWho:
		if len(s.names) > 0 {
			return 0.05
		}
	}
	return 0
}

// answersCount reports whether s can answer "how many <countNoun>": it
// names the counted thing and holds a number.
func (q question) answersCount(s sentence) bool {
	if q.countNoun == "time" {
		return repeatRe.MatchString(s.text)
	}
	return numberWordRe.MatchString(s.text)
}

// namesCounted reports whether s mentions the thing counted.
func (q question) namesCounted(s sentence) bool {
	if q.countNoun == "time" {
		return repeatRe.MatchString(s.text)
	}
	return q.countNoun == "" || retrieval.Matches(s.terms, q.countNoun)
}

// coverage is the weighted share of the question's terms in s, counting
// each term at weight w[t] (so already-answered terms can be discounted).
func coverage(w map[string]float64, total float64, s sentence) float64 {
	if total == 0 {
		return 0
	}
	var hit float64
	for t, wt := range w {
		if retrieval.Matches(s.terms, t) {
			hit += wt
		}
	}
	return hit / total
}

// Composer limits.
const (
	maxSentences   = 3
	maxAnswerRunes = 700
	// minSentenceCover is the share of the question a best sentence must
	// cover for the composer to answer at all.
	minSentenceCover = 0.3
	// contextWeight rewards sentences from passages that cover the whole
	// question: the answer usually sits among the question's other words.
	contextWeight = 0.2
)

// picked is a chosen sentence and the passage it cites.
type picked struct {
	text    string
	passage int
}

// compose picks the sentences of an extractive answer, best first. It
// returns nil when no sentence answers the question well enough.
func compose(q question, passages []retrieval.Passage) []picked {
	cands := candidates(passages)
	if len(cands) == 0 || q.total == 0 {
		return nil
	}
	// "How many trucks…" cannot be answered from articles that never
	// mention trucks, whatever numbers they hold.
	if q.kind == askCount && q.countNoun != "" {
		named := false
		for _, s := range cands {
			named = named || q.namesCounted(s)
		}
		if !named {
			return nil
		}
	}
	best, bestScore := -1, 0.0
	for i, s := range cands {
		if q.kind == askCount && !q.answersCount(s) {
			continue
		}
		cov := coverage(q.weights, q.total, s)
		if cov < minSentenceCover {
			continue
		}
		score := cov + q.typeBonus(s) + contextWeight*s.context
		if best < 0 || score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil
	}
	var chosen []int
	size := 0
	// Discount the terms already answered; reward names the chosen sentences
	// introduced, so that a follow-on sentence about the same person counts.
	residual := map[string]float64{}
	var mean float64
	for t, w := range q.weights {
		residual[t] = w
		mean += w / float64(len(q.weights))
	}
	update := func(s sentence) {
		for t := range residual {
			if retrieval.Matches(s.terms, t) {
				residual[t] = q.weights[t] * 0.3
			}
		}
		for _, n := range s.names {
			if _, ok := residual[n]; !ok {
				residual[n] = mean * 0.5
			}
		}
	}
	// A sentence that names a speaker is best followed by what the speaker
	// said, when the article quotes it next ("Mekdad told a news
	// conference…" then "Mekdad said: \"If the armed terrorists…\"").
	choose := func(i int) {
		chosen = append(chosen, i)
		size += utf8.RuneCountInString(cands[i].text)
		update(cands[i])
		for q := i + 1; q < min(i+3, len(cands)) && len(chosen) < maxSentences; q++ {
			if quotesSpeaker(cands[i], cands[q], q == i+1) {
				if !contains(chosen, q) && size+utf8.RuneCountInString(cands[q].text) <= maxAnswerRunes {
					chosen = append(chosen, q)
					size += utf8.RuneCountInString(cands[q].text)
					update(cands[q])
				}
				break
			}
		}
	}
	choose(best)
	// Sources that report a different figure for the same thing are shown
	// side by side rather than one picked.
	if rival := disagreeing(q, cands, best, passages); rival >= 0 && !contains(chosen, rival) && len(chosen) < maxSentences {
		choose(rival)
	}
	for len(chosen) < maxSentences {
		next, nextScore := -1, 0.0
		for i, s := range cands {
			if contains(chosen, i) {
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
			own := coverage(q.weights, q.total, s)
			if passages[s.passage].ArticleID != passages[cands[best].passage].ArticleID && own < 0.8*coverage(q.weights, q.total, cands[best]) {
				continue
			}
			score := coverage(residual, q.total, s) + q.typeBonus(s) + contextWeight*s.context - 0.3*red
			// A sentence that continues a chosen one (the rest of a quote,
			// what "he" or "they" did next) reads on naturally.
			if contains(chosen, i-1) && cands[i-1].passage == s.passage && cands[i-1].para == s.para {
				score += 0.1
			}
			if score > nextScore {
				next, nextScore = i, score
			}
		}
		if next < 0 || nextScore < 0.5*bestScore {
			break
		}
		choose(next)
	}
	out := make([]picked, len(chosen))
	for i, c := range chosen {
		out[i] = picked{text: cands[c].text, passage: cands[c].passage}
	}
	return out
}

// figureRe finds figures written in digits ("58", "2,500", "2.3").
var figureRe = regexp.MustCompile(`\d[\d,.]*\d|\d`)

// figures returns the figures of a sentence, normalised.
func figures(s string) map[string]bool {
	out := map[string]bool{}
	for _, f := range figureRe.FindAllString(s, -1) {
		out[strings.ReplaceAll(f, ",", "")] = true
	}
	return out
}

// disagreeing finds a sentence from another passage that reports the same
// thing as the best one with a different figure: it covers nearly as much
// of the question, shares much of the best sentence's wording (and the
// counted thing, for "how many"), and holds figures the best does not.
// It returns -1 when there is none.
func disagreeing(q question, cands []sentence, best int, passages []retrieval.Passage) int {
	b := cands[best]
	bf := figures(b.text)
	if len(bf) == 0 {
		return -1
	}
	bestCov := coverage(q.weights, q.total, b)
	rival, rivalCov := -1, 0.0
	for i, s := range cands {
		if i == best {
			continue
		}
		if q.kind == askCount && !q.namesCounted(s) {
			continue
		}
		cov := coverage(q.weights, q.total, s)
		if cov < 0.8*bestCov || jaccard(s.terms, b.terms) < 0.3 {
			continue
		}
		sf := figures(s.text)
		differs := len(sf) > 0
		for f := range sf {
			if bf[f] {
				differs = false
			}
		}
		if differs && cov > rivalCov {
			rival, rivalCov = i, cov
		}
	}
	return rival
}

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
	if adjacent && (strings.ContainsAny(first[:1], "\"“") || first == "He" || first == "She" || first == "They") {
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
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "..") {
		return s[:len(s)-1] + " " + marker + "."
	}
	return s + " " + marker
}
