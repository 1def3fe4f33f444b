package llmtest

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

func TestDefaultReply(t *testing.T) {
	tests := []struct {
		name   string
		prompt string
		want   string
	}{
		{
			name:   "fenced passages",
			prompt: "Passages:\n\n<passage id=\"1\" title=\"Civilians evacuated\" published=\"2014-02-07\">\nCivilians left Homs on Friday. More followed.\n</passage>\n\n<passage id=\"2\" title=\"Other\" published=\"2014-01-26\">\nNo.\n</passage>\n\nQuestion: what happened?",
			want:   "Civilians left Homs on Friday. [1]",
		},
		{
			name:   "first passage is not number 1",
			prompt: "<passage id=\"3\" title=\"Talks\" published=\"2014-01-26\">\nTalks opened in Geneva! Delegates met.\n</passage>",
			want:   "Talks opened in Geneva! [3]",
		},
		{
			name:   "escaped text is quoted as written",
			prompt: "<passage id=\"2\" title=\"T\" published=\"2014-02-07\">\nFewer than &lt;100 stayed. Then it stopped.\n</passage>",
			want:   "Fewer than <100 stayed. [2]",
		},
		{
			name:   "text over several lines without a full stop",
			prompt: "<passage id=\"1\" title=\"T\" published=\"\">\nThe siege\nlasted two years\n\nA second paragraph.\n</passage>",
			want:   "The siege lasted two years [1]",
		},
		{
			name:   "decimal point is not a sentence end",
			prompt: "<passage id=\"1\" title=\"T\" published=\"\">\nAbout 1.5 million people fled. Others stayed.\n</passage>",
			want:   "About 1.5 million people fled. [1]",
		},
		{
			name:   "empty passage gives its title",
			prompt: "Articles:\n<passage id=\"4\" title=\"Aid reached &quot;Old Homs&quot;\" published=\"2014-02-08\"/>\n",
			want:   "Aid reached \"Old Homs\" [4]",
		},
		{
			name:   "old-style header is not a passage",
			prompt: "[2] Aid reached the old city. Then it stopped.",
			want:   NoAnswer,
		},
		{
			name:   "fence inside a line is not a passage",
			prompt: "Question: what does <passage id=\"5\"> say?",
			want:   NoAnswer,
		},
		{name: "no passage", prompt: "What happened in Homs?", want: NoAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := ChatRequest{Messages: []Message{{Role: "system", Content: "<passage id=\"9\" title=\"\" published=\"\">\nNot a user passage.\n</passage>"}, {Role: "user", Content: tc.prompt}}}
			if got := DefaultReply(req).Content; got != tc.want {
				t.Errorf("DefaultReply(%q) = %q, want %q", tc.prompt, got, tc.want)
			}
		})
	}
}

// events reads a server-sent event stream into its data payloads.
func events(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok {
				t.Fatalf("line %q is not a data line", line)
			}
			out = append(out, data)
		}
	}
	return out
}

type chunk struct {
	Object  string `json:"object"`
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
}

