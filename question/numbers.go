package question

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

var smallNumbers = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
	"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
	"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
	"seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12, "dozen": 12,
}

// ordinalRe reads "19th" as 19.
var ordinalRe = regexp.MustCompile(`^(\d+)(?:st|nd|rd|th|s)$`)

var scales = map[string]int{"hundred": 100, "thousand": 1000, "million": 1000000, "billion": 1000000000}

// Numbers returns the numbers written in s, as plain decimal strings:
// "58" and "fifty-eight" both give "58", "2,500" gives "2500",
// "three-day" gives "3", "1.5 million" gives "1500000". Years and other
// figures in digits are returned as written, without separators. The
// result is in order of appearance, each value once.
func Numbers(s string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	toks := numberTokens(s)
	for i := 0; i < len(toks); i++ {
		t := ordinalRe.ReplaceAllString(toks[i], "$1")
		if isDigits(strings.ReplaceAll(strings.ReplaceAll(t, ",", ""), ".", "")) && t[0] >= '0' && t[0] <= '9' {
			v := strings.ReplaceAll(t, ",", "")
			if i+1 < len(toks) {
				if m, ok := scales[toks[i+1]]; ok {
					if f, err := strconv.ParseFloat(v, 64); err == nil {
						add(strconv.FormatInt(int64(f*float64(m)), 10))
						i++
						continue
					}
				}
			}
			add(strings.TrimSuffix(strings.TrimRight(v, "."), ".0"))
			continue
		}
		// A run of number words: "fifty eight", "two hundred and five".
		total, cur, n := 0, 0, 0
		for j := i; j < len(toks); j++ {
			w := toks[j]
			if v, ok := smallNumbers[w]; ok {
				cur += v
			} else if m, ok := scales[w]; ok && n > 0 {
				if cur == 0 {
					cur = 1
				}
				if m == 100 {
					cur *= m
				} else {
					total += cur * m
					cur = 0
				}
			} else if w == "and" && n > 0 && j > 0 && j+1 < len(toks) && scales[toks[j-1]] > 0 {
				if _, ok := smallNumbers[toks[j+1]]; !ok {
					break
				}
			} else {
				break
			}
			n = j - i + 1
		}
		if n > 0 {
			add(strconv.Itoa(total + cur))
			i += n - 1
		}
	}
	return out
}

// numberTokens splits s into lower-case words and figures; hyphens split
// ("fifty-eight" → fifty, eight), while "2,500" and "1.5" stay whole.
func numberTokens(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == ',' || r == '.') && b.Len() > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i+1]) && isDigits(strings.NewReplacer(",", "", ".", "").Replace(b.String())):
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
