package answer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/internal/golden"
	"github.com/situationbot/bot/llm/llmtest"
	"github.com/situationbot/bot/retrieval"
)

// TestSummaryAndTimelineGolden pins the extractive summary and timeline of
// the shipped articles. Refresh with: go test ./answer -run Golden -update
func TestSummaryAndTimelineGolden(t *testing.T) {
	e := New(discard(), testIndex(t), nil, Options{})
	ctx := context.Background()
	s, err := e.Summarize(ctx, OverviewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "summary.golden"), s.Text+"\n"+renderSources(s.Sources))
	if len(s.Sources) != 2 || strings.Count(s.Text, "[1]")+strings.Count(s.Text, "[2]") == 0 {
		t.Errorf("summary cites %d articles, want both", len(s.Sources))
	}
	if words := len(strings.Fields(s.Text)); words > summaryWords+20 {
		t.Errorf("summary has %d words", words)
	}
	tl, err := e.Timeline(ctx, OverviewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "timeline.golden"), TimelineText(tl)+"\n"+renderSources(tl.Sources))
	for i := 1; i < len(tl.Events); i++ {
		if tl.Events[i].Date.Before(tl.Events[i-1].Date) {
			t.Errorf("events out of order at %d", i)
		}
	}
	// The three events every reader of this story needs, at their dates,
	// cited to the right article.
	want := []struct {
		date, words, article string
	}{
		{"2014-02-07", "evacuated Friday", "2014-02-07-civilians-evacuated-from-homs"},
		{"2014-01-26", "offered to let women and children leave", "2014-01-26-syria-talks-offer-exit-from-homs-siege"},
		{"2014-02-10", "adjourned until Feb. 10", "2014-02-07-civilians-evacuated-from-homs"},
	}
	for _, w := range want {
		found := false
		for _, ev := range tl.Events {
			if ev.Date.Format(corpus.DateLayout) == w.date && strings.Contains(ev.Text, w.words) && tl.Sources[ev.Source-1].ArticleID == w.article {
				found = true
			}
		}
		if !found {
			t.Errorf("timeline lacks %q on %s cited to %s", w.words, w.date, w.article)
		}
	}
}

func renderSources(src []Source) string {
	var b strings.Builder
	for _, s := range src {
		b.WriteString("[" + string(rune('0'+s.N)) + "] " + s.ArticleID + "\n")
	}
	return b.String()
}

func TestOverviewScope(t *testing.T) {
	e := New(discard(), testIndex(t), nil, Options{})
	ctx := context.Background()
	s, _ := e.Summarize(ctx, OverviewOptions{Since: time.Date(2014, 2, 1, 0, 0, 0, 0, time.UTC)})
	if s.Refused || len(s.Sources) != 1 || s.Sources[0].ArticleID != "2014-02-07-civilians-evacuated-from-homs" {
		t.Errorf("summary since 1 Feb = %+v", s)
	}
	s, _ = e.Summarize(ctx, OverviewOptions{Since: time.Date(2014, 3, 1, 0, 0, 0, 0, time.UTC)})
	if !s.Refused || !strings.Contains(s.Text, "7 Feb 2014") {
		t.Errorf("summary since 1 Mar = %+v", s)
	}
	s, _ = e.Summarize(ctx, OverviewOptions{Topic: "Aleppo prison"})
	if s.Refused || !strings.Contains(s.Text, "Aleppo") || strings.Contains(s.Text, "Mekdad") {
		t.Errorf("summary of the Aleppo prison = %q", s.Text)
	}
	s, _ = e.Summarize(ctx, OverviewOptions{Topic: "football results"})
	if !s.Refused {
		t.Errorf("summary of an absent topic = %q", s.Text)
	}
}

func TestAsOfNote(t *testing.T) {
	e := New(discard(), testIndex(t), nil, Options{})
	a, err := e.Ask(context.Background(), "Who is the spokeswoman of the US State Department now?", nil)
	if err != nil || !strings.HasPrefix(a.Text, "As of 7 Feb 2014, the date of the article it comes from: ") || !strings.Contains(a.Text, "Psaki") {
		t.Errorf("answer about now = %q, %v", a.Text, err)
	}
	a, _ = e.Ask(context.Background(), "Who is the spokeswoman of the US State Department?", nil)
	if strings.HasPrefix(a.Text, "As of") {
		t.Errorf("answer not about now has the note: %q", a.Text)
	}
}

