// Benchmarks of the index on a generated corpus of about 10,000 and 100,000
// chunks: sync throughput with the local embedder, Search latency, and the
// raw chromem-go scan (Collection.QueryEmbedding) over the same vectors as
// the baseline. They run only with -bench: the corpus is generated on first
// use and cached in the test binary, so `go test ./...` pays nothing.
//
// Sync at both sizes, one iteration each (the 100k case takes about half a
// minute on 2 cores and peaks near 1.6 GB):
//
//	go test ./retrieval -run '^$' -bench 'Sync' -benchtime=1x -benchmem
//
// The local embedder alone, over the chunks of the smaller corpus:
//
//	go test ./retrieval -run '^$' -bench '^BenchmarkEmbed$' -benchtime=5x
//
// Search and the baseline, on one index per size that is synced once
// outside the timer and shared by BenchmarkSearch, BenchmarkSearchMode and
// BenchmarkChromemQueryEmbedding, so that all scan the same vectors:
//
//	go test ./retrieval -run '^$' -bench 'Search|Chromem' -benchtime=50x -benchmem
//
// The searches rotate through 50 queries, so use a multiple of 50
// iterations to weigh them equally. One size only:
// -bench '(Search|Chromem)/chunks=10000$'. The ratio asked for is
//
//	Search ns/op ÷ ChromemQueryEmbedding ns/op, at the same chunks=N
//
// that is, what Search costs (query embedding, the vector scan, BM25,
// fusion and the coverage judgement) relative to chromem-go's exhaustive
// scan alone. BenchmarkSearchMode/…/mode=vector and mode=keyword split
// Search by retriever to show where the difference goes.

package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/corpus"
)

// benchSizes are the corpus sizes, in chunks, of every benchmark.
var benchSizes = []int{10_000, 100_000}

// benchQueries is how many distinct queries the search benchmarks rotate through.
const benchQueries = 50

// benchK is the k of Search in the search benchmarks.
const benchK = 5

// benchCorpus is a generated corpus of about a given number of chunks.
type benchCorpus struct {
	articles []corpus.Article
	chunks   int // chunks Split yields over articles with DefaultSplitOptions
	queries  []string
}

// benchIndex is an index synced over a benchCorpus, shared by the search
// benchmarks of one size.
type benchIndex struct {
	bc  *benchCorpus
	ix  *Index
	qv  [][]float32 // the queries embedded by the index's embedder
	err error
}

var (
	benchMu      sync.Mutex
	benchCorpora = map[int]*benchCorpus{}
	benchIndexes = map[int]*benchIndex{}
)

// benchCorpusOf returns the cached generated corpus of about n chunks.
func benchCorpusOf(b *testing.B, n int) *benchCorpus {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	bc := benchCorpora[n]
	if bc == nil {
		start := time.Now()
		g := newNewsGen(uint64(n))
		bc = &benchCorpus{}
		for bc.chunks < n {
			a := g.article(len(bc.articles))
			bc.articles = append(bc.articles, a)
			bc.chunks += len(Split(a, DefaultSplitOptions))
		}
		for range benchQueries {
			bc.queries = append(bc.queries, g.query())
		}
		benchCorpora[n] = bc
		b.Logf("generated %d articles, %d chunks in %v", len(bc.articles), bc.chunks, time.Since(start).Round(time.Millisecond))
	}
	return bc
}

// benchIndexOf returns the cached index synced over the corpus of about n
// chunks, with the corpus queries embedded.
func benchIndexOf(b *testing.B, n int) *benchIndex {
	b.Helper()
	bc := benchCorpusOf(b, n)
	benchMu.Lock()
	defer benchMu.Unlock()
	bi := benchIndexes[n]
	if bi == nil {
		ctx := context.Background()
		bi = &benchIndex{bc: bc}
		bi.ix = Open(slog.New(slog.NewTextHandler(io.Discard, nil)), NewLocalEmbedder(0), "", Options{})
		rep, err := bi.ix.Sync(ctx, bc.articles, nil)
		if err == nil {
			b.Logf("synced %d chunks in %v", rep.Chunks, rep.Elapsed.Round(time.Millisecond))
			bi.qv, err = bi.ix.emb.Embed(ctx, bc.queries)
		}
		bi.err = err
		benchIndexes[n] = bi
	}
	if bi.err != nil {
		b.Fatalf("bench index of %d chunks: %v", n, bi.err)
	}
	return bi
}

