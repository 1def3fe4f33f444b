package fetch

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// meta is what a page says about itself outside its article text: <meta>
// tags, <link rel=canonical>, JSON-LD, <time> elements, <title>, <html lang>.
type meta struct {
	tags      map[string]string // first content per lower-case property, name or itemprop
	canonical string            // <link rel=canonical href>, as written
	lang      string            // <html lang>
	title     string            // <title> text
	ld        []ldItem          // JSON-LD objects, top level and @graph members
	times     []timeElem        // <time datetime> elements in document order
}

// ldItem is the part of one JSON-LD object that extraction uses.
type ldItem struct {
	article   bool // its @type is an article (NewsArticle, BlogPosting…)
	published string
	headline  string
	publisher string
	lang      string
}

// timeElem is one <time datetime> element.
type timeElem struct {
	datetime  string
	published bool // itemprop=datePublished or the pubdate attribute
	inArticle bool // inside an <article> element
}

// readMeta walks the whole document once and collects its metadata.
func readMeta(doc *html.Node) meta {
	m := meta{tags: map[string]string{}}
	var walk func(n *html.Node, inArticle bool)
	walk = func(n *html.Node, inArticle bool) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				m.lang = attr(n, "lang")
			case atom.Title:
				if m.title == "" {
					m.title = collapse(textOf(n))
				}
			case atom.Meta:
				content := strings.TrimSpace(attr(n, "content"))
				if content == "" {
					content = strings.TrimSpace(attr(n, "value"))
				}
				for _, k := range []string{"property", "name", "itemprop"} {
					if key := strings.ToLower(strings.TrimSpace(attr(n, k))); key != "" && content != "" {
						if _, seen := m.tags[key]; !seen {
							m.tags[key] = content
						}
					}
				}
			case atom.Link:
				if m.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
					m.canonical = strings.TrimSpace(attr(n, "href"))
				}
			case atom.Script:
				if strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") {
					m.ld = append(m.ld, parseLD(textOf(n))...)
				}
				return
			case atom.Time:
				if dt := strings.TrimSpace(attr(n, "datetime")); dt != "" {
					_, pubdate := attrOK(n, "pubdate")
					published := pubdate || strings.EqualFold(attr(n, "itemprop"), "datePublished")
					m.times = append(m.times, timeElem{datetime: dt, published: published, inArticle: inArticle})
				}
			case atom.Article:
				inArticle = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inArticle)
		}
	}
	walk(doc, false)
	return m
}

// parseLD reads the objects of one JSON-LD script: a single object, an
// array of them, or a @graph. Malformed JSON gives nothing.
func parseLD(text string) []ldItem {
	text = strings.TrimSpace(text)
	text = strings.TrimSuffix(strings.TrimPrefix(text, "<!--"), "-->")
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil
	}
	var items []ldItem
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 3 {
			return
		}
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				visit(e, depth+1)
			}
		case map[string]any:
			if g, ok := v["@graph"]; ok {
				visit(g, depth+1)
			}
			it := ldItem{
				article:   isArticleType(v["@type"]),
				published: ldString(v["datePublished"]),
				headline:  ldString(v["headline"]),
				lang:      ldString(v["inLanguage"]),
			}
			if p, ok := v["publisher"].(map[string]any); ok {
				it.publisher = ldString(p["name"])
			}
			if it != (ldItem{}) {
				items = append(items, it)
			}
		}
	}
	visit(v, 0)
	return items
}

// isArticleType reports whether a JSON-LD @type (a string or a list)
// names a kind of article.
func isArticleType(t any) bool {
	switch t := t.(type) {
	case string:
		return strings.HasSuffix(t, "Article") || strings.HasSuffix(t, "BlogPosting") ||
			t == "Report" || t == "SocialMediaPosting"
	case []any:
		for _, e := range t {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

// ldString returns a JSON-LD value as text: a string, or the first string
// of a list.
func ldString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case []any:
		if len(v) > 0 {
			return ldString(v[0])
		}
	}
	return ""
}

// publishedMetaKeys are the <meta> properties, names and itemprops that carry
// a publication date, most specific first.
var publishedMetaKeys = []string{
	"article:published_time", "og:published_time", "og:article:published_time",
	"article:published", "datepublished", "parsely-pub-date", "sailthru.date",
	"publishdate", "publish-date", "publish_date", "pubdate", "article.published",
	"dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created",
	"dc.date", "dcterms.date", "citation_publication_date", "date",
}

// urlDate matches a /YYYY/MM/DD/ date in a URL path, as many news sites
// put there.
var urlDate = regexp.MustCompile(`/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(?:/|$)`)

// published returns the publication date the page declares and where it was
// found, or the zero time. It tries, in order: JSON-LD datePublished of an
// article (then of anything), the <meta> tags above, a <time> marked as
// publication date, the first <time> inside <article>, the date the
// readability library found (fallback), and a /YYYY/MM/DD/ date in the
// canonical or page URL. A value that does not parse as a date is skipped.
func (m meta) published(libDate string, urls ...string) (time.Time, string) {
	var cands []struct{ value, from string }
	add := func(value, from string) {
		if value != "" {
			cands = append(cands, struct{ value, from string }{value, from})
		}
	}
	for _, article := range []bool{true, false} {
		for _, it := range m.ld {
			if it.article == article {
				add(it.published, "json-ld")
			}
		}
	}
	for _, k := range publishedMetaKeys {
		add(m.tags[k], "meta "+k)
	}
	for _, t := range m.times {
		if t.published {
			add(t.datetime, "time pubdate")
		}
	}
	for _, t := range m.times {
		if t.inArticle {
			add(t.datetime, "time in article")
			break
		}
	}
	add(libDate, "readability")
	for _, c := range cands {
		if t, ok := parseDate(c.value); ok {
			return t, c.from
		}
	}
	for _, u := range urls {
		pu, err := url.Parse(u)
		if err != nil || u == "" {
			continue
		}
		if s := urlDate.FindStringSubmatch(pu.Path); s != nil {
			if t, ok := parseDate(s[1] + "-" + s[2] + "-" + s[3]); ok {
				return t, "url"
			}
		}
	}
	return time.Time{}, ""
}

// dateLayouts are the date formats found in publication-date metadata.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102150405",
	"20060102",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"January 2, 2006",
	"Jan. 2, 2006",
	"Jan 2, 2006",
	"2 January 2006",
	"2006/01/02",
}

// parseDate parses a publication date in one of dateLayouts. A date keeps
// the offset it was written with, so that its calendar day is the
// publisher's. Years before 1990 or after 2200 are refused as bogus.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1990 || t.Year() > 2200 {
				return time.Time{}, false
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

// attrOK returns the value of n's attribute key and whether it is present.
func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

// hasToken reports whether the space-separated list s contains tok.
func hasToken(s, tok string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// textOf returns the text content of n and its descendants.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// collapse trims s and turns every run of white space into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
