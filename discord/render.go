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

// MaxAnswerMessages bounds the messages of one answer, summary or
// timeline, whatever the model wrote: a longer text is cut, its sources
// kept.
const MaxAnswerMessages = 3

// Bounds of a source's lines.
const (
	titleRunes   = 200 // an article's title
	excerptRunes = 220 // the quote shown under each source
)

// Render turns an answer into the text of at most MaxAnswerMessages
// Discord messages: the answer with its [n] markers, then the numbered
// sources (title, date, link, and the quoted sentence), each message at
// most MaxMessage characters. Article and model text is made safe to show
// (see sanitize.go).
func Render(a answer.Answer) []string {
	return layout(safeProse(start(strings.TrimSpace(a.Text), MaxAnswerMessages)), a.Sources, MaxAnswerMessages)
}

// start returns the start of text, twice as much as n messages hold,
// "…" marking a cut: no more of it can be shown, so no more needs to be
// made safe.
func start(text string, n int) string {
	if i := byteOffset(text, 2*n*MaxMessage); i < len(text) {
		return text[:i] + "…"
	}
	return text
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

// layout puts text (safe Markdown) and the sources under it into at most
// n messages. When they need more, text is cut (see fitText); when the
// sources alone need more, their quotes are left out; when even that is
// too long, which takes thousands of characters of titles and links, the
// n-th message is cut.
func layout(text string, sources []answer.Source, n int) []string {
	var msgs []string
	for _, quote := range []int{excerptRunes, 0} {
		var ok bool
		if msgs, ok = fitText(text, renderSources(sources, quote), n); ok {
			return msgs
		}
	}
	msgs = msgs[:n]
	msgs[n-1] = continued(msgs[n-1])
	return msgs
}

// fitText returns text, then tail, in at most n messages, cutting text
// (see clip) as little as needed. ok is false when even text cut to "…"
// does not fit; msgs are then all the messages, more than n.
func fitText(text, tail string, n int) (msgs []string, ok bool) {
	join := func(text string) []string { return Split(text+"\n\n"+tail, MaxMessage) }
	if msgs := join(text); len(msgs) <= n {
		return msgs, true
	}
	if msgs := join("…"); len(msgs) > n {
		return msgs, false
	}
	// Search the longest cut that fits: clip(text, lo) fits, hi is all
	// of text that could fit.
	text = text[:byteOffset(text, n*MaxMessage)]
	lo, hi := 1, utf8.RuneCountInString(text)
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; len(join(clip(text, mid))) <= n {
			lo = mid
		} else {
			hi = mid
		}
	}
	return join(clip(text, lo)), true
}

// continued marks text as going on, within one message: " …" after it,
// or text cut to fit.
func continued(text string) string {
	if text == "" {
		return "…"
	}
	if utf8.RuneCountInString(text)+2 <= MaxMessage {
		return text + " …"
	}
	return clip(text, MaxMessage)
}

// renderSources lists the sources under an answer, each with a quote of
// at most quoteRunes (0: none).
func renderSources(sources []answer.Source, quoteRunes int) string {
	if len(sources) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(sourcesHeading)
	for _, s := range sources {
		fmt.Fprintf(&b, "\n[%d] %s", s.N, articleLine(s.Title, s.Published, "", s.URL))
		if quoteRunes == 0 {
			continue
		}
		quote := s.Excerpt
		if quote == "" {
			quote = s.Quote
		}
		if quote = oneLine(quote, quoteRunes); quote != "" {
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

// oneLine collapses s to one line of at most n runes (see clip).
func oneLine(s string, n int) string {
	return clip(strings.Join(strings.Fields(s), " "), n)
}

// clip shortens text to at most n runes, "…" included: after the last
// sentence or line that ends in the second half of the room, else after
// the last word there, else inside a word.
func clip(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	if n < 3 {
		return "…"
	}
	limit := byteOffset(text, n-2) // room for " …"
	window := text[:limit+1]
	if i := max(lastSentenceEnd(window), strings.LastIndexByte(window, '\n')); i > limit/2 {
		return strings.TrimRightFunc(text[:i], unicode.IsSpace) + " …"
	}
	if i := strings.LastIndexAny(window, " \t\n"); i > limit/2 {
		return strings.TrimRight(text[:i], " \t\n,;:") + "…"
	}
	// Not after half an escape, which would escape the "…".
	return strings.TrimRight(text[:limit], `\`) + "…"
}

// Split cuts text into pieces of at most max runes. It cuts at the last
// paragraph break that fits, else a line break, else the end of a sentence,
// else a space; so a citation marker like [2], a <link> or a word is never
// cut. Only a single word longer than max is cut inside.
func Split(text string, max int) []string {
	text = strings.TrimSpace(text)
	var out []string
	for {
		limit := byteOffset(text, max) // bytes of the first max runes
		if limit == len(text) {
			break // the rest fits
		}
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
