package llm_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/llm/llmtest"
)

// embedKey is the embeddings server's key in the two-server tests.
const embedKey = "sk-embed-9876543210-secret"

// TestSeparateEmbeddingEndpoint: with EmbedBaseURL set, chat goes to one
// server and embeddings to the other, each with its own key (vLLM or
// llama.cpp with a second embeddings process; OpenRouter chat with OpenAI
// embeddings).
func TestSeparateEmbeddingEndpoint(t *testing.T) {
	chat, embed := newServer(t), newServer(t)
	c, logs := newClient(t, chat, func(cfg *llm.Config) {
		cfg.EmbedBaseURL, cfg.EmbedAPIKey = embed.URL, embedKey
	})
	if _, err := c.Complete(t.Context(), question); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if _, err := c.Stream(t.Context(), question, nil); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if _, err := c.Embed(t.Context(), []string{"a", "b"}); err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if chat.ChatCalls() != 2 || chat.EmbedCalls() != 0 {
		t.Errorf("chat server got %d chat and %d embeddings calls, want 2 and 0", chat.ChatCalls(), chat.EmbedCalls())
	}
	if embed.ChatCalls() != 0 || embed.EmbedCalls() != 1 {
		t.Errorf("embeddings server got %d chat and %d embeddings calls, want 0 and 1", embed.ChatCalls(), embed.EmbedCalls())
	}
	for _, r := range chat.Requests() {
		if r.Authorization != "Bearer "+testKey {
			t.Errorf("chat request Authorization = %q, want the chat key", r.Authorization)
		}
	}
	for _, r := range embed.EmbedRequests() {
		if r.Authorization != "Bearer "+embedKey {
			t.Errorf("embeddings request Authorization = %q, want the embeddings key", r.Authorization)
		}
	}
	if strings.Contains(logs.String(), embedKey) {
		t.Errorf("logs contain the embeddings key:\n%s", logs)
	}
}

// TestEmbeddingEndpointDefaults: without EmbedBaseURL and EmbedAPIKey,
// embeddings go to BaseURL with APIKey; with only EmbedBaseURL, the chat
// key is sent there too (two servers of one vLLM deployment).
func TestEmbeddingEndpointDefaults(t *testing.T) {
	tests := []struct {
		name     string
		second   bool   // embeddings on a second server
		embedKey string // EmbedAPIKey
		wantAuth string
	}{
		{name: "one server", wantAuth: "Bearer " + testKey},
		{name: "second server, chat key", second: true, wantAuth: "Bearer " + testKey},
		{name: "second server, own key", second: true, embedKey: embedKey, wantAuth: "Bearer " + embedKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chat := newServer(t)
			embed := chat
			if tc.second {
				embed = newServer(t)
			}
			c, _ := newClient(t, chat, func(cfg *llm.Config) {
				cfg.EmbedAPIKey = tc.embedKey
				if tc.second {
					cfg.EmbedBaseURL = embed.URL
				}
			})
			if _, err := c.Embed(t.Context(), []string{"a"}); err != nil {
				t.Fatal(err)
			}
			reqs := embed.EmbedRequests()
			if len(reqs) != 1 || reqs[0].Authorization != tc.wantAuth {
				t.Errorf("embeddings requests = %+v, want one with Authorization %q", reqs, tc.wantAuth)
			}
		})
	}
}

// TestEmbedKeyRedacted: the embeddings key echoed in an error (a proxy
// repeating the header) is redacted from the error and from the logs.
func TestEmbedKeyRedacted(t *testing.T) {
	chat, embed := newServer(t), newServer(t)
	c, logs := newClient(t, chat, func(cfg *llm.Config) {
		cfg.EmbedBaseURL, cfg.EmbedAPIKey, cfg.MaxRetries = embed.URL, embedKey, 1
	})
	embed.EnqueueEmbed(http.StatusServiceUnavailable, llmtest.OpenAIError("overloaded, key "+embedKey))
	embed.EnqueueEmbed(http.StatusUnauthorized, llmtest.OpenAIError("Incorrect API key provided: "+embedKey))
	_, err := c.Embed(t.Context(), []string{"a"})
	if !errors.Is(err, llm.ErrRejected) || strings.Contains(err.Error(), embedKey) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("Embed error = %v, want a rejection with the key redacted", err)
	}
	if strings.Contains(logs.String(), embedKey) || !strings.Contains(logs.String(), "llm request retry") {
		t.Errorf("logs should show the retry without the key:\n%s", logs)
	}
	cfg := llm.Config{APIKey: testKey, EmbedAPIKey: embedKey}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, embedKey) {
			t.Errorf("config rendered as %q, want the embeddings key redacted", s)
		}
	}
}

