package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFeedErrors: a feed that cannot be read is reported, remembered for
// Status, and the round goes on with the next feed.
func TestFeedErrors(t *testing.T) {
	const maxBytes = 64 << 10
	// release ends the handlers that stall, when the test is over.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stall := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		is      func(error) bool
	}{
		{
			name:    "server error",
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) },
			is: func(err error) bool {
				var se *StatusError
				return errors.As(err, &se) && se.Code == 500 && err.Error() == "HTTP 500 Internal Server Error"
			},
		},
		{
			name:    "gone",
			handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			is:      func(err error) bool { var se *StatusError; return errors.As(err, &se) && se.Code == 404 },
		},
		{
			name: "web page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, "<!doctype html><html><head><title>News</title></head><body><p>Not a feed.</p></body></html>")
			},
			is: func(err error) bool { return errors.Is(err, ErrNotFeed) && strings.Contains(err.Error(), "text/html") },
		},
		{
			name: "broken XML",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title><item><title>Half`)
			},
			is: func(err error) bool { return errors.Is(err, ErrNotFeed) },
		},
		{
			name: "huge body, streamed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>`)
				item := []byte("<item><title>x</title><link>https://news.example/x</link></item>\n")
				for n := 0; n <= 2*maxBytes/len(item); n++ {
					if _, err := w.Write(item); err != nil {
						return
					}
				}
			},
			is: func(err error) bool { return errors.Is(err, ErrTooLarge) },
		},
		{
			name: "huge body, announced",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(1<<30))
				w.WriteHeader(http.StatusOK)
			},
			is: func(err error) bool { return errors.Is(err, ErrTooLarge) },
		},
		{
			name:    "stalls before answering",
			handler: stall,
			is:      isTimeout,
		},
		{
			name: "stalls in the body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>`)
				w.(http.Flusher).Flush()
				stall(w, r)
			},
			is: isTimeout,
		},
	}
	good, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := httptest.NewServer(tc.handler)
			defer bad.Close()
			ok := newFeedServer(t, good, "application/rss+xml")
			c := newFakeCorpus()
			f := newFollower(t, t.TempDir(), c, []string{bad.URL, ok.URL}, func(cfg *Config) {
				cfg.MaxBytes = maxBytes
				cfg.Timeout = 200 * time.Millisecond
			})
			rep, err := f.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Feeds) != 2 {
				t.Fatalf("%d feed reports, want 2", len(rep.Feeds))
			}
			if fr := rep.Feeds[0]; fr.Err == nil || !tc.is(fr.Err) {
				t.Errorf("bad feed: error %v (%T), not the one expected", fr.Err, fr.Err)
			}
			if got := len(rep.Feeds[1].Added); got != 3 {
				t.Errorf("the next feed: %d added, want 3: the round goes on", got)
			}
			if tot := rep.Totals(); tot.Errors != 1 || tot.Added != 3 {
				t.Errorf("Totals() = %+v", tot)
			}
			st := f.Status()
			if st[0].LastError == "" || !st[0].LastSuccess.IsZero() || st[0].LastPoll.IsZero() || st[1].LastError != "" {
				t.Errorf("Status() = %+v", st)
			}
		})
	}
}

// isTimeout reports whether err says a deadline passed.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
}

// TestFeedRecovers: a feed that failed on its first polls is seen for the
// first time when it first answers: Backfill applies then.
func TestFeedRecovers(t *testing.T) {
	good, err := os.ReadFile("testdata/three.rss")
	if err != nil {
		t.Fatal(err)
	}
	feed := newFeedHandler(good, "application/rss+xml")
	var down atomic.Bool
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		feed.serve(w, r)
	}))
	defer srv.Close()
	f := newFollower(t, t.TempDir(), newFakeCorpus(), []string{srv.URL}, func(cfg *Config) { cfg.Backfill = 2 })
	if fr := poll(t, f); fr.Err == nil {
		t.Fatalf("poll of a feed that is down: %+v", fr)
	}
	down.Store(false)
	fr := poll(t, f)
	if got := addedLinks(fr); len(got) != 2 || fr.Skipped != 1 {
		t.Errorf("first good poll: added %q, skipped %d; want the 2 newest, 1 skipped", got, fr.Skipped)
	}
	if st := f.Status()[0]; st.LastError != "" || st.Items != 3 {
		t.Errorf("Status() = %+v, want no error and 3 entries known", st)
	}
}
