package feeds

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunStops: Run polls at once, hands the report to onAdded, and returns
// when ctx is done, without waiting for the interval to pass.
func TestRunStops(t *testing.T) {
	body, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	srv := newFeedServer(t, body, "application/rss+xml")
	f := newFollower(t, t.TempDir(), newFakeCorpus(), []string{srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reports := make(chan Report, 1)
	done := make(chan struct{})
	go func() {
		f.Run(ctx, time.Hour, func(r Report) { reports <- r })
		close(done)
	}()
	rep := <-reports
	if got := rep.Totals().Added; got != 3 {
		t.Errorf("onAdded got a report of %d added, want 3", got)
	}
	cancel()
	<-done
	if n := len(srv.served()); n != 1 {
		t.Errorf("server served %d requests, want 1", n)
	}
}

// newsServer serves a feed with one new entry at each request, and counts
// the requests in busy.
func newsServer(t *testing.T, busy *atomic.Int32, overlaps *atomic.Int32) *httptest.Server {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if busy.Add(1) > 1 {
			overlaps.Add(1)
		}
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(rss("News", testEntry{guid: fmt.Sprint(i), link: fmt.Sprintf("https://news.example/%d", i), title: "News"}))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRunNoOverlap: rounds of Run and of Poll called beside it never
// overlap. Each round is one request and one Add; the request counts the
// round in, the Add counts it out, so a second request before the first
// round's Add would be an overlap.
func TestRunNoOverlap(t *testing.T) {
	const rounds = 12
	var busy, overlaps, calls atomic.Int32
	var unlocked atomic.Bool
	srv := newsServer(t, &busy, &overlaps)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var f *Follower
	add := func(ctx context.Context, it Item) (string, error) {
		if f.round.TryLock() {
			unlocked.Store(true)
			f.round.Unlock()
		}
		if calls.Add(1) == rounds {
			cancel() // within the round: no later round gets to its request
		}
		busy.Add(-1)
		return it.GUID, nil
	}
	f, err := New(Config{Feeds: []string{srv.URL}, DataDir: t.TempDir(), Add: add, Backfill: 100})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var added atomic.Int32
	wg.Add(3)
	go func() {
		defer wg.Done()
		f.Run(ctx, time.Nanosecond, func(r Report) { added.Add(int32(r.Totals().Added)) })
	}()
	for range 2 {
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				f.Poll(ctx)
			}
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d requests came during another round", n)
	}
	if unlocked.Load() {
		t.Error("Add ran without the round lock held")
	}
	if calls.Load() != rounds {
		t.Errorf("Add called %d times, want %d", calls.Load(), rounds)
	}
	if added.Load() == 0 {
		t.Error("onAdded never called")
	}
}

// TestRunRecoversPanic: a round that panics is logged, and the next round
// comes as usual.
func TestRunRecoversPanic(t *testing.T) {
	body, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	srv := newFeedServer(t, body, "application/rss+xml")
	var calls atomic.Int32
	add := func(ctx context.Context, it Item) (string, error) {
		if calls.Add(1) == 1 {
			panic("corpus on fire")
		}
		return "id-" + it.GUID, nil
	}
	var logs bytes.Buffer
	f, err := New(Config{
		Feeds: []string{srv.URL}, DataDir: t.TempDir(), Add: add,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got Report
	f.Run(ctx, time.Nanosecond, func(r Report) {
		got = r
		cancel()
	})
	if !strings.Contains(logs.String(), "feed round panicked") || !strings.Contains(logs.String(), "corpus on fire") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	if n := got.Totals().Added; n != 3 {
		t.Errorf("the round after the panic added %d, want 3", n)
	}
}
