// Package question reads a question the way a person typed it: it strips
// what is addressed to the bot rather than asked of the articles (mentions,
// greetings, "quick question:"), folds accents and chat spellings, reads
// numbers written as words, and works out what kind of answer is wanted
// (a count, a date, a person, an organisation…), which names and numbers
// the answer must respect, and which role modifiers the question uses.
package question

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// mentionRe matches Discord's tokens for users, roles, channels, custom
// emoji and timestamps, and the plain @everyone and @here.
var mentionRe = regexp.MustCompile(`<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|<t:\d+(?::\w)?>|@(?:everyone|here)\b`)

// preambleRe matches one leading phrase that addresses the bot or the
// channel instead of asking: "hey bot,", "quick question please:",
// "can you tell me", "I was wondering". It is applied until nothing more
// comes off, so "hey, quick question: can you tell me" goes whole.
var preambleRe = regexp.MustCompile(`(?i)^(?:` + strings.Join([]string{
	`(?:hey|hi|hello|yo|hiya|howdy|greetings|good (?:morning|afternoon|evening))(?: there)?(?: (?:bot|guys|all|everyone|folks|y'?all))?`,
	`(?:ok(?:ay)?|so|well|um+|uh+|hmm+|right|alright|btw|also|and|but)`,
	`(?:a |one )?(?:quick|short|small|simple|random|dumb|silly|another|last)? ?(?:question|q|query)(?: (?:for (?:you|the bot)|please|pls|plz))?`,
	`(?:please|pls|plz|kindly|sorry|thanks|thx|ty)`,
	`(?:bot|situationbot)`,
	`(?:can|could|would|will) (?:you|u) (?:please |pls |plz )?(?:tell|show|remind|explain to|let) (?:me|us)(?: know)?`,
	`(?:do|does) (?:you|u|anyone|anybody) know`,
	`(?:i|we) (?:was|were|am|are) (?:wondering|curious|asking)(?: about)?`,
	`(?:i|we) (?:want|need|would like|wanna|'?d like) to know`,
	`(?:tell|show|remind) (?:me|us)`,
	`(?:any ?(?:one|body) know)`,
}, "|") + `)(?:[\s,:;!.–—]+|$)`)

// chatWords maps chat spellings and shorthand to the words the articles use.
var chatWords = map[string]string{
	"ppl": "people", "ppls": "people", "peeps": "people", "u": "you", "ur": "your", "r": "are",
	"pls": "please", "plz": "please", "thx": "thanks", "ty": "thanks", "govt": "government",
	"gov't": "government", "abt": "about", "bc": "because", "b/c": "because", "cuz": "because",
	"coz": "because", "tho": "though", "wat": "what", "wut": "what", "wht": "what", "hw": "how",
	"whn": "when", "wher": "where", "whr": "where", "yrs": "years", "yr": "year", "hrs": "hours",
	"hr": "hour", "mins": "minutes", "min": "minute", "wks": "weeks", "wk": "week",
	"approx": "approximately", "info": "information", "dept": "department", "intl": "international",
	"natl": "national", "w/": "with", "w/o": "without", "idk": "", "tbh": "", "lol": "",
	"whos": "who is", "whats": "what is", "wheres": "where is", "whens": "when is", "hows": "how is",
	"dont": "don't", "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't", "wasnt": "wasn't",
	"werent": "weren't", "cant": "can't", "wont": "won't", "ya": "you", "teh": "the", "n": "and",
	"&": "and", "nd": "and", "bout": "about", "rn": "right now", "atm": "at the moment",
}

// Normalize returns the question as it asks the articles: Discord mention
// tokens and greetings removed, accents folded (é → e), chat spellings
// replaced ("ppl" → "people"), whitespace collapsed. Case is kept, since
// capitals mark names; a question typed all in lower case is left so.
func Normalize(s string) string {
	s = mentionRe.ReplaceAllString(s, " ")
	s = FoldAccents(s)
	s = strings.Join(strings.Fields(s), " ")
	for {
		t := preambleRe.ReplaceAllString(s, "")
		if t == s || strings.TrimSpace(t) == "" {
			break
		}
		s = strings.TrimSpace(t)
	}
	fields := strings.Fields(s)
	out := fields[:0]
	for _, f := range fields {
		core, trail := splitTrailing(f)
		// Chat spellings are typed in lower case ("ppl", "u"); "U.N." or
		// the "N." of "N. Korea" are not chat.
		if r, ok := chatWords[core]; ok {
			if r == "" {
				if trail != "" && len(out) > 0 {
					out[len(out)-1] += trail
				}
				continue
			}
			f = r + trail
		}
		out = append(out, f)
	}
	s = strings.Join(out, " ")
	if s != "" {
		// A question that starts in lower case reads as one that starts
		// with a capital: the first word is never a name marker.
		r := []rune(s)
		r[0] = unicode.ToUpper(r[0])
		s = string(r)
	}
	return s
}

// splitTrailing separates trailing punctuation from a word.
func splitTrailing(f string) (string, string) {
	i := len(f)
	for i > 0 && strings.ContainsRune(`?!.,;:)"'`, rune(f[i-1])) {
		i--
	}
	return f[:i], f[i:]
}

// FoldAccents removes combining marks: "Brahimi" stays, "Genève" becomes
// "Geneve", "Moallem" and "Mouallém" meet.
func FoldAccents(s string) string {
	isASCII := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			isASCII = false
			break
		}
	}
	if isASCII {
		return s
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}
