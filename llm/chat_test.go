package llm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/llm/llmtest"
)

// testKey is the API key of test clients; it must never show in logs or
// errors.
const testKey = "sk-test-0123456789-secret"

// logBuffer collects a client's logs for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newClient returns a client of srv with short timeouts and backoffs,
// adjusted by mod, and the buffer of its logs.
func newClient(t *testing.T, srv *llmtest.Server, mod func(*llm.Config)) (*llm.Client, *logBuffer) {
	t.Helper()
	cfg := llm.Config{
		BaseURL:    srv.URL,
		APIKey:     testKey,
		ChatModel:  "test-chat",
		EmbedModel: "test-embed",
		Timeout:    5 * time.Second,
		Backoff:    time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	logs := &logBuffer{}
	lg := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testKey) {
			t.Errorf("logs contain the API key:\n%s", logs)
		}
	})
	return llm.New(lg, cfg), logs
}

func newServer(t *testing.T) *llmtest.Server {
	t.Helper()
	srv := llmtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

var question = []llm.Message{
	{Role: "system", Content: "Answer from the passages only."},
	{Role: "user", Content: "<passage id=\"1\" title=\"Evacuation\" published=\"2014-02-07\">\nCivilians left Homs on Friday. More followed.\n</passage>\n\nQuestion: What happened?"},
}

// chatModes runs a test body against both Stream and Complete.
var chatModes = []struct {
	name string
	call func(ctx context.Context, c *llm.Client, msgs []llm.Message) (string, error)
}{
	{"stream", func(ctx context.Context, c *llm.Client, msgs []llm.Message) (string, error) {
		return c.Stream(ctx, msgs, nil)
	}},
	{"complete", func(ctx context.Context, c *llm.Client, msgs []llm.Message) (string, error) {
		return c.Complete(ctx, msgs)
	}},
}

func TestStreamDeltas(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	chunks := []string{"Civilians ", "left ", "Homs", " on Friday.", " [1]"}
	srv.Enqueue(llmtest.Reply{Chunks: chunks})

	var got []string
	text, err := c.Stream(t.Context(), question, func(d string) { got = append(got, d) })
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if !slices.Equal(got, chunks) {
		t.Errorf("deltas = %q, want %q", got, chunks)
	}
	if want := strings.Join(chunks, ""); text != want {
		t.Errorf("Stream = %q, want %q", text, want)
	}
}

func TestDefaultReply(t *testing.T) {
	for _, mode := range chatModes {
		t.Run(mode.name, func(t *testing.T) {
			srv := newServer(t)
			c, _ := newClient(t, srv, nil)
			got, err := mode.call(t.Context(), c, question)
			if want := "Civilians left Homs on Friday. [1]"; err != nil || got != want {
				t.Errorf("%s = %q, %v; want %q, nil", mode.name, got, err, want)
			}
		})
	}
}

// TestRequestParameters checks the JSON of chat requests, streamed and not:
// the temperature that is really sent, and a token cap on every request,
// as max_tokens except for OpenAI's reasoning models.
func TestRequestParameters(t *testing.T) {
	tests := []struct {
		name          string
		cfg           llm.Config
		wantNoTemp    bool
		wantTempBelow float64 // the temperature sent must be in (wantTempAbove, wantTempBelow)
		wantTempAbove float64
		wantMaxTokens int // max_tokens
		wantMaxCompl  int // max_completion_tokens
	}{
		{name: "defaults", cfg: llm.Config{ChatModel: "llama3"}, wantTempBelow: 1e-30, wantMaxTokens: llm.DefaultMaxTokens},
		{name: "negative cap means default", cfg: llm.Config{ChatModel: "llama3", MaxTokens: -5}, wantTempBelow: 1e-30, wantMaxTokens: llm.DefaultMaxTokens},
		{name: "temperature and cap kept", cfg: llm.Config{ChatModel: "llama3", Temperature: 0.7, MaxTokens: 300}, wantTempAbove: 0.69, wantTempBelow: 0.71, wantMaxTokens: 300},
		// go-openai refuses max_tokens and temperatures for these.
		{name: "reasoning model", cfg: llm.Config{ChatModel: "o3-mini", MaxTokens: 300}, wantNoTemp: true, wantMaxCompl: 300},
		{name: "reasoning model default cap", cfg: llm.Config{ChatModel: "gpt-5-mini"}, wantNoTemp: true, wantMaxCompl: llm.DefaultMaxTokens},
	}
	for _, tc := range tests {
		for _, mode := range chatModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				srv := newServer(t)
				c, _ := newClient(t, srv, func(cfg *llm.Config) {
					cfg.ChatModel, cfg.Temperature, cfg.MaxTokens = tc.cfg.ChatModel, tc.cfg.Temperature, tc.cfg.MaxTokens
				})
				if _, err := mode.call(t.Context(), c, question); err != nil {
					t.Fatalf("%s: %v", mode.name, err)
				}
				reqs := srv.Requests()
				if len(reqs) != 1 {
					t.Fatalf("server got %d requests, want 1", len(reqs))
				}
				r := reqs[0]
				if tc.wantNoTemp {
					if r.Temperature != nil {
						t.Errorf("temperature = %v, want none", *r.Temperature)
					}
				} else if r.Temperature == nil || *r.Temperature <= tc.wantTempAbove || *r.Temperature >= tc.wantTempBelow {
					t.Errorf("temperature = %v, want in (%g, %g)", deref(r.Temperature), tc.wantTempAbove, tc.wantTempBelow)
				}
				if r.MaxTokens != tc.wantMaxTokens || r.MaxCompletionTokens != tc.wantMaxCompl {
					t.Errorf("max_tokens, max_completion_tokens = %d, %d; want %d, %d", r.MaxTokens, r.MaxCompletionTokens, tc.wantMaxTokens, tc.wantMaxCompl)
				}
				if r.Model != tc.cfg.ChatModel || r.Stream != (mode.name == "stream") {
					t.Errorf("model, stream = %q, %v; want %q, %v", r.Model, r.Stream, tc.cfg.ChatModel, mode.name == "stream")
				}
				want := []llmtest.Message{{Role: "system", Content: question[0].Content}, {Role: "user", Content: question[1].Content}}
				if !slices.Equal(r.Messages, want) {
					t.Errorf("messages = %q, want %q", r.Messages, want)
				}
			})
		}
	}
}

