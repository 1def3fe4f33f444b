package answer

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Precision says how exactly a resolved date is known.
type Precision int

// Precisions, finest first.
const (
	Day Precision = iota
	Week
	Month
	Year
)

// Resolved is a date found in a sentence and resolved against the
// publication date of its article.
type Resolved struct {
	Date      time.Time
	Precision Precision
	Phrase    string // the words it was resolved from, e.g. "on Friday"
}

var (
	monthNames = map[string]time.Month{
		"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
		"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
		"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
	}
	weekdays = map[string]time.Weekday{
		"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
		"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	}
	monthPat = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	// "Feb. 10", "February 10, 2014", "Jan. 26, 2014"
	monthDayRe = regexp.MustCompile(`(?i)\b` + monthPat + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?`)
	// "10 February", "10 Feb 2014"
	dayMonthRe = regexp.MustCompile(`(?i)\b(\d{1,2})\s+` + monthPat + `\.?(?:\s+(\d{4}))?\b`)
	weekdayRe  = regexp.MustCompile(`(?i)\b(?:(next|last|this|on|by|until|since|from)\s+)?(sunday|monday|tuesday|wednesday|thursday|friday|saturday)\b`)
	yearRe     = regexp.MustCompile(`\b(?:in|since|by|until|of)\s+((?:19|20)\d{2})\b`)
	relativeRe = regexp.MustCompile(`(?i)\b(yesterday|today|tonight|tomorrow|(?:last|next|this|earlier this|later this)\s+(?:week|month|year)|(?:earlier|later) in the (?:week|month|year))\b`)
	// futureRe marks a sentence about what is to come. "Would" is left
	// out: news uses it for reported speech about the past.
	futureRe = regexp.MustCompile(`(?i)\b(will|shall|scheduled|plans? to|planned|is due|are due|expected to|to begin|to start|to resume|upcoming)\b`)
)

// ResolveDates finds the date expressions of a sentence from an article
// published on pub and resolves them: explicit dates ("Feb. 10", "26
// January 2014"), weekdays ("on Friday" is the latest Friday on or before
// the publication date, unless the sentence speaks of the future, when it
// is the next one), and relative phrases ("yesterday", "last month", "next
// week"). The earliest phrase in the sentence comes first.
func ResolveDates(sentence string, pub time.Time) []Resolved {
	pub = time.Date(pub.Year(), pub.Month(), pub.Day(), 0, 0, 0, 0, time.UTC)
	future := futureRe.MatchString(sentence)
	type hit struct {
		at int
		r  Resolved
	}
	var hits []hit
	taken := make([]bool, len(sentence)+1)
	claim := func(loc []int) bool {
		for i := loc[0]; i < loc[1]; i++ {
			if taken[i] {
				return false
			}
		}
		for i := loc[0]; i < loc[1]; i++ {
			taken[i] = true
		}
		return true
	}
	for _, m := range monthDayRe.FindAllStringSubmatchIndex(sentence, -1) {
		mon := monthNames[strings.ToLower(sentence[m[2]:m[3]])]
		day, _ := strconv.Atoi(sentence[m[4]:m[5]])
		year := 0
		if m[6] >= 0 {
			year, _ = strconv.Atoi(sentence[m[6]:m[7]])
		}
		if d, ok := explicitDate(year, mon, day, pub); ok && claim(m[:2]) {
			hits = append(hits, hit{m[0], Resolved{d, Day, sentence[m[0]:m[1]]}})
		}
	}
	for _, m := range dayMonthRe.FindAllStringSubmatchIndex(sentence, -1) {
		day, _ := strconv.Atoi(sentence[m[2]:m[3]])
		mon := monthNames[strings.ToLower(sentence[m[4]:m[5]])]
		year := 0
		if m[6] >= 0 {
			year, _ = strconv.Atoi(sentence[m[6]:m[7]])
		}
		if d, ok := explicitDate(year, mon, day, pub); ok && claim(m[:2]) {
			hits = append(hits, hit{m[0], Resolved{d, Day, sentence[m[0]:m[1]]}})
		}
	}
	for _, m := range weekdayRe.FindAllStringSubmatchIndex(sentence, -1) {
		mod := ""
		if m[2] >= 0 {
			mod = strings.ToLower(sentence[m[2]:m[3]])
		}
		wd := weekdays[strings.ToLower(sentence[m[4]:m[5]])]
		d := resolveWeekday(wd, mod, future, pub)
		if claim(m[:2]) {
			hits = append(hits, hit{m[0], Resolved{d, Day, sentence[m[0]:m[1]]}})
		}
	}
	for _, m := range relativeRe.FindAllStringIndex(sentence, -1) {
		phrase := sentence[m[0]:m[1]]
		if r, ok := resolveRelative(strings.ToLower(phrase), pub); ok && claim(m) {
			r.Phrase = phrase
			hits = append(hits, hit{m[0], r})
		}
	}
	for _, m := range yearRe.FindAllStringSubmatchIndex(sentence, -1) {
		year, _ := strconv.Atoi(sentence[m[2]:m[3]])
		if claim(m[:2]) {
			hits = append(hits, hit{m[0], Resolved{time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), Year, sentence[m[0]:m[1]]}})
		}
	}
	// Earliest in the sentence first.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].at < hits[j-1].at; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	out := make([]Resolved, len(hits))
	for i, h := range hits {
		out[i] = h.r
	}
	return out
}

// explicitDate builds a date with no year from the publication date: the
// nearest such date, so "Dec. 30" in a 3 January article is last year's.
func explicitDate(year int, mon time.Month, day int, pub time.Time) (time.Time, bool) {
	if mon == 0 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	if year == 0 {
		year = pub.Year()
		d := time.Date(year, mon, day, 0, 0, 0, 0, time.UTC)
		switch {
		case d.Sub(pub) > 183*24*time.Hour:
			year--
		case pub.Sub(d) > 183*24*time.Hour:
			year++
		}
	}
	d := time.Date(year, mon, day, 0, 0, 0, 0, time.UTC)
	if d.Day() != day { // Feb. 31
		return time.Time{}, false
	}
	return d, true
}

// resolveWeekday resolves a weekday name. News reports the past: "on
// Friday" is the latest Friday on or before publication, the day itself
// included; "last Friday" is strictly before; "next Friday", or a Friday in
// a sentence about the future, is strictly after.
func resolveWeekday(wd time.Weekday, mod string, future bool, pub time.Time) time.Time {
	back := (int(pub.Weekday()) - int(wd) + 7) % 7
	ahead := (int(wd) - int(pub.Weekday()) + 7) % 7
	switch {
	case mod == "next" || (future && mod != "last"):
		if ahead == 0 {
			ahead = 7
		}
		return pub.AddDate(0, 0, ahead)
	case mod == "last":
		if back == 0 {
			back = 7
		}
		return pub.AddDate(0, 0, -back)
	}
	return pub.AddDate(0, 0, -back)
}

// resolveRelative resolves "yesterday", "last month", "next week" and the like.
func resolveRelative(p string, pub time.Time) (Resolved, bool) {
	switch p {
	case "yesterday":
		return Resolved{Date: pub.AddDate(0, 0, -1), Precision: Day}, true
	case "today", "tonight":
		return Resolved{Date: pub, Precision: Day}, true
	case "tomorrow":
		return Resolved{Date: pub.AddDate(0, 0, 1), Precision: Day}, true
	case "last week":
		return Resolved{Date: pub.AddDate(0, 0, -7), Precision: Week}, true
	case "next week":
		return Resolved{Date: pub.AddDate(0, 0, 7), Precision: Week}, true
	case "this week", "earlier this week", "later this week", "earlier in the week", "later in the week":
		return Resolved{Date: pub, Precision: Week}, true
	case "last month":
		return Resolved{Date: time.Date(pub.Year(), pub.Month()-1, 1, 0, 0, 0, 0, time.UTC), Precision: Month}, true
	case "next month":
		return Resolved{Date: time.Date(pub.Year(), pub.Month()+1, 1, 0, 0, 0, 0, time.UTC), Precision: Month}, true
	case "this month", "earlier this month", "later this month", "earlier in the month", "later in the month":
		return Resolved{Date: time.Date(pub.Year(), pub.Month(), 1, 0, 0, 0, 0, time.UTC), Precision: Month}, true
	case "last year":
		return Resolved{Date: time.Date(pub.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC), Precision: Year}, true
	case "next year":
		return Resolved{Date: time.Date(pub.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC), Precision: Year}, true
	case "this year", "earlier this year", "later this year", "earlier in the year", "later in the year":
		return Resolved{Date: time.Date(pub.Year(), 1, 1, 0, 0, 0, 0, time.UTC), Precision: Year}, true
	}
	return Resolved{}, false
}

// FormatDate renders a resolved date at its precision: "7 Feb 2014",
// "week of 14 Feb 2014", "Jan 2014", "2013".
func FormatDate(r Resolved) string {
	switch r.Precision {
	case Week:
		return "week of " + r.Date.Format("2 Jan 2006")
	case Month:
		return r.Date.Format("Jan 2006")
	case Year:
		return r.Date.Format("2006")
	}
	return r.Date.Format("2 Jan 2006")
}
