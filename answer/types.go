package answer

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/question"
	"github.com/situationbot/bot/retrieval"
)

// Whether a sentence holds the kind of answer a question asks for.

var (
	durationRe = regexp.MustCompile(`(?i)\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|many|half)[- ](?:and[- ]a[- ]half[- ])?(second|minute|hour|day|night|week|month|year|decade|century)s?\b|\b(?:a|an)[- ](minute|hour|day|night|week|month|year|decade|century)\b|\b(for|during|over|within|since|until)\b.*\b(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(y|ies))\b`)
	// dateRe finds a date or time; months need their capital, so that
	// "talks may resume" and "march on" are not dates.
	dateRe    = regexp.MustCompile(`(?i:\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|tonight|last (?:week|month|year)|next (?:week|month|year)|(?:1[0-9]|20)\d\d|\d{4}s|\d+(?:st|nd|rd|th) century)\b)|\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b`)
	reasonRe  = regexp.MustCompile(`(?i)\b(because|since|due to|as a result|owing to|so that|in order to|so as to|reason|caus(e|ed|es)|result(s|ed)? (in|from)|thanks to|lead(s)? to|led to)\b`)
	orgWordRe = regexp.MustCompile(`\b(?:[A-Z][a-z]+ )*(?:Ministry|Council|Committee|Organi[sz]ation|Agency|Association|Society|Crescent|Cross|Union|Nations|Department|University|Institute|Army|Front|Coalition|Party|Command|Office|Commission|Bank|Company|Corporation|Government|Court|Observatory|Network|Service|Forces|Group|League|Brigade|Movement)\b|\b[A-Z]{2,}\b`)
	// compoundRe finds a number joined to a unit of time: "three-day",
	// "3-year-old".
	compoundRe = regexp.MustCompile(`(?i)\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)-(second|minute|hour|day|night|week|month|year)s?(-old)?\b`)
	// countRe finds a count: a figure or a number word, not a vague
	// quantifier ("many", "few").
	countRe  = regexp.MustCompile(`(?i)\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|scores|twice|once|thrice|single|both)\b`)
	numberRe = regexp.MustCompile(`(?i)\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|several|scores|twice|once|thrice|single|both|many|few|no)\b`)
)

// typePresent reports whether text holds something of the kind the
// question asks for, beyond what the question itself says.
func (r reading) typePresent(text string) bool {
	novel := r.withoutQuestionWords(text)
	switch r.q.Type {
	case question.Count:
		// "a three-day ceasefire" counts days, not what was asked about.
		return countRe.MatchString(compoundRe.ReplaceAllString(novel, " "))
	case question.Amount:
		return numberRe.MatchString(novel)
	case question.Duration, question.Age:
		return durationRe.MatchString(text) || numberRe.MatchString(novel)
	case question.Date:
		return dateRe.MatchString(novel)
	case question.Person:
		return capitalised(novel)
	case question.Organization:
		return orgWordRe.MatchString(novel) || capitalised(novel)
	case question.Place:
		return capitalised(novel)
	case question.Reason:
		return reasonRe.MatchString(text)
	}
	return true
}

// withoutQuestionWords returns text with the words the question uses
// removed, and its first word: what is left is what the sentence adds.
func (r reading) withoutQuestionWords(text string) string {
	qs := map[string]bool{}
	for _, t := range r.terms {
		qs[t.stem] = true
	}
	for _, n := range r.q.Names {
		for _, w := range retrieval.Words(n) {
			qs[retrieval.Stem(w)] = true
		}
	}
	fields := strings.Fields(text)
	out := make([]string, 0, len(fields))
	for i, f := range fields {
		ws := retrieval.Words(f)
		if i == 0 || (len(ws) == 1 && qs[retrieval.Stem(ws[0])]) {
			continue
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

// capitalised reports whether text holds a capitalised word that is not a
// month or weekday: a name.
func capitalised(text string) bool {
	for _, f := range strings.Fields(text) {
		f = strings.Trim(f, `"'“”‘’(),.;:!?`)
		r, _ := utf8.DecodeRuneInString(f)
		if unicode.IsUpper(r) && !dateRe.MatchString(f) && f != "I" {
			return true
		}
	}
	return false
}
