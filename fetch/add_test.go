package fetch

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/corpus"
)

// seed is an article already in the corpus of the Add tests.
const seed = "---\ntitle: \"Civilians evacuated from Homs\"\npublished: 2014-02-07\nurl: \"https://news.example/2014/02/07/homs/\"\n---\n\nChildren and elderly civilians were evacuated.\n"

// newCorpus returns a corpus directory holding the seed article.
func newCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2014-02-07-homs.md"), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// snapshot returns every file of dir (hidden ones included) with its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

var now = func() time.Time { return time.Date(2014, 3, 1, 12, 0, 0, 0, time.UTC) }

func TestAddWritesNothingOnError(t *testing.T) {
	srv := testServer(t)
	strict := New(Config{Timeout: 2 * time.Second})
	slow := New(Config{AllowPrivate: true, Timeout: 300 * time.Millisecond})
	tests := []struct {
		name   string
		client *Client
		url    string
		opt    AddOptions
		want   error
		says   string
	}{
		{"not a URL", testClient(), "the siege of Homs", AddOptions{}, ErrBadURL, "not a web address"},
		{"ftp", testClient(), "ftp://example.com/article.html", AddOptions{}, ErrScheme, "only http and https"},
		{"404", testClient(), srv.URL + "/404", AddOptions{}, ErrStatus, "404 Not Found"},
		{"500", testClient(), srv.URL + "/500", AddOptions{}, ErrStatus, "500 Internal Server Error"},
		{"timeout", slow, srv.URL + "/stall", AddOptions{}, ErrTimeout, "did not answer in time"},
		{"pdf", testClient(), srv.URL + "/pdf", AddOptions{}, ErrNotHTML, "a PDF"},
		{"binary", testClient(), srv.URL + "/binary", AddOptions{}, ErrNotHTML, "a binary file"},
		{"endless body", testClient(), srv.URL + "/endless", AddOptions{}, ErrTooLarge, "page larger than 256 KB"},
		{"redirect loop", testClient(), srv.URL + "/loop", AddOptions{}, ErrTooManyRedirects, "too many redirects"},
		{"no article text", testClient(), srv.URL + "/nav", AddOptions{}, ErrNoArticle, "no article text"},
		{"private address", strict, srv.URL + "/article", AddOptions{}, ErrPrivateAddress, "refusing to connect to 127.0.0.1"},
		{"no date", testClient(), srv.URL + "/nodate", AddOptions{Now: now}, ErrNoDate, "give published:YYYY-MM-DD"},
		{"future date", testClient(), srv.URL + "/article", AddOptions{Now: func() time.Time { return time.Date(2014, 2, 1, 0, 0, 0, 0, time.UTC) }}, ErrFutureDate, "2014-02-08"},
		{"same URL as the corpus", testClient(), "http://NEWS.example/2014/02/07/homs?utm_source=x#top", AddOptions{}, ErrDuplicate, "2014-02-07-homs (same URL)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := newCorpus(t)
			before := snapshot(t, dir)
			added, err := Add(context.Background(), tc.client, dir, tc.url, tc.opt)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Add(%s) = %+v, %v; want %v", tc.url, added.Path, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Add(%s) error %q does not say %q", tc.url, err, tc.says)
			}
			if after := snapshot(t, dir); !maps.Equal(before, after) {
				t.Errorf("Add(%s) changed the corpus directory: %v", tc.url, after)
			}
		})
	}
}

