package answer

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/llm/llmtest"
)

// clock is a settable time for the breaker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2014, 2, 7, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestBreakerStates walks the breaker through its states with the
// default options: three failures open it for 30 s, a failed probe
// doubles the cool-down up to 5 min, a successful one closes it.
func TestBreakerStates(t *testing.T) {
	clk := newClock()
	b := newBreaker(Options{})
	b.now = clk.Now
	wantState := func(open bool, failures int, until time.Duration) {
		t.Helper()
		o, f, u := b.state()
		var wantUntil time.Time
		if open {
			wantUntil = clk.Now().Add(until)
		}
		if o != open || f != failures || !u.Equal(wantUntil) {
			t.Fatalf("state() = %t, %d, %v; want %t, %d, %v", o, f, u, open, failures, wantUntil)
		}
	}
	wantAllow := func(ok, probe bool) {
		t.Helper()
		if gotOK, gotProbe := b.allow(); gotOK != ok || gotProbe != probe {
			t.Fatalf("allow() = %t, %t; want %t, %t", gotOK, gotProbe, ok, probe)
		}
	}

	b.failure()
	b.failure()
	b.success() // a success in between resets the count
	b.failure()
	b.failure()
	wantAllow(true, false)
	wantState(false, 2, 0)
	if opened, cool := b.failure(); !opened || cool != DefaultBreakerCoolDown {
		t.Fatalf("third failure: opened %t for %v, want true for %v", opened, cool, DefaultBreakerCoolDown)
	}
	wantState(true, 3, 30*time.Second)
	wantAllow(false, false)
	// Calls under way when it opened fail too: they do not extend it.
	if opened, _ := b.failure(); opened {
		t.Fatal("a failure while open reopened the breaker")
	}
	wantState(true, 4, 30*time.Second)

	clk.Add(30 * time.Second)
	wantAllow(false, true)  // the cool-down is over: one probe
	wantAllow(false, false) // and only one
	b.probed(false, false)  // cancelled: the next caller probes
	wantAllow(false, true)

	// Each failed probe doubles the cool-down, up to 5 minutes.
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute} {
		if got := b.probed(false, true); got != want {
			t.Fatalf("cool-down after a failed probe = %v, want %v", got, want)
		}
		wantAllow(false, false)
		clk.Add(want - time.Second)
		wantAllow(false, false)
		clk.Add(time.Second)
		wantAllow(false, true)
	}
	b.probed(true, true)
	wantState(false, 0, 0)
	wantAllow(true, false)

	// Opened again, it starts from the base cool-down.
	for range 3 {
		b.failure()
	}
	wantState(true, 3, 30*time.Second)
	// A call that was under way and succeeds closes it.
	b.success()
	wantState(false, 0, 0)
}

func TestBreakerOptions(t *testing.T) {
	b := newBreaker(Options{BreakerFailures: -1})
	for range 10 {
		b.failure()
	}
	if open, n, _ := b.state(); open || n != 10 {
		t.Errorf("disabled breaker: state() = %t, %d; want closed after 10 failures", open, n)
	}
	b = newBreaker(Options{BreakerFailures: 1, BreakerCoolDown: time.Second, BreakerMaxCoolDown: 3 * time.Second})
	clk := newClock()
	b.now = clk.Now
	if opened, cool := b.failure(); !opened || cool != time.Second {
		t.Fatalf("one failure with BreakerFailures 1: opened %t for %v", opened, cool)
	}
	for _, want := range []time.Duration{2 * time.Second, 3 * time.Second, 3 * time.Second} {
		if got := b.probed(false, true); got != want {
			t.Errorf("cool-down = %v, want %v", got, want)
		}
	}
}

