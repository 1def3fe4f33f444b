package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// Terms returns the normalised content terms of s, in order: lower-cased
// words with stop words removed and a light suffix stemmer applied. Numbers
// are kept. The same function feeds the keyword index, the local embedder
// and the answer composer, so that all three agree on what a term is.
func Terms(s string) []string { return termsMemo(s, nil) }

// termsMemo is Terms with stems looked up in memo first and added to it
// (nil: no memo). Words repeat across texts, and stemming is most of the
// cost of Terms. A memo is not safe for concurrent use.
func termsMemo(s string, memo map[string]string) []string {
	var out []string
	for _, w := range Words(s) {
		if stopwords[w] || (utf8.RuneCountInString(w) == 1 && !isDigitString(w)) {
			continue
		}
		st, ok := memo[w]
		if !ok {
			st = Stem(w)
			if memo != nil {
				memo[w] = st
			}
		}
		out = append(out, st)
	}
	return out
}

// Words splits s into lower-cased words: runs of letters and digits.
// Apostrophes inside a word are dropped together with a possessive "s"
// ("Syria's" → "syria"); hyphens split words ("three-year-old" → three,
// year, old).
func Words(s string) []string {
	var out []string
	scanWords(s, nil, func(w []byte) { out = append(out, string(w)) })
	return out
}

// scanWords calls emit with each word of s, as Words splits them, in a
// buffer that is reused after emit returns; it returns the buffer (buf
// grown) for the next call. It allocates nothing of its own, so that
// indexing many texts costs no garbage per word.
func scanWords(s string, buf []byte, emit func(w []byte)) []byte {
	b := buf[:0]
	flush := func() {
		if len(b) > 0 {
			emit(b)
			b = b[:0]
		}
	}
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case isASCIIWordByte(r):
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b = append(b, byte(r))
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b = utf8.AppendRune(b, unicode.ToLower(r))
		case (r == '\'' || r == '’') && len(b) > 0:
			// Possessive or contraction: skip "'s", keep other letters attached.
			next, n := utf8.DecodeRuneInString(s[i+size:])
			if (next == 's' || next == 'S') && !isWordRune(s, i+size+n) {
				flush()
				i += size + n
				continue
			}
			if !unicode.IsLetter(next) {
				flush()
			}
		case r == '.' && len(b) > 0 && isInitialism(s, i, string(b)):
			// "U.N." and "U.S." read as the words "un" and "us".
		case r == ',' && len(b) > 0 && isDigitString(string(b)):
			// Thousands separator: "2,500" stays one number.
			next, _ := utf8.DecodeRuneInString(s[i+size:])
			if !unicode.IsDigit(next) {
				flush()
			}
		default:
			flush()
		}
		i += size
	}
	flush()
	return b
}

