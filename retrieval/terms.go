package retrieval

import (
	"encoding/binary"
	"runtime"
	"sync"
	"unicode/utf8"
)

// indexChunks builds the keyword index of chunks over the CPUs: each
// worker reads a run of consecutive chunks into a termPart of its own
// numbering (see termReader), and assemble joins the parts. A chunk's
// terms are Terms(c.EmbedText()); the index does not depend on how the
// chunks were spread.
func indexChunks(chunks []Chunk) *keywordIndex {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(chunks)/256))
	parts := make([]termPart, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(chunks)/workers, (w+1)*len(chunks)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := newTermReader()
			docs := make([]docTerms, hi-lo)
			for i := range docs {
				docs[i] = tr.read(chunks[lo+i].Title, chunks[lo+i].Text)
			}
			parts[w] = termPart{names: tr.names, docs: docs}
		}()
	}
	wg.Wait()
	return assemble(parts)
}

// termReader turns texts into docTerms, numbering terms as it meets them.
// It reads words in place (scanWords) and looks each distinct word up
// once: a word's term number, or that it is no term (a stop word, a single
// letter), is kept in seen, so that the usual word costs one map lookup
// and no allocation. Not safe for concurrent use.
type termReader struct {
	seen   map[string]int32 // word → term number, or -1: not a term
	terms  map[string]int32 // stem → term number
	names  []string         // term number → stem
	counts []int32          // per term number, for the text being read
	buf    []byte
	cur    []int32 // the distinct terms of the text being read
	pairs  []byte  // their encoding (see docTerms)
	block  []byte  // where read cuts the docTerms it returns from
}

// termBlock is the size of the blocks read cuts docTerms from: a block
// holds the terms of hundreds of chunks, and a chunk that does not fit the
// rest of one starts the next, so that the terms of 100k chunks cost no
// garbage of growing slices.
const termBlock = 1 << 18

func newTermReader() *termReader {
	return &termReader{seen: map[string]int32{}, terms: map[string]int32{}}
}

// read returns the distinct terms of a chunk's EmbedText (title, a blank
// line, text) in the order they first occur, their frequencies, and its
// length in terms: what Terms(c.EmbedText()) holds. The title and the text
// are read one after the other, which splits them as the whole does: the
// blank line ends a word, and no rule of Words looks past one.
func (tr *termReader) read(title, text string) docTerms {
	var d docTerms
	tr.cur = tr.cur[:0]
	add := func(w []byte) {
		id, ok := tr.seen[string(w)]
		if !ok {
			id = tr.number(string(w))
		}
		if id < 0 {
			return
		}
		d.length++
		if tr.counts[id] == 0 {
			tr.cur = append(tr.cur, id)
		}
		tr.counts[id]++
	}
	tr.buf = scanWords(title, tr.buf, add)
	tr.buf = scanWords(text, tr.buf, add)
	tr.pairs = tr.pairs[:0]
	for _, id := range tr.cur {
		tr.pairs = binary.AppendUvarint(tr.pairs, uint64(id))
		tr.pairs = binary.AppendUvarint(tr.pairs, uint64(tr.counts[id]))
		tr.counts[id] = 0
	}
	n := len(tr.pairs)
	if n > cap(tr.block)-len(tr.block) {
		tr.block = make([]byte, 0, max(termBlock, n))
	}
	at := len(tr.block)
	tr.block = append(tr.block, tr.pairs...)
	d.pairs = tr.block[at : at+n : at+n]
	return d
}

// number records word w (first seen) and returns its term number, -1 when
// it is no term, with the test and stemmer of termsMemo.
func (tr *termReader) number(w string) int32 {
	id := int32(-1)
	if !stopwords[w] && (utf8.RuneCountInString(w) != 1 || isDigitString(w)) {
		st := Stem(w)
		var ok bool
		if id, ok = tr.terms[st]; !ok {
			id = int32(len(tr.names))
			tr.terms[st] = id
			tr.names = append(tr.names, st)
			tr.counts = append(tr.counts, 0)
		}
	}
	tr.seen[w] = id
	return id
}
