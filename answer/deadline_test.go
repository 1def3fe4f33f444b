package answer

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/llm/llmtest"
)

// Issue 10's figure, scaled down fivefold: LLM_TIMEOUT=10s becomes 2 s,
// and so do the margins. The bounds measure the requirement; they are
// not tuned to this machine.
const (
	scale = 5
	// llmTimeout is the chat client's timeout (LLM_TIMEOUT).
	llmTimeout = 10 * time.Second / scale
	// askMargin is what the caller (the Discord bot) adds to LLM_TIMEOUT
	// for the deadline of one question (discord: questionMargin, 2 s).
	askMargin = 2 * time.Second / scale
	// Every user has an answer within LLM_TIMEOUT + 5 s, a thread
	// follow-up within LLM_TIMEOUT + 2 s.
	answerBound   = llmTimeout + 5*time.Second/scale
	followUpBound = llmTimeout + 2*time.Second/scale
)

// stalledServer is a fake OpenAI-compatible endpoint that accepts every
// chat request and never answers it.
func stalledServer(t *testing.T) *llmtest.Server {
	t.Helper()
	srv := llmtest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetChatFunc(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Stall: time.Hour} })
	return srv
}

// botClient is the llm client as cmd/bot configures it, with
// LLM_TIMEOUT=llmTimeout and the default retries.
func botClient(srv *llmtest.Server) *llm.Client {
	return llm.New(discard(), llm.Config{BaseURL: srv.URL, ChatModel: "test-model", Timeout: llmTimeout})
}

// questionCtx is the context the Discord bot gives a question: a deadline
// of LLM_TIMEOUT plus its margin.
func questionCtx(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), llmTimeout+askMargin)
}

// TestStalledModelSixteenUsers: 16 users ask at once while the endpoint
// stalls. Each has an answer (the extractive fallback) within
// LLM_TIMEOUT + 5 s, the breaker opens, and the next question does not
// wait for the model at all.
func TestStalledModelSixteenUsers(t *testing.T) {
	srv := stalledServer(t)
	e := New(discard(), testIndex(t), botClient(srv), Options{})
	questions := []string{
		evacuationQ,
		"What did the government say it would provide to women and children who leave Homs?",
		"Which organization's paramedics helped the evacuees?",
		"When will the Geneva talks resume?",
	}
	const users = 16
	type result struct {
		a       Answer
		err     error
		elapsed time.Duration
	}
	results := make([]result, users)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := questionCtx(t)
			defer cancel()
			a, err := e.Ask(ctx, questions[i%len(questions)], nil)
			results[i] = result{a, err, time.Since(start)}
		}()
	}
	wg.Wait()
	var slowest time.Duration
	for i, r := range results {
		slowest = max(slowest, r.elapsed)
		if r.err != nil || !r.a.Fallback || r.a.Mode != ModeExtractive || r.a.Text == "" {
			t.Errorf("user %d: Ask = %q (mode %s, fallback %t), %v; want the extractive fallback", i, r.a.Text, r.a.Mode, r.a.Fallback, r.err)
		}
		if r.elapsed > answerBound {
			t.Errorf("user %d answered after %v, want within LLM timeout + 5 s (%v)", i, r.elapsed.Round(time.Millisecond), answerBound)
		}
	}
	t.Logf("16 users with a stalled model (LLM timeout %v): the last answered after %v", llmTimeout, slowest.Round(time.Millisecond))
	if open, failures, _ := e.ModelState(); !open || failures < DefaultBreakerFailures {
		t.Fatalf("ModelState() = %t, %d; want open after %d stalled calls", open, failures, users)
	}

	// Later questions do not wait for the model at all.
	calls := srv.ChatCalls()
	ctx, cancel := questionCtx(t)
	defer cancel()
	t0 := time.Now()
	a, err := e.Ask(ctx, evacuationQ, nil)
	elapsed := time.Since(t0)
	t.Logf("a question with the breaker open: %v", elapsed.Round(time.Millisecond))
	if err != nil || !a.Fallback || !strings.Contains(a.Text, "58") {
		t.Errorf("question with the breaker open = %q (fallback %t), %v", a.Text, a.Fallback, err)
	}
	if srv.ChatCalls() != calls {
		t.Errorf("question with the breaker open called the model")
	}
	if elapsed > llmTimeout/4 {
		t.Errorf("question with the breaker open took %v, want no wait for the model (under %v)", elapsed, llmTimeout/4)
	}
}