// BenchmarkSync measures a full sync of a fresh index (split, embed with
// the local embedder, build the chromem-go collection and the keyword
// index), reported as chunks/s.
func BenchmarkSync(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			bc := benchCorpusOf(b, n)
			ctx := context.Background()
			lg := slog.New(slog.NewTextHandler(io.Discard, nil))
			runtime.GC()
			var ix *Index
			chunks, iters := 0, 0
			for b.Loop() {
				b.StopTimer()
				ix = nil
				runtime.GC() // the previous iteration's index is garbage; don't bill its collection here
				ix = Open(lg, NewLocalEmbedder(0), "", Options{})
				b.StartTimer()
				rep, err := ix.Sync(ctx, bc.articles, nil)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Embedded != rep.Chunks || rep.Chunks != bc.chunks {
					b.Fatalf("Sync embedded %d of %d chunks, want all %d", rep.Embedded, rep.Chunks, bc.chunks)
				}
				chunks += rep.Chunks
				iters++
			}
			b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
			b.ReportMetric(float64(chunks/iters), "chunks")
		})
	}
}

// BenchmarkEmbed measures the local embedder alone over the chunks of the
// 10,000-chunk corpus, in Sync's batches of 64, reported as chunks/s.
func BenchmarkEmbed(b *testing.B) {
	bc := benchCorpusOf(b, benchSizes[0])
	var texts []string
	for _, a := range bc.articles {
		for _, c := range Split(a, DefaultSplitOptions) {
			texts = append(texts, c.EmbedText())
		}
	}
	e := NewLocalEmbedder(0)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		for i := 0; i < len(texts); i += 64 {
			if _, err := e.Embed(ctx, texts[i:min(i+64, len(texts))]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(texts)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkSearch measures Search(ctx, query, 5) in the default (hybrid)
// mode over a rotating set of generated queries.
func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			bi := benchIndexOf(b, n)
			benchSearch(b, bi.ix, bi.bc.queries)
		})
	}
}

// BenchmarkSearchMode measures Search in each retrieval mode over the same
// state as BenchmarkSearch, to show what each retriever costs.
func BenchmarkSearchMode(b *testing.B) {
	for _, n := range benchSizes {
		for _, mode := range []Mode{Vector, Keyword} {
			b.Run(fmt.Sprintf("chunks=%d/mode=%s", n, mode), func(b *testing.B) {
				bi := benchIndexOf(b, n)
				benchSearch(b, benchWithMode(bi.ix, mode), bi.bc.queries)
			})
		}
	}
}

// benchWithMode returns an index that searches ix's current state in mode;
// it must not be synced.
func benchWithMode(ix *Index, mode Mode) *Index {
	opt := ix.opt
	opt.Mode = mode
	return &Index{lg: ix.lg, emb: ix.emb, id: ix.id, opt: opt, st: ix.current()}
}

