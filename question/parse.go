package question

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Type is the kind of answer a question wants.
type Type int

// Answer types, from the wh-word and the head noun.
const (
	Thing        Type = iota // what, which (no telling head noun)
	Count                    // how many
	Amount                   // how much
	Duration                 // how long, for how many days
	Age                      // how old
	Date                     // when, what day, which year
	Person                   // who, which official
	Organization             // which organisation, what agency
	Place                    // where, which city
	Reason                   // why
	Manner                   // how (did they…)
	Polar                    // yes or no: did, is, was…
)

var typeNames = [...]string{"thing", "count", "amount", "duration", "age", "date", "person", "organization", "place", "reason", "manner", "polar"}

// String names the type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "thing"
}

// Question is a parsed question.
type Question struct {
	Text string // normalised (see Normalize), without Context
	// Context is what a follow-up carries of its thread: the text of a
	// trailing "(about: …; following up on: …)" that answer.Condense adds.
	// It names the subject; the question is Text.
	Context string
	Type    Type   // the kind of answer wanted
	Head    string // the head noun after the wh-word ("organization" in "which organization's paramedics"), lower case
	// Focus are the words that name the role a "who is the …" question
	// asks about, which any answer must mention: "prime minister" in
	// "who is the prime minister of Syria?". Lower case.
	Focus []string
	// Speaker are the words naming who a "what did X say" question asks
	// about ("french government" in "what did the french government say
	// about…"). Lower case.
	Speaker []string
	Names   []string // capitalised words and acronyms after the first word: names the answer must respect
	Numbers []string // numbers the question states (see Numbers)
	// Figures are the numbers it writes in digits ("58", "2,500" as
	// "2500"): facts it states, where "three examples" asks for a count.
	Figures []string
	Negated bool // the question says not, never, no
	// Modifiers are role modifiers the question itself uses ("deputy",
	// "former"): a sentence about the deputy foreign minister answers a
	// question about the foreign minister only if the question says deputy.
	Modifiers []string
}

// Parse reads a question: it normalises it, then works out the answer
// type, the head noun, the names and numbers it states, negation and role
// modifiers.
func Parse(raw string) Question {
	q := Question{Text: Normalize(raw)}
	if m := contextRe.FindStringSubmatchIndex(q.Text); m != nil && m[0] > 0 {
		q.Context = q.Text[m[2]:m[3]]
		q.Text = strings.TrimSpace(q.Text[:m[0]])
	}
	words := tokens(q.Text)
	lower := make([]string, len(words))
	for i, w := range words {
		lower[i] = strings.ToLower(w)
	}
	q.Type, q.Head = answerType(lower)
	q.Focus = focus(lower)
	q.Speaker = speaker(lower)
	q.Names = names(words)
	q.Numbers = Numbers(q.Text)
	for _, loc := range figureRe.FindAllStringIndex(q.Text, -1) {
		// The figure with the word after it, so that "1.5 million" reads
		// as the sentence's "1.5 million" does.
		end := loc[1]
		if rest := strings.Fields(q.Text[end:]); len(rest) > 0 {
			end = strings.Index(q.Text[end:], rest[0]) + end + len(rest[0])
		}
		if ns := Numbers(q.Text[loc[0]:end]); len(ns) > 0 {
			q.Figures = append(q.Figures, ns[0])
		}
	}
	for _, w := range lower {
		if IsNegation(w) {
			q.Negated = true
		}
		// "vice-president" has the modifier "vice".
		for _, part := range strings.Split(w, "-") {
			if RoleModifiers[part] {
				q.Modifiers = append(q.Modifiers, part)
			}
		}
	}
	return q
}

// tokens splits s into words, keeping inner apostrophes and hyphens.
func tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '-' || r == '.')
	})
}

// contextRe finds the thread context a condensed follow-up carries.
var contextRe = regexp.MustCompile(`\s*\(((?:about|following up on): .*)\)\s*$`)

// figureRe finds numbers written in digits.
var figureRe = regexp.MustCompile(`\d[\d,.]*\d|\d`)

// negations mark a negated question or sentence.
var negations = map[string]bool{"not": true, "never": true, "no": true, "nor": true, "neither": true, "none": true, "nobody": true, "nothing": true, "cannot": true, "without": true}

