// Package llmtest provides a loopback fake of an OpenAI-compatible API for
// tests: chat completions (streamed as server-sent events, or not) and
// embeddings, answered deterministically or from a script of replies,
// including the error shapes real servers send.
//
// It speaks the wire protocol with its own types and does not import
// go-openai, so it checks the client rather than mirroring it.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Server is a fake OpenAI-compatible API on 127.0.0.1. All its methods are
// safe for concurrent use.
type Server struct {
	// URL is the base URL including /v1, to use as the client's BaseURL.
	URL string

	// ChatFunc, if set, answers chat requests when no scripted reply is
	// queued. Set it before the first request, or use SetChatFunc.
	ChatFunc func(req ChatRequest) Reply
	// EmbedFunc, if set, answers embeddings requests when no scripted error
	// is queued: it returns one vector per input (fewer or more to test the
	// client's checks), or a non-zero HTTP status to fail with. Set it
	// before the first request, or use SetEmbedFunc.
	EmbedFunc func(model string, inputs []string) ([][]float32, int)
	// ShuffleEmbeddings makes the server list embeddings in reverse order
	// (each with its correct index), as the API allows. Set it before the
	// first request.
	ShuffleEmbeddings bool

	srv  *httptest.Server
	done chan struct{}
	once sync.Once

	mu         sync.Mutex
	replies    []Reply
	embedQueue []embedReply
	requests   []ChatRequest
	embedReqs  []EmbedRequest
	chatCalls  int
	embedCalls int
}

// ChatRequest is a chat completion request as the server received it.
type ChatRequest struct {
	Model       string
	Messages    []Message
	Stream      bool
	Temperature *float64 // nil when the client sent none
	// MaxTokens is max_tokens and MaxCompletionTokens max_completion_tokens,
	// each 0 when the client sent none.
	MaxTokens           int
	MaxCompletionTokens int
	// Authorization is the request's Authorization header ("" if none).
	Authorization string
}

// Message is one chat message of a request.
type Message struct {
	Role    string
	Content string
}

// EmbedRequest is an embeddings request as the server received it.
type EmbedRequest struct {
	Model      string
	Inputs     []string
	Dimensions int // 0 when the client sent none
	// Authorization is the request's Authorization header ("" if none).
	Authorization string
}

type embedReply struct {
	status int
	body   string
}

// NewServer starts a fake server on 127.0.0.1. Close it when done.
func NewServer() *Server {
	s := &Server{done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("POST /v1/embeddings", s.handleEmbeddings)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, OpenAIError("unknown path "+r.URL.Path))
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/v1"
	return s
}

// Close ends pending stalls and streams and shuts the server down.
func (s *Server) Close() {
	s.once.Do(func() { close(s.done) })
	s.srv.Close()
}

// Enqueue scripts the next chat replies, consumed in order.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, replies...)
}

// EnqueueEmbed scripts the next embeddings reply as an error with status and
// body (an OpenAIError if body is empty).
func (s *Server) EnqueueEmbed(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embedQueue = append(s.embedQueue, embedReply{status: status, body: body})
}

// SetChatFunc sets ChatFunc while the server may be serving.
func (s *Server) SetChatFunc(f func(req ChatRequest) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ChatFunc = f
}

// SetEmbedFunc sets EmbedFunc while the server may be serving.
func (s *Server) SetEmbedFunc(f func(model string, inputs []string) ([][]float32, int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.EmbedFunc = f
}

// ChatCalls returns how many chat requests the server received.
func (s *Server) ChatCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatCalls
}

// EmbedCalls returns how many embeddings requests the server received.
func (s *Server) EmbedCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.embedCalls
}

// Requests returns a copy of every chat request received, in order.
func (s *Server) Requests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ChatRequest, len(s.requests))
	for i, r := range s.requests {
		r.Messages = slices.Clone(r.Messages)
		if r.Temperature != nil {
			t := *r.Temperature
			r.Temperature = &t
		}
		out[i] = r
	}
	return out
}

// EmbedRequests returns a copy of every embeddings request received, in
// order.
func (s *Server) EmbedRequests() []EmbedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]EmbedRequest, len(s.embedReqs))
	for i, r := range s.embedReqs {
		r.Inputs = slices.Clone(r.Inputs)
		out[i] = r
	}
	return out
}

