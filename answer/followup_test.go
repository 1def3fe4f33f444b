package answer

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/situationbot/bot/llm/llmtest"
)

var history = []Turn{
	{Question: "What did Mekdad offer?", Answer: "He offered to let women and children leave [1]."},
	{Question: evacuationQ, Answer: "The government said 58 people were evacuated Friday [1]."},
}

const homsQ = "How many people were evacuated from Homs on Friday?"

func TestCondenseWithoutModel(t *testing.T) {
	e := New(discard(), testIndex(t), nil, Options{})
	got, err := e.Condense(context.Background(), history, "And who said so?")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "And who said so?") || !strings.Contains(got, evacuationQ) {
		t.Errorf("Condense = %q, want the follow-up joined with the previous question", got)
	}
	// The combined question is answerable: it keeps the subject.
	a, err := e.Ask(context.Background(), got, nil)
	if err != nil || a.Refused || !strings.Contains(a.Text, "government") {
		t.Errorf("Ask(%q) = %+v, %v", got, a, err)
	}
	if _, err := e.Condense(context.Background(), history, "   "); err == nil {
		t.Error("Condense of an empty follow-up: want error")
	}
}

// turns makes a conversation of questions, each with a placeholder answer.
func turns(questions ...string) []Turn {
	var out []Turn
	for _, q := range questions {
		out = append(out, Turn{Question: q, Answer: "An answer [1]."})
	}
	return out
}

func TestCondenseCombines(t *testing.T) {
	long := strings.Repeat("Homs evacuation ceasefire convoy ", 40) + "?" // about 1,300 runes
	tests := []struct {
		name     string
		history  []Turn
		followUp string
		want     string   // when set, the exact result
		contains []string // else, what it must hold after the follow-up
		lacks    []string
	}{
		{
			name:     "empty history: the follow-up as is",
			followUp: "  who organised it?  ",
			want:     "who organised it?",
		},
		{
			name:     "blank turns count as no history",
			history:  turns("", "  "),
			followUp: "who organised it?",
			want:     "who organised it?",
		},
		{
			name:     "one turn: the previous question",
			history:  turns(homsQ),
			followUp: "who organised it?",
			want:     "who organised it? (following up on: " + homsQ + ")",
		},
		{
			name:     "second follow-up keeps the first question's subject",
			history:  turns(homsQ, "who organised it?"),
			followUp: "and what did Russia say?",
			want:     "and what did Russia say? (about: people were evacuated from Homs on Friday; following up on: who organised it?)",
		},
		{
			name:     "third follow-up still carries the subject",
			history:  turns(homsQ, "who organised it?", "and what did Russia say?"),
			followUp: "why?",
			contains: []string{"evacuated from Homs", "following up on: and what did Russia say?"},
		},
		{
			name:     "fourth follow-up too",
			history:  turns(homsQ, "who organised it?", "and what did Russia say?", "why?"),
			followUp: "and when did it end?",
			contains: []string{"evacuated from Homs", "following up on: why?"},
		},
		{
			name:     "names a later question brought in are kept",
			history:  turns(homsQ, "What did Lavrov say?", "and the others?"),
			followUp: "why?",
			contains: []string{"evacuated from Homs", "Lavrov", "following up on: and the others?"},
		},
		{
			name:     "a standalone follow-up gets the previous question only",
			history:  turns(homsQ, "who organised it?"),
			followUp: "What did the U.N. say about the Geneva talks?",
			want:     "What did the U.N. say about the Geneva talks? (following up on: who organised it?)",
		},
		{
			name:     "after a standalone question, that question is the context",
			history:  turns("What did Mekdad offer?", evacuationQ),
			followUp: "And who said so?",
			want:     "And who said so? (following up on: " + evacuationQ + ")",
		},
		{
			name:     "subject left out when the previous question carries it",
			history:  turns(homsQ, "were people evacuated from Homs on Friday too?"),
			followUp: "who organised it?",
			want:     "who organised it? (following up on: were people evacuated from Homs on Friday too?)",
		},
		{
			name:     "length cap: a long previous question is clipped",
			history:  turns(homsQ, long),
			followUp: "and then?",
			contains: []string{"(following up on: Homs evacuation ceasefire convoy", "…)"},
		},
		{
			name:     "length cap: the previous question gives way to the subject",
			history:  turns(long, "who said so?"),
			followUp: strings.Repeat("why so ", 135) + "?",
			contains: []string{"(about: Homs evacuation ceasefire convoy"},
			lacks:    []string{"following up on"},
		},
		{
			name:     "length cap: a long follow-up is kept whole, context dropped",
			history:  turns(homsQ, long),
			followUp: strings.TrimSpace(long[:MaxQuestionRunes-5]),
			lacks:    []string{"following up on"},
		},
	}
	e := New(discard(), testIndex(t), nil, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.Condense(context.Background(), tc.history, tc.followUp)
			if err != nil {
				t.Fatalf("Condense(%q) error: %v", tc.followUp, err)
			}
			if n := utf8.RuneCountInString(got); n > MaxQuestionRunes {
				t.Errorf("Condense(%q) is %d runes, want at most %d", tc.followUp, n, MaxQuestionRunes)
			}
			if tc.want != "" {
				if got != tc.want {
					t.Errorf("Condense(%q) = %q, want %q", tc.followUp, got, tc.want)
				}
				return
			}
			if !strings.HasPrefix(got, strings.TrimSpace(tc.followUp)) {
				t.Errorf("Condense(%q) = %q, want the follow-up's words first", tc.followUp, got)
			}
			for _, s := range tc.contains {
				if !strings.Contains(got, s) {
					t.Errorf("Condense(%q) = %q, want it to hold %q", tc.followUp, got, s)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(got, s) {
					t.Errorf("Condense(%q) = %q, want it without %q", tc.followUp, got, s)
				}
			}
		})
	}
}

