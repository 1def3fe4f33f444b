// Package retrieval owns everything between the articles and the passages an
// answer is written from: chunking, the local default embedder, the index over
// chromem-go, keyword scoring, fusion, the relevance judgement, sync with the
// corpus and the embedding snapshot.
package retrieval

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/corpus"
)

// Chunk is a piece of one article, the unit that is embedded and retrieved.
type Chunk struct {
	ID        string    // ArticleID + "#" + Ordinal
	ArticleID string    // corpus.Article.ID
	Ordinal   int       // 0-based position in the article
	Title     string    // the article's title
	Published time.Time // the article's publication date
	URL       string    // the article's link, if any
	Text      string    // the chunk text: paragraphs separated by blank lines
}

// Hash identifies the chunk's content for the embedding cache: the same text
// under the same title embeds to the same vector.
func (c Chunk) Hash() string {
	sum := sha256.Sum256([]byte(c.Title + "\x00" + c.Text))
	return hex.EncodeToString(sum[:16])
}

// EmbedText is the text given to the embedder: the title gives each chunk
// the article's context.
func (c Chunk) EmbedText() string { return c.Title + "\n\n" + c.Text }

// SplitOptions tunes Split.
type SplitOptions struct {
	// MaxChars is a hard cap on the length of every chunk's Text, in runes,
	// whatever the text: the overlap sentence carried from the previous
	// chunk and the separators (a space between sentences, a blank line,
	// two runes, between paragraphs) count against it. Text with no
	// paragraph or sentence boundary within the cap is cut between words,
	// and text with no space (a long token, Chinese or Japanese) between
	// runes.
	MaxChars int
	// OverlapChars: the last sentence (or piece of one) of a chunk is
	// repeated at the start of the next when it is at most this many runes
	// long and the next chunk has room for it under MaxChars.
	OverlapChars int
}

// DefaultSplitOptions suit passages that are quoted to a model and to users.
var DefaultSplitOptions = SplitOptions{MaxChars: 1000, OverlapChars: 220}

// unit is a sentence, or a piece of one, tagged with its paragraph.
type unit struct {
	text    string
	n       int // runes in text
	para    int
	heading bool
}

func newUnit(text string, para int, heading bool) unit {
	return unit{text: text, n: runeLen(text), para: para, heading: heading}
}

// Split cuts an article into chunks. It is paragraph- and sentence-aware and
// deterministic: paragraphs are packed into a chunk up to MaxChars; a
// paragraph too long for one chunk is cut between sentences; a sentence is cut
// only when it alone does not fit a chunk, at the last sentence mark or space
// within the cap, else between runes (see SplitOptions). Consecutive chunks
// overlap by one short sentence. A heading (a short line that does not end a
// sentence) is kept with the sentence that follows it when both fit in one
// chunk, and with the first piece of that sentence when it must be cut
// anyway. No chunk is longer than MaxChars runes, and none is empty.
func Split(a corpus.Article, opt SplitOptions) []Chunk {
	if opt.MaxChars <= 0 {
		opt = DefaultSplitOptions
	}
	p := packer{max: opt.MaxChars, overlap: opt.OverlapChars}
	for _, para := range splitParagraphs(a.Body) {
		p.paragraph(para)
	}
	if !p.carried {
		p.emit()
	}
	chunks := make([]Chunk, len(p.out))
	for i, text := range p.out {
		// A chunk that is a span of the body, the usual case, is given
		// the body's memory rather than the joined copy: its first unit
		// is a slice of the body (Paragraphs and Sentences cut, and do
		// not copy, text already single-spaced), and the body from there
		// reads as the chunk.
		if off, ok := offsetIn(a.Body, p.firsts[i]); ok && len(a.Body)-off >= len(text) && a.Body[off:off+len(text)] == text {
			text = a.Body[off : off+len(text)]
		}
		chunks[i] = Chunk{
			ID:        fmt.Sprintf("%s#%d", a.ID, i),
			ArticleID: a.ID,
			Ordinal:   i,
			Title:     a.Title,
			Published: a.Published,
			URL:       a.URL,
			Text:      text,
		}
	}
	return chunks
}