// wireChatRequest is the JSON of a chat completion request.
type wireChatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream              bool     `json:"stream"`
	Temperature         *float64 `json:"temperature"`
	MaxTokens           int      `json:"max_tokens"`
	MaxCompletionTokens int      `json:"max_completion_tokens"`
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var wire wireChatRequest
	if err := json.NewDecoder(r.Body).Decode(&wire); err != nil {
		writeJSONError(w, http.StatusBadRequest, OpenAIError("invalid JSON body: "+err.Error()))
		return
	}
	req := ChatRequest{
		Model:               wire.Model,
		Stream:              wire.Stream,
		Temperature:         wire.Temperature,
		MaxTokens:           wire.MaxTokens,
		MaxCompletionTokens: wire.MaxCompletionTokens,
		Authorization:       r.Header.Get("Authorization"),
	}
	for _, m := range wire.Messages {
		text, err := contentText(m.Content)
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, OpenAIError("invalid message content: "+err.Error()))
			return
		}
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: text})
	}

	s.mu.Lock()
	s.chatCalls++
	s.requests = append(s.requests, req)
	var reply Reply
	var f func(ChatRequest) Reply
	scripted := len(s.replies) > 0
	if scripted {
		reply = s.replies[0]
		s.replies = s.replies[1:]
	} else {
		f = s.ChatFunc
	}
	s.mu.Unlock()
	if !scripted {
		if f != nil {
			reply = f(req)
		} else {
			reply = DefaultReply(req)
		}
	}

	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if !s.wait(r, reply.Stall) {
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, reply.Status, reply.Body)
		return
	}
	reply = capTokens(reply, req.tokenCap())
	if req.Stream {
		s.stream(w, r, req, reply)
		return
	}
	writeCompletion(w, req, reply)
}

// contentText accepts a message content as a string or as a list of parts,
// keeping the text parts.
func contentText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String(), nil
}

// wait sleeps for d, and reports false if the client went away or the
// server is closing first.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

// completionID is the id of every completion; its value does not matter.
const completionID = "chatcmpl-llmtest"

// finishReason returns the JSON value of the reply's finish_reason.
func finishReason(reply Reply) any {
	switch reply.FinishReason {
	case "":
		return "stop"
	case "-":
		return nil
	}
	return reply.FinishReason
}

func writeCompletion(w http.ResponseWriter, req ChatRequest, reply Reply) {
	content := reply.Content
	if content == "" && reply.Chunks != nil {
		content = strings.Join(reply.Chunks, "")
	}
	words := len(strings.Fields(content))
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      completionID,
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content},
			"finish_reason": finishReason(reply),
		}},
		"usage": map[string]any{"prompt_tokens": promptWords(req), "completion_tokens": words, "total_tokens": promptWords(req) + words},
	})
}

func promptWords(req ChatRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += len(strings.Fields(m.Content))
	}
	return n
}

// stream writes reply as server-sent events: a role chunk, one chunk per
// delta, then a finish chunk and [DONE] (or an error event, or nothing, as
// the reply asks).
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req ChatRequest, reply Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	created := time.Now().Unix()
	send := func(delta map[string]any, finish any) bool {
		b, _ := json.Marshal(map[string]any{
			"id":      completionID,
			"object":  "chat.completion.chunk",
			"created": created,
			"model":   req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}

	if !send(map[string]any{"role": "assistant", "content": ""}, nil) {
		return
	}
	chunks := reply.Chunks
	if chunks == nil {
		chunks = SplitWords(reply.Content)
	}
	for i, c := range chunks {
		if i > 0 && !s.wait(r, reply.ChunkDelay) {
			return
		}
		if !send(map[string]any{"content": c}, nil) {
			return
		}
	}
	if reply.StreamError != "" {
		b, _ := json.Marshal(map[string]any{"error": map[string]any{
			"message": reply.StreamError, "type": "server_error", "param": nil, "code": nil,
		}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		rc.Flush()
		return
	}
	if fr := finishReason(reply); fr != nil {
		if !send(map[string]any{}, fr) {
			return
		}
	}
	if !reply.NoDone {
		fmt.Fprint(w, "data: [DONE]\n\n")
		rc.Flush()
	}
}

// SplitWords splits text into stream deltas of one word each, keeping the
// spaces, so that joining them gives text back.
func SplitWords(text string) []string {
	var out []string
	for _, p := range strings.SplitAfter(text, " ") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// writeError writes an error reply, as HTML if body looks like it.
func writeError(w http.ResponseWriter, status int, body string) {
	if body == "" {
		body = OpenAIError(http.StatusText(status))
	}
	if strings.HasPrefix(strings.TrimSpace(body), "<") {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
		return
	}
	writeJSONError(w, status, body)
}
