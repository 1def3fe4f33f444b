package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/situationbot/bot/corpus"
)

// AddOptions adjusts what Add writes.
type AddOptions struct {
	// Published, when set, is the publication date to record, whatever the
	// page says. It is required when the page gives no date.
	Published time.Time
	// Title is used when the page has no title (for example, a feed's).
	Title string
	// FallbackPublished is used when the page gives no date and Published
	// is zero (for example, a feed item's date).
	FallbackPublished time.Time
	// Now is the clock, used to refuse dates in the future; default time.Now.
	Now func() time.Time
}

// Added describes an article that Add wrote.
type Added struct {
	Article   corpus.Article // as corpus.Load reads the new file back
	Path      string         // the file written
	FirstLine string         // first line of the article text, for a confirmation
	Page      Page           // what was extracted: date source, byline, language…
}

// Add fetches the article at rawURL and writes it into corpusDir as
// "<published>-<slug>.md" (see corpus.Write), with its title, publication
// date, source (the site's name, else its host) and URL (canonical, else
// the final URL after redirects; tracking parameters removed).
//
// Nothing is written when the URL is bad or refused, the fetch fails, the
// page has no article, no date can be found and opt.Published is zero
// (ErrNoDate), or the article is already in the corpus: same URL (requested,
// final or canonical, compared by NormalizeURL) or same text (compared
// case- and white-space-insensitively), reported as a *DuplicateError
// naming the existing article. Two Adds to the same directory at the same
// time may both pass the duplicate check; callers serialise them.
func Add(ctx context.Context, c *Client, corpusDir, rawURL string, opt AddOptions) (Added, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	u, err := ParseURL(rawURL)
	if err != nil {
		return Added{}, err
	}
	idx, err := readIndex(corpusDir)
	if err != nil {
		return Added{}, err
	}
	if id, ok := idx.urls[NormalizeURL(u.String())]; ok {
		return Added{}, &DuplicateError{ID: id, Why: "same URL"}
	}

	doc, err := c.Get(ctx, u.String())
	if err != nil {
		return Added{}, err
	}
	page, err := Extract(doc.HTML, doc.URL)
	if err != nil {
		return Added{}, err
	}
	for _, s := range []string{doc.URL.String(), page.Canonical} {
		if id, ok := idx.urls[NormalizeURL(s)]; ok && s != "" {
			return Added{}, &DuplicateError{ID: id, Why: "same URL"}
		}
	}
	if id, ok := idx.texts[textKey(page.Text)]; ok {
		return Added{}, &DuplicateError{ID: id, Why: "same text"}
	}

	a, err := article(page, doc.URL, opt)
	if err != nil {
		return Added{}, err
	}
	path, err := corpus.Write(corpusDir, a)
	if err != nil {
		return Added{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Added{}, fmt.Errorf("read back %s: %w", path, err)
	}
	back, err := corpus.Parse(strings.TrimSuffix(filepath.Base(path), ".md"), data)
	if err != nil {
		return Added{}, fmt.Errorf("read back %s: %w", path, err)
	}
	first, _, _ := strings.Cut(back.Body, "\n")
	return Added{Article: back, Path: path, FirstLine: first, Page: page}, nil
}

// article builds the corpus article for an extracted page.
func article(p Page, final *url.URL, opt AddOptions) (corpus.Article, error) {
	title := collapse(p.Title)
	if title == "" {
		title = collapse(opt.Title)
	}
	if title == "" {
		return corpus.Article{}, ErrNoTitle
	}
	pub := p.Published
	if !opt.Published.IsZero() {
		pub = opt.Published
	}
	if pub.IsZero() {
		pub = opt.FallbackPublished
	}
	if pub.IsZero() {
		return corpus.Article{}, ErrNoDate
	}
	day := time.Date(pub.Year(), pub.Month(), pub.Day(), 0, 0, 0, 0, time.UTC)
	now := opt.Now()
	if today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC); day.After(today.AddDate(0, 0, 1)) {
		return corpus.Article{}, fmt.Errorf("%w: %s", ErrFutureDate, day.Format(corpus.DateLayout))
	}
	link := p.Canonical
	if link == "" {
		link = final.String()
	}
	source := p.SiteName
	if source == "" {
		source = strings.TrimPrefix(final.Hostname(), "www.")
	}
	return corpus.Article{
		Title:     title,
		Published: day,
		Source:    source,
		URL:       CleanURL(link),
		Body:      p.Text,
	}, nil
}

// index maps what identifies an article to the ID of the corpus article that
// has it.
type index struct {
	urls  map[string]string // NormalizeURL(url) → ID
	texts map[string]string // textKey(body) → ID
}

// readIndex loads the corpus directory to check for duplicates. Files that
// do not parse are ignored, as Load ignores them.
func readIndex(dir string) (index, error) {
	arts, _, err := corpus.LoadDir(dir, corpus.Options{})
	if err != nil {
		return index{}, fmt.Errorf("read corpus: %w", err)
	}
	idx := index{urls: map[string]string{}, texts: map[string]string{}}
	for _, a := range arts {
		if a.URL != "" {
			idx.urls[NormalizeURL(a.URL)] = a.ID
		}
		idx.texts[textKey(a.Body)] = a.ID
	}
	return idx, nil
}

// textKey identifies an article text regardless of case and white space.
func textKey(text string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(collapse(text))))
	return hex.EncodeToString(sum[:])
}

// tracking reports whether a query parameter only tracks the reader.
func tracking(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "utm_") || k == "fbclid" || k == "gclid" || k == "mc_cid" || k == "mc_eid"
}

// CleanURL removes the fragment and the tracking parameters (utm_*, fbclid,
// gclid, mc_cid, mc_eid) from raw, and lower-cases its scheme and host. A
// string that does not parse is returned unchanged.
func CleanURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return raw
	}
	u.Fragment, u.RawFragment = "", ""
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	q, dropped := u.Query(), false
	for k := range q {
		if tracking(k) {
			q.Del(k)
			dropped = true
		}
	}
	if dropped {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// NormalizeURL returns the key under which two URLs of the same article
// compare equal: host lower-cased, without "www." and its default port, scheme
// ignored (http and https), fragment and tracking parameters dropped, the
// other parameters sorted, a trailing slash ignored. A string that does not
// parse is returned trimmed.
func NormalizeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	host := strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), "www.")
	if p := u.Port(); p != "" && p != "80" && p != "443" {
		host += ":" + p
	}
	q := u.Query()
	var keys []string
	for k := range q {
		if !tracking(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := q[k]
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	key := "//" + host + strings.TrimRight(u.EscapedPath(), "/")
	if len(parts) > 0 {
		key += "?" + strings.Join(parts, "&")
	}
	return key
}
