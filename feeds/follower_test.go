package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// threeNew is testdata/three.rss's entries, newest first.
var threeNew = []string{
	"https://news.example/2014/02/08/aid-convoy-homs",
	"https://news.example/2014/02/07/homs-evacuation",
	"https://news.example/2014/01/25/geneva-face-to-face",
}

// TestPollTwice is the figure: a feed of three new pages gives three
// articles, then nothing, the second time for the price of a 304.
func TestPollTwice(t *testing.T) {
	body, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	srv := newFeedServer(t, body, "application/rss+xml")
	c := newFakeCorpus()
	f := newFollower(t, t.TempDir(), c, []string{srv.URL})

	rep, err := f.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Feeds) != 1 {
		t.Fatalf("first poll: %d feed reports, want 1", len(rep.Feeds))
	}
	fr := rep.Feeds[0]
	if got := addedLinks(fr); !reflect.DeepEqual(got, threeNew) {
		t.Errorf("first poll added %q, want %q (newest first)", got, threeNew)
	}
	if fr.Err != nil || fr.NotModified || fr.Items != 3 || fr.Title != "Syria Watch" {
		t.Errorf("first poll: %+v", fr)
	}
	wantItem := Item{
		Feed:      "Syria Watch",
		GUID:      "news.example-3",
		Link:      threeNew[0],
		Title:     "Aid convoy enters the Old City of Homs",
		Published: time.Date(2014, 2, 8, 16, 40, 0, 0, time.UTC),
	}
	if got := fr.Added[0]; got.ID != "a1" || got.Item.Feed != wantItem.Feed || got.Item.GUID != wantItem.GUID ||
		got.Item.Link != wantItem.Link || got.Item.Title != wantItem.Title || !got.Item.Published.Equal(wantItem.Published) {
		t.Errorf("first added = %+v, want ID a1 and %+v", got, wantItem)
	}

	rep, err = f.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fr = rep.Feeds[0]
	if len(fr.Added) != 0 || !fr.NotModified || fr.Err != nil {
		t.Errorf("second poll: %+v, want not modified and nothing added", fr)
	}
	if got := c.called(); len(got) != 3 {
		t.Errorf("Add called for %q, want the three entries once each", got)
	}
	reqs := srv.served()
	if len(reqs) != 2 {
		t.Fatalf("server served %d requests, want 2", len(reqs))
	}
	if h := reqs[0].header; h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Errorf("first request was conditional: %v", h)
	}
	second := reqs[1]
	if got := second.header.Get("If-None-Match"); got != `"v1"` {
		t.Errorf("second request If-None-Match = %q, want %q", got, `"v1"`)
	}
	if got := second.header.Get("If-Modified-Since"); got != "Sat, 08 Feb 2014 17:00:00 GMT" {
		t.Errorf("second request If-Modified-Since = %q", got)
	}
	if second.code != http.StatusNotModified {
		t.Errorf("second request got %d, want 304", second.code)
	}

	st := f.Status()
	if len(st) != 1 || st[0].Items != 3 || st[0].Added != 3 || st[0].Title != "Syria Watch" || st[0].LastError != "" || st[0].LastSuccess.IsZero() {
		t.Errorf("Status() = %+v", st)
	}
}

// TestRestart: a new Follower on the same data directory remembers what the
// last one saw, and adds only what is new.
func TestRestart(t *testing.T) {
	body, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	srv := newFeedServer(t, body, "application/rss+xml")
	dir := t.TempDir()
	c := newFakeCorpus()
	if _, err := newFollower(t, dir, c, []string{srv.URL}).Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.called()

	// The feed changes while the bot is down: one entry more, new validators.
	const newLink = "https://news.example/2014/02/09/homs-truce-extended"
	more := bytes.Replace(body, []byte("    <item>"), []byte(`    <item>
      <title>Homs truce extended by three days</title>
      <link>`+newLink+`</link>
      <guid isPermaLink="false">news.example-4</guid>
      <pubDate>Sun, 09 Feb 2014 20:00:00 GMT</pubDate>
    </item>
    <item>`), 1)
	srv.set(more, `"v2"`, "Sun, 09 Feb 2014 20:05:00 GMT")

	rep, err := newFollower(t, dir, c, []string{srv.URL}).Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fr := rep.Feeds[0]
	if got := addedLinks(fr); !reflect.DeepEqual(got, []string{newLink}) {
		t.Errorf("after restart, added %q, want only %q", got, newLink)
	}
	if got := c.called(); !reflect.DeepEqual(got, []string{newLink}) {
		t.Errorf("after restart, Add called for %q", got)
	}
	if fr.Items != 4 || fr.Skipped != 0 {
		t.Errorf("after restart: %d items, %d skipped; want 4, 0", fr.Items, fr.Skipped)
	}
	if h := srv.served()[1].header; h.Get("If-None-Match") != `"v1"` {
		t.Errorf("after restart, If-None-Match = %q, want the saved %q", h.Get("If-None-Match"), `"v1"`)
	}
}