// packer fills chunks with units, keeping the exact rune length of the
// chunk being built.
type packer struct {
	max, overlap int
	cur          []unit
	size         int  // runeLen(joinUnits(cur))
	carried      bool // cur holds only the overlap carried from the last chunk
	out          []string
	firsts       []string // the text of the first unit of each of out
}

// sizeWith is the length of the chunk if us were appended to it.
func (p *packer) sizeWith(us []unit) int {
	size := p.size
	var last *unit
	if len(p.cur) > 0 {
		last = &p.cur[len(p.cur)-1]
	}
	for i := range us {
		size += sepLen(last, us[i]) + us[i].n
		last = &us[i]
	}
	return size
}

// sepLen is the length of the separator joinUnits puts between prev and u.
func sepLen(prev *unit, u unit) int {
	switch {
	case prev == nil:
		return 0
	case prev.para == u.para:
		return 1
	}
	return 2
}

func (p *packer) add(us ...unit) {
	p.size = p.sizeWith(us)
	p.cur = append(p.cur, us...)
	p.carried = false
}

// emit closes the current chunk and carries its last sentence over when it
// is short.
func (p *packer) emit() {
	if len(p.cur) == 0 {
		return
	}
	p.out = append(p.out, joinUnits(p.cur))
	p.firsts = append(p.firsts, p.cur[0].text)
	last := p.cur[len(p.cur)-1]
	p.cur, p.size, p.carried = nil, 0, false
	if !last.heading && last.n <= p.overlap {
		p.cur, p.size, p.carried = []unit{last}, last.n, true
	}
}

func (p *packer) dropCarry() { p.cur, p.size, p.carried = nil, 0, false }

// paragraph places one paragraph: whole in the current chunk if it fits,
// else whole at the start of a new chunk, else atom by atom.
func (p *packer) paragraph(para []unit) {
	if p.sizeWith(para) <= p.max {
		p.add(para...)
		return
	}
	if len(p.cur) > 0 && !p.carried {
		p.emit()
	}
	if p.carried && p.sizeWith(para) > p.max {
		p.dropCarry() // no room for the overlap
	}
	if p.sizeWith(para) <= p.max {
		p.add(para...)
		return
	}
	// Longer than a chunk: the headings go with the first sentence, and
	// each other sentence on its own.
	start := 0
	for start < len(para) && para[start].heading {
		start++
	}
	if start == len(para) {
		start = 0 // headings with no text: each its own
	}
	p.atom(para[:start+1])
	for _, u := range para[start+1:] {
		p.atom([]unit{u})
	}
}

// atom places units that must share a chunk, starting new chunks as needed
// and cutting the last unit when the atom does not fit even an empty chunk.
func (p *packer) atom(a []unit) {
	for {
		switch {
		case p.sizeWith(a) <= p.max:
			p.add(a...)
			return
		case p.carried:
			p.dropCarry()
			continue
		case len(p.cur) > 0:
			p.emit()
			continue
		}
		// Alone in an empty chunk and still too long. Headings and their
		// sentence part (a paragraph boundary) unless the sentence must be
		// cut anyway and they leave it a fair share of the first piece.
		head, last := a[:len(a)-1], a[len(a)-1]
		room := p.max - p.sizeWith(head) - sepLen(lastOf(head), last)
		if len(head) > 0 && (last.n <= p.max || room < max(1, p.max/4)) {
			for _, u := range a {
				p.atom([]unit{u})
			}
			return
		}
		piece, rest := cutUnit(last, room)
		p.add(append(head[:len(head):len(head)], piece)...)
		p.emit()
		a = []unit{rest}
	}
}

