package feeds

import (
	"context"
	"runtime/debug"
	"time"
)

// Run polls the feeds until ctx is done: a first round at once, then a round
// interval after the end of the one before (DefaultInterval when interval
// is not positive), so rounds never overlap and a slow round does not make
// the next one come sooner. After a round that added at least one article,
// even one cut short by ctx, Run calls onAdded (if not nil) with its report,
// for the caller to update the index and announce the articles; the next
// round waits for onAdded to return. A panic in a round or in onAdded is
// recovered and logged, and the next round comes as usual.
func (f *Follower) Run(ctx context.Context, interval time.Duration, onAdded func(Report)) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	for {
		f.safeRound(ctx, onAdded)
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// safeRound runs one round for Run, and recovers its panic.
func (f *Follower) safeRound(ctx context.Context, onAdded func(Report)) {
	defer func() {
		if r := recover(); r != nil {
			f.lg.Error("feed round panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if ctx.Err() != nil {
		return
	}
	rep, err := f.Poll(ctx)
	if err != nil && ctx.Err() == nil {
		f.lg.Error("feed round", "err", err)
	}
	added := rep.Totals().Added
	f.lg.Info("feed round done", "feeds", len(rep.Feeds), "added", added)
	if added > 0 && onAdded != nil {
		onAdded(rep)
	}
}