// TestCondenseThreadAnswerable follows a thread of three follow-ups and
// checks that each condensed question still finds the evacuation.
func TestCondenseThreadAnswerable(t *testing.T) {
	e := New(discard(), testIndex(t), nil, Options{})
	ctx := context.Background()
	conv := turns(homsQ)
	for _, f := range []string{"who said so?", "and what did the Russians say?", "which men were excluded?"} {
		q, err := e.Condense(ctx, conv, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(q, "evacuated from Homs") {
			t.Errorf("Condense(%q) = %q, want the thread's subject", f, q)
		}
		a, err := e.Ask(ctx, q, nil)
		if err != nil || a.Refused {
			t.Errorf("Ask(%q) = %+v, %v, want an answer", q, a, err)
		}
		conv = append(conv, Turn{Question: f, Answer: a.Text})
	}
}

func TestCondenseWithModel(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.Enqueue(llmtest.Reply{Content: "Who said 58 people were evacuated from Homs on Friday?\nextra line"})
	e := modelEngine(t, srv)
	got, err := e.Condense(context.Background(), history, "And who said so?")
	if err != nil {
		t.Fatal(err)
	}
	if got != "Who said 58 people were evacuated from Homs on Friday?" {
		t.Errorf("Condense = %q", got)
	}
	reqs := srv.Requests()
	user := reqs[len(reqs)-1].Messages[1].Content
	if !strings.Contains(user, "Q: "+evacuationQ) || strings.Contains(user, "[1]") || !strings.HasSuffix(user, "Follow-up: And who said so?") {
		t.Errorf("condense prompt:\n%s", user)
	}

	// The model down: the follow-up is combined instead.
	srv.Enqueue(llmtest.Reply{Status: 500}, llmtest.Reply{Status: 500}, llmtest.Reply{Status: 500})
	got, err = e.Condense(context.Background(), history, "And who said so?")
	if err != nil || !strings.Contains(got, evacuationQ) {
		t.Errorf("Condense with the model down = %q, %v", got, err)
	}
}

// TestCondenseModelReadsFirstTurn checks that a long conversation reaches
// the model as its first turn and its latest ones.
func TestCondenseModelReadsFirstTurn(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.Enqueue(llmtest.Reply{Content: "Why were people evacuated from Homs?"})
	e := modelEngine(t, srv)
	conv := turns(homsQ, "who organised it?", "and what did Russia say?", "and the UN?", "was it on time?")
	if _, err := e.Condense(context.Background(), conv, "why?"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	user := reqs[len(reqs)-1].Messages[1].Content
	for _, q := range []string{homsQ, "and the UN?", "was it on time?"} {
		if !strings.Contains(user, "Q: "+q) {
			t.Errorf("condense prompt lacks %q:\n%s", q, user)
		}
	}
	for _, q := range []string{"who organised it?", "and what did Russia say?"} {
		if strings.Contains(user, "Q: "+q) {
			t.Errorf("condense prompt holds %q, want only the first and the last %d turns:\n%s", q, maxTurns-1, user)
		}
	}

	// An unusable rewrite falls back to the subject-keeping combination.
	srv.Enqueue(llmtest.Reply{Content: "   "})
	got, err := e.Condense(context.Background(), conv, "why?")
	if err != nil || !strings.HasPrefix(got, "why?") || !strings.Contains(got, "evacuated from Homs") {
		t.Errorf("Condense with an empty rewrite = %q, %v", got, err)
	}
}
