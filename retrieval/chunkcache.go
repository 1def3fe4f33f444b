package retrieval

import (
	"runtime"
	"strconv"
	"sync"

	"github.com/situationbot/bot/corpus"
)

// articleChunks is what Split cut from one version of an article, kept in
// the index and its snapshot so that an unchanged article is never split
// again: the text and the Chunk.Hash of each chunk, by ordinal.
type articleChunks struct {
	Hash   string // corpus.Article.Hash of the version they were cut from
	Texts  []string
	Hashes []string
}

// chunksOf returns the chunks of a, which must be the version ac was cut
// from: equal to Split(a, opt) for the options ac was cut with.
func (ac articleChunks) chunksOf(a corpus.Article) []Chunk {
	cs := make([]Chunk, len(ac.Texts))
	for i, t := range ac.Texts {
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
	return cs
}

// cutChunks returns what the chunks cs of an article keep in articleChunks.
func cutChunks(hash string, cs []Chunk, hashes []string) articleChunks {
	ac := articleChunks{Hash: hash, Texts: make([]string, len(cs)), Hashes: hashes}
	for i, c := range cs {
		ac.Texts[i] = c.Text
	}
	return ac
}

// chunkArticles returns the chunks of every article and their hashes:
// those of an article whose hash matches its entry in known are rebuilt
// from it, the others are cut by Split, spread over the CPUs (each article
// is cut alone, so the result does not depend on the order). It reports
// how many articles it split.
func chunkArticles(arts []corpus.Article, known map[string]articleChunks, opt SplitOptions) (chunks [][]Chunk, hashes [][]string, split int) {
	chunks = make([][]Chunk, len(arts))
	hashes = make([][]string, len(arts))
	var todo []int
	for i, a := range arts {
		if ac, ok := known[a.ID]; ok && ac.Hash == a.Hash {
			chunks[i], hashes[i] = ac.chunksOf(a), ac.Hashes
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
				chunks[i], hashes[i] = cs, hs
			}
		}()
	}
	wg.Wait()
	return chunks, hashes, len(todo)
}