func TestStreamWire(t *testing.T) {
	tests := []struct {
		name       string
		cap        string // extra request fields, e.g. `"max_tokens":2,`
		reply      Reply
		wantDeltas []string
		wantFinish string // "" = no finish chunk
		wantLast   string
	}{
		{name: "content split in words", reply: Reply{Content: "Civilians left Homs."}, wantDeltas: []string{"", "Civilians ", "left ", "Homs."}, wantFinish: "stop", wantLast: "[DONE]"},
		{name: "chunks and length", reply: Reply{Chunks: []string{"a", "b"}, FinishReason: "length"}, wantDeltas: []string{"", "a", "b"}, wantFinish: "length", wantLast: "[DONE]"},
		{name: "no finish, no done", reply: Reply{Chunks: []string{"a"}, FinishReason: "-", NoDone: true}, wantDeltas: []string{"", "a"}},
		{name: "stream error", reply: Reply{Chunks: []string{"a"}, StreamError: "overloaded"}, wantDeltas: []string{"", "a"}, wantLast: `{"error":{"code":null,"message":"overloaded","param":null,"type":"server_error"}}`},
		{name: "cut at max_tokens", cap: `"max_tokens":2,`, reply: Reply{Content: "Civilians left Homs."}, wantDeltas: []string{"", "Civilians ", "left "}, wantFinish: "length", wantLast: "[DONE]"},
		{name: "cut at max_completion_tokens", cap: `"max_completion_tokens":1,`, reply: Reply{Chunks: []string{"a", "b"}}, wantDeltas: []string{"", "a"}, wantFinish: "length", wantLast: "[DONE]"},
		{name: "under the cap", cap: `"max_tokens":3,`, reply: Reply{Content: "Civilians left Homs."}, wantDeltas: []string{"", "Civilians ", "left ", "Homs."}, wantFinish: "stop", wantLast: "[DONE]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer()
			defer s.Close()
			s.Enqueue(tc.reply)
			resp, body := post(t, s.URL+"/chat/completions", `{"model":"m","stream":true,`+tc.cap+`"messages":[{"role":"user","content":"hi"}]}`)
			if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
				t.Fatalf("status, content type = %d, %q; want 200, text/event-stream", resp.StatusCode, ct)
			}
			evs := events(t, body)
			var deltas []string
			finish := ""
			last := ""
			for _, ev := range evs {
				var c chunk
				if json.Unmarshal([]byte(ev), &c) != nil || c.Object != "chat.completion.chunk" {
					last = ev
					continue
				}
				if fr := c.Choices[0].FinishReason; fr != nil {
					finish = *fr
					continue
				}
				deltas = append(deltas, c.Choices[0].Delta.Content)
			}
			if !slices.Equal(deltas, tc.wantDeltas) || finish != tc.wantFinish || last != tc.wantLast {
				t.Errorf("stream = deltas %q, finish %q, last %q; want %q, %q, %q\n%s", deltas, finish, last, tc.wantDeltas, tc.wantFinish, tc.wantLast, body)
			}
		})
	}
}

