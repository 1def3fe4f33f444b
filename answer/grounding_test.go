package answer

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/prompts"
	"github.com/situationbot/bot/retrieval"
)

var (
	pub7Feb = time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC)
	govEv   = newEvidence("The government said 58 people — all of them women, children and elderly — were evacuated Friday from Syria's Homs. The talks were adjourned until Feb. 10, U.N. mediator Lakhdar Brahimi said.", "Civilians evacuated from Homs", pub7Feb)
	unEv    = newEvidence("The United Nations said 83 people had left the Old City by Saturday.", "UN gives higher count", pub7Feb.AddDate(0, 0, 1))
)

func TestGround(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		want        string
		wantRemoved []string
	}{
		{"uncited sentence removed",
			"Fifty-eight people were evacuated from Homs on Friday [1]. Officials promised more aid.",
			"Fifty-eight people were evacuated from Homs on Friday [1].",
			[]string{"Officials promised more aid."}},
		{"number the cited passage lacks",
			"The government said 85 people were evacuated [1]. The talks were adjourned [1].",
			"The talks were adjourned [1].",
			[]string{"The government said 85 people were evacuated [1]."}},
		{"number from the other passage cited",
			"The government said 83 people were evacuated [1].",
			"",
			[]string{"The government said 83 people were evacuated [1]."}},
		{"each fact from one of the cited passages",
			"The government said 58 left; the United Nations later said 83 [1][2].",
			"The government said 58 left; the United Nations later said 83 [1][2].", nil},
		{"dates in other words",
			"The talks were adjourned until 10 February 2014 [1].",
			"The talks were adjourned until 10 February 2014 [1].", nil},
		{"the publication date is evidence",
			"On Friday, 7 Feb, 58 people left [1].",
			"On Friday, 7 Feb, 58 people left [1].", nil},
		{"a name the passage lacks",
			"Mediator Kofi Annan said the talks were adjourned [1].",
			"",
			[]string{"Mediator Kofi Annan said the talks were adjourned [1]."}},
		{"a demonym of a name in the passage, an initialism",
			"The U.N. mediator Brahimi said the Syrian talks were adjourned [1].",
			"The U.N. mediator Brahimi said the Syrian talks were adjourned [1].", nil},
		{"invalid citation only",
			"Fifty-eight people left [7].",
			"",
			[]string{"Fifty-eight people left."}},
		{"marker after the full stop",
			"Fifty-eight people left. [1] More were trapped.",
			"Fifty-eight people left. [1]",
			[]string{"More were trapped."}},
		{"paragraphs kept, emptied lines dropped",
			"Fifty-eight people left [1].\n\nOfficials promised aid.\n\nThe U.N. counted 83 [2].",
			"Fifty-eight people left [1].\n\nThe U.N. counted 83 [2].",
			[]string{"Officials promised aid."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := ground(tc.in, []*evidence{govEv, unEv})
			if g.text != tc.want || !reflect.DeepEqual(g.removed, tc.wantRemoved) {
				t.Errorf("ground(%q) = %q, removed %q; want %q, removed %q", tc.in, g.text, g.removed, tc.want, tc.wantRemoved)
			}
		})
	}
}

func TestCheckCitedExcerpts(t *testing.T) {
	sources := []Source{
		{N: 1, Title: "Civilians evacuated from Homs", Published: pub7Feb, Quote: "Over the past year, the government regained much of the city. The government said 58 people were evacuated Friday. Many appeared frail."},
		{N: 2, Title: "Unused", Published: pub7Feb, Quote: "Something else entirely."},
		{N: 3, Title: "UN gives higher count", Published: pub7Feb, Quote: "Aid workers arrived. The United Nations said 83 people had left by Saturday."},
	}
	c := checkCited("The government counted 58 evacuees [1]; the United Nations later said 83 [3]. Nobody else spoke, Annan said [2].", sources)
	if c.text != "The government counted 58 evacuees [1]; the United Nations later said 83 [2]." || len(c.sources) != 2 {
		t.Fatalf("checkCited = %q with %d sources", c.text, len(c.sources))
	}
	if c.sources[0].Excerpt != "The government said 58 people were evacuated Friday." || c.sources[1].Excerpt != "The United Nations said 83 people had left by Saturday." {
		t.Errorf("excerpts = %q, %q; want the sentences holding the figures", c.sources[0].Excerpt, c.sources[1].Excerpt)
	}
	if c.sources[1].N != 2 || c.sources[1].Title != "UN gives higher count" {
		t.Errorf("second source = %+v, want the third renumbered 2", c.sources[1])
	}
}