func TestAddThenDuplicates(t *testing.T) {
	article, err := os.ReadFile("testdata/article.html")
	if err != nil {
		t.Fatal(err)
	}
	// The same article text under another canonical URL.
	copied := bytes.Replace(article, []byte(`href="/world/2014/02/08/aid-convoy-old-homs/`), []byte(`href="/syndicated/copy.html`), 1)
	srv := testServer(t, map[string]http.HandlerFunc{"/copy": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(copied)
	}})

	dir := newCorpus(t)
	c := testClient()
	added, err := Add(context.Background(), c, dir, srv.URL+"/article", AddOptions{Now: now})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	wantPath := filepath.Join(dir, "2014-02-08-aid-convoy-reaches-old-homs-talks-resume.md")
	if added.Path != wantPath {
		t.Errorf("path = %s, want %s", added.Path, wantPath)
	}
	arts, errs, err := corpus.Load(os.DirFS(dir))
	if err != nil || len(errs) != 0 || len(arts) != 2 {
		t.Fatalf("Load after Add: %d articles, errs %v, err %v", len(arts), errs, err)
	}
	got := arts[1]
	if got != added.Article {
		t.Errorf("Added.Article = %+v\nLoad reads %+v", added.Article, got)
	}
	wantURL := srv.URL + "/world/2014/02/08/aid-convoy-old-homs/" // canonical, utm_* removed
	if got.Title != `Aid convoy reaches "Old Homs": talks resume` || got.Published.Format(corpus.DateLayout) != "2014-02-08" ||
		got.Source != "Example Gazette" || got.URL != wantURL {
		t.Errorf("written article = title %q, published %s, source %q, url %q", got.Title, got.Published.Format(corpus.DateLayout), got.Source, got.URL)
	}
	if !strings.HasPrefix(added.FirstLine, "A convoy of eleven lorries") || strings.Contains(added.FirstLine, "\n") {
		t.Errorf("FirstLine = %q", added.FirstLine)
	}
	if added.Page.DateFrom != "json-ld" {
		t.Errorf("Page.DateFrom = %q, want json-ld", added.Page.DateFrom)
	}

	before := snapshot(t, dir)
	again := []struct{ name, url, why string }{
		{"same URL", srv.URL + "/article", "same URL"}, // its canonical is in the corpus
		{"canonical, another spelling", strings.Replace(srv.URL, "http://", "HTTPS://", 1) + "/world/2014/02/08/aid-convoy-old-homs?utm_campaign=x#comments", "same URL"},
		{"same text elsewhere", srv.URL + "/copy", "same text"},
	}
	for _, tc := range again {
		_, err := Add(context.Background(), c, dir, tc.url, AddOptions{Now: now})
		var dup *DuplicateError
		if !errors.As(err, &dup) || dup.ID != "2014-02-08-aid-convoy-reaches-old-homs-talks-resume" || dup.Why != tc.why {
			t.Errorf("Add again (%s) = %v, want a duplicate of the new article (%s)", tc.name, err, tc.why)
		}
	}
	if after := snapshot(t, dir); !maps.Equal(before, after) {
		t.Errorf("duplicates changed the corpus directory")
	}
}

func TestAddOptions(t *testing.T) {
	srv := testServer(t)
	day := time.Date(2014, 2, 9, 15, 0, 0, 0, time.FixedZone("", 3600))
	tests := []struct {
		name, path string
		opt        AddOptions
		file       string
		title      string
		published  string
	}{
		{"date given for a page without one", "/nodate", AddOptions{Published: day, Now: now}, "2014-02-09-second-convoy-reaches-old-homs-talks-resume.md", `Second convoy reaches "Old Homs": talks resume`, "2014-02-09"},
		{"date given overrides the page's", "/article", AddOptions{Published: day, Now: now}, "2014-02-09-aid-convoy-reaches-old-homs-talks-resume.md", `Aid convoy reaches "Old Homs": talks resume`, "2014-02-09"},
		{"a feed's date for a page without one", "/nodate", AddOptions{FallbackPublished: day, Now: now}, "2014-02-09-second-convoy-reaches-old-homs-talks-resume.md", `Second convoy reaches "Old Homs": talks resume`, "2014-02-09"},
		{"the page's date over a feed's", "/article", AddOptions{FallbackPublished: day.AddDate(0, 0, 5), Now: now}, "2014-02-08-aid-convoy-reaches-old-homs-talks-resume.md", `Aid convoy reaches "Old Homs": talks resume`, "2014-02-08"},
		{"latin-1 page", "/latin1", AddOptions{Now: now}, "2014-02-10-les-negociations-reprennent-a-geneve.md", "Les négociations reprennent à Genève", "2014-02-10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := newCorpus(t)
			added, err := Add(context.Background(), testClient(), dir, srv.URL+tc.path, tc.opt)
			if err != nil {
				t.Fatalf("Add: %v", err)
			}
			a := added.Article
			if filepath.Base(added.Path) != tc.file || a.Title != tc.title || a.Published.Format(corpus.DateLayout) != tc.published {
				t.Errorf("Add(%s) = %s, %q, %s; want %s, %q, %s", tc.path, filepath.Base(added.Path), a.Title, a.Published.Format(corpus.DateLayout), tc.file, tc.title, tc.published)
			}
		})
	}
}

