package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/situationbot/bot/llm/llmtest"
)

var history = []Turn{
	{Question: "What did Mekdad offer?", Answer: "He offered to let women and children leave [1]."},
	{Question: evacuationQ, Answer: "The government said 58 people were evacuated Friday [1]."},
}

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
	if q, _ := e.Condense(context.Background(), nil, " First question? "); q != "First question?" {
		t.Errorf("Condense with no history = %q", q)
	}
	if _, err := e.Condense(context.Background(), history, "   "); err == nil {
		t.Error("Condense of an empty follow-up: want error")
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
