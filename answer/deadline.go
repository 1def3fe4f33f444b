package answer

import (
	"context"
	"errors"
	"time"
)

// One deadline per question. Everything a question costs (rewriting a
// follow-up, retrieval, the model's answer, an overview's many calls)
// shares the deadline of the caller's ctx, and a reserve at its end is
// kept for the extractive fallback, which takes milliseconds: whatever the
// model does, an answer is ready before the deadline. Without a deadline,
// each model call is bounded by the chat client's own timeout.

const (
	// A tenth of the time left is kept for the fallback, at least
	// minReserve and at most maxReserve.
	minReserve = 50 * time.Millisecond
	maxReserve = time.Second

	// searchShare is the most of the usable time retrieval may take, so
	// that an embedding endpoint that stalls leaves the model and the
	// fallback their time (retrieval falls back to keyword search).
	searchShare = 0.25

	// condenseShare is the part of a follow-up's usable time the model
	// may take to rewrite it; the answer to the rewritten question gets
	// the rest.
	condenseShare = 1.0 / 3
)

// reserve returns the part of the time left that is kept for the
// extractive fallback.
func reserve(left time.Duration) time.Duration {
	return min(max(left/10, minReserve), maxReserve)
}

// within returns ctx bounded to share (0 to 1) of its usable time: the
// time left before its deadline less the fallback's reserve. A ctx
// without a deadline is returned as it is (with a cancel).
func within(ctx context.Context, share float64) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	left := time.Until(dl)
	usable := max(left-reserve(left), 0)
	return context.WithDeadline(ctx, time.Now().Add(time.Duration(float64(usable)*share)))
}

// prepare returns a function that gives f's result, to be called once.
// When ctx has a deadline, f starts at once on its own goroutine: the
// extractive fallback is composed while the model writes, with CPU that
// would otherwise wait for it, so that it is ready the moment the model
// fails, even on a busy machine (16 fallbacks composed at once, after 16
// stalled calls time out together, would otherwise queue for the CPU past
// the reserve). It costs a few milliseconds of CPU per question when the
// model answers. Without a deadline, f runs when its result is asked for.
func prepare[T any](ctx context.Context, f func() T) func() T {
	if _, ok := ctx.Deadline(); !ok {
		return f
	}
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	return func() T { return <-ch }
}

// cancelled reports whether the caller cancelled ctx: nobody waits for
// the answer any more. A deadline that has passed is not a reason to
// throw away a fallback that takes milliseconds to compose.
func cancelled(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}