// TestStalledModelFollowUp: a thread follow-up, Condense then Ask under
// the one context the bot gives it, while the endpoint stalls and the
// breaker is still closed (both calls wait), is answered within
// LLM_TIMEOUT + 2 s.
func TestStalledModelFollowUp(t *testing.T) {
	srv := stalledServer(t)
	e := New(discard(), testIndex(t), botClient(srv), Options{})
	ctx, cancel := questionCtx(t)
	defer cancel()
	start := time.Now()
	q, err := e.Condense(ctx, history, "And who said so?")
	if err != nil || !strings.Contains(q, evacuationQ) {
		t.Fatalf("Condense = %q, %v; want the combination", q, err)
	}
	condensed := time.Since(start)
	a, err := e.Ask(ctx, q, nil)
	elapsed := time.Since(start)
	t.Logf("follow-up with a stalled model (LLM timeout %v): condensed after %v, answered after %v", llmTimeout, condensed.Round(time.Millisecond), elapsed.Round(time.Millisecond))
	if err != nil || !a.Fallback || !strings.Contains(a.Text, "government") {
		t.Errorf("Ask(%q) = %q (fallback %t), %v", q, a.Text, a.Fallback, err)
	}
	if srv.ChatCalls() != 2 {
		t.Errorf("the model got %d calls, want 2 (the rewrite, then the answer)", srv.ChatCalls())
	}
	if elapsed > followUpBound {
		t.Errorf("follow-up answered after %v, want within LLM timeout + 2 s (%v)", elapsed, followUpBound)
	}
}

// TestStalledModelOverviews: /summary and /timeline with a stalled
// endpoint are answered extractively in time, however many article
// summaries the model was asked for.
func TestStalledModelOverviews(t *testing.T) {
	srv := stalledServer(t)
	e := New(discard(), testIndex(t), botClient(srv), Options{})
	ctx, cancel := questionCtx(t)
	defer cancel()
	start := time.Now()
	s, err := e.Summarize(ctx, OverviewOptions{})
	elapsed := time.Since(start)
	if err != nil || !s.Fallback || s.Mode != ModeExtractive || len(s.Sources) == 0 {
		t.Errorf("Summarize = %q (mode %s, fallback %t), %v", s.Text, s.Mode, s.Fallback, err)
	}
	if elapsed > answerBound {
		t.Errorf("summary after %v, want within LLM timeout + 5 s (%v)", elapsed, answerBound)
	}

	ctx, cancel = questionCtx(t)
	defer cancel()
	start = time.Now()
	tl, err := e.Timeline(ctx, OverviewOptions{})
	elapsed2 := time.Since(start)
	if err != nil || !tl.Fallback || len(tl.Events) == 0 {
		t.Errorf("Timeline: fallback %t, %d events, %v", tl.Fallback, len(tl.Events), err)
	}
	if elapsed2 > answerBound {
		t.Errorf("timeline after %v, want within LLM timeout + 5 s (%v)", elapsed2, answerBound)
	}
	t.Logf("stalled model: summary after %v, timeline after %v", elapsed.Round(time.Millisecond), elapsed2.Round(time.Millisecond))
}