// TestMaxTokensCutsReply checks that a server stopping at the cap gives
// back the partial reply with ErrTruncated, streamed or not.
func TestMaxTokensCutsReply(t *testing.T) {
	for _, mode := range chatModes {
		t.Run(mode.name, func(t *testing.T) {
			srv := newServer(t)
			c, _ := newClient(t, srv, func(cfg *llm.Config) { cfg.MaxTokens = 3 })
			srv.Enqueue(llmtest.Reply{Content: "Civilians left Homs on Friday. [1]"})
			got, err := mode.call(t.Context(), c, question)
			if want := "Civilians left Homs "; got != want {
				t.Errorf("%s text = %q, want %q", mode.name, got, want)
			}
			if !errors.Is(err, llm.ErrTruncated) || !strings.Contains(err.Error(), "length") {
				t.Errorf("%s error = %v, want ErrTruncated for length", mode.name, err)
			}
			if r := srv.Requests(); len(r) != 1 || r[0].MaxTokens != 3 {
				t.Errorf("requests = %+v, want one with max_tokens 3", r)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// wantErr checks that err is an *llm.Error wrapping sentinel, with status
// and a message containing msg.
func wantErr(t *testing.T, err error, sentinel error, status int, msg string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error = %v, want %v", err, sentinel)
	}
	var e *llm.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *llm.Error", err, err)
	}
	if e.Status != status {
		t.Errorf("Status = %d, want %d (error %v)", e.Status, status, err)
	}
	if !strings.Contains(e.Message, msg) {
		t.Errorf("Message = %q, want it to contain %q", e.Message, msg)
	}
	for _, s := range []string{err.Error(), e.Message, e.Body} {
		if strings.Contains(s, testKey) {
			t.Errorf("error contains the API key: %q", s)
		}
	}
}

func TestChatErrors(t *testing.T) {
	ok := llmtest.Reply{Content: "Fine."}
	status := func(code int, body string) llmtest.Reply { return llmtest.Reply{Status: code, Body: body} }
	tests := []struct {
		name          string
		maxRetries    int
		replies       []llmtest.Reply
		wantErr       error // nil: success with "Fine."
		wantStatus    int
		wantMsg       string
		wantCalls     int
		wantRetryLogs int
	}{
		{
			name:      "429 then success",
			replies:   []llmtest.Reply{status(429, llmtest.OpenAIError("Rate limit reached")), ok},
			wantCalls: 2, wantRetryLogs: 1,
		},
		{
			name: "retry-after-ms honoured",
			replies: []llmtest.Reply{
				{Status: 429, Body: llmtest.OpenAIError("slow down"), Header: map[string]string{"Retry-After-Ms": "2"}},
				ok,
			},
			wantCalls: 2, wantRetryLogs: 1,
		},
		{
			name: "retry-after past the deadline is not waited for",
			replies: []llmtest.Reply{
				{Status: 429, Body: llmtest.OpenAIError("come back in an hour"), Header: map[string]string{"Retry-After": "3600"}},
				ok,
			},
			wantErr: llm.ErrRateLimited, wantStatus: 429, wantMsg: "come back in an hour", wantCalls: 1,
		},
		{
			name:       "429 until retries run out",
			maxRetries: 2,
			replies:    slices.Repeat([]llmtest.Reply{status(429, llmtest.OpenAIError("Rate limit reached"))}, 3),
			wantErr:    llm.ErrRateLimited, wantStatus: 429, wantMsg: "Rate limit reached", wantCalls: 3, wantRetryLogs: 2,
		},
		{
			name:    "500 four times",
			replies: slices.Repeat([]llmtest.Reply{status(500, llmtest.OpenAIError("boom"))}, 4),
			wantErr: llm.ErrServer, wantStatus: 500, wantMsg: "boom", wantCalls: 4, wantRetryLogs: 3,
		},
		{
			name:      "503 then success",
			replies:   []llmtest.Reply{status(503, ""), ok},
			wantCalls: 2, wantRetryLogs: 1,
		},
		{
			name:       "html 502 from a proxy",
			maxRetries: 1,
			replies:    []llmtest.Reply{status(502, llmtest.HTMLError()), status(502, llmtest.HTMLError())},
			wantErr:    llm.ErrServer, wantStatus: 502, wantMsg: "502 Bad Gateway", wantCalls: 2, wantRetryLogs: 1,
		},
		{
			name:    "ollama error shape",
			replies: []llmtest.Reply{status(404, llmtest.OllamaError(`model "llama9" not found, try pulling it first`))},
			wantErr: llm.ErrModelNotFound, wantStatus: 404, wantMsg: `model "llama9" not found`, wantCalls: 1,
		},
		{
			name:       "ollama 500 shape",
			maxRetries: -1,
			replies:    []llmtest.Reply{status(500, llmtest.OllamaError("llama runner process has terminated"))},
			wantErr:    llm.ErrServer, wantStatus: 500, wantMsg: "llama runner process has terminated", wantCalls: 1,
		},
		{
			name:    "vllm error shape",
			replies: []llmtest.Reply{status(400, llmtest.VLLMError("This model's maximum context length is 4096 tokens"))},
			wantErr: llm.ErrRejected, wantStatus: 400, wantMsg: "maximum context length is 4096", wantCalls: 1,
		},
		{
			name:    "401 not retried, key redacted",
			replies: []llmtest.Reply{status(401, llmtest.OpenAIError("Incorrect API key provided: "+testKey)), ok},
			wantErr: llm.ErrRejected, wantStatus: 401, wantMsg: "Incorrect API key provided: [redacted]", wantCalls: 1,
		},
		{
			name:    "400 not retried",
			replies: []llmtest.Reply{status(400, llmtest.OpenAIError("bad request")), ok},
			wantErr: llm.ErrRejected, wantStatus: 400, wantMsg: "bad request", wantCalls: 1,
		},
	}
	for _, tc := range tests {
		for _, mode := range chatModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				srv := newServer(t)
				c, logs := newClient(t, srv, func(cfg *llm.Config) { cfg.MaxRetries = tc.maxRetries })
				srv.Enqueue(tc.replies...)

				got, err := mode.call(t.Context(), c, question)
				if tc.wantErr == nil {
					if err != nil || got != "Fine." {
						t.Errorf("%s = %q, %v; want %q, nil", mode.name, got, err, "Fine.")
					}
				} else {
					wantErr(t, err, tc.wantErr, tc.wantStatus, tc.wantMsg)
				}
				if n := srv.ChatCalls(); n != tc.wantCalls {
					t.Errorf("server got %d calls, want %d", n, tc.wantCalls)
				}
				if n := strings.Count(logs.String(), `msg="llm request retry"`); n != tc.wantRetryLogs {
					t.Errorf("logged %d retries, want %d:\n%s", n, tc.wantRetryLogs, logs)
				}
			})
		}
	}
}