func TestCompletionWire(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.ChatFunc = func(req ChatRequest) Reply { return Reply{Content: "echo " + req.Messages[0].Content} }
	_, body := post(t, s.URL+"/chat/completions", `{"model":"m","temperature":0.5,"max_completion_tokens":9,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	var got struct {
		Object  string `json:"object"`
		Choices []struct {
			Message      struct{ Role, Content string } `json:"message"`
			FinishReason string                         `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if got.Object != "chat.completion" || len(got.Choices) != 1 || got.Choices[0].Message.Content != "echo hi" || got.Choices[0].FinishReason != "stop" {
		t.Errorf("completion = %s", body)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Temperature == nil || *reqs[0].Temperature != 0.5 || reqs[0].MaxCompletionTokens != 9 || reqs[0].MaxTokens != 0 || reqs[0].Stream {
		t.Errorf("Requests() = %+v", reqs)
	}
	reqs[0].Messages[0].Content = "changed"
	if s.Requests()[0].Messages[0].Content != "hi" {
		t.Error("Requests() shares its messages with the server")
	}
}

// TestCompletionCap checks that a non-streamed reply longer than max_tokens
// is cut to it and ends with "length".
func TestCompletionCap(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Enqueue(Reply{Content: "Civilians left Homs on Friday."})
	_, body := post(t, s.URL+"/chat/completions", `{"model":"m","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}`)
	var got struct {
		Choices []struct {
			Message      struct{ Content string } `json:"message"`
			FinishReason string                   `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if len(got.Choices) != 1 || got.Choices[0].Message.Content != "Civilians left Homs " || got.Choices[0].FinishReason != "length" {
		t.Errorf("completion = %s; want content %q, finish length", body, "Civilians left Homs ")
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].MaxTokens != 3 || reqs[0].MaxCompletionTokens != 0 {
		t.Errorf("Requests() = %+v", reqs)
	}
}

func TestErrorReplies(t *testing.T) {
	tests := []struct {
		name     string
		reply    Reply
		wantCT   string
		wantBody string
	}{
		{name: "openai", reply: Reply{Status: 429, Body: OpenAIError("slow"), Header: map[string]string{"Retry-After": "1"}}, wantCT: "application/json", wantBody: OpenAIError("slow")},
		{name: "ollama", reply: Reply{Status: 404, Body: OllamaError("no model")}, wantCT: "application/json", wantBody: `{"error":"no model"}`},
		{name: "vllm", reply: Reply{Status: 400, Body: VLLMError("too long")}, wantCT: "application/json", wantBody: VLLMError("too long")},
		{name: "html", reply: Reply{Status: 502, Body: HTMLError()}, wantCT: "text/html", wantBody: HTMLError()},
		{name: "default body", reply: Reply{Status: 503}, wantCT: "application/json", wantBody: OpenAIError("Service Unavailable")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer()
			defer s.Close()
			s.Enqueue(tc.reply)
			resp, body := post(t, s.URL+"/chat/completions", `{"model":"m","messages":[]}`)
			if resp.StatusCode != tc.reply.Status || resp.Header.Get("Content-Type") != tc.wantCT || body != tc.wantBody {
				t.Errorf("reply = %d %q %q, want %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.reply.Status, tc.wantCT, tc.wantBody)
			}
			for k, v := range tc.reply.Header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestEmbeddingsWire(t *testing.T) {
	type response struct {
		Object string `json:"object"`
		Data   []struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	tests := []struct {
		name       string
		body       string
		shuffle    bool
		wantStatus int
		wantIndex  []int
		wantDims   int
	}{
		{name: "string input", body: `{"model":"e","input":"siege"}`, wantStatus: 200, wantIndex: []int{0}, wantDims: DefaultDims},
		{name: "list input", body: `{"model":"e","input":["a","b","c"],"dimensions":8}`, wantStatus: 200, wantIndex: []int{0, 1, 2}, wantDims: 8},
		{name: "shuffled", body: `{"model":"e","input":["a","b","c"]}`, shuffle: true, wantStatus: 200, wantIndex: []int{2, 1, 0}, wantDims: DefaultDims},
		{name: "token input rejected", body: `{"model":"e","input":[[1,2]]}`, wantStatus: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer()
			defer s.Close()
			s.ShuffleEmbeddings = tc.shuffle
			resp, body := post(t, s.URL+"/embeddings", tc.body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			if tc.wantStatus != 200 {
				return
			}
			var got response
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			var idx []int
			for _, d := range got.Data {
				idx = append(idx, d.Index)
				if len(d.Embedding) != tc.wantDims || d.Object != "embedding" {
					t.Errorf("embedding %d: object %q, %d dims; want embedding, %d", d.Index, d.Object, len(d.Embedding), tc.wantDims)
				}
			}
			if got.Object != "list" || !slices.Equal(idx, tc.wantIndex) {
				t.Errorf("response object %q, indexes %v; want list, %v", got.Object, idx, tc.wantIndex)
			}
			if s.EmbedCalls() != 1 {
				t.Errorf("EmbedCalls() = %d, want 1", s.EmbedCalls())
			}
		})
	}
}

func TestEnqueueEmbed(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.EnqueueEmbed(500, "")
	if resp, _ := post(t, s.URL+"/embeddings", `{"model":"e","input":"a"}`); resp.StatusCode != 500 {
		t.Errorf("first status = %d, want 500", resp.StatusCode)
	}
	if resp, _ := post(t, s.URL+"/embeddings", `{"model":"e","input":"a"}`); resp.StatusCode != 200 {
		t.Errorf("second status = %d, want 200", resp.StatusCode)
	}
}

func TestUnknownPath(t *testing.T) {
	s := NewServer()
	defer s.Close()
	resp, body := post(t, s.URL+"/completions", `{}`)
	if resp.StatusCode != 404 || !strings.Contains(body, `"error"`) {
		t.Errorf("POST /v1/completions = %d %s, want 404 with a JSON error", resp.StatusCode, body)
	}
}

func TestCloseEndsStalls(t *testing.T) {
	s := NewServer()
	started := make(chan struct{})
	s.ChatFunc = func(ChatRequest) Reply {
		close(started)
		return Reply{Stall: time.Hour}
	}
	go func() {
		resp, err := http.Post(s.URL+"/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[]}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	s.Close() // returns only once the stalled handler has
}

func TestHashEmbedding(t *testing.T) {
	a := HashEmbedding("The siege of Homs", 64)
	b := HashEmbedding("the SIEGE of homs!", 64)
	if !slices.Equal(a, b) {
		t.Error("HashEmbedding depends on case or punctuation")
	}
	var norm float64
	for _, x := range a {
		norm += float64(x) * float64(x)
	}
	if norm < 0.999 || norm > 1.001 {
		t.Errorf("|HashEmbedding|² = %v, want 1", norm)
	}
	if e := HashEmbedding("", 4); !slices.Equal(e, []float32{1, 0, 0, 0}) {
		t.Errorf(`HashEmbedding("", 4) = %v, want the first unit vector`, e)
	}
}