// TestModelNotFound: a server without the model (Ollama before a pull,
// OpenAI or vLLM with a typo in the name) is asked once, never again,
// and the error names the model whatever the server's message says.
func TestModelNotFound(t *testing.T) {
	openAIShape := `{"error":{"message":"The model ` + "`gpt-9`" + ` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`
	tests := []struct {
		name     string
		embed    bool
		status   int
		body     string
		wantErr  error
		wantText string
	}{
		{name: "ollama chat", status: 404, body: llmtest.OllamaError(`model "llama9" not found, try pulling it first`),
			wantErr: llm.ErrModelNotFound, wantText: `model "llama9" not found, try pulling it first`},
		{name: "ollama embeddings", embed: true, status: 404, body: llmtest.OllamaError(`model "nomic-embed-text" not found, try pulling it first`),
			wantErr: llm.ErrModelNotFound, wantText: `model "nomic-embed-text" not found`},
		{name: "openai code", status: 404, body: openAIShape, wantErr: llm.ErrModelNotFound, wantText: "`gpt-9` does not exist"},
		{name: "vllm", status: 404, body: llmtest.VLLMError("The model `x` does not exist."), wantErr: llm.ErrModelNotFound,
			wantText: `does not exist. (model "llama9")`},
		{name: "other 404", status: 404, body: llmtest.OllamaError("page not found"), wantErr: llm.ErrRejected, wantText: "page not found"},
	}
	for _, tc := range tests {
		for _, mode := range chatModes {
			if tc.embed && mode.name != "stream" {
				continue
			}
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				srv := newServer(t)
				c, logs := newClient(t, srv, func(cfg *llm.Config) {
					cfg.ChatModel, cfg.EmbedModel = "llama9", "nomic-embed-text"
				})
				var err error
				calls := srv.ChatCalls
				if tc.embed {
					srv.EnqueueEmbed(tc.status, tc.body)
					_, err = c.Embed(t.Context(), []string{"a"})
					calls = srv.EmbedCalls
				} else {
					srv.Enqueue(llmtest.Reply{Status: tc.status, Body: tc.body}, llmtest.Reply{Content: "Fine."})
					_, err = mode.call(t.Context(), c, question)
				}
				if !errors.Is(err, tc.wantErr) || !errors.Is(err, llm.ErrRejected) || !strings.Contains(err.Error(), tc.wantText) {
					t.Errorf("error = %v, want %v (a rejection) containing %q", err, tc.wantErr, tc.wantText)
				}
				if tc.wantErr != llm.ErrModelNotFound && errors.Is(err, llm.ErrModelNotFound) {
					t.Errorf("error = %v, taken for a missing model", err)
				}
				if n := calls(); n != 1 {
					t.Errorf("server got %d calls, want 1 (not retried)", n)
				}
				if strings.Contains(logs.String(), "llm request retry") {
					t.Errorf("retried:\n%s", logs)
				}
			})
		}
	}
}

// TestModelNotFoundErrorText shows the error an operator reads.
func TestModelNotFoundErrorText(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(llmtest.Reply{Status: 404, Body: llmtest.OllamaError(`model "llama9" not found, try pulling it first`)})
	c := llm.New(slog.New(slog.DiscardHandler), llm.Config{BaseURL: srv.URL, ChatModel: "llama9", Timeout: 5 * time.Second})
	_, err := c.Complete(t.Context(), question)
	want := `chat: llm: model not found (status 404): model "llama9" not found, try pulling it first`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}