// TestSummaryKeepsReadyArticles: when one article's summary is not ready
// in time, the summary is extractive, and the article summaries that were
// ready are cached, so that the next summary asks only for the rest.
func TestSummaryKeepsReadyArticles(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	stallEvacuation := true
	srv.SetChatFunc(func(req llmtest.ChatRequest) llmtest.Reply {
		mu.Lock()
		defer mu.Unlock()
		if stallEvacuation && strings.Contains(req.Messages[1].Content, `title="Civilians evacuated`) {
			return llmtest.Reply{Stall: time.Hour}
		}
		if strings.HasPrefix(req.Messages[0].Content, "You summarise one news article") {
			return llmtest.Reply{Content: "A summary of the article."}
		}
		return llmtest.Reply{Content: "The government said 58 people were evacuated [1]."}
	})
	e := New(discard(), testIndex(t), botClient(srv), Options{})
	ctx, cancel := questionCtx(t)
	defer cancel()
	s, err := e.Summarize(ctx, OverviewOptions{})
	if err != nil || !s.Fallback || s.Mode != ModeExtractive {
		t.Fatalf("Summarize with one article stalled = mode %s fallback %t, %v; want the extractive fallback", s.Mode, s.Fallback, err)
	}
	if n := srv.ChatCalls(); n != 2 {
		t.Errorf("%d calls, want 2 (both articles at once, no combining call)", n)
	}

	mu.Lock()
	stallEvacuation = false
	mu.Unlock()
	before := srv.ChatCalls()
	s, err = e.Summarize(context.Background(), OverviewOptions{})
	if err != nil || s.Fallback || s.Mode != ModeLLM {
		t.Fatalf("Summarize with the model answering = mode %s fallback %t, %v", s.Mode, s.Fallback, err)
	}
	if n := srv.ChatCalls() - before; n != 2 {
		t.Errorf("second summary: %d calls, want 2 (the article not cached, then the combining call)", n)
	}
}

// TestCancelledOverviews: a context done before the work starts ends a
// summary or timeline with its error, with or without a model.
func TestCancelledOverviews(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	for _, e := range []*Engine{New(discard(), testIndex(t), nil, Options{}), modelEngine(t, srv)} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := e.Summarize(ctx, OverviewOptions{}); err != context.Canceled {
			t.Errorf("Summarize with a cancelled context: %v, want context.Canceled", err)
		}
		if _, err := e.Timeline(ctx, OverviewOptions{}); err != context.Canceled {
			t.Errorf("Timeline with a cancelled context: %v, want context.Canceled", err)
		}
		if _, err := e.Ask(ctx, evacuationQ, nil); err != context.Canceled {
			t.Errorf("Ask with a cancelled context: %v, want context.Canceled", err)
		}
	}
	if n := srv.ChatCalls(); n != 0 {
		t.Errorf("%d model calls for cancelled requests", n)
	}
}

// TestHealthyModelUnderDeadline: with a deadline the fallback is composed
// while the model writes; when the model answers in time, its answer,
// summary and timeline are the ones given (and, under the race detector,
// the two goroutines share the passages safely).
func TestHealthyModelUnderDeadline(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.SetChatFunc(func(req llmtest.ChatRequest) llmtest.Reply {
		if strings.HasPrefix(req.Messages[0].Content, "You write a timeline") {
			return llmtest.Reply{Content: "2014-02-07 | The government said 58 people were evacuated [2]\n2014-01-26 | The government offered to let women and children leave [1]"}
		}
		return llmtest.DefaultReply(req)
	})
	e := New(discard(), testIndex(t), botClient(srv), Options{})
	var wg sync.WaitGroup
	for _, q := range []string{evacuationQ, "Which organization's paramedics helped the evacuees?", "When will the Geneva talks resume?"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := questionCtx(t)
			defer cancel()
			a, err := e.Ask(ctx, q, nil)
			if err != nil || a.Mode != ModeLLM || a.Fallback {
				t.Errorf("Ask(%q) = %q (mode %s, fallback %t), %v; want the model's answer", q, a.Text, a.Mode, a.Fallback, err)
			}
		}()
	}
	wg.Wait()
	ctx, cancel := questionCtx(t)
	defer cancel()
	if s, err := e.Summarize(ctx, OverviewOptions{}); err != nil || s.Mode != ModeLLM || s.Fallback {
		t.Errorf("Summarize = %q (mode %s, fallback %t), %v; want the model's summary", s.Text, s.Mode, s.Fallback, err)
	}
	if tl, err := e.Timeline(ctx, OverviewOptions{}); err != nil || tl.Mode != ModeLLM || tl.Fallback || len(tl.Events) != 2 {
		t.Errorf("Timeline = mode %s, fallback %t, %d events, %v; want the model's 2 lines", tl.Mode, tl.Fallback, len(tl.Events), err)
	}
}