// benchSearch runs Search(ctx, q, benchK) over queries in turn, after
// checking that each finds something.
func benchSearch(b *testing.B, ix *Index, queries []string) {
	ctx := context.Background()
	for _, q := range queries {
		ps, err := ix.Search(ctx, q, benchK)
		if err != nil {
			b.Fatalf("Search(%q): %v", q, err)
		}
		if len(ps) == 0 {
			b.Fatalf("Search(%q) found nothing", q)
		}
	}
	runtime.GC()
	i := 0
	for b.Loop() {
		if _, err := ix.Search(ctx, queries[i%len(queries)], benchK); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkChromemQueryEmbedding is the baseline: chromem-go's exhaustive
// scan of the same collection BenchmarkSearch searches, with the same
// number of candidates Search asks for (max(4k, 20)) and the query vectors
// embedded beforehand by the same embedder.
func BenchmarkChromemQueryEmbedding(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			bi := benchIndexOf(b, n)
			col := bi.ix.current().col
			ctx := context.Background()
			nres := min(max(4*benchK, 20), col.Count())
			for _, v := range bi.qv {
				if res, err := col.QueryEmbedding(ctx, v, nres, nil, nil); err != nil || len(res) != nres {
					b.Fatalf("QueryEmbedding: %d results, %v", len(res), err)
				}
			}
			runtime.GC()
			i := 0
			for b.Loop() {
				if _, err := col.QueryEmbedding(ctx, bi.qv[i%len(bi.qv)], nres, nil, nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// newsGen generates deterministic news-like English: words drawn from a
// fixed ranked vocabulary with Zipf-like frequencies (function words first,
// then common news words and names, then a long tail of made-up words and
// names), sentences of 10–30 words, paragraphs of 2–5 sentences, now and
// then a heading, a number or a quotation.
type newsGen struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []benchWord
	date  time.Time
}

// benchWord is a vocabulary entry; names are written capitalised.
type benchWord struct {
	text string
	name bool
}

// Function words and common news words, roughly by frequency; they take the
// top ranks of the vocabulary.
const benchCommonWords = `the of and to in a said on for that was with by is from at as were
	had has have he it its they their after an but be been who which not more than about into
	over also this would will under between during against some all two three government forces
	people city officials year told security police military president minister country group
	killed since last week state rebels talks new other there could first members troops area
	attack army opposition peace aid fighting united nations region war local border support
	statement report according while including hospital civilians town village capital control
	agreement ceasefire violence conflict leaders party election vote parliament court prison
	protest protesters authorities fire water food supplies convoy refugees camp camps children
	women men families homes workers officers soldiers commander spokesman agency ministry foreign
	health cases weeks months days hours morning night reported earlier later near across north
	south east west central province district streets building buildings bridge road highway
	airport port oil gas prices market economy bank budget tax plan plans deal deals talks meeting
	summit envoy mediator sanctions weapons chemical bombs shelling airstrikes offensive siege
	besieged evacuated evacuation trapped wounded injured dead missing arrested detained released
	freed hostages kidnapped negotiations negotiators delegation resolution council humanitarian
	relief shelter winter snow flood floods earthquake storm drought crops farmers harvest
	schools students teachers doctors nurses medicine vaccine outbreak disease virus hunger
	malnutrition blockade checkpoint frontline front line positions advance retreat retook
	captured seized controlled held launched announced denied confirmed accused warned urged
	called demanded rejected agreed signed expected planned scheduled postponed delayed resumed
	ended began continued remained increased fell rose dropped doubled estimated counted
	international national regional former senior deputy chief official independent rival
	armed heavy major minor several dozens hundreds thousands millions percent`

// Real place and person names, written capitalised.
const benchNames = `Homs Aleppo Damascus Geneva Brahimi Assad Kerry Lavrov Beirut Baghdad Cairo Ankara
	Moscow Washington London Paris Berlin Tehran Riyadh Amman Jordan Lebanon Turkey Iraq Iran
	Syria Russia Egypt Israel Gaza Yemen Libya Tripoli Benghazi Idlib Raqqa Hama Daraa Latakia
	Tartus Qusair Yarmouk Ghouta Kurdish Reuters Obama Putin Erdogan Rouhani Ban Barrazi Ahmed
	Mohammed Hassan Ali Omar Khaled Nasser Salim Karim Yusuf Layla Fatima Maryam Nour Rami`

// benchSpeakers say the quotations.
var benchSpeakers = []string{"he", "she", "officials", "a spokesman", "the minister", "Brahimi", "Kerry", "Barrazi"}

// benchSyllables build the made-up words of the long tail.
var benchSyllables = strings.Fields(`ba be bi bo ka ke ki ko da de di do ma me mi mo na ne ni no
	ra re ri ro sa se si so ta te ti to va ve vi lan lor min mar tar tor vel ven dri dor son sar
	qui quen zan zor hal hem fer fin gal gor pel pon rus sun tek tul wen wor yal yen`)

// newNewsGen returns a generator seeded with seed.
func newNewsGen(seed uint64) *newsGen {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	g := &newsGen{r: r, date: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)}
	seen := map[string]bool{}
	add := func(w string, name bool) {
		if !seen[strings.ToLower(w)] {
			seen[strings.ToLower(w)] = true
			g.vocab = append(g.vocab, benchWord{w, name})
		}
	}
	names := strings.Fields(benchNames)
	for i, w := range strings.Fields(benchCommonWords) {
		add(w, false)
		// Weave the real names in among the common words, past the
		// function words.
		if i >= 60 && i%5 == 0 && len(names) > 0 {
			add(names[0], true)
			names = names[1:]
		}
	}
	for _, w := range names {
		add(w, true)
	}
	// The long tail: 12,000 made-up words of 2–4 syllables, one in eight
	// of them a name.
	for base := len(g.vocab); len(g.vocab) < base+12_000; {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(benchSyllables[r.IntN(len(benchSyllables))])
		}
		w := b.String()
		if r.IntN(8) == 0 {
			add(strings.ToUpper(w[:1])+w[1:], true)
		} else {
			add(w, false)
		}
	}
	g.zipf = rand.NewZipf(r, 1.1, 2, uint64(len(g.vocab)-1))
	return g
}

// word returns a random word as it appears in running text.
func (g *newsGen) word() string {
	if g.r.IntN(40) == 0 {
		return g.number()
	}
	return g.vocab[g.zipf.Uint64()].text
}

// number returns a number as news writes it: a count, a year or thousands.
func (g *newsGen) number() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprint(2 + g.r.IntN(98))
	case 1:
		return fmt.Sprint(1990 + g.r.IntN(35))
	case 2:
		return fmt.Sprintf("%d,%03d", 1+g.r.IntN(99), g.r.IntN(1000))
	default:
		return fmt.Sprint(100 + g.r.IntN(900))
	}
}