// IsNegation reports whether a lower-case word negates ("not", "never",
// "didn't").
func IsNegation(w string) bool {
	return negations[w] || strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "n’t")
}

// RoleModifiers qualify a role so that it names someone else: the deputy
// foreign minister is not the foreign minister.
var RoleModifiers = map[string]bool{
	"deputy": true, "vice": true, "assistant": true, "acting": true, "former": true, "ex": true,
	"interim": true, "associate": true, "junior": true, "outgoing": true, "incoming": true,
	"co": true, "lieutenant": true, "adjunct": true, "honorary": true,
	"undersecretary": true,
}

// headNouns classify the noun after "which" or "what".
var headNouns = func() map[string]Type {
	m := map[string]Type{}
	for t, ws := range map[Type]string{
		Organization: `organization organisation organizations organisations group groups agency agencies body bodies
			institution institutions charity charities company companies party parties ministry ministries
			department departments faction factions militia militias movement movements union alliance
			coalition council committee army force forces team newspaper network channel channels agency's
			organization's organisation's group's`,
		Person: `person people man men woman women official officials minister ministers leader leaders
			spokesman spokeswoman spokesperson envoy mediator diplomat diplomats president general
			commander governor member members politician negotiator negotiators activist activists
			scientist scientists author inventor engineer physicist mathematician doctor king queen`,
		Place: `city cities country countries town towns village villages place places region regions
			province provinces area areas neighborhood neighbourhood district districts state states
			location locations capital continent street building site`,
		Date: `year years day days date dates month months time week weeks century decade season hour era period`,
	} {
		for _, w := range strings.Fields(ws) {
			m[w] = t
		}
	}
	return m
}()

// answerType reads the wanted type from the first wh-word and what
// follows it.
func answerType(w []string) (Type, string) {
	at := func(i int) string {
		if i < len(w) {
			return strings.TrimSuffix(strings.TrimSuffix(w[i], "'s"), "’s")
		}
		return ""
	}
	for i, x := range w {
		switch x {
		case "how":
			switch at(i + 1) {
			case "many":
				return Count, countedNoun(w, i+2)
			case "much":
				return Amount, headAfter(w, i+2)
			case "long":
				return Duration, ""
			case "old":
				return Age, ""
			case "often", "far", "big", "large", "tall", "high", "fast", "heavy", "deep", "wide":
				return Amount, at(i + 1)
			}
			return Manner, ""
		case "when":
			return Date, ""
		case "who", "whom", "whose":
			return Person, ""
		case "where":
			return Place, ""
		case "why":
			return Reason, ""
		case "what", "which":
			h := headAfter(w, i+1)
			if t, ok := headNouns[h]; ok {
				return t, h
			}
			if h == "kind" || h == "type" || h == "sort" {
				if hh := headAfter(w, i+3); hh != "" {
					if t, ok := headNouns[hh]; ok {
						return t, hh
					}
					return Thing, hh
				}
			}
			return Thing, h
		}
	}
	if len(w) > 0 {
		switch w[0] {
		case "did", "do", "does", "is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "should":
			return Polar, ""
		}
	}
	return Thing, ""
}

// countedNoun returns the head of "how many <modifiers> <noun>": among
// the first two words after "how many", the first plural one ("aid
// trucks" → trucks), else the first.
func countedNoun(w []string, i int) string {
	first := headAfter(w, i)
	if first == "" {
		return ""
	}
	for j := i; j < len(w) && j < i+3; j++ {
		x := w[j]
		if x == "of" || x == "the" || x == "a" {
			continue
		}
		switch x {
		case "is", "was", "are", "were", "did", "do", "does", "has", "have", "had", "will", "would", "can", "could":
			return first
		}
		if plural(x) {
			return x
		}
	}
	return first
}

// plural reports whether a lower-case noun looks plural.
func plural(x string) bool {
	switch x {
	case "people", "children", "men", "women", "police", "ppl", "staff", "personnel", "cattle":
		return true
	}
	return len(x) > 3 && strings.HasSuffix(x, "s") && !strings.HasSuffix(x, "ss") && !strings.HasSuffix(x, "us")
}

