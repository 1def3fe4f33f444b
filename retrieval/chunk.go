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
	MaxChars     int // soft limit on a chunk's length in characters (runes)
	OverlapChars int // the last sentence of a chunk is repeated at the start of the next when at most this long
}

// DefaultSplitOptions suit passages that are quoted to a model and to users.
var DefaultSplitOptions = SplitOptions{MaxChars: 1000, OverlapChars: 220}

// unit is a sentence, tagged with its paragraph.
type unit struct {
	text    string
	para    int
	heading bool
}

// Split cuts an article into chunks. It is paragraph- and sentence-aware and
// deterministic: paragraphs are packed into a chunk up to MaxChars; a
// paragraph too long for one chunk is cut between sentences; a sentence is cut
// (between words) only when it alone exceeds MaxChars. Consecutive chunks
// overlap by one short sentence. A heading — a short line that does not end
// a sentence — is always kept with the text that follows it.
func Split(a corpus.Article, opt SplitOptions) []Chunk {
	if opt.MaxChars <= 0 {
		opt = DefaultSplitOptions
	}
	var chunks []Chunk
	var cur []unit
	size := 0
	carried := false // cur holds only the overlap carried from the last chunk
	emit := func() {
		if len(cur) == 0 {
			return
		}
		chunks = append(chunks, Chunk{
			ID:        fmt.Sprintf("%s#%d", a.ID, len(chunks)),
			ArticleID: a.ID,
			Ordinal:   len(chunks),
			Title:     a.Title,
			Published: a.Published,
			URL:       a.URL,
			Text:      joinUnits(cur),
		})
		// Carry the last sentence over as overlap, when it is short.
		last := cur[len(cur)-1]
		cur, size, carried = nil, 0, false
		if n := runeLen(last.text); !last.heading && n <= opt.OverlapChars {
			cur, size, carried = []unit{last}, n+1, true
		}
	}
	add := func(us ...unit) {
		for _, u := range us {
			cur = append(cur, u)
			size += runeLen(u.text) + 1
		}
		carried = false
	}
	for _, para := range splitParagraphs(a.Body, opt.MaxChars) {
		psize := 0
		for _, u := range para {
			psize += runeLen(u.text) + 1
		}
		if size+psize <= opt.MaxChars {
			add(para...)
			continue
		}
		// The paragraph does not fit in this chunk: start a new one.
		if len(cur) > 0 && !carried {
			emit()
		}
		if size+psize > opt.MaxChars && carried {
			cur, size, carried = nil, 0, false // no room for the overlap
		}
		if size+psize <= opt.MaxChars {
			add(para...)
			continue
		}
		// A paragraph longer than a chunk: fill sentence by sentence, never
		// leaving a heading at the end of a chunk.
		for i, u := range para {
			n := runeLen(u.text) + 1
			if len(cur) > 0 && !carried && size+n > opt.MaxChars && !(i > 0 && para[i-1].heading) {
				emit()
			}
			if carried && size+n > opt.MaxChars {
				cur, size, carried = nil, 0, false
			}
			add(u)
		}
	}
	if !carried {
		emit()
	}
	return chunks
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// splitParagraphs breaks a body into paragraphs of sentences, attaching each
// heading to the paragraph after it. Sentences longer than max are cut
// between words.
func splitParagraphs(body string, max int) [][]unit {
	var out [][]unit
	var pending []unit // headings waiting for their text
	for pi, para := range Paragraphs(body) {
		if IsHeading(para) {
			pending = append(pending, unit{text: para, para: pi, heading: true})
			continue
		}
		us := pending
		pending = nil
		for _, s := range Sentences(para) {
			for _, piece := range cutLong(s, max) {
				us = append(us, unit{text: piece, para: pi})
			}
		}
		out = append(out, us)
	}
	if len(pending) > 0 {
		out = append(out, pending)
	}
	return out
}

// Paragraphs splits text at blank lines and joins the lines of each
// paragraph with spaces.
func Paragraphs(text string) []string {
	var out []string
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		p := strings.Join(strings.Fields(block), " ")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
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

// cutLong splits s between words into pieces of at most max runes.
func cutLong(s string, max int) []string {
	if utf8.RuneCountInString(s) <= max {
		return []string{s}
	}
	var out []string
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		wl := utf8.RuneCountInString(w)
		if n > 0 && n+1+wl > max {
			out = append(out, b.String())
			b.Reset()
			n = 0
		}
		if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += wl
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
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
