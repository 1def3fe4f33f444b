package answer

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/situationbot/bot/lexicon"
	"github.com/situationbot/bot/question"
)

func TestModifierGuard(t *testing.T) {
	for _, tc := range []struct {
		q, text string
		want    bool
	}{
		{"Who is Syria's foreign minister?", "Syrian Deputy Foreign Minister Faisal Mekdad told a news conference.", true},
		{"Who is Syria's deputy foreign minister?", "Syrian Deputy Foreign Minister Faisal Mekdad told a news conference.", false},
		{"Who is the deputy governor of Homs?", "Homs governor Talal Barrazi told Syrian state TV.", true},
		{"Who is the governor of Homs?", "Homs governor Talal Barrazi told Syrian state TV.", false},
		{"Who was the president?", "The former president spoke first.", true},
		{"What did the envoy say?", "The acting head of the mission said little; the envoy spoke.", false},
	} {
		r := reading{q: question.Parse(tc.q)}
		r.terms = read(lexicon.Default(), r.q, map[string]float64{}, nil).terms
		if got := r.modifierMismatch(tc.text); got != tc.want {
			t.Errorf("modifierMismatch(%q, %q) = %t, want %t", tc.q, tc.text, got, tc.want)
		}
	}
}

func TestNamesMet(t *testing.T) {
	m := newMemo(lexicon.Default(), newWordCache())
	for _, tc := range []struct {
		q, text string
		want    float64
	}{
		{"What did Russia say?", "The Russian Foreign Ministry said it was difficult.", 1},
		{"What did the UN mediator say?", "U.N. mediator Lakhdar Brahimi said so.", 1},
		{"What happened on January 26?", "The talks on Jan. 26 went on.", 1},
		{"What did Lebanon say?", "The Russian Foreign Ministry said it was difficult.", 0},
		{"Did Aleppo and Homs agree?", "Homs agreed.", 0.5},
		{"Who spoke?", "Nobody.", 1},
	} {
		r := reading{q: question.Parse(tc.q)}
		if got := r.namesMet(m, tc.text); got != tc.want {
			t.Errorf("namesMet(%q, %q) = %v, want %v", tc.q, tc.text, got, tc.want)
		}
	}
}

// TestHardConstraints: questions the articles cannot answer because a
// name, a role or the thing counted is not there have no eligible
// candidate, whatever the model says of the rest.
func TestHardConstraints(t *testing.T) {
	e := New(discard(), testIndex(t), nil, Options{})
	for _, tc := range []struct {
		q, notEligible string
	}{
		{"Who is the prime minister of Lebanon?", ""},
		{"How many aid trucks entered Homs during the ceasefire?", ""},
		{"Who is Syria's foreign minister?", "Deputy Foreign Minister"},
	} {
		cands, _, err := e.Candidates(context.Background(), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cands {
			if c.Eligible && (tc.notEligible == "" || strings.Contains(c.Text, tc.notEligible)) {
				t.Errorf("Candidates(%q): %q is eligible", tc.q, c.Text)
			}
		}
	}
	for _, q := range []string{"Who is the prime minister of Lebanon?", "what did the french government say about the evacuation"} {
		a, err := e.Ask(context.Background(), q, nil)
		if err != nil || !a.Refused {
			t.Errorf("Ask(%q) = %q, %v; want a refusal", q, a.Text, err)
		}
	}
	// A speaker named in other words than the articles' is still found.
	if cands, _, err := e.Candidates(context.Background(), "What did the protesters call the Geneva talks?"); err != nil || !slices.ContainsFunc(cands, func(c Candidate) bool { return c.Eligible && c.Prob > 0 }) {
		t.Errorf("Candidates(protesters) = %d candidates, %v; want some eligible", len(cands), err)
	}
}

// TestAnswersWhatTheArticlesSay: questions in words the articles do not
// use, or typed as in a chat, are answered with the sentence that holds
// the fact.
func TestAnswersWhatTheArticlesSay(t *testing.T) {
	e := New(discard(), testIndex(t), nil, Options{})
	for _, tc := range []struct{ q, want string }{
		{"How long was the ceasefire agreed for Homs?", "three-day"},
		{"What did Russia say about the evacuation?", "Russian Foreign Ministry"},
		{"hey bot, quick question please: how many ppl got evacuated from homs", "58"},
		{"<@&123456> how many people were evacuated on Friday?", "58"},
		{"@everyone what were the elderly evacuees wrapped in?", "blue blankets"},
	} {
		a, err := e.Ask(context.Background(), tc.q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Refused || !strings.Contains(a.Text, tc.want) {
			t.Errorf("Ask(%q) = %q (refused %t); want it to say %q", tc.q, a.Text, a.Refused, tc.want)
		}
		checkCitations(t, a)
	}
}

func TestDefaultModelFitsFeatures(t *testing.T) {
	m, err := ParseModel(modelJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Decider.Trees) == 0 || m.Threshold <= 0 {
		t.Errorf("shipped model has %d trees and threshold %v: an untrained model was committed", len(m.Decider.Trees), m.Threshold)
	}
	bad := bytes.Replace(modelJSON, []byte(`"cover_exact"`), []byte(`"renamed"`), 1)
	if _, err := ParseModel(bad); err == nil {
		t.Error("ParseModel accepted a model whose features differ from this build's")
	}
}