func TestArticleFallbacks(t *testing.T) {
	final, _ := ParseURL("https://www.news.example/a?utm_source=x&id=3#frag")
	pub := time.Date(2014, 2, 8, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name             string
		page             Page
		opt              AddOptions
		title, src, link string
		err              error
	}{
		{"page values", Page{Title: "T", Published: pub, SiteName: "News", Canonical: "https://news.example/c", Text: "x"}, AddOptions{Title: "Feed"}, "T", "News", "https://news.example/c", nil},
		{"fallbacks", Page{Published: pub, Text: "x"}, AddOptions{Title: " Feed\ntitle "}, "Feed title", "news.example", "https://www.news.example/a?id=3", nil},
		{"no title", Page{Published: pub, Text: "x"}, AddOptions{}, "", "", "", ErrNoTitle},
		{"no date", Page{Title: "T", Text: "x"}, AddOptions{}, "", "", "", ErrNoDate},
	}
	for _, tc := range tests {
		tc.opt.Now = now
		a, err := article(tc.page, final, tc.opt)
		if !errors.Is(err, tc.err) || err == nil && (a.Title != tc.title || a.Source != tc.src || a.URL != tc.link) {
			t.Errorf("article(%s) = %q %q %q, %v; want %q %q %q, %v", tc.name, a.Title, a.Source, a.URL, err, tc.title, tc.src, tc.link, tc.err)
		}
	}
}

func TestNormalizeURL(t *testing.T) {
	same := [][]string{
		{"https://Example.com/a/b/", "http://example.com/a/b", "https://example.com:443/a/b#x", "https://example.com/a/b?utm_source=rss&utm_medium=feed", "HTTPS://EXAMPLE.COM/a/b/?fbclid=1"},
		{"https://example.com/story?id=3&page=2", "https://example.com/story?page=2&id=3&utm_campaign=z"},
		{"https://example.com", "https://example.com/"},
		{"https://www.example.com/a/", "https://example.com/a", "https://example.com./a"},
	}
	for _, group := range same {
		for _, u := range group[1:] {
			if NormalizeURL(u) != NormalizeURL(group[0]) {
				t.Errorf("NormalizeURL(%q) = %q, want %q as for %q", u, NormalizeURL(u), NormalizeURL(group[0]), group[0])
			}
		}
	}
	different := [][2]string{
		{"https://example.com/a", "https://example.com/A"},
		{"https://example.com/story?id=3", "https://example.com/story?id=4"},
		{"https://example.com/a", "https://example.org/a"},
		{"https://example.com:8443/a", "https://example.com/a"},
	}
	for _, d := range different {
		if NormalizeURL(d[0]) == NormalizeURL(d[1]) {
			t.Errorf("NormalizeURL(%q) = NormalizeURL(%q) = %q, want different", d[0], d[1], NormalizeURL(d[0]))
		}
	}
	if got, want := CleanURL("HTTPS://News.Example/a/?utm_source=x&id=3#top"), "https://news.example/a/?id=3"; got != want {
		t.Errorf("CleanURL = %q, want %q", got, want)
	}
}