// failingClient is the llm client against srv without retries, so that a
// question costs one request.
func failingClient(srv *llmtest.Server) *llm.Client {
	return llm.New(discard(), llm.Config{BaseURL: srv.URL, ChatModel: "test-model", Timeout: 2 * time.Second, MaxRetries: -1})
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBreakerShutsOutTheModel drives an engine against a model that
// answers 503: after three failed questions the engine stops calling it,
// answers every kind of request extractively at once with a note saying
// so, and once the cool-down is over probes the model in the background;
// when the model answers again the breaker closes and answers come from
// the model.
func TestBreakerShutsOutTheModel(t *testing.T) {
	ctx := context.Background()
	srv := llmtest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	down := true
	srv.SetChatFunc(func(req llmtest.ChatRequest) llmtest.Reply {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return llmtest.Reply{Status: http.StatusServiceUnavailable}
		}
		return llmtest.DefaultReply(req)
	})
	setDown := func(d bool) {
		mu.Lock()
		defer mu.Unlock()
		down = d
	}
	e := New(discard(), testIndex(t), failingClient(srv), Options{})
	clk := newClock()
	e.breaker.now = clk.Now

	for i := 1; i <= 3; i++ {
		a, err := e.Ask(ctx, evacuationQ, nil)
		if err != nil || !a.Fallback || !strings.Contains(a.Text, "did not answer") {
			t.Fatalf("question %d with the model down = %q (fallback %t), %v", i, a.Text, a.Fallback, err)
		}
	}
	open, failures, until := e.ModelState()
	if !open || failures != 3 || !until.Equal(clk.Now().Add(DefaultBreakerCoolDown)) {
		t.Fatalf("ModelState() = %t, %d, %v after 3 failures; want open, 3, in 30 s", open, failures, until)
	}
	calls := srv.ChatCalls()

	// While open: nothing reaches the model, and the notes say why.
	a, err := e.Ask(ctx, evacuationQ, nil)
	if err != nil || !a.Fallback || a.Mode != ModeExtractive || !strings.Contains(a.Text, "not answering at the moment") || !strings.Contains(a.Text, "58") {
		t.Errorf("question while open = %q (mode %s, fallback %t), %v", a.Text, a.Mode, a.Fallback, err)
	}
	q, err := e.Condense(ctx, history, "And who said so?")
	if err != nil || !strings.Contains(q, evacuationQ) {
		t.Errorf("Condense while open = %q, %v; want the combination", q, err)
	}
	s, err := e.Summarize(ctx, OverviewOptions{})
	if err != nil || !s.Fallback || !strings.Contains(s.Text, "not answering at the moment") {
		t.Errorf("summary while open = %q (fallback %t), %v", s.Text, s.Fallback, err)
	}
	tl, err := e.Timeline(ctx, OverviewOptions{})
	if err != nil || !tl.Fallback || len(tl.Events) == 0 || !strings.Contains(TimelineText(tl), "not answering at the moment") {
		t.Errorf("timeline while open: fallback %t, %d events, %v:\n%s", tl.Fallback, len(tl.Events), err, TimelineText(tl))
	}
	if got := srv.ChatCalls(); got != calls {
		t.Errorf("the model got %d calls while the breaker was open", got-calls)
	}

	// The cool-down over, a question starts a probe and is answered at
	// once; the probe fails and the cool-down doubles.
	clk.Add(DefaultBreakerCoolDown)
	if a, _ := e.Ask(ctx, evacuationQ, nil); !a.Fallback {
		t.Errorf("question that starts the probe: mode %s, want a fallback", a.Mode)
	}
	waitFor(t, "the failed probe", func() bool {
		_, _, u := e.ModelState()
		return u.Equal(clk.Now().Add(2 * DefaultBreakerCoolDown))
	})
	if got := srv.ChatCalls(); got != calls+1 {
		t.Errorf("the probe made %d calls, want 1", got-calls)
	}
	if a, _ := e.Ask(ctx, evacuationQ, nil); !a.Fallback || srv.ChatCalls() != calls+1 {
		t.Errorf("question after a failed probe: fallback %t, %d more calls; want a fallback without a call", a.Fallback, srv.ChatCalls()-calls-1)
	}

	// The model back, the next probe closes the breaker.
	setDown(false)
	clk.Add(2 * DefaultBreakerCoolDown)
	e.Ask(ctx, evacuationQ, nil)
	waitFor(t, "the breaker to close", func() bool {
		open, _, _ := e.ModelState()
		return !open
	})
	probe := srv.Requests()[srv.ChatCalls()-1]
	if len(probe.Messages) != 2 || !strings.HasSuffix(probe.Messages[1].Content, "Follow-up: When?") {
		t.Errorf("probe messages = %q, want the one-line rewrite", probe.Messages)
	}
	a, err = e.Ask(ctx, evacuationQ, nil)
	if err != nil || a.Mode != ModeLLM || a.Fallback {
		t.Errorf("question after the breaker closed: mode %s fallback %t, %v", a.Mode, a.Fallback, err)
	}
	if open, failures, until := e.ModelState(); open || failures != 0 || !until.IsZero() {
		t.Errorf("ModelState() = %t, %d, %v; want closed", open, failures, until)
	}
}

