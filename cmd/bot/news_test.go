package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// newsSite serves three article pages and an RSS feed linking to them,
// answering conditional GETs of the feed with 304.
func newsSite(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var notModified atomic.Int32
	mux := http.NewServeMux()
	var srv *httptest.Server
	page := func(n int) string {
		body := strings.Repeat(fmt.Sprintf("Aid convoy number %d reached the old city of Homs with flour, medicine and fuel for the families still trapped there. ", n), 6)
		return fmt.Sprintf(`<!doctype html><html><head><title>Convoy %d reaches Homs</title>
<meta property="article:published_time" content="2014-02-1%dT10:00:00Z"><meta property="og:site_name" content="Test Wire"></head>
<body><article><h1>Convoy %d reaches Homs</h1><p>%s</p><p>%s</p></article></body></html>`, n, n, n, body, body)
	}
	for n := 1; n <= 3; n++ {
		mux.HandleFunc(fmt.Sprintf("/news/%d", n), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page(n))
		})
	}
	mux.HandleFunc("/feed.rss", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"v1"`)
		var items strings.Builder
		for n := 1; n <= 3; n++ {
			fmt.Fprintf(&items, "<item><title>Convoy %d reaches Homs</title><link>%s/news/%d</link><guid>convoy-%d</guid><pubDate>Mon, 1%d Feb 2014 10:00:00 GMT</pubDate></item>", n, srv.URL, n, n, n)
		}
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title><link>%s</link><description>d</description>%s</channel></rss>`, srv.URL, items.String())
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &notModified
}

// TestAddAndPoll: `bot add` fetches an article into the corpus and
// indexes it, refuses it the second time; `bot poll` adds a feed's new
// articles, then nothing with a conditional GET.
func TestAddAndPoll(t *testing.T) {
	srv, notModified := newsSite(t)
	corpusDir := copyCorpus(t)
	vars := map[string]string{"CORPUS_DIR": corpusDir, "DATA_DIR": t.TempDir(), "ALLOW_PRIVATE_URLS": "true"}

	out, _, err := runBot(t, vars, "", "add", srv.URL+"/news/1")
	if err != nil || !strings.Contains(out, "added 2014-02-11-convoy-1-reaches-homs: Convoy 1 reaches Homs (11 Feb 2014, Test Wire)") {
		t.Fatalf("add: err %v\n%s", err, out)
	}
	out, _, err = runBot(t, vars, "", "ask", "What did convoy number 1 bring to Homs?")
	if err != nil || !strings.Contains(out, "flour") || !strings.Contains(out, "Convoy 1 reaches Homs") {
		t.Errorf("ask after add: err %v\n%s", err, out)
	}
	if _, _, err = runBot(t, vars, "", "add", srv.URL+"/news/1"); err == nil || !strings.Contains(err.Error(), "already in the corpus") {
		t.Errorf("adding it again: err %v, want a duplicate", err)
	}
	if _, _, err = runBot(t, map[string]string{"CORPUS_DIR": corpusDir, "DATA_DIR": vars["DATA_DIR"]}, "", "add", srv.URL+"/news/2"); err == nil || !strings.Contains(err.Error(), "public internet") {
		t.Errorf("a loopback address without ALLOW_PRIVATE_URLS: err %v", err)
	}

	vars["FEEDS"] = srv.URL + "/feed.rss"
	out, _, err = runBot(t, vars, "", "poll")
	if err != nil {
		t.Fatalf("poll: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.md"))
	if len(files) != 5 || !strings.Contains(out, "2014-02-12-convoy-2-reaches-homs") || !strings.Contains(out, "2014-02-13-convoy-3-reaches-homs") {
		t.Errorf("first poll: %d files\n%s", len(files), out)
	}
	out, _, err = runBot(t, vars, "", "poll", "--json")
	if err != nil || !strings.Contains(out, `"added":0`) || notModified.Load() != 1 {
		t.Errorf("second poll: err %v, %d not-modified answers\n%s", err, notModified.Load(), out)
	}
	if b, err := os.ReadFile(filepath.Join(vars["DATA_DIR"], "feeds.json")); err != nil || !strings.Contains(string(b), "convoy-3") {
		t.Errorf("feeds.json: %v %s", err, b)
	}
}
