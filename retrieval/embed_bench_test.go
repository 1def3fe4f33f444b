package retrieval

import (
	"context"
	"testing"
)

// benchEmbedTexts returns the texts of the first 1,000 chunks of the
// 10,000-chunk bench corpus.
func benchEmbedTexts(b *testing.B) []string {
	bc := benchCorpusOf(b, benchSizes[0])
	var texts []string
	for _, a := range bc.articles {
		for _, c := range Split(a, DefaultSplitOptions) {
			texts = append(texts, c.EmbedText())
		}
		if len(texts) >= 1000 {
			break
		}
	}
	return texts
}

// BenchmarkLocalVector measures the local embedder's work on one text, on
// one goroutine with the word cache warm (ns/op is per text), and its parts: splitting the text
// into words, looking them up, the lexical block and the semantic block.
func BenchmarkLocalVector(b *testing.B) {
	texts := benchEmbedTexts(b)
	e := NewLocalEmbedder(0)
	s := new(embedScratch)
	out := make([]float32, e.vectorLen())
	for _, t := range texts {
		e.vector(t, s, out)
	}
	run := func(name string, f func(t string)) {
		b.Run(name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				f(texts[n%len(texts)])
				n++
			}
		})
	}
	lookup := func(t string) {
		s.words = s.words[:0]
		for _, w := range Words(t) {
			s.words = append(s.words, e.words.get([]byte(w)))
		}
	}
	run("all", func(t string) { e.vector(t, s, out) })
	run("words", func(t string) { Words(t) })
	run("lookup", lookup)
	words := map[string][]*embedWord{}
	for _, t := range texts {
		lookup(t)
		words[t] = append([]*embedWord(nil), s.words...)
	}
	v := make([]float64, e.vectorLen())
	run("hashed", func(t string) {
		s.words = words[t]
		clear(v)
		s.hashed(v[:e.hashDims])
	})
	run("sif", func(t string) {
		s.words = words[t]
		clear(v)
		s.sifVector(e.sif, v[e.hashDims:])
	})
}

// BenchmarkEmbedCold is BenchmarkEmbed with an empty word cache for each
// pass over the 1,000 texts, as in a process's first sync.
func BenchmarkEmbedCold(b *testing.B) {
	texts := benchEmbedTexts(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		e := NewLocalEmbedder(0)
		e.words = newWordCache(e.sif, wordCacheSize)
		for i := 0; i < len(texts); i += 64 {
			if _, err := e.Embed(ctx, texts[i:min(i+64, len(texts))]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(texts)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "chunks/s")
}