func TestStreamEndings(t *testing.T) {
	tests := []struct {
		name     string
		reply    llmtest.Reply
		wantText string
		wantErr  error
		wantMsg  string
	}{
		{
			name:     "closed early without finish reason",
			reply:    llmtest.Reply{Chunks: []string{"Civilians ", "left"}, FinishReason: "-", NoDone: true},
			wantText: "Civilians left", wantErr: llm.ErrTruncated, wantMsg: "without a finish reason",
		},
		{
			name:     "done without finish reason",
			reply:    llmtest.Reply{Chunks: []string{"Civilians ", "left"}, FinishReason: "-"},
			wantText: "Civilians left", wantErr: llm.ErrTruncated, wantMsg: "without a finish reason",
		},
		{
			name:     "finish reason length",
			reply:    llmtest.Reply{Content: "Civilians left Homs", FinishReason: "length"},
			wantText: "Civilians left Homs", wantErr: llm.ErrTruncated, wantMsg: "length",
		},
		{
			name:     "finish reason content_filter",
			reply:    llmtest.Reply{Content: "Civilians", FinishReason: "content_filter"},
			wantText: "Civilians", wantErr: llm.ErrTruncated, wantMsg: "content_filter",
		},
		{
			name:     "stop without done",
			reply:    llmtest.Reply{Content: "Civilians left.", NoDone: true},
			wantText: "Civilians left.",
		},
		{
			name:     "in-stream error",
			reply:    llmtest.Reply{Chunks: []string{"Civilians "}, StreamError: "model overloaded"},
			wantText: "Civilians ", wantErr: llm.ErrServer, wantMsg: "model overloaded",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			c, _ := newClient(t, srv, nil)
			// A good reply follows, which a (wrong) retry would pick up.
			srv.Enqueue(tc.reply, llmtest.Reply{Content: "retried"})

			got, err := c.Stream(t.Context(), question, nil)
			if got != tc.wantText {
				t.Errorf("Stream text = %q, want %q", got, tc.wantText)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Errorf("Stream error = %v, want nil", err)
				}
			} else {
				wantErr(t, err, tc.wantErr, 0, tc.wantMsg)
			}
			if n := srv.ChatCalls(); n != 1 {
				t.Errorf("server got %d calls, want 1", n)
			}
		})
	}
}