// TestDamagedStateFile: a damaged feeds.json is read as empty, with a
// warning; the feed is seen afresh, and what is already in the corpus is
// reported so, not added twice.
func TestDamagedStateFile(t *testing.T) {
	body, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	srv := newFeedServer(t, body, "application/rss+xml")
	dir := t.TempDir()
	c := newFakeCorpus()
	if _, err := newFollower(t, dir, c, []string{srv.URL}).Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, stateFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	f := newFollower(t, dir, c, []string{srv.URL}, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	if !strings.Contains(logs.String(), "feed state damaged") {
		t.Errorf("no warning for a damaged feeds.json; logs: %s", logs.String())
	}
	rep, err := f.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fr := rep.Feeds[0]
	if len(fr.Added) != 0 || len(fr.AlreadyThere) != 3 || fr.NotModified {
		t.Errorf("after damage: added %d, already there %d, not modified %v; want 0, 3, false", len(fr.Added), len(fr.AlreadyThere), fr.NotModified)
	}
	if got := loadState(slog.New(slog.DiscardHandler), dir).Feeds[srv.URL]; got == nil || len(got.Seen) != 3 {
		t.Errorf("feeds.json after the poll: %+v, want the three entries seen", got)
	}
}

// TestAddFailures: an entry whose Add fails transiently is tried again next
// round (and the feed read whole, not conditionally); one that failed
// permanently, or was already there, is not.
func TestAddFailures(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2014, 2, d, 12, 0, 0, 0, time.UTC) }
	transient, permanent, there := "https://news.example/t", "https://news.example/p", "https://news.example/a"
	srv := newFeedServer(t, rss("Failures",
		testEntry{guid: "t", link: transient, title: "Transient", date: day(3)},
		testEntry{guid: "p", link: permanent, title: "Permanent", date: day(2)},
		testEntry{guid: "a", link: there, title: "Already there", date: day(1)},
		testEntry{guid: "n", title: "No link", date: day(4)},
	), "application/rss+xml")
	c := newFakeCorpus()
	c.have[there] = "old"
	c.setFail(transient, fmt.Errorf("fetch %s: %w", transient, context.DeadlineExceeded))
	c.setFail(permanent, Permanent(errors.New("fetch: HTTP 404 Not Found")))
	f := newFollower(t, t.TempDir(), c, []string{srv.URL})

	fr := poll(t, f)
	if got, want := c.called(), []string{transient, permanent, there}; !reflect.DeepEqual(got, want) {
		t.Errorf("round 1: Add called for %q, want %q", got, want)
	}
	if len(fr.Added) != 0 || len(fr.AlreadyThere) != 1 || len(fr.Failed) != 3 {
		t.Fatalf("round 1: %+v", fr)
	}
	wantFailed := map[string]bool{"No link": false, "Transient": true, "Permanent": false} // title → retry
	for _, x := range fr.Failed {
		if retry, ok := wantFailed[x.Item.Title]; !ok || retry != x.Retry || x.Reason == "" {
			t.Errorf("round 1 failure %+v, want retry=%v and a reason", x, retry)
		}
	}
	if st := f.Status()[0]; st.Pending != 1 || st.Items != 3 {
		t.Errorf("round 1: Status = %+v, want 1 pending, 3 seen", st)
	}

	// Round 2: only the transient one is tried, and now it works.
	c.setFail(transient, nil)
	fr = poll(t, f)
	if got := c.called(); !reflect.DeepEqual(got, []string{transient}) {
		t.Errorf("round 2: Add called for %q, want only the transient failure", got)
	}
	if got := addedLinks(fr); !reflect.DeepEqual(got, []string{transient}) {
		t.Errorf("round 2: added %q", got)
	}
	reqs := srv.served()
	if h := reqs[1].header; h.Get("If-None-Match") != "" || reqs[1].code != http.StatusOK {
		t.Errorf("round 2 request: If-None-Match %q, code %d; want an unconditional 200 while an entry waits", h.Get("If-None-Match"), reqs[1].code)
	}

	// Round 3: nothing left to do; conditional again.
	if fr = poll(t, f); !fr.NotModified {
		t.Errorf("round 3: %+v, want not modified", fr)
	}
	if got := c.called(); len(got) != 0 {
		t.Errorf("round 3: Add called for %q", got)
	}
}