// words returns n words separated by spaces, the first capitalised, with a
// comma now and then.
func (g *newsGen) words(n int) string {
	var b strings.Builder
	for i := range n {
		w := g.word()
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if i > 0 && i < n-2 && g.r.IntN(12) == 0 {
			b.WriteByte(',')
		}
	}
	return b.String()
}

// sentence returns a sentence of 10–30 words, sometimes a quotation.
func (g *newsGen) sentence() string {
	n := 10 + g.r.IntN(21)
	if g.r.IntN(10) == 0 {
		return `"` + g.words(n-2) + `," ` + benchSpeakers[g.r.IntN(len(benchSpeakers))] + " said."
	}
	return g.words(n) + "."
}

// article returns the i-th article: 3–12 paragraphs of 2–5 sentences,
// separated by blank lines, with an occasional heading.
func (g *newsGen) article(i int) corpus.Article {
	var b strings.Builder
	paras := 3 + g.r.IntN(10)
	for p := range paras {
		if p > 0 {
			b.WriteString("\n\n")
			if g.r.IntN(15) == 0 {
				b.WriteString(g.words(3 + g.r.IntN(5)))
				b.WriteString("\n\n")
			}
		}
		for s := range 2 + g.r.IntN(4) {
			if s > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(g.sentence())
		}
	}
	body := b.String()
	title := g.words(6 + g.r.IntN(5))
	sum := sha256.Sum256([]byte(title + "\x00" + body))
	published := g.date.AddDate(0, 0, i/8)
	return corpus.Article{
		ID:        fmt.Sprintf("%s-bench-%06d", published.Format(time.DateOnly), i),
		Title:     title,
		Published: published,
		Body:      body,
		Hash:      hex.EncodeToString(sum[:]),
	}
}

