package retrieval

import (
	"runtime"
	"sync"
)

// chunkTerms returns Terms(c.EmbedText()) of every chunk, spread over the
// CPUs, each worker with its own stem memo (see termsMemo). Each chunk's
// terms depend on its text alone, so the result does not depend on the
// spread.
func chunkTerms(chunks []Chunk) [][]string {
	out := make([][]string, len(chunks))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(chunks)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			memo := map[string]string{}
			for i := w; i < len(chunks); i += workers {
				out[i] = termsMemo(chunks[i].EmbedText(), memo)
			}
		}()
	}
	wg.Wait()
	return out
}