// TestCheckedStream: whatever the pieces, what is shown while streaming is
// checked text only, and the answer starts with it.
func TestCheckedStream(t *testing.T) {
	reply := "The government said 58 people were evacuated [1][9]. Officials promised more aid. The talks were adjourned until Feb. 10 [1].\n\nThe United Nations said 83 people had left [2]. A cat said 7 [2]."
	want := "The government said 58 people were evacuated [1]. The talks were adjourned until Feb. 10 [1].\n\nThe United Nations said 83 people had left [2]."
	for _, size := range []int{1, 2, 3, 7, 16, 1000} {
		var shown strings.Builder
		var seen []string
		add, flush := checkedStream([]*evidence{govEv, unEv}, func(d string) {
			shown.WriteString(d)
			seen = append(seen, shown.String())
		})
		for i := 0; i < len(reply); i += size {
			add(reply[i:min(i+size, len(reply))])
		}
		for _, s := range seen {
			if !strings.HasPrefix(want, s) {
				t.Fatalf("pieces of %d: showed %q, not a prefix of the checked answer %q", size, s, want)
			}
		}
		flush(reply)
		if shown.String() != want {
			t.Errorf("pieces of %d: shown in the end %q, want %q", size, shown.String(), want)
		}
	}
}

func TestCompleteSentences(t *testing.T) {
	for in, want := range map[string]string{
		"Fifty-eight left [1]. Then the buses":          "Fifty-eight left [1].",
		"Fifty-eight left [1]. Then the buses left [2]": "Fifty-eight left [1].",
		"He said \"go.\" [1]":                           "He said \"go.\" [1]",
		"Unfinished":                                    "",
	} {
		if got := completeSentences(in); got != want {
			t.Errorf("completeSentences(%q) = %q, want %q", in, got, want)
		}
	}
}

// dirEngine is an extractive engine over the articles in dir.
func dirEngine(t *testing.T, dir string) *Engine {
	t.Helper()
	arts, errs, err := corpus.Load(os.DirFS(dir))
	if err != nil || len(errs) > 0 {
		t.Fatalf("load %s: %v %v", dir, err, errs)
	}
	ix := retrieval.Open(discard(), retrieval.NewLocalEmbedder(0), "", retrieval.Options{})
	if _, err := ix.Sync(context.Background(), arts, nil); err != nil {
		t.Fatal(err)
	}
	return New(discard(), ix, nil, Options{})
}

// TestArticleMarkersNotCitations: an article's own bracketed numbers are
// not quoted as if they were the answer's citations.
func TestArticleMarkersNotCitations(t *testing.T) {
	a, err := dirEngine(t, "testdata/markers").Ask(context.Background(), "How many trucks were in the convoy that reached the Old City of Homs?", nil)
	if err != nil || a.Refused {
		t.Fatalf("Ask = %+v, %v", a, err)
	}
	if !strings.Contains(a.Text, "11 trucks") || strings.Contains(a.Text, "[6]") || strings.Contains(a.Text, "[2]") || len(a.Sources) != 1 {
		t.Errorf("answer %q with %d sources; want the convoy sentence cited [1] only", a.Text, len(a.Sources))
	}
	if strings.Contains(a.Sources[0].Excerpt, "[") {
		t.Errorf("excerpt %q keeps the article's markers", a.Sources[0].Excerpt)
	}
}

// TestDisagreementOnWho: two articles name different people for the same
// role; the answer gives both, cited, and says the articles differ.
func TestDisagreementOnWho(t *testing.T) {
	a, err := dirEngine(t, "testdata/disagree-who").Ask(context.Background(), "Who led the government delegation at the first direct meeting in Geneva?", nil)
	if err != nil || a.Refused {
		t.Fatalf("Ask = %+v, %v", a, err)
	}
	if !strings.Contains(a.Text, "Moallem") || !strings.Contains(a.Text, "Jaafari") || !strings.Contains(a.Text, "The articles differ") || len(a.Sources) != 2 {
		t.Errorf("answer %q with %d sources; want both names, each cited, and that they differ", a.Text, len(a.Sources))
	}
}

// TestAsOfTheCitedArticle: an answer about the present is dated by the
// article it cites, and a newer article on the same subject is pointed
// out.
func TestAsOfTheCitedArticle(t *testing.T) {
	a, err := dirEngine(t, "testdata/newer").Ask(context.Background(), "How many people have been evacuated from the old city of Homs so far?", nil)
	if err != nil || a.Refused {
		t.Fatalf("Ask = %+v, %v", a, err)
	}
	if !strings.HasPrefix(a.Text, "As of 7 Feb 2014, the date of the article it comes from: ") || !strings.Contains(a.Text, "58") {
		t.Errorf("answer %q: want it dated by the cited article", a.Text)
	}
	if a.Newer == nil || a.Newer.ArticleID != "2014-02-10-evacuation-continues" || !strings.Contains(a.Text, "A newer article, “Evacuation of Homs continues” of 10 Feb 2014, also covers this") {
		t.Errorf("answer %q, newer %+v: want the newer article pointed out", a.Text, a.Newer)
	}
}

func TestDefused(t *testing.T) {
	if got := prompts.DefuseCitations("UN says 500 left [4] [1, 2]"); got != "UN says 500 left (4) (1, 2)" || len(Citations(got)) != 0 {
		t.Errorf("defused = %q", got)
	}
}