// genericNouns say how something is asked, not what it is about: "what
// is the term for…", "what is the name of…".
var genericNouns = map[string]bool{
	"term": true, "name": true, "word": true, "phrase": true, "type": true, "kind": true, "sort": true,
	"process": true, "method": true, "way": true, "reason": true, "example": true, "part": true,
	"number": true, "amount": true, "value": true, "purpose": true, "result": true, "effect": true,
	"role": true, "thing": true, "one": true, "other": true, "main": true, "first": true, "last": true,
	"best": true, "most": true, "same": true, "different": true, "new": true, "current": true,
}

// focus finds the words a question is about (see Question.Focus): the
// role after "who is the" ("who is the prime minister of Syria?" asks
// for a prime minister). Other patterns were measured too strict: "what
// is the X" and "which X" questions are often answered by sentences that
// never say X ("what vesicle…" → "a phagosome").
func focus(w []string) []string {
	for i := 0; i+2 < len(w); i++ {
		if w[i] != "who" || !isCopula(w[i+1]) {
			continue
		}
		j := i + 2
		if w[j] == "the" || w[j] == "a" || w[j] == "an" {
			j++
		}
		var out []string
		for ; j < len(w) && len(out) < 4; j++ {
			x := strings.TrimSuffix(strings.TrimSuffix(w[j], "'s"), "’s")
			if prepositions[x] || strings.ContainsAny(x, "?!.,") {
				break
			}
			if !genericNouns[x] {
				out = append(out, x)
			}
		}
		return out
	}
	return nil
}

// speechVerbs report what someone said.
var speechVerbs = map[string]bool{
	"say": true, "said": true, "says": true, "tell": true, "told": true, "announce": true, "announced": true,
	"claim": true, "claimed": true, "call": true, "called": true, "describe": true, "described": true,
	"promise": true, "promised": true, "think": true, "thought": true, "state": true, "stated": true,
	"report": true, "reported": true, "warn": true, "warned": true, "demand": true, "demanded": true,
}

// speaker finds who a "what did X say" question asks about: the words
// between "did" (or "does", "do") and a verb of speech.
func speaker(w []string) []string {
	for i := 0; i+2 < len(w); i++ {
		if (w[i] != "what" && w[i] != "how") || (w[i+1] != "did" && w[i+1] != "does" && w[i+1] != "do") {
			continue
		}
		for j := i + 2; j < len(w) && j < i+8; j++ {
			if speechVerbs[w[j]] {
				var out []string
				for _, x := range w[i+2 : j] {
					x = strings.TrimSuffix(strings.TrimSuffix(x, "'s"), "’s")
					if x != "the" && x != "a" && x != "an" && !prepositions[x] {
						out = append(out, x)
					}
				}
				return out
			}
		}
		return nil
	}
	return nil
}

func isCopula(x string) bool { return x == "is" || x == "was" || x == "are" || x == "were" }

var prepositions = map[string]bool{
	"of": true, "in": true, "at": true, "for": true, "on": true, "to": true, "from": true, "by": true,
	"with": true, "about": true, "during": true, "after": true, "before": true, "that": true, "who": true,
	"which": true, "when": true, "where": true, "and": true, "or": true, "according": true,
}

// headAfter returns the first word after position i that is not an
// auxiliary or determiner: the head of "which (of the) organization's".
func headAfter(w []string, i int) string {
	for stop := i + 6; i < len(w) && i < stop; i++ {
		x := strings.TrimSuffix(strings.TrimSuffix(w[i], "'s"), "’s")
		switch x {
		case "of", "the", "a", "an", "two", "these", "those", "this", "that", "kind", "type", "sort":
			if x == "kind" || x == "type" || x == "sort" {
				return x
			}
			continue
		case "is", "was", "are", "were", "did", "do", "does", "has", "have", "had", "will", "would", "can", "could":
			return ""
		}
		return x
	}
	return ""
}

// names returns the capitalised words and acronyms after the first word:
// the names a question states. Question words and "I" are not names.
func names(words []string) []string {
	var out []string
	for i, w := range words {
		w = strings.Trim(w, "'’-")
		if strings.Count(w, ".") < 2 {
			// "U.S." keeps its dots, so that it reads as one word.
			w = strings.Trim(w, ".")
		}
		if i == 0 || w == "" || w == "I" {
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			continue
		}
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		out = append(out, w)
	}
	return out
}
