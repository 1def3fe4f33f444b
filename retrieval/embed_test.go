package retrieval

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/situationbot/bot/internal/golden"
	"github.com/situationbot/bot/lexicon"
)

func TestLocalEmbedder(t *testing.T) {
	if got := NewLocalEmbedder(0).Identity(); got != (Identity{"local", LocalModel, 356}) {
		t.Errorf("NewLocalEmbedder(0).Identity() = %v, want local/%s/356", got, LocalModel)
	}
	e := NewLocalEmbedder(256)
	vs, err := e.Embed(context.Background(), []string{"Civilians were evacuated from Homs.", "Civilians were evacuated from Homs.", "", "Pizza recipe", "1,200 42", "Xyzzyq"})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if len(v) != 256 || n < 0.999 || n > 1.001 {
			t.Errorf("vector %d: len %d, squared norm %f; want 256, 1", i, len(v), n)
		}
	}
	if dot(vs[0], vs[1]) < 0.9999 {
		t.Error("same text embedded differently")
	}
	related, _ := e.Embed(context.Background(), []string{"evacuees left Homs"})
	if dot(vs[0], related[0]) <= dot(vs[0], vs[3]) {
		t.Errorf("related text (%.3f) not closer than unrelated (%.3f)", dot(vs[0], related[0]), dot(vs[0], vs[3]))
	}
}

// TestLocalEmbedderMeaning checks that the semantic block brings texts
// that share no word, only meaning, closer than unrelated ones.
func TestLocalEmbedderMeaning(t *testing.T) {
	tests := []struct {
		text, near, far string
	}{
		{"The truce held", "ceasefire agreed", "pizza recipe"},
		{"Civilians were evacuated from the besieged city", "residents fled the siege", "the football season opened"},
		{"The envoy met the delegation", "the mediator held talks with negotiators", "a recipe for chocolate cake"},
		{"How many people were killed?", "dozens died in the shelling", "the price of bread rose"},
	}
	e := NewLocalEmbedder(0)
	for _, tc := range tests {
		vs, err := e.Embed(context.Background(), []string{tc.text, tc.near, tc.far})
		if err != nil {
			t.Fatal(err)
		}
		if near, far := dot(vs[0], vs[1]), dot(vs[0], vs[2]); near <= far {
			t.Errorf("%q: %q scores %.3f, not above %q at %.3f", tc.text, tc.near, near, tc.far, far)
		}
	}
}

// TestLocalEmbedderDeterministic checks that a text embeds to the same bits
// alone or in a batch, in any position, concurrently, and with a common
// component computed afresh.
func TestLocalEmbedderDeterministic(t *testing.T) {
	var texts []string
	for _, a := range loadCorpus(t) {
		for _, c := range Split(a, DefaultSplitOptions) {
			texts = append(texts, c.EmbedText())
		}
	}
	texts = append(texts, "The truce held.", "", "1,200 people", "Homs Homs Homs")
	e := NewLocalEmbedder(0)
	ctx := context.Background()
	want := make([][]float32, len(texts))
	for i, s := range texts {
		vs, err := e.Embed(ctx, []string{s})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = vs[0]
	}
	// Reversed and repeated, so that each text meets other words first
	// and the batch spreads over several workers.
	var batch []string
	for range 4 {
		for i := len(texts) - 1; i >= 0; i-- {
			batch = append(batch, texts[i])
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.Embed(ctx, batch)
			if err != nil {
				t.Error(err)
				return
			}
			for j, v := range got {
				i := len(texts) - 1 - j%len(texts)
				if !equalBits(v, want[i]) {
					t.Errorf("text %d embedded in a batch differs from alone", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	fresh := newSIF(lexicon.Default(), commonWords())
	for i, x := range fresh.common {
		if math.Float64bits(x) != math.Float64bits(defaultSIF().common[i]) {
			t.Fatalf("common component computed twice differs at %d: %v, %v", i, x, defaultSIF().common[i])
		}
	}
}

// TestLocalEmbedderGolden pins the similarities of a few texts, rounded: a
// change here changes the vectors, and LocalModel must be bumped so that
// snapshots are rebuilt. Refresh with:
// go test ./retrieval -run TestLocalEmbedderGolden -update
func TestLocalEmbedderGolden(t *testing.T) {
	texts := []string{
		"The truce held.",
		"A ceasefire was agreed in Homs.",
		"Civilians were evacuated from the Old City of Homs on Friday.",
		"The UN envoy Lakhdar Brahimi met both delegations in Geneva.",
		"1,200 people left; 58 on the first day.",
		"Pizza recipe",
	}
	vs, err := NewLocalEmbedder(0).Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", NewLocalEmbedder(0).Identity())
	for i := range texts {
		for j := i + 1; j < len(texts); j++ {
			fmt.Fprintf(&b, "%.3f  %q  %q\n", dot(vs[i], vs[j]), texts[i], texts[j])
		}
	}
	golden.Check(t, filepath.Join("testdata", "local-embedder.golden"), b.String())
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
