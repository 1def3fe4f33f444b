package discord

import (
	"context"
	"sync"
	"time"
)

// rateLimiter allows each user at most n questions in any window (a sliding
// window log: exact, and small for the handful of entries per user).
type rateLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	now    func() time.Time
	seen   map[string][]time.Time
}

func newRateLimiter(n int, window time.Duration) *rateLimiter {
	return &rateLimiter{n: n, window: window, now: time.Now, seen: map[string][]time.Time{}}
}

// allow records a question from user and reports whether it is within the
// limit; when it is not, wait says how long until the next one is allowed.
func (r *rateLimiter) allow(user string) (ok bool, wait time.Duration) {
	if r.n <= 0 {
		return true, 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	cutoff := now.Add(-r.window)
	times := r.seen[user]
	keep := times[:0]
	for _, t := range times {
		if t.After(cutoff) {
			keep = append(keep, t)
		}
	}
	if len(keep) >= r.n {
		r.seen[user] = keep
		return false, keep[0].Add(r.window).Sub(now)
	}
	r.seen[user] = append(keep, now)
	// Forget idle users so the map does not grow without bound.
	if len(r.seen) > 10000 {
		for u, ts := range r.seen {
			if len(ts) == 0 || !ts[len(ts)-1].After(cutoff) {
				delete(r.seen, u)
			}
		}
	}
	return true, 0
}

// gate caps how many answers are being written at once; the rest queue.
type gate chan struct{}

func newGate(n int) gate {
	if n <= 0 {
		n = 1
	}
	return make(gate, n)
}

// enter waits for a free place, or for ctx to end.
func (g gate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave frees the place taken by enter.
func (g gate) leave() { <-g }
