package answer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/prompts"
)

// The circuit breaker around the chat model: after a run of failed calls
// the engine stops calling the model and answers extractively at once,
// until a probe in the background finds the model answering again.

// Defaults of the breaker's options.
const (
	DefaultBreakerFailures    = 3
	DefaultBreakerCoolDown    = 30 * time.Second
	DefaultBreakerMaxCoolDown = 5 * time.Minute

	// probeTimeout bounds a probe of the model on top of the chat
	// client's own timeout.
	probeTimeout = time.Minute
)

// errModelDown is returned instead of calling the model while the breaker
// is open.
var errModelDown = errors.New("chat model unavailable: circuit breaker open")

// breaker counts consecutive failures of the chat model and opens after
// threshold of them. While it is open no call goes through; once its
// cool-down has passed, the first call asked of it starts a probe (and is
// refused like the others), and the probe's outcome closes it or opens it
// again for twice the cool-down, up to maxCool. Any successful call closes
// it. It is safe for concurrent use.
type breaker struct {
	threshold int // < 1: never opens
	base      time.Duration
	maxCool   time.Duration
	now       func() time.Time // tests replace it

	mu       sync.Mutex
	failures int           // consecutive failures
	open     bool          // no call goes through
	until    time.Time     // while open: when the next probe may start
	coolDown time.Duration // while open: the current cool-down
	probing  bool          // a probe is running
}

func newBreaker(opt Options) *breaker {
	b := &breaker{threshold: opt.BreakerFailures, base: opt.BreakerCoolDown, maxCool: opt.BreakerMaxCoolDown, now: time.Now}
	if b.threshold == 0 {
		b.threshold = DefaultBreakerFailures
	}
	if b.base <= 0 {
		b.base = DefaultBreakerCoolDown
	}
	if b.maxCool <= 0 {
		b.maxCool = DefaultBreakerMaxCoolDown
	}
	b.maxCool = max(b.maxCool, b.base)
	return b
}

// allow reports whether a call may go to the model. When it may not and
// the cool-down is over, probe is true for exactly one caller, which must
// run the probe and report it with probed.
func (b *breaker) allow() (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true, false
	}
	if b.probing || b.now().Before(b.until) {
		return false, false
	}
	b.probing = true
	return false, true
}

// success records a call the model answered: it closes the breaker, and
// reports whether it was open.
func (b *breaker) success() (wasOpen bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	wasOpen = b.open
	b.failures, b.open, b.until, b.coolDown = 0, false, time.Time{}, 0
	return wasOpen
}

// failure records a failed call. It reports whether this failure opened
// the breaker, and for how long.
func (b *breaker) failure() (opened bool, coolDown time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.open || b.threshold < 1 || b.failures < b.threshold {
		// Calls that were under way when it opened do not extend it.
		return false, 0
	}
	b.open, b.coolDown = true, b.base
	b.until = b.now().Add(b.coolDown)
	return true, b.coolDown
}

// probed records the outcome of a probe: success closes the breaker, a
// failure keeps it open for twice the last cool-down (at most maxCool);
// a probe that could not run (cancelled) leaves it as it was, for the
// next caller to probe. It returns the cool-down now in force.
func (b *breaker) probed(ok, ran bool) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	switch {
	case !ran || !b.open:
		// Cancelled, or another call closed the breaker meanwhile.
	case ok:
		b.failures, b.open, b.until, b.coolDown = 0, false, time.Time{}, 0
	default:
		b.failures++
		b.coolDown = min(2*b.coolDown, b.maxCool)
		b.until = b.now().Add(b.coolDown)
	}
	return b.coolDown
}

// state returns whether the breaker is open, the count of consecutive
// failures, and, while open, when the next probe may start.
func (b *breaker) state() (open bool, failures int, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open, b.failures, b.until
}

// ModelState reports the circuit breaker around the chat model, for
// health checks and metrics: open is true while the engine answers
// extractively without calling the model, failures is the number of
// consecutive failed model calls, and until (while open) is when the
// cool-down ends and the next question starts a probe of the model. An
// engine without a chat model reports (false, 0, zero time).
func (e *Engine) ModelState() (open bool, failures int, until time.Time) {
	return e.breaker.state()
}