// query returns a question of 4–8 content words (no stop words) drawn with
// the corpus's word frequencies.
func (g *newsGen) query() string {
	n := 4 + g.r.IntN(5)
	ws := []string{}
	for len(ws) < n {
		w := g.vocab[g.zipf.Uint64()].text
		if IsStopword(strings.ToLower(w)) {
			continue
		}
		ws = append(ws, w)
	}
	return strings.Join(ws, " ") + "?"
}

// The vector benchmarks measure the distance to the machine's limit: at
// 10,000 and 100,000 chunks, for the local embedder's vectors and for a
// 1,024- and a 1,536-dimension model's (random normalised vectors, built
// on first use and shared by all four benchmarks of one size):
//
//	go test ./retrieval -run '^$' -bench '^BenchmarkVector' -benchtime=20x
//
// BenchmarkVectorFloor is the floor, the fastest plain scan of the vectors
// we can write; BenchmarkVectorQuery is the scan Search runs (scan.go);
// BenchmarkVectorSearch is Search itself in vector mode (the query
// embedding is a map lookup); BenchmarkVectorChromem is chromem-go's
// QueryEmbedding over the same vectors. Each reports x-floor: its time ÷
// the floor's on the same queries, the floor run once after each of its
// iterations, outside the timer, so that both see the same load (the
// machine is shared, and its speed drifts by 2× within a minute).

// vecBenchSizes are the numbers of chunks of the vector benchmarks.
var vecBenchSizes = []int{10_000, 100_000}

// vecBenchQueries is how many query vectors the vector benchmarks rotate through.
const vecBenchQueries = 10

// vecKey names one case of the vector benchmarks.
type vecKey struct{ n, dims int }

func (k vecKey) String() string { return fmt.Sprintf("dims=%d/chunks=%d", k.dims, k.n) }

var (
	vecMu   sync.Mutex
	vecData = map[vecKey]func() (*randIndex, error){}
)

// vecBenchKeys lists the cases: the local embedder's size, 1,024 and 1,536.
func vecBenchKeys() []vecKey {
	var keys []vecKey
	for _, d := range []int{NewLocalEmbedder(0).Identity().Dims, 1024, 1536} {
		for _, n := range vecBenchSizes {
			keys = append(keys, vecKey{n, d})
		}
	}
	return keys
}

