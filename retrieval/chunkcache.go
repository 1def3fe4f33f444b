package retrieval

import (
	"hash/crc32"
	"math"
	"runtime"
	"strconv"
	"sync"
	"unsafe"

	"github.com/situationbot/bot/corpus"
)

// articleChunks is what Split cut from one version of an article, kept in
// the index and its snapshot so that an unchanged article is never split
// again: the text and the Chunk.Hash of each chunk, by ordinal. A chunk's
// text is usually a span of the article's body, and is kept as one: its
// text is then the body's own memory, not a copy, in the index and in the
// snapshot.
type articleChunks struct {
	Hash  string   // corpus.Article.Hash of the version they were cut from
	Texts []string // a chunk's text; "" where Spans holds it; nil when all are spans
	Spans []span   // where a chunk's text is in the body; n == 0: in Texts
	// BodySum is the CRC-32C of the body the spans are of. Hash is of the
	// whole file, and a release that reads files differently may give
	// the same file another body: spans are used only on the same body.
	BodySum uint32
	Hashes  []string
}

// span is where a chunk's text lies in its article's Body, in bytes.
type span struct{ off, n uint32 }

// chunksOf returns the chunks of a, which must be the version ac was cut
// from: equal to Split(a, opt) for the options ac was cut with. It reports
// false when a span does not fit a's body (then a must be split again).
func (ac articleChunks) chunksOf(a corpus.Article) ([]Chunk, bool) {
	if !ac.fits(a) {
		return nil, false
	}
	cs := make([]Chunk, len(ac.Hashes))
	ac.chunksInto(a, cs)
	return cs, true
}

// fits reports whether the spans of ac are of a's body (see BodySum).
func (ac articleChunks) fits(a corpus.Article) bool {
	spans := false
	for i := range ac.Hashes {
		spans = spans || ac.span(i).n > 0
	}
	if !spans {
		return true
	}
	if bodySum(a.Body) != ac.BodySum {
		return false
	}
	for i := range ac.Hashes {
		if sp := ac.span(i); uint64(sp.off)+uint64(sp.n) > uint64(len(a.Body)) {
			return false
		}
	}
	return true
}

// chunksInto writes the chunks of a (see chunksOf) into cs, of their
// number; ac must fit a.
func (ac articleChunks) chunksInto(a corpus.Article, cs []Chunk) {
	for i := range cs {
		t := ac.text(i)
		if sp := ac.span(i); sp.n > 0 {
			t = a.Body[sp.off : sp.off+sp.n]
		}
		cs[i] = Chunk{
			ID:        a.ID + "#" + strconv.Itoa(i),
			ArticleID: a.ID,
			Ordinal:   i,
			Title:     a.Title,
			Published: a.Published,
			URL:       a.URL,
			Text:      t,
		}
	}
}

// text returns chunk i's text as Texts keeps it ("" for a span).
func (ac articleChunks) text(i int) string {
	if i < len(ac.Texts) {
		return ac.Texts[i]
	}
	return ""
}

// setText keeps t as chunk i's text, making Texts on first use.
func (ac *articleChunks) setText(i int, t string) {
	if ac.Texts == nil {
		ac.Texts = make([]string, len(ac.Hashes))
	}
	ac.Texts[i] = t
}

// span returns where chunk i is in the body, if Spans says (a snapshot of
// format v2 does not).
func (ac articleChunks) span(i int) span {
	if i < len(ac.Spans) {
		return ac.Spans[i]
	}
	return span{}
}

// spanned reports whether ac knows the spans of its chunks: it was cut by
// this version (cutChunks) or read from a snapshot that keeps them.
func (ac articleChunks) spanned() bool { return len(ac.Spans) == len(ac.Hashes) }

// cutChunks returns what the chunks cs of article a keep in articleChunks:
// a chunk whose text is a span of a's body in memory (as Split and
// chunksInto make them) is kept as that span, the others as text.
func cutChunks(a corpus.Article, cs []Chunk, hashes []string) articleChunks {
	ac := articleChunks{Hash: a.Hash, Spans: make([]span, len(cs)), Hashes: hashes, BodySum: bodySum(a.Body)}
	for i, c := range cs {
		if off, ok := offsetIn(a.Body, c.Text); ok && c.Text != "" {
			ac.Spans[i] = span{off: uint32(off), n: uint32(len(c.Text))}
			continue
		}
		ac.setText(i, c.Text)
	}
	return ac
}

// bodySum is the CRC-32C (Castagnoli, computed in hardware where there is
// some) of an article's body, read in place (crc32 only reads it).
func bodySum(body string) uint32 {
	return crc32.Update(0, castagnoli, unsafe.Slice(unsafe.StringData(body), len(body)))
}

// offsetIn returns the offset of s in body when s is a substring of body
// in memory (a slice of it, not a copy): where the chunks of an article
// lie in its body is read off their memory, with no search.
func offsetIn(body, s string) (int, bool) {
	if len(body) == 0 || len(s) == 0 || len(body) > math.MaxUint32 {
		return 0, false
	}
	b, p := uintptr(unsafe.Pointer(unsafe.StringData(body))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if p < b || p-b > uintptr(len(body)-len(s)) || len(s) > len(body) {
		return 0, false
	}
	return int(p - b), true
}

// restoredFrom reports whether hs, the hashes chunkArticles returned for
// an article, are ac.Hashes itself: its chunks were rebuilt from ac, not
// split again because a span did not fit the body.
func restoredFrom(ac articleChunks, hs []string) bool {
	return len(hs) == len(ac.Hashes) && (len(hs) == 0 || &hs[0] == &ac.Hashes[0])
}

// chunkArticles returns the chunks of every article and their hashes:
// those of an article whose hash matches its entry in known are rebuilt
// from it, the others are cut by Split, spread over the CPUs (each article
// is cut alone, so the result does not depend on the order). The chunks
// of all the articles are all, in order: chunks[i] is the run of arts[i].
// It reports how many articles it split.
func chunkArticles(arts []corpus.Article, known map[string]articleChunks, opt SplitOptions) (all []Chunk, chunks [][]Chunk, hashes [][]string, split int) {
	hashes = make([][]string, len(arts))
	cut := make([][]Chunk, len(arts))
	var todo []int
	for i, a := range arts {
		if ac, ok := known[a.ID]; ok && ac.Hash == a.Hash && ac.fits(a) {
			hashes[i] = ac.Hashes
			continue
		}
		todo = append(todo, i)
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(todo)/4))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(todo); k += workers {
				i := todo[k]
				cs := Split(arts[i], opt)
				hs := make([]string, len(cs))
				for j, c := range cs {
					hs[j] = c.Hash()
				}
				cut[i], hashes[i] = cs, hs
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, hs := range hashes {
		total += len(hs)
	}
	// One array for all, written in place for the known articles: at
	// 100k chunks, a slice per article copied into one cost 15 MB of
	// garbage at every start.
	all = make([]Chunk, total)
	chunks = make([][]Chunk, len(arts))
	at := 0
	for i, a := range arts {
		n := len(hashes[i])
		chunks[i] = all[at : at+n : at+n]
		if cut[i] != nil {
			copy(chunks[i], cut[i])
		} else {
			known[a.ID].chunksInto(a, chunks[i])
		}
		at += n
	}
	return all, chunks, hashes, len(todo)
}