func lastOf(us []unit) *unit {
	if len(us) == 0 {
		return nil
	}
	return &us[len(us)-1]
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// cutUnit cuts u into a first piece of at most room runes (room >= 1) and
// the rest, at the best boundary within room: after the last sentence mark
// in its second half, else at the last space, else between runes. Spaces at
// the cut are dropped. It reads only the first room runes of u, so cutting
// a long text into pieces takes time linear in its length.
func cutUnit(u unit, room int) (piece, rest unit) {
	s := u.text
	end, runes := 0, 0 // byte offset and rune count of the prefix of room runes
	sentence, sentenceRunes := 0, 0
	space, spaceRunes := 0, 0
	for end < len(s) && runes < room {
		r, size := utf8.DecodeRuneInString(s[end:])
		end += size
		runes++
		next, _ := utf8.DecodeRuneInString(s[end:])
		switch {
		case r == ' ':
			if end-size > 0 {
				space, spaceRunes = end-size, runes-1
			}
		case endsSentence(r, next) && runes >= room/2:
			sentence, sentenceRunes = end, runes
		}
	}
	if end < len(s) && s[end] == ' ' { // the cap falls on a space
		space, spaceRunes = end, runes
	}
	cut, cutRunes := end, runes
	switch {
	case sentence > 0:
		cut, cutRunes = sentence, sentenceRunes
	case space > 0:
		cut, cutRunes = space, spaceRunes
	}
	head := s[:cut]
	skipped := 0
	for cut < len(s) && s[cut] == ' ' {
		cut++
		skipped++
	}
	piece = unit{text: head, n: cutRunes, para: u.para, heading: false}
	rest = unit{text: s[cut:], n: u.n - cutRunes - skipped, para: u.para, heading: u.heading}
	return piece, rest
}

// endsSentence reports whether r, followed by next, ends a sentence for
// cutting: a full stop, question or exclamation mark before a space, or
// their CJK forms anywhere.
func endsSentence(r, next rune) bool {
	switch r {
	case '。', '！', '？', '．':
		return true
	case '.', '!', '?':
		return next == ' '
	}
	return false
}

// splitParagraphs breaks a body into paragraphs of sentences, attaching each
// heading to the paragraph after it.
func splitParagraphs(body string) [][]unit {
	var out [][]unit
	var pending []unit // headings waiting for their text
	for pi, para := range Paragraphs(body) {
		if IsHeading(para) {
			pending = append(pending, newUnit(para, pi, true))
			continue
		}
		us := pending
		pending = nil
		for _, s := range Sentences(para) {
			us = append(us, newUnit(s, pi, false))
		}
		out = append(out, us)
	}
	if len(pending) > 0 {
		out = append(out, pending)
	}
	return out
}

// Paragraphs splits text at blank lines and joins the lines of each
// paragraph with spaces. A paragraph already spaced so (the usual case) is
// returned as the span of text it is, not a copy.
func Paragraphs(text string) []string {
	var out []string
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		p := block
		if !singleSpaced(block) {
			p = strings.Join(strings.Fields(block), " ")
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// singleSpaced reports whether strings.Join(strings.Fields(s), " ") is s:
// no space (unicode.IsSpace) at either end, and every space a single ' '.
func singleSpaced(s string) bool {
	prevSpace := true // at the start, a space is not allowed
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case r < utf8.RuneSelf && r != '\t' && r != '\n' && r != '\v' && r != '\f' && r != '\r' || r >= utf8.RuneSelf && !unicode.IsSpace(r):
			prevSpace = false
		default:
			return false
		}
		i += size
	}
	return !prevSpace || s == ""
}

// IsHeading reports whether a paragraph reads as a heading or pull quote: one
// short line that does not end like a sentence.
func IsHeading(p string) bool {
	p = strings.TrimSpace(p)
	if p == "" || utf8.RuneCountInString(p) > 120 {
		return false
	}
	trimmed := strings.TrimRight(p, `"'”’)`)
	last, _ := utf8.DecodeLastRuneInString(trimmed)
	if strings.ContainsRune(".!?:;,", last) {
		// A quoted phrase like 'The atmosphere is positive' ends with a
		// quote but no full stop; that is handled above. Anything ending in
		// sentence punctuation is text.
		return false
	}
	return true
}

// joinUnits renders units back to text: sentences of one paragraph joined
// by a space, paragraphs by a blank line.
func joinUnits(us []unit) string {
	var b strings.Builder
	for i, u := range us {
		if i > 0 {
			if u.para == us[i-1].para {
				b.WriteByte(' ')
			} else {
				b.WriteString("\n\n")
			}
		}
		b.WriteString(u.text)
	}
	return b.String()
}
