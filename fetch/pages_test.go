package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/situationbot/bot/corpus"
)

// webFixtures returns the shared folder of real news pages (see its
// README.md): $WEB_FIXTURES (absolute, or relative to this package or to
// the repository root), else ../../shared/web from this package, where it
// sits beside the repository. The test skips when it is absent. The pages
// are third-party content: they are read in place, never copied into the
// repository.
func webFixtures(t *testing.T) string {
	dirs := []string{filepath.Join("..", "..", "shared", "web")}
	if env := os.Getenv("WEB_FIXTURES"); env != "" {
		dirs = []string{env}
		if !filepath.IsAbs(env) {
			dirs = append(dirs, filepath.Join("..", env))
		}
	}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "pages")); err == nil {
			return dir
		}
	}
	t.Skipf("web fixtures not found at %s (set WEB_FIXTURES to the shared web folder)", strings.Join(dirs, " or "))
	return ""
}

// pageDates are the publication days the shared pages declare, and where:
// Readability's expected metadata has only three of them.
var pageDates = map[string]string{
	"bbc-1":     "2015-07-24", // JSON-LD datePublished
	"breitbart": "2016-12-22", // article:published_time
	"cnn":       "2016-02-01", // DC.date.issued
	"lemonde-1": "2015-05-04", // <time itemprop=datePublished>
	"nytimes-1": "2017-01-13", // itemprop=datePublished
	"theverge":  "2023-06-07", // article:published_time
	"tmz-1":     "2015-02-26", // only in the URL (and "2/26/2015" in visible text)
	"wapo-1":    "2015-03-18", // only in the URL ("March 18" without a year in the text)
}

// TestSharedPages fetches each shared page from a local server and checks
// the extraction targets: token F1 at least 0.80 per page and 0.90 on
// average against expected.txt, the title, and the publication date.
// Run it with -v to see the table of figures.
func TestSharedPages(t *testing.T) {
	dir := filepath.Join(webFixtures(t), "pages")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	c := New(Config{AllowPrivate: true})

	corpusDir := t.TempDir()
	var sum float64
	var n int
	var table strings.Builder
	table.WriteString("\n| page | precision | recall | F1 | title | date | from |\n|---|---|---|---|---|---|---|\n")
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() {
			continue
		}
		want, err := os.ReadFile(filepath.Join(dir, name, "expected.txt"))
		if err != nil {
			t.Fatal(err)
		}
		var md struct {
			Title    string  `json:"title"`
			SiteName *string `json:"siteName"`
		}
		b, err := os.ReadFile(filepath.Join(dir, name, "expected-metadata.json"))
		if err != nil || json.Unmarshal(b, &md) != nil {
			t.Fatalf("%s: metadata: %v", name, err)
		}
		doc, err := c.Get(context.Background(), srv.URL+"/"+name+"/source.html")
		if err != nil {
			t.Errorf("%s: Get: %v", name, err)
			continue
		}
		p, err := Extract(doc.HTML, doc.URL)
		if err != nil {
			t.Errorf("%s: Extract: %v", name, err)
			continue
		}
		prec, rec, f1 := tokenF1(p.Text, string(want))
		sum += f1
		n++
		titleOK := titleMatches(p.Title, md.Title)
		date := "-"
		if !p.Published.IsZero() {
			date = p.Published.Format(corpus.DateLayout)
		}
		dateOK := date == pageDates[name]
		fmt.Fprintf(&table, "| %s | %.3f | %.3f | %.3f | %s | %s %s | %s |\n", name, prec, rec, f1, yes(titleOK), date, yes(dateOK), p.DateFrom)
		if f1 < 0.80 {
			t.Errorf("%s: token F1 = %.3f, want at least 0.80", name, f1)
		}
		if !titleOK {
			t.Errorf("%s: title = %q, want %q", name, p.Title, md.Title)
		}
		if !dateOK {
			t.Errorf("%s: published = %s (from %q), want %s", name, date, p.DateFrom, pageDates[name])
		}
		added, err := Add(context.Background(), c, corpusDir, srv.URL+"/"+name+"/source.html", AddOptions{})
		if err != nil {
			t.Errorf("%s: Add: %v", name, err)
		} else if got := added.Article.Published.Format(corpus.DateLayout); got != pageDates[name] || added.Article.Title != p.Title {
			t.Errorf("%s: Add wrote %q of %s, want %q of %s", name, added.Article.Title, got, p.Title, pageDates[name])
		}
		if p.Canonical == "" || !strings.HasPrefix(p.Canonical, "http") || strings.Contains(p.Canonical, "127.0.0.1") {
			t.Errorf("%s: canonical = %q, want the original site's URL", name, p.Canonical)
		}
	}
	if n == 0 {
		t.Fatal("no pages")
	}
	if arts, errs, err := corpus.Load(os.DirFS(corpusDir)); err != nil || len(errs) != 0 || len(arts) != n {
		t.Errorf("Load of the added pages: %d articles, errors %v, %v; want %d", len(arts), errs, err, n)
	}
	avg := sum / float64(n)
	fmt.Fprintf(&table, "average F1 %.3f over %d pages\n", avg, n)
	t.Log(table.String())
	if avg < 0.90 {
		t.Errorf("average token F1 = %.3f, want at least 0.90", avg)
	}
}

// titleMatches compares a title with Readability's, which keeps a trailing
// " - Site" that Extract removes.
func titleMatches(got, want string) bool {
	got, want = collapse(got), collapse(want)
	if got == want {
		return true
	}
	rest, ok := strings.CutPrefix(want, got)
	return ok && got != "" && regexp.MustCompile(`^ [-|–—] \S.*$`).MatchString(rest)
}

var tokenRe = regexp.MustCompile(`[\p{L}\p{N}]+`)

// tokenF1 scores got against want on lower-cased word tokens, counted as
// multisets: the usual article-extraction metric.
func tokenF1(got, want string) (precision, recall, f1 float64) {
	count := func(s string) (map[string]int, int) {
		m := map[string]int{}
		toks := tokenRe.FindAllString(strings.ToLower(s), -1)
		for _, t := range toks {
			m[t]++
		}
		return m, len(toks)
	}
	g, ng := count(got)
	w, nw := count(want)
	if ng == 0 || nw == 0 {
		return 0, 0, 0
	}
	var both int
	for tok, c := range g {
		both += min(c, w[tok])
	}
	precision, recall = float64(both)/float64(ng), float64(both)/float64(nw)
	if both == 0 {
		return precision, recall, 0
	}
	return precision, recall, 2 * precision * recall / (precision + recall)
}

func yes(ok bool) string {
	if ok {
		return "ok"
	}
	return "WRONG"
}