// TestSummaryMapReduceCache counts model calls: articles + 1 the first
// time, 1 the second, 2 after one article changes.
func TestSummaryMapReduceCache(t *testing.T) {
	ctx := context.Background()
	arts, _, err := corpus.Load(os.DirFS("../corpus"))
	if err != nil {
		t.Fatal(err)
	}
	ix := retrieval.Open(discard(), retrieval.NewLocalEmbedder(0), "", retrieval.Options{})
	if _, err := ix.Sync(ctx, arts, nil); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.NewServer()
	defer srv.Close()
	dataDir := t.TempDir()
	e := New(discard(), ix, modelClient(srv), Options{DataDir: dataDir})
	seen := 0
	calls := func() int {
		s, err := e.Summarize(ctx, OverviewOptions{})
		if err != nil || s.Refused || s.Mode != ModeLLM || len(s.Sources) == 0 {
			t.Fatalf("Summarize = %+v, %v", s, err)
		}
		n := srv.ChatCalls() - seen
		seen += n
		return n
	}
	if got := calls(); got != len(arts)+1 {
		t.Errorf("first summary: %d calls, want %d", got, len(arts)+1)
	}
	if got := calls(); got != 1 {
		t.Errorf("second summary: %d calls, want 1", got)
	}
	// A new engine (a restart) reads the cache from DATA_DIR.
	e = New(discard(), ix, modelClient(srv), Options{DataDir: dataDir})
	if got := calls(); got != 1 {
		t.Errorf("after a restart: %d calls, want 1", got)
	}
	changed := append([]corpus.Article(nil), arts...)
	changed[0].Body += "\n\nA new paragraph was added."
	changed[0].Hash = "changed"
	if _, err := ix.Sync(ctx, changed, nil); err != nil {
		t.Fatal(err)
	}
	if got := calls(); got != 2 {
		t.Errorf("after one article changed: %d calls, want 2", got)
	}
}

// TestModelOverviewsNeedCitations: a model summary or timeline that cites
// nothing valid is not shown as if it were cited.
func TestModelOverviewsNeedCitations(t *testing.T) {
	ctx := context.Background()
	srv := llmtest.NewServer()
	defer srv.Close()
	e := New(discard(), testIndex(t), modelClient(srv), Options{})
	srv.Enqueue(llmtest.Reply{Content: "Article one summary."}, llmtest.Reply{Content: "Article two summary."}, llmtest.Reply{Content: "Things happened [7]."})
	s, err := e.Summarize(ctx, OverviewOptions{})
	if err != nil || s.Mode != ModeExtractive || !s.Fallback || strings.Contains(s.Text, "[7]") || len(s.Sources) == 0 {
		t.Errorf("summary with an uncited model output = %+v, %v", s, err)
	}
	srv.Enqueue(llmtest.Reply{Content: "2014-02-07 | Evacuation, without citation\nnot a line [1]"})
	tl, err := e.Timeline(ctx, OverviewOptions{})
	if err != nil || tl.Mode != ModeExtractive || !tl.Fallback {
		t.Errorf("timeline with an uncited model output: mode %s fallback %t, %v", tl.Mode, tl.Fallback, err)
	}
	srv.Enqueue(llmtest.Reply{Content: "2014-02-07 | The government said 58 people were evacuated [2]\n2014-01-26 | The government offered to let women and children leave [1]\n2014-02-09 | Invented [9]\nnoise"})
	tl, err = e.Timeline(ctx, OverviewOptions{})
	if err != nil || tl.Mode != ModeLLM || len(tl.Events) != 2 || len(tl.Sources) != 2 {
		t.Fatalf("model timeline = %+v, %v", tl, err)
	}
	if tl.Events[0].Date.Format(corpus.DateLayout) != "2014-01-26" || tl.Sources[tl.Events[0].Source-1].ArticleID != "2014-01-26-syria-talks-offer-exit-from-homs-siege" {
		t.Errorf("first event %+v cites %s", tl.Events[0], tl.Sources[tl.Events[0].Source-1].ArticleID)
	}
	// A model summary keeps only its grounded sentences, and its sources
	// quote the article, not the model's summary of it ([1] is the newest
	// article, 7 Feb).
	srv.Enqueue(llmtest.Reply{Content: "Article one summary."}, llmtest.Reply{Content: "Article two summary."},
		llmtest.Reply{Content: "The government said 58 people were evacuated [1]. Officials promised 900 trucks of aid [1]."})
	s, err = New(discard(), testIndex(t), modelClient(srv), Options{}).Summarize(ctx, OverviewOptions{})
	if err != nil || s.Mode != ModeLLM || s.Text != "The government said 58 people were evacuated [1]." || len(s.Removed) != 1 {
		t.Fatalf("model summary = %q removed %q (mode %s), %v; want the grounded sentence only", s.Text, s.Removed, s.Mode, err)
	}
	if ex := s.Sources[0].Excerpt; !strings.Contains(ex, "58 people") || strings.Contains(ex, "summary") {
		t.Errorf("summary source excerpt = %q, want the article's sentence with the figure", ex)
	}
}