// chatModel calls the model through the breaker: while it is open, it
// returns errModelDown at once (starting a probe in the background if the
// cool-down is over), and otherwise it records the call's outcome. A
// reply cut short counts as the model answering; a call cancelled by the
// caller counts for nothing.
func (e *Engine) chatModel(ctx context.Context, msgs []llm.Message, onDelta func(string)) (string, error) {
	if ok, probe := e.breaker.allow(); !ok {
		if probe {
			go e.probe()
		}
		return "", errModelDown
	}
	if err := ctx.Err(); err != nil {
		// No time was left for the model: not its failure.
		return "", err
	}
	start := time.Now()
	text, err := e.chat.Stream(ctx, msgs, onDelta)
	if err != nil && ctx.Err() != nil && !e.stalled(ctx, text, time.Since(start)) {
		// The call was cut by the question's own deadline (a share of
		// it, a wait in a queue) before the model had a fair chance,
		// or while it was writing: not its failure.
		return text, err
	}
	e.record(err)
	return text, err
}

// stalled reports whether a call cut by ctx's deadline after took, with
// text written, counts as the model's failure: it wrote nothing in at
// least half the time the chat client itself allows a call. A model that
// stays silent that long is not answering, whoever's deadline ended the
// wait; a share of the question's deadline shortened by a queue or a
// slow retrieval is not what made it fail. Without a known client
// timeout, a cut call never counts.
func (e *Engine) stalled(ctx context.Context, text string, took time.Duration) bool {
	t, ok := e.chat.(interface{ Timeout() time.Duration })
	if !ok || text != "" || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return false
	}
	return t.Timeout() > 0 && took >= t.Timeout()/2
}

// record updates the breaker with the outcome of a model call.
func (e *Engine) record(err error) {
	switch {
	case err == nil, errors.Is(err, llm.ErrTruncated):
		if e.breaker.success() {
			e.lg.Info("chat model answering again, circuit breaker closed")
		}
	case errors.Is(err, context.Canceled):
	default:
		if opened, cool := e.breaker.failure(); opened {
			_, n, until := e.breaker.state()
			e.lg.Warn("chat model failing, circuit breaker open: answering extractively",
				"failures", n, "cool_down", cool, "until", until, "err", err)
		}
	}
}

// probeMessages is the smallest real prompt: a one-turn conversation and
// a follow-up to rewrite, answered with one short line.
func probeMessages(p *prompts.Set) ([]llm.Message, error) {
	system, user, err := p.Condense(prompts.Condense{
		Turns:    []prompts.Turn{{Question: "Were civilians evacuated from Homs?", Answer: "Yes."}},
		FollowUp: "When?",
	})
	if err != nil {
		return nil, err
	}
	return []llm.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, nil
}

// probe asks the model a tiny question and reports the outcome to the
// breaker; it runs on its own goroutine, bounded by probeTimeout.
func (e *Engine) probe() {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	msgs, err := probeMessages(e.prompts)
	if err != nil {
		e.breaker.probed(false, false)
		e.lg.Error("chat model probe not sent", "err", err)
		return
	}
	start := time.Now()
	_, err = e.chat.Stream(ctx, msgs, nil)
	ok := err == nil || errors.Is(err, llm.ErrTruncated)
	cool := e.breaker.probed(ok, !errors.Is(err, context.Canceled))
	if ok {
		e.lg.Info("chat model answering again, circuit breaker closed", "probe_duration", time.Since(start))
		return
	}
	e.lg.Warn("chat model probe failed, circuit breaker stays open", "err", err, "cool_down", cool, "probe_duration", time.Since(start))
}

// fallbackNote is the line that ends an extractive answer, summary or
// timeline given because the model failed with err; what is "this
// answer", "this summary" or "these lines", and verb agrees with it.
func fallbackNote(err error, what, verb string) string {
	why := "did not answer"
	if errors.Is(err, errModelDown) {
		why = "is not answering at the moment"
	}
	return "(The language model " + why + ", so " + what + " " + verb + " the articles directly.)"
}
