package answer

import (
	"context"
	"testing"
)

// BenchmarkAsk measures one extractive answer on the shipped corpus:
// retrieval, the features of every candidate sentence, the model.
func BenchmarkAsk(b *testing.B) {
	e := New(discard(), testIndex(&testing.T{}), nil, Options{})
	qs := []string{evacuationQ, "Which organization's paramedics helped the evacuees?", "What is the weather in Homs today?"}
	e.Ask(context.Background(), qs[0], nil) // load the lexicon outside the timing
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Ask(context.Background(), qs[i%len(qs)], nil); err != nil {
			b.Fatal(err)
		}
	}
}
