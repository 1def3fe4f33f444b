package answer

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/question"
	"github.com/situationbot/bot/retrieval"
)

// The grounding check: every sentence shown to a user, whoever wrote it,
// carries at least one valid citation, and every number, date and proper
// name in it appears in one of the passages it cites. A sentence that
// fails is removed, not shown with a citation that does not back it.

// evidence is what one citation number stands for: a passage (or an
// article) as the writer saw it, with its title and date.
type evidence struct {
	numbers map[string]bool // question.Numbers of the text, title and date
	names   map[string]bool // lower-cased words, months spelt out
	stems   map[string]bool // their stems
}

// newEvidence indexes a passage's text, title and publication date (the
// model is shown the date, so "on 7 February" or "on Friday" from a
// passage published that day is backed).
func newEvidence(text, title string, published time.Time) *evidence {
	ev := &evidence{numbers: map[string]bool{}, names: map[string]bool{}, stems: map[string]bool{}}
	all := text + "\n" + title
	if !published.IsZero() {
		all += "\n" + published.Format("Monday 2 January 2006")
	}
	for _, n := range question.Numbers(all) {
		ev.numbers[n] = true
	}
	for _, w := range retrieval.Words(all) {
		w = canonicalWord(w)
		ev.names[w] = true
		ev.stems[retrieval.Stem(w)] = true
	}
	return ev
}

// weekdayAbbrevs spells out abbreviated weekdays; months are spelt out
// through monthNames (dates.go), so that "Feb. 10" is backed by "10
// February".
var weekdayAbbrevs = map[string]string{
	"mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "thu": "thursday",
	"thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
}

func canonicalWord(w string) string {
	w = strings.ToLower(question.FoldAccents(w))
	if m, ok := monthNames[w]; ok {
		return strings.ToLower(m.String())
	}
	if d, ok := weekdayAbbrevs[w]; ok {
		return d
	}
	return w
}

// has reports whether a name word of a claim is in the evidence: the word,
// its stem, or, for words of five letters or more, a word it begins or
// that begins it ("Syria" and "Syrian", "Russia" and "Russian's").
func (ev *evidence) has(w string) bool {
	if ev.names[w] || ev.stems[retrieval.Stem(w)] {
		return true
	}
	if utf8.RuneCountInString(w) < 5 {
		return false
	}
	for e := range ev.names {
		if len(e) >= 5 && (strings.HasPrefix(e, w) || strings.HasPrefix(w, e)) {
			return true
		}
	}
	return false
}

// facts are what a sentence asserts that a citation must back: its
// numbers (as question.Numbers reads them, "fifty-eight" = "58") and its
// proper names (capitalised words after the first, months spelt out).
type facts struct {
	numbers []string
	names   []string
}

// claimFacts reads the facts of a sentence, its citation markers removed.
// "one" is not a fact ("one of the buses"), nor is a capitalised word that
// starts the sentence or a quotation, nor a stopword.
func claimFacts(s string) facts {
	s = citeRe.ReplaceAllString(s, " ")
	var f facts
	for _, n := range question.Numbers(s) {
		if n != "1" && n != "0" {
			f.numbers = append(f.numbers, n)
		}
	}
	fields := strings.Fields(s)
	for i, fl := range fields {
		trimmed := strings.TrimLeft(fl, `"'“‘(`)
		if i == 0 || trimmed != fl || strings.HasSuffix(fields[i-1], ":") {
			continue // the first word of the sentence or of a quotation
		}
		r, _ := utf8.DecodeRuneInString(trimmed)
		if !unicode.IsUpper(r) {
			continue
		}
		for _, w := range retrieval.Words(trimmed) {
			if len(w) < 2 || retrieval.IsStopword(w) || strings.Trim(w, "0123456789") == "" {
				continue
			}
			f.names = append(f.names, canonicalWord(w))
		}
	}
	return f
}

// supported reports whether every fact of f is in at least one of evs
// (each fact may come from a different cited passage); missing names the
// first fact that is not.
func (f facts) supported(evs []*evidence) (ok bool, missing string) {
	for _, n := range f.numbers {
		found := false
		for _, ev := range evs {
			found = found || ev.numbers[n]
		}
		if !found {
			return false, n
		}
	}
	for _, w := range f.names {
		found := false
		for _, ev := range evs {
			found = found || ev.has(w)
		}
		if !found {
			return false, w
		}
	}
	return true, ""
}

// trailingMarkerRe finds citation markers written after the end of their
// sentence ("…on Friday. [1]", `…he said." [2]`): the sentence ends after
// them.
var trailingMarkerRe = regexp.MustCompile(`[.!?]["'”’)]*(?:[ \t]*` + citeRe.String() + `)+`)

