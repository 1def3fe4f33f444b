package discord

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
)

// MaxMessage is Discord's limit on a message's content, in characters.
const MaxMessage = 2000

// Bounds of a source's lines.
const (
	titleRunes   = 200 // an article's title
	excerptRunes = 220 // the quote shown under each source
)

// Render turns an answer into the text of one or more Discord messages: the
// answer with its [n] markers, then the numbered sources (title, date,
// link, and the quoted sentence), each message at most MaxMessage
// characters. Article and model text is made safe to show (see
// sanitize.go).
func Render(a answer.Answer) []string {
	body := safeProse(strings.TrimSpace(a.Text))
	if src := renderSources(a.Sources); src != "" {
		body += "\n\n" + src
	}
	return Split(body, MaxMessage)
}

// sourcesHeading heads the sources under an answer.
const sourcesHeading = "**Sources**"

// answerPart returns the answer of a message Render made, without the
// sources under it and unescaped: what a conversation remembers of the
// answer.
func answerPart(content string) string {
	text, _, _ := strings.Cut(content, "\n\n"+sourcesHeading)
	return unescape(strings.TrimSpace(text))
}

// renderSources lists the sources under an answer.
func renderSources(sources []answer.Source) string {
	if len(sources) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(sourcesHeading)
	for _, s := range sources {
		fmt.Fprintf(&b, "\n[%d] %s", s.N, articleLine(s.Title, s.Published, "", s.URL))
		quote := s.Excerpt
		if quote == "" {
			quote = s.Quote
		}
		if quote = oneLine(quote, excerptRunes); quote != "" {
			b.WriteString("\n> " + escapeMarkdown(quote))
		}
	}
	return b.String()
}

// articleLine shows an article in a list: its title in bold, its date,
// what it is from when from is set, and its link when safeURL allows it,
// in <…> so that Discord shows no preview.
func articleLine(title string, published time.Time, from, link string) string {
	line := "**" + escapeMarkdown(oneLine(title, titleRunes)) + "** — " + corpus.HumanDate(published)
	if from != "" {
		line += " — " + escapeMarkdown(oneLine(from, 60))
	}
	if u := safeURL(link); u != "" {
		line += " — <" + u + ">"
	}
	return line
}

// oneLine collapses s to one line of at most n runes, cut at a word.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// Split cuts text into pieces of at most max runes. It cuts at the last
// paragraph break that fits, else a line break, else the end of a sentence,
// else a space; so a citation marker like [2], a <link> or a word is never
// cut. Only a single word longer than max is cut inside.
func Split(text string, max int) []string {
	text = strings.TrimSpace(text)
	var out []string
	for utf8.RuneCountInString(text) > max {
		limit := byteOffset(text, max) // bytes of the first max runes
		cut := bestCut(text[:limit+1])
		if cut <= 0 {
			cut = limit
		}
		piece := strings.TrimRightFunc(text[:cut], unicode.IsSpace)
		if piece != "" {
			out = append(out, piece)
		}
		text = strings.TrimLeftFunc(text[cut:], unicode.IsSpace)
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}

// byteOffset returns the byte index after the first n runes of s.
func byteOffset(s string, n int) int {
	i := 0
	for j := 0; j < n && i < len(s); j++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// bestCut returns where to cut window (the text that may go into one
// message, plus one character): the end of the last paragraph, line,
// sentence or word in it. Cuts in the first quarter are refused for
// paragraph and line breaks, so that a message is not left nearly empty.
func bestCut(window string) int {
	minGood := len(window) / 4
	if i := strings.LastIndex(window, "\n\n"); i > minGood {
		return i
	}
	if i := strings.LastIndexByte(window, '\n'); i > minGood {
		return i
	}
	if i := lastSentenceEnd(window); i > 0 {
		return i
	}
	if i := strings.LastIndexAny(window, " \t\n"); i > 0 {
		return i
	}
	return -1
}

// lastSentenceEnd returns the index just after the last sentence end
// (terminal punctuation, then closing quotes or a citation, then a space)
// in s, or -1.
func lastSentenceEnd(s string) int {
	for i := len(s) - 1; i > 0; i-- {
		if s[i] != ' ' && s[i] != '\n' {
			continue
		}
		// Step back over closing quotes and brackets and a citation
		// marker ("Friday [1]." ends before its space, so does `said."`).
		j := i - 1
		for j >= 0 && (strings.IndexByte(`"')]”’[`, s[j]) >= 0 || (s[j] >= '0' && s[j] <= '9')) {
			j--
		}
		if j >= 0 && strings.IndexByte(".!?", s[j]) >= 0 {
			return i
		}
	}
	return -1
}