// TestTransientGivesUp: an entry that fails transiently every round is given
// up after maxAttempts rounds.
func TestTransientGivesUp(t *testing.T) {
	link := "https://news.example/always-slow"
	srv := newFeedServer(t, rss("Slow", testEntry{guid: "s", link: link, title: "Slow"}), "application/rss+xml")
	c := newFakeCorpus()
	c.setFail(link, errors.New("fetch: HTTP 503 Service Unavailable"))
	f := newFollower(t, t.TempDir(), c, []string{srv.URL})
	for round := 1; round <= maxAttempts; round++ {
		fr := poll(t, f)
		if len(fr.Failed) != 1 || fr.Failed[0].Retry != (round < maxAttempts) {
			t.Fatalf("round %d: failed %+v, want retry=%v", round, fr.Failed, round < maxAttempts)
		}
	}
	poll(t, f)
	if got := c.called(); len(got) != maxAttempts {
		t.Errorf("Add called %d times, want %d", len(got), maxAttempts)
	}
	if st := f.Status()[0]; st.Pending != 0 || st.Items != 1 {
		t.Errorf("Status = %+v, want 0 pending, 1 seen", st)
	}
}

// poll runs a round of f, which follows one feed, and returns its report.
func poll(t *testing.T, f *Follower) FeedReport {
	t.Helper()
	rep, err := f.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Feeds) != 1 {
		t.Fatalf("%d feed reports, want 1", len(rep.Feeds))
	}
	return rep.Feeds[0]
}

// TestCutShort: a round cut short by its context leaves the entries it did
// not finish unseen, and the next round reads the feed whole and adds them.
func TestCutShort(t *testing.T) {
	body, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	srv := newFeedServer(t, body, "application/rss+xml")
	c := newFakeCorpus()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	f := newFollower(t, t.TempDir(), c, []string{srv.URL}, func(cfg *Config) {
		cfg.Add = func(actx context.Context, it Item) (string, error) {
			if calls++; calls == 2 {
				cancel() // the bot shuts down while the second article is fetched
				<-actx.Done()
				return "", actx.Err()
			}
			return c.add(actx, it)
		}
	})
	rep, err := f.Poll(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Poll cut short: error %v, want context.Canceled", err)
	}
	if fr := rep.Feeds[0]; len(fr.Added) != 1 || len(fr.Failed) != 0 {
		t.Errorf("round cut short: %+v, want 1 added and no failure", fr)
	}
	if st := f.Status()[0]; st.Items != 1 || st.Pending != 0 || st.LastError != "" {
		t.Errorf("Status after the cut = %+v, want 1 entry seen, none pending", st)
	}

	fr := poll(t, f)
	if got := addedLinks(fr); !reflect.DeepEqual(got, threeNew[1:]) {
		t.Errorf("next round added %q, want %q", got, threeNew[1:])
	}
	if h := srv.served()[1].header; h.Get("If-None-Match") != "" {
		t.Errorf("next round was conditional (If-None-Match %q): the unfinished entries would be missed", h.Get("If-None-Match"))
	}
}

// TestForget: an entry that has left its feed is forgotten forgetAfter
// after it was first seen; one still in the feed is remembered.
func TestForget(t *testing.T) {
	day := time.Date(2014, 2, 10, 12, 0, 0, 0, time.UTC)
	now := day
	a := testEntry{guid: "a", link: "https://news.example/a", title: "A", date: day}
	b := testEntry{guid: "b", link: "https://news.example/b", title: "B", date: day}
	srv := newFeedServer(t, rss("Forget", a, b), "application/rss+xml")
	f := newFollower(t, t.TempDir(), newFakeCorpus(), []string{srv.URL}, func(cfg *Config) {
		cfg.Now = func() time.Time { return now }
	})
	poll(t, f)
	srv.set(rss("Forget", b), `"v2"`, "")
	now = day.Add(forgetAfter / 2)
	poll(t, f)
	if st := f.Status()[0]; st.Items != 2 {
		t.Errorf("%s after a left the feed: %d entries known, want 2", now.Sub(day), st.Items)
	}
	srv.set(rss("Forget", b), `"v3"`, "")
	now = day.Add(forgetAfter + time.Hour)
	poll(t, f)
	seen := f.state.Feeds[srv.URL].Seen
	if _, ok := seen["a"]; ok || len(seen) != 1 {
		t.Errorf("%s after: seen = %v, want only b", now.Sub(day), seen)
	}
}
