package discord

import (
	"fmt"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRateLimiter(2, time.Minute, 100)
	r.now = func() time.Time { return now }
	for i := 0; i < 2; i++ {
		if ok, _, _ := r.allow("u"); !ok {
			t.Fatalf("question %d refused", i+1)
		}
	}
	ok, wait, notice := r.allow("u")
	if ok || wait != 30*time.Second || !notice {
		t.Fatalf("third question: ok=%t wait=%v notice=%t, want refused for 30s (one question a half minute), with a notice", ok, wait, notice)
	}
	if ok, _, notice := r.allow("u"); ok || notice {
		t.Errorf("fourth question: ok=%t notice=%t, want refused without a second notice", ok, notice)
	}
	if ok, _, _ := r.allow("other"); !ok {
		t.Error("another user was limited")
	}
	now = now.Add(31 * time.Second)
	if ok, _, _ := r.allow("u"); !ok {
		t.Error("still limited after a question's worth of time")
	}
	if ok, _, notice := r.allow("u"); ok || notice {
		t.Errorf("refused again within the window: ok=%t notice=%t, want no second notice", ok, notice)
	}
	now = now.Add(time.Minute)
	if ok, _, _ := r.allow("u"); !ok {
		t.Error("limited after a window of rest")
	}
	r.allow("u")
	if ok, _, notice := r.allow("u"); ok || !notice {
		t.Errorf("refused a window after the last notice: ok=%t notice=%t, want a new notice", ok, notice)
	}
}

// TestRateLimiterBounded checks that the users remembered stay bounded,
// the idle ones forgotten first.
func TestRateLimiterBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRateLimiter(1, time.Minute, 10)
	r.now = func() time.Time { return now }
	for i := range 5 {
		r.allow(fmt.Sprint("idle-", i))
	}
	now = now.Add(2 * time.Minute)
	for i := range 5 {
		r.allow(fmt.Sprint("active-", i))
	}
	r.allow("new")
	for i := range 5 {
		if _, ok := r.users[fmt.Sprint("idle-", i)]; ok {
			t.Errorf("idle-%d still remembered after the map filled up", i)
		}
		if _, ok := r.users[fmt.Sprint("active-", i)]; !ok {
			t.Errorf("active-%d forgotten while idle users were there to forget", i)
		}
	}
	if ok, _, _ := r.allow("active-0"); ok {
		t.Error("an active user's limit was lost")
	}
	for i := range 100 {
		r.allow(fmt.Sprint("flood-", i))
		if n := len(r.users); n > 10 {
			t.Fatalf("%d users remembered, want at most 10", n)
		}
	}
}