func TestCompleteEndings(t *testing.T) {
	tests := []struct {
		name     string
		reply    llmtest.Reply
		wantText string
		wantErr  error
	}{
		{name: "stop", reply: llmtest.Reply{Content: "Civilians left."}, wantText: "Civilians left."},
		{name: "no finish reason", reply: llmtest.Reply{Content: "Civilians left.", FinishReason: "-"}, wantText: "Civilians left."},
		{name: "length", reply: llmtest.Reply{Content: "Civilians", FinishReason: "length"}, wantText: "Civilians", wantErr: llm.ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			c, _ := newClient(t, srv, nil)
			srv.Enqueue(tc.reply)
			got, err := c.Complete(t.Context(), question)
			if got != tc.wantText || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("Complete = %q, %v; want %q, %v", got, err, tc.wantText, tc.wantErr)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name     string
		reply    llmtest.Reply
		wantText string // for streams
	}{
		{name: "stall before answering", reply: llmtest.Reply{Stall: time.Minute, Content: "late"}},
		{name: "stall mid-stream", reply: llmtest.Reply{Chunks: []string{"Civilians ", "left"}, ChunkDelay: time.Minute}, wantText: "Civilians "},
	}
	for _, tc := range tests {
		for _, mode := range chatModes {
			if tc.wantText != "" && mode.name != "stream" {
				continue
			}
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				srv := newServer(t)
				c, _ := newClient(t, srv, func(cfg *llm.Config) { cfg.Timeout = 100 * time.Millisecond })
				srv.Enqueue(tc.reply)
				got, err := mode.call(t.Context(), c, question)
				wantErr(t, err, llm.ErrTimeout, 0, "")
				if got != tc.wantText {
					t.Errorf("%s text = %q, want %q", mode.name, got, tc.wantText)
				}
				if n := srv.ChatCalls(); n != 1 {
					t.Errorf("server got %d calls, want 1", n)
				}
			})
		}
	}
}