// vecBenchData returns the random index of case k, built once.
func vecBenchData(b *testing.B, k vecKey) *randIndex {
	b.Helper()
	vecMu.Lock()
	f := vecData[k]
	if f == nil {
		f = sync.OnceValues(func() (*randIndex, error) {
			return buildRandIndex(k.n, k.dims, vecBenchQueries, uint64(k.n), true)
		})
		vecData[k] = f
	}
	vecMu.Unlock()
	start := time.Now()
	ri, err := f()
	if err != nil {
		b.Fatalf("vector bench data %v: %v", k, err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("built %v in %v", k, d.Round(time.Millisecond))
	}
	return ri
}

// benchVsFloor runs op(i) for b.N queries i, each followed, outside the
// timer, by the floor's scan of the same query, and reports x-floor: op's
// time over the floor's.
func benchVsFloor(b *testing.B, ri *randIndex, op func(q int)) {
	b.Helper()
	fl := newFloor(ri)
	for q := range ri.qv { // warm up both
		op(q)
		fl.scan(ri.qv[q])
	}
	runtime.GC()
	var floor time.Duration
	i := 0
	for b.Loop() {
		op(i % len(ri.qv))
		b.StopTimer()
		start := time.Now()
		fl.scan(ri.qv[i%len(ri.qv)])
		floor += time.Since(start)
		b.StartTimer()
		i++
	}
	b.ReportMetric(float64(b.Elapsed())/float64(floor), "x-floor")
}

// BenchmarkVectorFloor is the floor: the similarity of the query to every
// vector of one contiguous []float32, with the fastest plain Go kernel
// measured (dotUnrolled), split over all cores, written to a slice, nothing
// ranked.
func BenchmarkVectorFloor(b *testing.B) {
	for _, k := range vecBenchKeys() {
		b.Run(k.String(), func(b *testing.B) {
			ri := vecBenchData(b, k)
			fl := newFloor(ri)
			runtime.GC()
			i := 0
			for b.Loop() {
				fl.scan(ri.qv[i%len(ri.qv)])
				i++
			}
			b.ReportMetric(1, "x-floor")
		})
	}
}

// floor is the floor's scan over a randIndex's rows.
type floor struct {
	f    *flatVectors
	sims []float32
	per  int // rows per goroutine
}

func newFloor(ri *randIndex) *floor {
	n := ri.st.vec.Len()
	w := runtime.GOMAXPROCS(0)
	return &floor{f: ri.st.vec, sims: make([]float32, n), per: (n + w - 1) / w}
}

// scan computes the similarity of q to every row, on all cores.
func (fl *floor) scan(q []float32) {
	d, n := fl.f.dims, fl.f.Len()
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += fl.per {
		hi := min(lo+fl.per, n)
		wg.Go(func() {
			for r := lo; r < hi; r++ {
				fl.sims[r] = dotUnrolled(q, fl.f.data[r*d:(r+1)*d])
			}
		})
	}
	wg.Wait()
}

// dotUnrolled is the fastest plain Go dot product measured on the 2-core
// amd64 machine (unrolled by 8 into 4 sums; about as fast as dotRows4, and
// twice one running sum). Its sums are not chromem-go's to the bit.
func dotUnrolled(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		aa := a[i : i+8 : i+8]
		bb := b[i : i+8 : i+8]
		s0 += aa[0]*bb[0] + aa[4]*bb[4]
		s1 += aa[1]*bb[1] + aa[5]*bb[5]
		s2 += aa[2]*bb[2] + aa[6]*bb[6]
		s3 += aa[3]*bb[3] + aa[7]*bb[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// BenchmarkVectorQuery measures the scan Search runs: the top max(4k, 20)
// of the contiguous rows. MB-rows is their memory, the vectors' own:
// chromem-go's documents hold the same rows, so the scan costs no copy.
func BenchmarkVectorQuery(b *testing.B) {
	for _, k := range vecBenchKeys() {
		b.Run(k.String(), func(b *testing.B) {
			ri := vecBenchData(b, k)
			nres := max(4*benchK, 20)
			benchVsFloor(b, ri, func(q int) {
				if _, err := ri.st.vec.search(ri.qv[q], nres); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(ri.st.vec.Bytes())/1e6, "MB-rows")
		})
	}
}

// BenchmarkVectorSearch measures Search(ctx, q, 5) in vector mode: the
// query embedding (a map lookup here), the scan, fusion and the coverage
// judgement.
func BenchmarkVectorSearch(b *testing.B) {
	for _, k := range vecBenchKeys() {
		b.Run(k.String(), func(b *testing.B) {
			ri := vecBenchData(b, k)
			ctx := context.Background()
			benchVsFloor(b, ri, func(q int) {
				if _, err := ri.ix.Search(ctx, queryText(q), benchK); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkVectorChromem measures chromem-go's QueryEmbedding over the same
// vectors, for the same number of results as Search asks for.
func BenchmarkVectorChromem(b *testing.B) {
	for _, k := range vecBenchKeys() {
		b.Run(k.String(), func(b *testing.B) {
			ri := vecBenchData(b, k)
			ctx := context.Background()
			nres := max(4*benchK, 20)
			benchVsFloor(b, ri, func(q int) {
				if _, err := ri.st.col.QueryEmbedding(ctx, ri.qv[q], nres, nil, nil); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