// isASCIIWordByte reports whether r is an ASCII letter or digit, the
// ASCII runes unicode.IsLetter or unicode.IsDigit accept.
func isASCIIWordByte(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// isInitialism reports whether the period at s[i] sits inside a dotted
// initialism such as "U.N." given the word read so far.
func isInitialism(s string, i int, word string) bool {
	if utf8.RuneCountInString(word) > 3 {
		return false
	}
	for _, r := range word {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	next, n := utf8.DecodeRuneInString(s[i+1:])
	if !unicode.IsUpper(prev) || !unicode.IsUpper(next) {
		return false
	}
	after, _ := utf8.DecodeRuneInString(s[i+1+n:])
	return after == '.'
}

func isWordRune(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isDigitString(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// irregular maps common irregular forms to one stem, so that "said" finds
// "say" and "women" finds "woman".
var irregular = map[string]string{
	"said": "say", "says": "say", "told": "tell", "tells": "tell",
	"men": "man", "women": "woman", "children": "child",
	"took": "take", "taken": "take", "gave": "give", "given": "give",
	"went": "go", "gone": "go", "began": "begin", "begun": "begin",
	"held": "hold", "met": "meet", "fought": "fight", "freed": "free",
	"killed": "kill", "dead": "die", "died": "die", "deaths": "die", "death": "die",
	"retook": "retake", "retaken": "retake", "ran": "run", "fled": "flee",
	"largest": "large", "larger": "large", "biggest": "big", "bigger": "big",
	"buses": "bus", "busses": "bus", "kids": "child", "kid": "child",
	"syrian": "syria", "syrians": "syria",
}

// Stem reduces a lower-cased word to its stem: irregular forms are mapped
// to their base first, then the Porter2 (Snowball) English stemmer applies,
// so "strategically" and "strategic" meet, and so do "rammed" and "ram".
// Numbers are kept as they are.
func Stem(w string) string {
	if s, ok := irregular[w]; ok {
		w = s
	}
	if isDigitString(w) {
		return w
	}
	return english.Stem(w, true)
}

// stopwords are function words and question words that carry no topic.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are aren as at
		be because been before being below between both but by can cannot could couldn did didn do does doesn
		doing don down during each few for from further had hadn has hasn have haven having he her here hers
		herself him himself his how i if in into is isn it its itself just let me more most mustn my myself
		no nor not now of off on once only or other ought our ours ourselves out over own same shan she should
		shouldn so some such than that the their theirs them themselves then there these they this those
		through to too under until up very was wasn we were weren what when where which while who whom whose
		why will with won would wouldn you your yours yourself yourselves s t d ll m re ve y
		tell know please many much
		arent cant couldnt didnt doesnt dont hadnt hasnt havent isnt mustnt shant shouldnt wasnt werent wont wouldnt
		whats whos wheres whens hows thats theres im ive youre`) {
		m[w] = true
	}
	return m
}()

// lightWords are generic words of questions: they say how something is
// asked more than what it is about ("how long was it supposed to last",
// "what kind of talks", "what did they call it"). They are kept as terms
// but weigh little in the relevance judgement, so that a question phrased
// in everyday words is not judged off-topic for using them.
var lightWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`long kind type sort part thing things way think thought come came far
		actual actually suppose supposed due get got make made happen happened happening going go take took
		give gave really still overall roughly approximately exactly exact whole according mean meant want
		like something anything someone anyone use used call called name named tell told say said number
		amount total happen occur occurred report reported describe described main mainly basically
		specifically currently able still latest current recent recently anymore yet nowadays present`) {
		m[Stem(w)] = true
	}
	return m
}()

// synonymGroups are words that news questions and news articles use for
// the same thing. A question term matches a passage that has any word of
// its group. This is general newsroom vocabulary, not a list for one story.
var synonymGroups = [][]string{
	{"child", "kid"},
	{"kill", "die", "dead", "death", "fatal"},
	{"soldier", "troop", "army"},
	{"flee", "refuge", "refugee", "escape"},
	{"trap", "stuck"},
	{"siege", "besieged", "besiege", "blockade"},
	{"ceasefire", "truce"},
	{"mediator", "envoy"},
	{"protester", "demonstrator"},
	{"talk", "negotiation", "negotiate"},
	{"prisoner", "inmate", "detainee"},
	{"aid", "assistance", "relief"},
	{"mood", "atmosphere"},
	{"restart", "resume", "reconvene"},
	{"start", "begin", "open"},
	{"end", "finish", "conclude"},
	{"large", "big", "huge"},
	{"important", "key", "strategic", "crucial"},
	{"medicine", "medical", "medication"},
	{"chief", "head", "leader"},
	{"deal", "agreement", "accord"},
	{"country", "nation"},
	{"spokeswoman", "spokesman", "spokesperson"},
	{"free", "release", "freed"},
	{"attack", "storm", "assault"},
	{"wounded", "injured"},
	{"government", "regime", "authorities"},
	{"rebel", "insurgent", "fighter"},
	{"town", "village"},
	{"food", "bread", "meal"},
	{"bus", "coach"},
	{"leave", "exit", "depart"},
	{"demand", "insist"},
	{"hope", "expect"},
	{"promise", "pledge", "vow"},
}

// synonyms maps a stem to the other stems of its group.
var synonyms = func() map[string][]string {
	m := map[string][]string{}
	for _, g := range synonymGroups {
		var stems []string
		for _, w := range g {
			stems = append(stems, Stem(w))
		}
		for _, a := range stems {
			for _, b := range stems {
				if a != b {
					m[a] = append(m[a], b)
				}
			}
		}
	}
	return m
}()

// Matches reports whether a text with the given terms contains query term
// t or one of its synonyms.
func Matches(terms map[string]bool, t string) bool {
	if terms[t] {
		return true
	}
	for _, s := range synonyms[t] {
		if terms[s] {
			return true
		}
	}
	return false
}

// termWeight scales a term's IDF: light words count for little.
func termWeight(t string, idf float64) float64 {
	if lightWords[t] {
		return 0.15 * idf
	}
	return idf
}

// IsStopword reports whether a lower-cased word is ignored by Terms.
func IsStopword(w string) bool { return stopwords[w] }

// abbreviations end with a period that does not end a sentence.
var abbreviations = map[string]bool{
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "mr": true, "mrs": true,
	"ms": true, "dr": true, "gen": true, "col": true, "lt": true, "sgt": true, "gov": true,
	"sen": true, "rep": true, "st": true, "no": true, "vs": true, "inc": true, "ltd": true,
	"co": true, "jr": true, "sr": true, "prof": true, "capt": true, "maj": true, "cpl": true,
}

// Sentences splits a paragraph into sentences. A sentence ends at '.', '!' or
// '?' (with any closing quotes or brackets) followed by space and an upper-case
// letter, a digit or an opening quote, except after an abbreviation ("Feb.",
// "Mr.") or an initialism ("U.N."), and except at an ellipsis.
func Sentences(p string) []string {
	p = strings.TrimSpace(p)
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		end := i + 1
		for end < len(p) && strings.ContainsRune(`"'”’)]`, rune(p[end])) {
			end++
		}
		// Multi-byte closing quotes.
		for {
			r, n := utf8.DecodeRuneInString(p[end:])
			if r == '”' || r == '’' {
				end += n
				continue
			}
			break
		}
		if end >= len(p) || (p[end] != ' ' && p[end] != '\n') {
			continue
		}
		next := end
		for next < len(p) && (p[next] == ' ' || p[next] == '\n') {
			next++
		}
		if next >= len(p) {
			continue
		}
		r, _ := utf8.DecodeRuneInString(p[next:])
		if !(unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(`"'“‘(`, r)) {
			continue
		}
		if c == '.' && (isEllipsis(p, i) || endsWithAbbreviation(p[start:i])) {
			continue
		}
		out = append(out, strings.TrimSpace(p[start:end]))
		start = next
		i = next - 1
	}
	if rest := strings.TrimSpace(p[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

func isEllipsis(p string, i int) bool {
	return (i > 0 && p[i-1] == '.') || (i+1 < len(p) && p[i+1] == '.')
}

// endsWithAbbreviation reports whether s (text up to a period) ends with an
// abbreviation or a dotted initialism such as "U.N" or "U.S".
func endsWithAbbreviation(s string) bool {
	j := len(s)
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !unicode.IsLetter(r) {
			break
		}
		j -= n
	}
	word := s[j:]
	if word == "" {
		return false
	}
	if abbreviations[strings.ToLower(word)] {
		return true
	}
	// Initialism: a single letter preceded by a period ("U.N", "U.S").
	if utf8.RuneCountInString(word) == 1 && (j == 0 || s[j-1] == '.' || s[j-1] == ' ') {
		r, _ := utf8.DecodeRuneInString(word)
		return unicode.IsUpper(r)
	}
	return false
}
