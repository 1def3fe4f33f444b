package discord

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimitedUsers bounds the users whose rate limits are remembered.
const maxLimitedUsers = 10000

// rateLimiter allows each user n questions at once and n a window after
// that (a token bucket per user, refilled at n per window), and says when
// a refused user should be told so: once a window, so that a flood of
// questions gets one notice rather than one each.
type rateLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	max    int // users remembered
	now    func() time.Time
	users  map[string]*userLimit
}

// userLimit is one user's bucket, when they last asked, and until when
// they need no more notice.
type userLimit struct {
	lim      *rate.Limiter
	seen     time.Time
	noticeBy time.Time // a refusal before this has been told already
}

func newRateLimiter(n int, window time.Duration, max int) *rateLimiter {
	return &rateLimiter{n: n, window: window, max: max, now: time.Now, users: map[string]*userLimit{}}
}

// allow records a question from user and reports whether it is within the
// limit. When it is not, wait says how long until the next one is allowed
// and notice whether to tell the user: true for the first refusal in a
// window, false for the others.
func (r *rateLimiter) allow(user string) (ok bool, wait time.Duration, notice bool) {
	if r.n <= 0 {
		return true, 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	u := r.users[user]
	if u == nil {
		r.evictLocked(now)
		u = &userLimit{lim: rate.NewLimiter(rate.Every(r.window/time.Duration(r.n)), r.n)}
		r.users[user] = u
	}
	u.seen = now
	res := u.lim.ReserveN(now, 1)
	wait = res.DelayFrom(now)
	if wait == 0 {
		return true, 0, false
	}
	res.CancelAt(now) // a refused question costs nothing
	notice = !now.Before(u.noticeBy)
	if notice {
		u.noticeBy = now.Add(r.window)
	}
	return false, wait, notice
}

// evictLocked makes room for one more user: first it forgets the users
// idle for a window (their buckets are full again, so nothing is lost);
// if all are active, it forgets any tenth of them.
func (r *rateLimiter) evictLocked(now time.Time) {
	if len(r.users) < r.max {
		return
	}
	for id, u := range r.users {
		if now.Sub(u.seen) >= r.window {
			delete(r.users, id)
		}
	}
	for id := range r.users {
		if len(r.users) < r.max*9/10 {
			break
		}
		delete(r.users, id)
	}
}

// gate caps how many questions are being answered at once; the rest queue.
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
