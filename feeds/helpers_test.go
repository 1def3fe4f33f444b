package feeds

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// feedServer serves one feed document, with an ETag and a Last-Modified,
// and answers 304 to a request that sends them back. It records what it was
// asked and what it answered.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     []byte
	ctype    string
	etag     string
	lastMod  string
	requests []served
}

// served is a request the feedServer answered.
type served struct {
	header http.Header
	code   int
}

func newFeedServer(t *testing.T, body []byte, ctype string) *feedServer {
	s := newFeedHandler(body, ctype)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// newFeedHandler is a feedServer not started, for a test to wrap its serve.
func newFeedHandler(body []byte, ctype string) *feedServer {
	return &feedServer{body: body, ctype: ctype, etag: `"v1"`, lastMod: "Sat, 08 Feb 2014 17:00:00 GMT"}
}

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := http.StatusOK
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if (inm != "" && inm == s.etag) || (inm == "" && ims != "" && ims == s.lastMod) {
		code = http.StatusNotModified
	}
	s.requests = append(s.requests, served{header: r.Header.Clone(), code: code})
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
	}
	if s.lastMod != "" {
		w.Header().Set("Last-Modified", s.lastMod)
	}
	if code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	w.Header().Set("Content-Type", s.ctype)
	w.Write(s.body)
}

// set replaces the document and its validators.
func (s *feedServer) set(body []byte, etag, lastMod string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.etag, s.lastMod = body, etag, lastMod
}

// served returns the requests answered so far.
func (s *feedServer) served() []served {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]served(nil), s.requests...)
}

// fakeCorpus is an AddFunc's corpus: it holds links, refuses a link it
// holds with ErrAlreadyThere, and fails the links it is told to.
type fakeCorpus struct {
	mu    sync.Mutex
	have  map[string]string // link → article ID
	fail  map[string]error  // link → the error Add returns
	calls []Item
}

func newFakeCorpus() *fakeCorpus {
	return &fakeCorpus{have: make(map[string]string), fail: make(map[string]error)}
}

func (c *fakeCorpus) add(ctx context.Context, it Item) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		return "", fmt.Errorf("add %s: no deadline", it.Link)
	}
	c.calls = append(c.calls, it)
	if err := c.fail[it.Link]; err != nil {
		return "", err
	}
	if id, ok := c.have[it.Link]; ok {
		return "", fmt.Errorf("%w: %s is %s", ErrAlreadyThere, it.Link, id)
	}
	id := fmt.Sprintf("a%d", len(c.have)+1)
	c.have[it.Link] = id
	return id, nil
}

// setFail makes Add of link return err (nil: succeed again).
func (c *fakeCorpus) setFail(link string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail[link] = err
}

// called returns the links Add was called with, and forgets them.
func (c *fakeCorpus) called() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var links []string
	for _, it := range c.calls {
		links = append(links, it.Link)
	}
	c.calls = nil
	return links
}

// newFollower returns a Follower of urls adding to c, in dir, with a fixed
// clock; edit changes the Config first.
func newFollower(t *testing.T, dir string, c *fakeCorpus, urls []string, edit ...func(*Config)) *Follower {
	t.Helper()
	cfg := Config{
		Feeds:   urls,
		DataDir: dir,
		Add:     c.add,
		Logger:  slog.New(slog.DiscardHandler),
		Now:     func() time.Time { return time.Date(2014, 2, 10, 12, 0, 0, 0, time.UTC) },
	}
	for _, e := range edit {
		e(&cfg)
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// testEntry is an entry of a synthetic feed.
type testEntry struct {
	guid, link, title string
	date              time.Time // zero: no pubDate
}

// rss renders a synthetic RSS 2.0 feed.
func rss(title string, es ...testEntry) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>%s</title><link>https://news.example/</link>\n", html.EscapeString(title))
	for _, e := range es {
		b.WriteString("<item>")
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(e.title))
		if e.link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", html.EscapeString(e.link))
		}
		if e.guid != "" {
			fmt.Fprintf(&b, "<guid isPermaLink=\"false\">%s</guid>", html.EscapeString(e.guid))
		}
		if !e.date.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", e.date.UTC().Format(http.TimeFormat))
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// addedLinks returns the links of the entries fr added, in order.
func addedLinks(fr FeedReport) []string {
	var links []string
	for _, a := range fr.Added {
		links = append(links, a.Item.Link)
	}
	return links
}
