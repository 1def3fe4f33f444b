package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/situationbot/bot/llm/llmtest"
)

// sharedKeys are the keys of every ask, summary and timeline --json.
var sharedKeys = []string{"text", "refused", "mode", "fallback", "sources", "as_of"}

// TestOneJSONShape: ask, summary and timeline --json give one shape, the
// same keys whether they answer or refuse, the text (or the refusal)
// always under "text", and each its own extras.
func TestOneJSONShape(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		refuse bool
		extras []string
	}{
		{"ask", []string{"ask", evacuationQ}, false, []string{"question", "removed", "elapsed_ms"}},
		{"ask refused", []string{"ask", "What is the best pizza recipe?"}, true, []string{"question", "removed", "elapsed_ms"}},
		{"summary", []string{"summary"}, false, []string{"topic", "since", "articles"}},
		{"summary refused", []string{"summary", "--topic", "pizza recipes"}, true, []string{"topic", "since", "articles"}},
		{"timeline", []string{"timeline"}, false, []string{"topic", "events"}},
		{"timeline refused", []string{"timeline", "--topic", "pizza recipes"}, true, []string{"topic", "events"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runBot(t, nil, "", append(tc.args, "--json")...)
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &raw); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out)
			}
			var keys []string
			for k := range raw {
				keys = append(keys, k)
			}
			want := append(slices.Clone(sharedKeys), tc.extras...)
			slices.Sort(keys)
			slices.Sort(want)
			if !slices.Equal(keys, want) {
				t.Errorf("keys = %v, want %v", keys, want)
			}
			var got jsonResult
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if got.Refused != tc.refuse || got.Text == "" || got.Mode != "extractive" || got.Fallback || got.AsOf != "2014-02-07" {
				t.Errorf("%s --json = %+v", tc.name, got)
			}
			if tc.refuse {
				if len(got.Sources) != 0 || !strings.Contains(got.Text, "2 articles") {
					t.Errorf("refusal = %+v, want its text and no sources", got)
				}
				return
			}
			if len(got.Sources) == 0 || !strings.Contains(got.Text, "[1]") {
				t.Errorf("answer = %+v, want cited text and its sources", got)
			}
			for i, s := range got.Sources {
				if s.N != i+1 || s.ID == "" || s.Title == "" || s.Published == "" || s.Quote == "" {
					t.Errorf("source %d = %+v", i, s)
				}
			}
		})
	}
}

// TestJSONFallback: when the model fails, every --json says so in the same
// two keys: mode "extractive", fallback true.
func TestJSONFallback(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.SetChatFunc(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Status: 400} })
	vars := map[string]string{"OPENAI_BASE_URL": srv.URL, "CHAT_MODEL": "chat-model", "LLM_TIMEOUT": "5s"}
	for _, args := range [][]string{{"ask", evacuationQ}, {"summary"}, {"timeline"}} {
		out, _, err := runBot(t, vars, "", append(args, "--json")...)
		if err != nil {
			t.Fatalf("%s: %v", args[0], err)
		}
		var got jsonResult
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.Mode != "extractive" || !got.Fallback || got.Refused || len(got.Sources) == 0 {
			t.Errorf("%s --json with the model failing = %+v", args[0], got)
		}
	}
}