// claimSentences splits written text into lines and each line into
// sentences; markers after a sentence's end belong to that sentence.
func claimSentences(text string) [][]string {
	var out [][]string
	for _, line := range strings.Split(text, "\n") {
		var sents []string
		start := 0
		for _, m := range trailingMarkerRe.FindAllStringIndex(line, -1) {
			if m[1] < len(line) && line[m[1]] != ' ' && line[m[1]] != '\t' {
				continue
			}
			sents = append(sents, retrieval.Sentences(line[start:m[1]])...)
			start = m[1]
		}
		out = append(out, append(sents, retrieval.Sentences(line[start:])...))
	}
	return out
}

// groundedText is written text after the grounding check.
type groundedText struct {
	text    string   // the kept sentences, markers not yet renumbered
	removed []string // the sentences removed, as written
	kept    int      // how many sentences were kept
}

// ground checks text whose markers [n] point to evs[n-1] (a nil entry is
// a number that points nowhere). Lines keep their breaks; a sentence
// with no valid citation, or with a fact none of its cited passages
// holds, is removed; a line left empty goes, and so does a blank line
// that would no longer separate anything.
func ground(text string, evs []*evidence) groundedText {
	return groundLines(claimSentences(validMarkers(text, len(evs))), evs)
}

// groundLines is ground on text already split by claimSentences.
func groundLines(split [][]string, evs []*evidence) groundedText {
	var g groundedText
	var lines []string
	for _, sents := range split {
		var kept []string
		for _, s := range sents {
			if !hasWordRune(citeRe.ReplaceAllString(s, "")) {
				continue // a stray marker or punctuation: nothing to check or show
			}
			var cited []*evidence
			for _, n := range Citations(s) {
				if n >= 1 && n <= len(evs) && evs[n-1] != nil {
					cited = append(cited, evs[n-1])
				}
			}
			if len(cited) == 0 {
				g.removed = append(g.removed, s)
				continue
			}
			if ok, _ := claimFacts(s).supported(cited); !ok {
				g.removed = append(g.removed, s)
				continue
			}
			kept = append(kept, s)
		}
		g.kept += len(kept)
		switch {
		case len(kept) > 0:
			lines = append(lines, strings.Join(kept, " "))
		case len(sents) == 0 && len(lines) > 0 && lines[len(lines)-1] != "":
			lines = append(lines, "") // a blank line between paragraphs
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	g.text = strings.Join(lines, "\n")
	return g
}

func hasWordRune(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// passageEvidence is the evidence of retrieved passages, numbered as the
// model saw them.
func passageEvidence(ps []retrieval.Passage) []*evidence {
	evs := make([]*evidence, len(ps))
	for i, p := range ps {
		evs[i] = newEvidence(p.Text, p.Title, p.Published)
	}
	return evs
}

// checkedStream wraps onDelta, which shows a model's answer as it is
// written, so that it shows only checked text: the sentences known to be
// complete that pass the grounding check, with their markers renumbered
// and invalid ones gone. What it shows only grows: a sentence is checked
// once it is complete, on its own, and numbered by first appearance, so
// the final answer starts with what was shown. flush shows the rest when
// the reply is over (final: the whole reply as the answer keeps it). add
// is nil for a nil onDelta.
func checkedStream(evs []*evidence, onDelta func(string)) (add func(string), flush func(final string)) {
	if onDelta == nil {
		return nil, func(string) {}
	}
	var raw strings.Builder
	shown, complete := "", 0
	show := func(split [][]string) {
		out, _ := Renumber(groundLines(split, evs).text, len(evs))
		if len(out) > len(shown) && strings.HasPrefix(out, shown) {
			onDelta(out[len(shown):])
			shown = out
		}
	}
	add = func(d string) {
		raw.WriteString(d)
		text := validMarkers(raw.String(), len(evs))
		split := claimSentences(text)
		if !strings.HasSuffix(text, "\n") {
			// The last sentence may go on in the next piece.
			last := split[len(split)-1]
			if len(last) > 0 {
				split[len(split)-1] = last[:len(last)-1]
			}
		}
		n := 0
		for _, l := range split {
			n += len(l)
		}
		if n == complete {
			return
		}
		complete = n
		show(split)
	}
	return add, func(final string) { show(claimSentences(validMarkers(final, len(evs)))) }
}

// completeSentences cuts a reply that stopped early (at the token cap, or
// a dropped stream) after its last complete sentence.
func completeSentences(text string) string {
	split := claimSentences(text)
	last := split[len(split)-1]
	if len(last) > 0 && !sentenceEndRe.MatchString(last[len(last)-1]) {
		split[len(split)-1] = last[:len(last)-1]
	}
	lines := make([]string, len(split))
	for i, l := range split {
		lines[i] = strings.Join(l, " ")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// sentenceEndRe matches a sentence that ends as a sentence does.
var sentenceEndRe = regexp.MustCompile(`[.!?]["'”’)]*(?:[ \t]*` + citeRe.String() + `)*$`)
