package discord

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/situationbot/bot/answer"
)

// stubAnswerer answers at once with a short cited answer, except:
// a question containing "STALL" (and, when stallCondense is set, every
// condensing) waits until its context ends, as a stalled model endpoint
// would, and returns its error; one containing "BLOCK" waits for release
// (or its context). It records every call with its context's deadline.
type stubAnswerer struct {
	stallCondense bool
	release       chan struct{}

	mu    sync.Mutex
	calls []stubCall
}

// stubCall is one call to a stubAnswerer.
type stubCall struct {
	method, text string
	at, end      time.Time
	deadline     time.Time
}

func newStub() *stubAnswerer { return &stubAnswerer{release: make(chan struct{})} }

func (s *stubAnswerer) record(ctx context.Context, method, text string) func() {
	d, _ := ctx.Deadline()
	s.mu.Lock()
	s.calls = append(s.calls, stubCall{method: method, text: text, at: time.Now(), deadline: d})
	i := len(s.calls) - 1
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.calls[i].end = time.Now()
		s.mu.Unlock()
	}
}

// callsTo returns the calls of method.
func (s *stubAnswerer) callsTo(method string) []stubCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []stubCall
	for _, c := range s.calls {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

var stubDate = time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC)

func (s *stubAnswerer) Ask(ctx context.Context, q string, _ func(string)) (answer.Answer, error) {
	defer s.record(ctx, "ask", q)()
	switch {
	case strings.Contains(q, "STALL"):
		<-ctx.Done()
		return answer.Answer{}, ctx.Err()
	case strings.Contains(q, "BLOCK"):
		select {
		case <-s.release:
		case <-ctx.Done():
			return answer.Answer{}, ctx.Err()
		}
	}
	return answer.Answer{
		Question: q, Text: "Fifty-eight people were evacuated [1].", Mode: answer.ModeLLM, AsOf: stubDate,
		Sources: []answer.Source{{N: 1, ArticleID: "a1", Title: "Civilians evacuated", Published: stubDate, URL: "https://example.com/a1"}},
	}, nil
}

func (s *stubAnswerer) Condense(ctx context.Context, _ []answer.Turn, followUp string) (string, error) {
	defer s.record(ctx, "condense", followUp)()
	if s.stallCondense {
		<-ctx.Done()
		return "", ctx.Err()
	}
	return followUp, nil
}

func (s *stubAnswerer) Summarize(ctx context.Context, _ answer.OverviewOptions) (answer.Summary, error) {
	defer s.record(ctx, "summary", "")()
	return answer.Summary{Text: "Talks went on [1].", Mode: answer.ModeExtractive, AsOf: stubDate, Articles: 1,
		Sources: []answer.Source{{N: 1, ArticleID: "a1", Title: "Talks", Published: stubDate}}}, nil
}

func (s *stubAnswerer) Timeline(ctx context.Context, _ answer.OverviewOptions) (answer.Timeline, error) {
	defer s.record(ctx, "timeline", "")()
	return answer.Timeline{Refused: true, Text: "No dated events.", AsOf: stubDate}, nil
}