// TestBreakerCountsFailuresOnly checks what is not a failure of the
// model: refusals, ungrounded and truncated replies, and calls the caller
// cancelled.
func TestBreakerCountsFailuresOnly(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	e := New(discard(), testIndex(t), failingClient(srv), Options{})
	srv.Enqueue(
		llmtest.Reply{Content: "NOT_FOUND"},
		llmtest.Reply{Content: "Fifty-eight people left."},
		llmtest.Reply{Content: "The government said 58 people [1]", FinishReason: "length"},
		llmtest.Reply{Status: http.StatusInternalServerError},
		llmtest.Reply{Status: http.StatusInternalServerError},
		llmtest.Reply{Content: "NOT_FOUND"},
		llmtest.Reply{Status: http.StatusInternalServerError},
		llmtest.Reply{Status: http.StatusInternalServerError},
	)
	for i := range 8 {
		if _, err := e.Ask(context.Background(), evacuationQ, nil); err != nil {
			t.Fatalf("question %d: %v", i+1, err)
		}
	}
	if open, failures, _ := e.ModelState(); open || failures != 2 {
		t.Errorf("ModelState() = %t, %d; want closed with 2 failures (a reply in between resets the count)", open, failures)
	}

	// A question abandoned by its asker is not the model's failure.
	srv.Enqueue(llmtest.Reply{Stall: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := e.Ask(ctx, evacuationQ, nil); err != context.Canceled {
		t.Errorf("cancelled question: error %v, want context.Canceled", err)
	}
	if open, failures, _ := e.ModelState(); open || failures != 2 {
		t.Errorf("after a cancelled question ModelState() = %t, %d; want closed, 2", open, failures)
	}
}

// TestBreakerIgnoresOwnDeadlines: a healthy but slow model cut off by the
// question's own shares of its deadline (a follow-up's condense) is not
// failing, and the breaker stays closed.
func TestBreakerIgnoresOwnDeadlines(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.SetChatFunc(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "How many people were evacuated from Homs?", Stall: 300 * time.Millisecond}
	})
	e := New(discard(), testIndex(t), modelClient(srv), Options{})
	for range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), 450*time.Millisecond)
		e.Condense(ctx, []Turn{{Question: evacuationQ, Answer: "58 [1]."}}, "and on saturday?")
		cancel()
	}
	if open, failures, _ := e.ModelState(); open || failures != 0 {
		t.Errorf("ModelState() = %t, %d after condenses cut by their own deadline; want closed, 0", open, failures)
	}
}

// TestBreakerCountsStallsCutByQuestion: a model that writes nothing for
// most of the client's timeout is failing even when the question's own
// deadline, a little shorter than that timeout, is what ends each wait:
// three such questions open the breaker.
func TestBreakerCountsStallsCutByQuestion(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.SetChatFunc(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Stall: time.Hour} })
	e := New(discard(), testIndex(t), modelClient(srv), Options{}) // client timeout 500 ms
	for i := range DefaultBreakerFailures {
		ctx, cancel := context.WithTimeout(context.Background(), 450*time.Millisecond)
		a, err := e.Ask(ctx, evacuationQ, nil)
		cancel()
		if err != nil || !a.Fallback {
			t.Fatalf("question %d: Ask = %q (fallback %t), %v; want the fallback", i, a.Text, a.Fallback, err)
		}
	}
	if open, failures, _ := e.ModelState(); !open || failures != DefaultBreakerFailures {
		t.Errorf("ModelState() = %t, %d after %d silent calls cut by the question's deadline; want open", open, failures, DefaultBreakerFailures)
	}
}
