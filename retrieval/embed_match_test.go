package retrieval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// matchTexts returns a varied set of texts for comparing the embedder with
// refVector: generated news chunks and questions, the real articles and
// their chunks, the eval questions, odd cases (empty, punctuation,
// initialisms, numbers with separators, apostrophes, non-ASCII, single
// letters) and a very long text.
func matchTexts(t testing.TB, generated int) []string {
	t.Helper()
	texts := []string{
		"", " ", "\n\n", ".,;!?", "a", "A b c x y z", "1 2 3 42", "I", "s",
		"The U.N. and the U.S. met; U.N.-backed talks.", "2,500 people, 1,200,000 dollars, 3,4 and 12,",
		"Syria's army, the rebels' town, don't, won’t, O'Neill, rock 'n' roll, Homs’s siege",
		"three-year-old well-known co-operate -- e-mail",
		"Ḥimṣ Zürich naïve café İstanbul ǅemal ΣΊΣΥΦΟΣ Ελλάδα 東京 Москва 北京市 ١٢٣ ४२ Ⅻ",
		"émigré Œuvre straße STRASSE ﬁnance ǈ ǋ ß ẞ",
		"🙂 emoji 🚀 text ✓ ★",
		"3rd 2014-02-07 1990s 10am 5km x2 24/7 9/11 1.5 0.25 -7 +3 1e9",
		"Homs Homs Homs homs HOMS", "the the the of of and", "ran run running runs runner",
		"evacuees evacuated evacuation", "truce ceasefire", "Xyzzyq plugh",
		"How many people were killed?", "Who is Lakhdar Brahimi?", "What did the U.N. say about 2,500 refugees?",
		strings.Repeat("word ", 3) + "\x00\xff\xfe invalid utf8 \xc3\x28",
	}
	for _, a := range loadCorpus(t) {
		texts = append(texts, a.Title, a.Body)
		for _, c := range Split(a, DefaultSplitOptions) {
			texts = append(texts, c.EmbedText())
		}
	}
	files, _ := filepath.Glob("../eval/*.jsonl")
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var q struct{ Question string }
			if json.Unmarshal(sc.Bytes(), &q) == nil && q.Question != "" {
				texts = append(texts, q.Question)
			}
		}
		f.Close()
	}
	g := newNewsGen(7)
	var long strings.Builder
	for i := 0; len(texts) < generated+200; i++ {
		a := g.article(i)
		if i < 20 {
			long.WriteString(a.Body)
			long.WriteString("\n\n")
		}
		for _, c := range Split(a, DefaultSplitOptions) {
			texts = append(texts, c.EmbedText())
		}
		texts = append(texts, g.query())
	}
	return append(texts, long.String())
}

// TestLocalEmbedderMatchesReference checks that the embedder's vectors are
// bit for bit those of the reference implementation (embed_ref_test.go),
// for several dimensions, in Sync's batches and in one large batch.
func TestLocalEmbedderMatchesReference(t *testing.T) {
	n := 3000
	if raceEnabled || testing.Short() {
		n = 300
	}
	texts := matchTexts(t, n)
	ctx := context.Background()
	for _, dims := range []int{0, 256, 1} {
		e := NewLocalEmbedder(dims)
		want := make([][]float32, len(texts))
		for i, s := range texts {
			want[i] = refVector(e, s, nil, nil)
		}
		check := func(name string, got [][]float32, off int) {
			t.Helper()
			for j, v := range got {
				i := off + j
				if !equalBits(v, want[i]) {
					t.Fatalf("dims %d, %s: text %d (%.60q) differs from the reference%s", dims, name, i, texts[i], firstDiff(v, want[i]))
				}
			}
		}
		for pass := range 2 { // the second pass meets the words again
			for i := 0; i < len(texts); i += 64 {
				got, err := e.Embed(ctx, texts[i:min(i+64, len(texts))])
				if err != nil {
					t.Fatal(err)
				}
				check(fmt.Sprintf("pass %d", pass), got, i)
			}
		}
		got, err := e.Embed(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		check("one batch", got, 0)
	}
}

func firstDiff(a, b []float32) string {
	if len(a) != len(b) {
		return fmt.Sprintf(": length %d, want %d", len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return fmt.Sprintf(": [%d] = %v, want %v", i, a[i], b[i])
		}
	}
	return ""
}

// TestLocalEmbedderEvicting checks that the vectors do not depend on what
// the word cache holds: with a cache of a word or two per shard, which
// drops words all the time, several concurrent Embed calls still match the
// reference.
func TestLocalEmbedderEvicting(t *testing.T) {
	texts := matchTexts(t, 100)
	e := NewLocalEmbedder(0)
	e.words = newWordCache(e.sif, 2*wordCacheShards)
	want := make([][]float32, len(texts))
	for i, s := range texts {
		want[i] = refVector(e, s, nil, nil)
	}
	embedFromGoroutines(t, e, texts, want, 16, 64, 64)
}

// embedFromGoroutines has four goroutines embed texts with e at once,
// goroutine g in batches of batch texts from g*shift on, every step, and
// checks each vector against want, bit for bit.
func embedFromGoroutines(t *testing.T, e *LocalEmbedder, texts []string, want [][]float32, shift, step, batch int) {
	t.Helper()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g * shift; i < len(texts); i += step {
				got, err := e.Embed(context.Background(), texts[i:min(i+batch, len(texts))])
				if err != nil {
					t.Error(err)
					return
				}
				for j, v := range got {
					if !equalBits(v, want[i+j]) {
						t.Errorf("text %d (%.60q) differs from the reference%s", i+j, texts[i+j], firstDiff(v, want[i+j]))
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