func TestCanceled(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	srv.ChatFunc = func(llmtest.ChatRequest) llmtest.Reply {
		cancel() // the caller gives up while the server works
		return llmtest.Reply{Stall: time.Minute}
	}
	_, err := c.Stream(ctx, question, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, llm.ErrTimeout) {
		t.Errorf("Stream error = %v, want context.Canceled", err)
	}
}

func TestUnavailable(t *testing.T) {
	srv := llmtest.NewServer()
	srv.Close() // nothing listens on its port any more
	calls := []struct {
		name string
		call func(ctx context.Context, c *llm.Client) error
	}{
		{"stream", func(ctx context.Context, c *llm.Client) error { _, err := c.Stream(ctx, question, nil); return err }},
		{"complete", func(ctx context.Context, c *llm.Client) error { _, err := c.Complete(ctx, question); return err }},
		{"embed", func(ctx context.Context, c *llm.Client) error { _, err := c.Embed(ctx, []string{"a"}); return err }},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			c, logs := newClient(t, srv, func(cfg *llm.Config) { cfg.MaxRetries = 2 })
			err := tc.call(t.Context(), c)
			wantErr(t, err, llm.ErrUnavailable, 0, "connection refused")
			if n := strings.Count(logs.String(), `msg="llm request retry"`); n != 2 {
				t.Errorf("logged %d retries, want 2:\n%s", n, logs)
			}
		})
	}
}

func TestCustomHTTPClient(t *testing.T) {
	srv := newServer(t)
	var seen []string
	var mu sync.Mutex
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	for _, key := range []string{testKey, ""} {
		c, _ := newClient(t, srv, func(cfg *llm.Config) { cfg.HTTPClient, cfg.APIKey = hc, key })
		if _, err := c.Complete(t.Context(), question); err != nil {
			t.Fatalf("Complete: %v", err)
		}
	}
	if want := []string{"Bearer " + testKey, ""}; !slices.Equal(seen, want) {
		t.Errorf("Authorization headers = %q, want %q", seen, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestConfigRedactsKey(t *testing.T) {
	cfg := llm.Config{APIKey: testKey, ChatModel: "m"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{cfg.String(), logs.String(), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)} {
		if strings.Contains(s, testKey) || !strings.Contains(s, "redacted") {
			t.Errorf("config rendered as %q, want the key redacted", s)
		}
	}
}

func TestNotAnAPI(t *testing.T) {
	// A wrong BaseURL pointing at a web page that answers 200 to anything.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html>\n<html><body>Welcome</body></html>\n")
	}))
	t.Cleanup(web.Close)
	c := llm.New(nil, llm.Config{BaseURL: web.URL, Timeout: 5 * time.Second})
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"stream", func(ctx context.Context) error { _, err := c.Stream(ctx, question, nil); return err }},
		{"complete", func(ctx context.Context) error { _, err := c.Complete(ctx, question); return err }},
		{"embed", func(ctx context.Context) error { _, err := c.Embed(ctx, []string{"a"}); return err }},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(t.Context()); !errors.Is(err, llm.ErrBadResponse) {
				t.Errorf("%s error = %v, want %v", tc.name, err, llm.ErrBadResponse)
			}
		})
	}
}
