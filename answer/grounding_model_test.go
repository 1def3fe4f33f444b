package answer

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/llm/llmtest"
	"github.com/situationbot/bot/retrieval"
)

// fuzzedReplies is how many random model replies
// TestModelRepliesFuzzed sends through the fake OpenAI-compatible server.
const fuzzedReplies = 10000

// TestModelRepliesFuzzed sends random model replies (real and invented
// sentences, valid, invalid, nested and listed markers, uncited lines,
// cut-off streams) through the fake server and the real client, and checks
// every answer: no dangling or out-of-range marker, every source cited,
// every sentence cited, and every figure in a sentence found in a passage
// it cites (read with a simpler rule than the grounding check's).
func TestModelRepliesFuzzed(t *testing.T) {
	n := fuzzedReplies
	if testing.Short() || raceEnabled {
		n = 1000
	}
	srv := llmtest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	rng := rand.New(rand.NewSource(1))
	srv.SetChatFunc(func(llmtest.ChatRequest) llmtest.Reply {
		mu.Lock()
		defer mu.Unlock()
		r := llmtest.Reply{Content: fuzzedReply(rng)}
		if rng.Intn(20) == 0 {
			r.FinishReason = "length" // cut at the token cap
		}
		return r
	})
	e := modelEngine(t, srv)
	questions := []string{evacuationQ, "What did Mekdad say about the women and children of Homs?", "When were the Geneva talks adjourned?"}
	// Retrieval is the same for every reply to a question: done once.
	passages := make([][]retrieval.Passage, len(questions))
	for i, q := range questions {
		ps, err := e.search.Search(context.Background(), q, e.k)
		if err != nil {
			t.Fatal(err)
		}
		passages[i] = ps
	}
	anyMarker := regexp.MustCompile(`\[\s*\d`)
	for i := 0; i < n; i++ {
		q := i % len(questions)
		a, err := e.askModel(context.Background(), questions[q], passages[q], nil)
		if errors.Is(err, llm.ErrTruncated) {
			continue // cut before its first sentence ended: Ask falls back to quoting
		}
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		a.Passages = passages[q]
		a = asOf(a)
		if a.Refused || a.Mode != ModeLLM {
			continue
		}
		if got, want := len(anyMarker.FindAllString(a.Text, -1)), len(citeRe.FindAllString(a.Text, -1)); got != want {
			t.Fatalf("reply %d: %q has %d bracketed numbers, %d of them markers", i, a.Text, got, want)
		}
		checkCitations(t, a)
		claims, _, _ := strings.Cut(a.Text, "\n\n(A newer article") // the note is not a claim
		for _, line := range claimSentences(claims) {
			for _, s := range line {
				ns := Citations(s)
				if len(ns) == 0 {
					t.Fatalf("reply %d: sentence %q of %q has no citation", i, s, a.Text)
				}
				for _, fig := range figureRe.FindAllString(citeRe.ReplaceAllString(s, ""), -1) {
					found := false
					for _, k := range ns {
						found = found || strings.Contains(a.Sources[k-1].Quote, fig)
					}
					if !found {
						t.Fatalf("reply %d: %q in %q is in none of its sources", i, fig, s)
					}
				}
			}
		}
	}
}

// fuzzedReply makes a random model reply from the corpus's own sentences
// and invented ones, with markers of every shape.
func fuzzedReply(rng *rand.Rand) string {
	sentences := []string{
		"The government said 58 people were evacuated Friday",
		"The civilians had endured a crushing blockade for more than a year",
		"Talks were adjourned until Feb. 10",
		"Mekdad said the government would let women and children leave",
		"Officials promised 400 tons of food",
		"Kofi Annan praised the deal",
		"About 2,500 civilians remain trapped",
		"The U.N. said 83 people left",
		"NOT_FOUND",
		"See [here](http://example.com)",
	}
	markers := []string{"[1]", "[2]", "[3]", "[4]", "[5]", "[0]", "[9]", "[12]", "[1, 2]", "[2][9]", "[[9]3]", "[[0]0]", "[ 3 ; 7 ]", "[99999]", "[", "]", "", ""}
	var b strings.Builder
	for k := rng.Intn(6) + 1; k > 0; k-- {
		b.WriteString(sentences[rng.Intn(len(sentences))])
		m := markers[rng.Intn(len(markers))]
		switch rng.Intn(3) {
		case 0:
			b.WriteString(" " + m + ".")
		case 1:
			b.WriteString(". " + m)
		default:
			b.WriteString(m + ".")
		}
		switch rng.Intn(8) {
		case 0:
			b.WriteString("\n\n")
		case 1:
			b.WriteString("\n")
		default:
			b.WriteString(" ")
		}
	}
	if rng.Intn(10) == 0 {
		fmt.Fprintf(&b, "And then %d", rng.Intn(100)) // cut off mid-sentence
	}
	return b.String()
}

// TestModelAnswerGrounded: a model answer whose sentences are uncited, or
// cite a passage without their figure, is reduced to the supported ones,
// and the source's excerpt is the passage's sentence holding the fact.
func TestModelAnswerGrounded(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	e := modelEngine(t, srv)
	n := passageWith(t, e, evacuationQ, "58 people")
	srv.Enqueue(llmtest.Reply{Content: fmt.Sprintf("The government said 58 people were evacuated from Homs on Friday [%d]. Officials promised more aid. Another 85 people left on Saturday [%d].", n, n)})
	var shown strings.Builder
	a, err := e.Ask(context.Background(), evacuationQ, func(d string) { shown.WriteString(d) })
	if err != nil || a.Refused {
		t.Fatalf("Ask = %+v, %v", a, err)
	}
	if a.Text != "The government said 58 people were evacuated from Homs on Friday [1]." || len(a.Sources) != 1 {
		t.Errorf("answer %q with %d sources; want the first sentence only", a.Text, len(a.Sources))
	}
	if len(a.Removed) != 2 || a.Kept != 1 {
		t.Errorf("removed %q, kept %d; want the two unsupported sentences removed", a.Removed, a.Kept)
	}
	if !strings.Contains(a.Sources[0].Excerpt, "58 people") || len(a.Sources[0].Excerpt) >= len(a.Sources[0].Quote) {
		t.Errorf("excerpt %q: want the passage's sentence with the figure", a.Sources[0].Excerpt)
	}
	if shown.String() != a.Text {
		t.Errorf("streamed %q, answer %q: the stream showed text the answer does not keep", shown.String(), a.Text)
	}
}

// TestNotFoundOnlyAtTheStart: a NOT_FOUND after a grounded sentence does
// not turn the answer into a refusal the stream has already contradicted.
func TestNotFoundOnlyAtTheStart(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	e := modelEngine(t, srv)
	n := passageWith(t, e, evacuationQ, "58 people")
	srv.Enqueue(llmtest.Reply{Content: fmt.Sprintf("The government said 58 people were evacuated [%d]. NOT_FOUND", n)})
	var shown strings.Builder
	a, err := e.Ask(context.Background(), evacuationQ, func(d string) { shown.WriteString(d) })
	if err != nil || a.Refused || a.Text != "The government said 58 people were evacuated [1]." || shown.String() != a.Text {
		t.Errorf("Ask = %q (refused %t), streamed %q, %v", a.Text, a.Refused, shown.String(), err)
	}
}
