package answer

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// citeRe matches a citation marker: [1], [1, 2], [1,2;3]. Adjacent markers
// ([1][2]) are matched one by one.
var citeRe = regexp.MustCompile(`\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]`)

// markerRe is citeRe with the horizontal space before the marker, so that
// a dropped marker takes its space with it.
var markerRe = regexp.MustCompile(`([ \t]*)` + citeRe.String())

// Citations returns the numbers cited in text, in order of appearance, each
// once.
func Citations(text string) []int {
	var out []int
	seen := map[int]bool{}
	for _, m := range citeRe.FindAllStringSubmatch(text, -1) {
		for _, n := range splitNums(m[1]) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// splitNums reads the numbers of a marker's list; one too long to read is
// -1, invalid like any other number outside the passages.
func splitNums(s string) []int {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			n = -1
		}
		out = append(out, n)
	}
	return out
}

// Renumber checks the citations of text against passages numbered 1..n.
// Numbers outside that range are dropped (a marker left empty disappears);
// the rest are renumbered 1..m in order of first appearance and written as
// [1][2]. It returns the new text and, for each new number i, the original
// passage number used[i-1].
//
// Dropping a marker can join the text around it into a new one ("[[9]3]"
// becomes "[3]"), so invalid numbers are dropped until none is left before
// the valid ones are renumbered; renumbering rewrites only markers, each
// into markers, so it cannot make another.
func Renumber(text string, n int) (string, []int) {
	text = validMarkers(text, n)
	newNum := map[int]int{}
	var used []int
	out := markerRe.ReplaceAllStringFunc(text, func(marker string) string {
		sub := markerRe.FindStringSubmatch(marker)
		lead, inner := sub[1], sub[2]
		var b strings.Builder
		seen := map[int]bool{}
		for _, k := range splitNums(inner) {
			if seen[k] {
				continue
			}
			seen[k] = true
			m, ok := newNum[k]
			if !ok {
				used = append(used, k)
				m = len(used)
				newNum[k] = m
			}
			b.WriteString("[" + strconv.Itoa(m) + "]")
		}
		return lead + b.String()
	})
	return strings.TrimSpace(out), used
}

// validMarkers drops invalid numbers from text's markers until none is
// left.
func validMarkers(text string, n int) string {
	for {
		t := dropInvalid(text, n)
		if t == text {
			return text
		}
		text = t
	}
}

// dropInvalid removes the numbers outside 1..n from every marker of text;
// a marker left empty goes with the space before it. Valid markers are
// left as written.
func dropInvalid(text string, n int) string {
	return markerRe.ReplaceAllStringFunc(text, func(marker string) string {
		sub := markerRe.FindStringSubmatch(marker)
		nums := splitNums(sub[2])
		var keep []string
		for _, k := range nums {
			if k >= 1 && k <= n {
				keep = append(keep, strconv.Itoa(k))
			}
		}
		switch {
		case len(keep) == len(nums):
			return marker
		case len(keep) == 0:
			return ""
		}
		return sub[1] + "[" + strings.Join(keep, ", ") + "]"
	})
}

// citer numbers sources in the order they are first cited and gathers the
// sentences quoted from each.
type citer struct {
	num     map[int]int // caller's key (a passage or an article) → source number
	sources []Source
}

func newCiter() *citer { return &citer{num: map[int]int{}} }

// cite returns the source number of key, making the source with mk the
// first time, and adds text to its excerpt.
func (c *citer) cite(key int, text string, mk func(n int) Source) int {
	n, ok := c.num[key]
	if !ok {
		n = len(c.sources) + 1
		c.num[key] = n
		c.sources = append(c.sources, mk(n))
	}
	src := &c.sources[n-1]
	src.Excerpt = strings.TrimSpace(src.Excerpt + " " + quoted(text))
	return n
}
