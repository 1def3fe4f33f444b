package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/situationbot/bot/llm/llmtest"
)

// TestAskWithTwoEndpoints runs the program with chat on one server and
// embeddings on another, each with its own key (vLLM or llama.cpp serving
// embeddings from a second process; OpenRouter chat with OpenAI
// embeddings).
func TestAskWithTwoEndpoints(t *testing.T) {
	chat, embed := llmtest.NewServer(), llmtest.NewServer()
	defer chat.Close()
	defer embed.Close()
	vars := map[string]string{
		"OPENAI_BASE_URL":    chat.URL,
		"OPENAI_API_KEY":     "sk-chat",
		"CHAT_MODEL":         "chat-model",
		"EMBEDDING_BASE_URL": embed.URL,
		"EMBEDDING_API_KEY":  "sk-embed",
		"EMBEDDING_MODEL":    "embed-model",
		"LLM_TIMEOUT":        "5s",
	}
	out, stderr, err := runBot(t, vars, "", "ask", "--json", evacuationQ)
	if err != nil {
		t.Fatalf("ask: %v\n%s", err, stderr)
	}
	var got jsonAsk
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Mode != "llm" || got.Fallback || len(got.Sources) == 0 {
		t.Errorf("ask = %+v, %v", got, err)
	}
	if chat.ChatCalls() != 1 || chat.EmbedCalls() != 0 {
		t.Errorf("chat server: %d chat, %d embeddings calls; want 1 and 0", chat.ChatCalls(), chat.EmbedCalls())
	}
	if embed.ChatCalls() != 0 || embed.EmbedCalls() < 2 {
		t.Errorf("embeddings server: %d chat, %d embeddings calls; want 0 and at least 2 (probe, chunks, query)", embed.ChatCalls(), embed.EmbedCalls())
	}
	for _, r := range chat.Requests() {
		if r.Authorization != "Bearer sk-chat" {
			t.Errorf("chat request with Authorization %q", r.Authorization)
		}
	}
	for _, r := range embed.EmbedRequests() {
		if r.Authorization != "Bearer sk-embed" || r.Model != "embed-model" {
			t.Errorf("embeddings request with Authorization %q, model %q", r.Authorization, r.Model)
		}
	}

	// Embeddings alone from a local server, no chat and no key at all.
	vars = map[string]string{"EMBEDDING_BASE_URL": embed.URL, "EMBEDDING_MODEL": "embed-model", "LLM_TIMEOUT": "5s"}
	before := embed.EmbedCalls()
	if out, _, err := runBot(t, vars, "", "ask", evacuationQ); err != nil || !strings.Contains(out, "58") || embed.EmbedCalls() == before {
		t.Errorf("ask with EMBEDDING_BASE_URL alone: %v, %d calls\n%s", err, embed.EmbedCalls()-before, out)
	}
}

// TestEmbeddingModelNotFound: an embedding model the server lacks (Ollama
// before `ollama pull`) stops the start with an error naming it, even
// with a snapshot of it on disk: it is no outage to ride out.
func TestEmbeddingModelNotFound(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	vars := map[string]string{"OPENAI_BASE_URL": srv.URL, "EMBEDDING_MODEL": "nomic-embed-text", "LLM_TIMEOUT": "5s", "DATA_DIR": t.TempDir()}
	if _, _, err := runBot(t, vars, "", "ingest"); err != nil {
		t.Fatal(err)
	}
	srv.EnqueueEmbed(404, llmtest.OllamaError(`model "nomic-embed-text" not found, try pulling it first`))
	before := srv.EmbedCalls()
	_, _, err := runBot(t, vars, "", "ask", evacuationQ)
	if err == nil || !strings.Contains(err.Error(), "EMBEDDING_MODEL=nomic-embed-text is not on the embeddings endpoint") || !strings.Contains(err.Error(), "try pulling it first") {
		t.Errorf("ask with the embedding model missing: err = %v", err)
	}
	if n := srv.EmbedCalls() - before; n != 1 {
		t.Errorf("%d embeddings calls, want 1 (not retried)", n)
	}
}

// TestEndpointConfig: which settings name an endpoint for each model.
func TestEndpointConfig(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		wantErr []string // substrings of the error; none: valid
	}{
		{name: "nothing", vars: nil},
		{name: "ollama", vars: map[string]string{"OPENAI_BASE_URL": "http://localhost:11434/v1", "CHAT_MODEL": "llama3.1", "EMBEDDING_MODEL": "nomic-embed-text"}},
		{name: "openai", vars: map[string]string{"OPENAI_API_KEY": "sk-x", "CHAT_MODEL": "gpt-4o-mini", "EMBEDDING_MODEL": "text-embedding-3-small"}},
		{name: "vllm two servers", vars: map[string]string{"OPENAI_BASE_URL": "http://h:8000/v1", "CHAT_MODEL": "m", "EMBEDDING_BASE_URL": "http://h:8001/v1", "EMBEDDING_MODEL": "e"}},
		{name: "openrouter and openai", vars: map[string]string{"OPENAI_BASE_URL": "https://openrouter.ai/api/v1", "OPENAI_API_KEY": "sk-or", "CHAT_MODEL": "m",
			"EMBEDDING_BASE_URL": "https://api.openai.com/v1", "EMBEDDING_API_KEY": "sk-x", "EMBEDDING_MODEL": "text-embedding-3-small"}},
		{name: "embeddings endpoint only", vars: map[string]string{"EMBEDDING_BASE_URL": "http://h:8081/v1", "EMBEDDING_MODEL": "e"}},
		{name: "embeddings key only (OpenAI)", vars: map[string]string{"EMBEDDING_API_KEY": "sk-x", "EMBEDDING_MODEL": "e"}},
		{name: "chat on the embeddings endpoint", vars: map[string]string{"EMBEDDING_BASE_URL": "http://h:8081/v1", "EMBEDDING_MODEL": "e", "CHAT_MODEL": "m"},
			wantErr: []string{"CHAT_MODEL is set but no endpoint"}},
		{name: "embedding model without endpoint", vars: map[string]string{"EMBEDDING_MODEL": "e"},
			wantErr: []string{"EMBEDDING_MODEL is set but no embeddings endpoint", "EMBEDDING_BASE_URL or OPENAI_BASE_URL"}},
		{name: "embeddings endpoint without model", vars: map[string]string{"EMBEDDING_BASE_URL": "http://h:8081/v1", "EMBEDDING_API_KEY": "k"},
			wantErr: []string{"EMBEDDING_BASE_URL needs EMBEDDING_MODEL", "EMBEDDING_API_KEY needs EMBEDDING_MODEL"}},
		{name: "bad URLs", vars: map[string]string{"OPENAI_BASE_URL": "localhost:11434", "EMBEDDING_BASE_URL": "h:8081/v1", "EMBEDDING_MODEL": "e"},
			wantErr: []string{`OPENAI_BASE_URL="localhost:11434"`, `EMBEDDING_BASE_URL="h:8081/v1"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.vars))
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Errorf("loadConfig(%v) = %v, want no error", tc.vars, err)
				}
				lc := c.llmConfig()
				if lc.EmbedBaseURL != tc.vars["EMBEDDING_BASE_URL"] || lc.EmbedAPIKey != tc.vars["EMBEDDING_API_KEY"] {
					t.Errorf("llm config = %v", lc)
				}
				return
			}
			for _, want := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("loadConfig(%v) error = %v, want %q in it", tc.vars, err, want)
				}
			}
		})
	}
}
