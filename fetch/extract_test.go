package fetch

import (
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func mustParse(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestExtractTestdata(t *testing.T) {
	base, _ := url.Parse("https://gazette.example/world/aid")
	tests := []struct {
		file      string
		title     string
		published string // YYYY-MM-DD in the publisher's offset, or ""
		from      string
		site      string
		canonical string
		lang      string
		byline    string
		first     string // first paragraph of Text
	}{
		{
			file:      "article",
			title:     `Aid convoy reaches "Old Homs": talks resume`,
			published: "2014-02-08", // 23:30 at +02:00: the publisher's day, not UTC's
			from:      "json-ld",
			site:      "Example Gazette",
			canonical: "https://gazette.example/world/2014/02/08/aid-convoy-old-homs/?utm_source=feed&utm_medium=rss",
			lang:      "en",
			byline:    "By A. Reporter",
			first:     "A convoy of eleven lorries carrying flour, medicine and blankets reached the besieged old quarter of the city on Saturday, the first delivery of its kind in more than a year, aid workers said.",
		},
		{
			file:      "nodate",
			title:     `Second convoy reaches "Old Homs": talks resume`,
			site:      "Example Gazette",
			canonical: "https://gazette.example/world/aid-convoy-old-homs/?utm_source=feed&utm_medium=rss",
			lang:      "en",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tc.file + ".html")
			if err != nil {
				t.Fatal(err)
			}
			p, err := Extract(b, base)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			got := ""
			if !p.Published.IsZero() {
				got = p.Published.Format("2006-01-02")
			}
			if p.Title != tc.title || got != tc.published || p.SiteName != tc.site || p.Canonical != tc.canonical || p.Lang != tc.lang {
				t.Errorf("Extract(%s) = title %q, published %q, site %q, canonical %q, lang %q\nwant %q, %q, %q, %q, %q",
					tc.file, p.Title, got, p.SiteName, p.Canonical, p.Lang, tc.title, tc.published, tc.site, tc.canonical, tc.lang)
			}
			if tc.byline != "" && p.Byline != tc.byline {
				t.Errorf("byline = %q, want %q", p.Byline, tc.byline)
			}
			if tc.from != "" && p.DateFrom != tc.from {
				t.Errorf("date found in %q, want %q", p.DateFrom, tc.from)
			}
			paras := strings.Split(p.Text, "\n\n")
			if tc.first != "" && paras[0] != tc.first {
				t.Errorf("first paragraph = %q, want %q", paras[0], tc.first)
			}
			for _, para := range paras {
				if para == "" || strings.Contains(para, "\n") || strings.Contains(para, "  ") {
					t.Errorf("paragraph %q is not one collapsed line", para)
				}
			}
			for _, boiler := range []string{"Most read", "Something else", "© Example Gazette", "Home World Sport"} {
				if strings.Contains(p.Text, boiler) {
					t.Errorf("text keeps boilerplate %q:\n%s", boiler, p.Text)
				}
			}
			for _, li := range []string{"Eleven lorries entered the old quarter.", "Twelve lorries entered the old quarter."} {
				if strings.Contains(string(b), li) && !strings.Contains(p.Text, "\n\n"+li+"\n\n") {
					t.Errorf("list item %q is not its own paragraph:\n%s", li, p.Text)
				}
			}
		})
	}
}

func TestExtractNoArticle(t *testing.T) {
	b, err := os.ReadFile("testdata/nav.html")
	if err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string][]byte{"navigation only": b, "empty": nil, "not html": []byte("\x00\x01 binary")} {
		if _, err := Extract(page, nil); !errors.Is(err, ErrNoArticle) {
			t.Errorf("Extract(%s) error = %v, want ErrNoArticle", name, err)
		}
	}
}

func TestPublished(t *testing.T) {
	const body = `<p>` + "Words " + `</p>`
	page := func(head, bodyHTML string) string {
		return "<html><head>" + head + "</head><body>" + bodyHTML + body + "</body></html>"
	}
	tests := []struct {
		name, html, url string
		want, from      string
	}{
		{"article:published_time", page(`<meta property="article:published_time" content="2016-12-22T10:43:37-08:00">`, ""), "", "2016-12-22", "meta article:published_time"},
		{"og:published_time", page(`<meta property="og:published_time" content="2016-12-21">`, ""), "", "2016-12-21", "meta og:published_time"},
		{"itemprop datePublished", page(`<meta itemprop="datePublished" content="2017-01-13T00:00:04-05:00">`, ""), "", "2017-01-13", "meta datepublished"},
		{"pubdate", page(`<meta name="pubdate" content="20170113">`, ""), "", "2017-01-13", "meta pubdate"},
		{"DC.date.issued", page(`<meta name="DC.date.issued" content="2016-02-01T01:28:49">`, ""), "", "2016-02-01", "meta dc.date.issued"},
		{"sailthru.date", page(`<meta name="sailthru.date" content="2014-02-07 10:00:00">`, ""), "", "2014-02-07", "meta sailthru.date"},
		{"parsely-pub-date", page(`<meta name="parsely-pub-date" content="2023-06-07T20:54:26.829Z">`, ""), "", "2023-06-07", "meta parsely-pub-date"},
		{"RFC 1123", page(`<meta name="date" content="Fri, 07 Feb 2014 09:00:00 GMT">`, ""), "", "2014-02-07", "meta date"},
		{"json-ld object", page(`<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2015-07-24T05:36:09+01:00"}</script>`, ""), "", "2015-07-24", "json-ld"},
		{"json-ld @graph", page(`<script type="application/ld+json">{"@graph":[{"@type":"WebPage","datePublished":"2010-01-01"},{"@type":"Article","datePublished":"2014-02-08"}]}</script>`, ""), "", "2014-02-08", "json-ld"},
		{"json-ld array", page(`<script type="application/ld+json">[{"@type":"BreadcrumbList"},{"@type":["BlogPosting"],"datePublished":"2014-02-09"}]</script>`, ""), "", "2014-02-09", "json-ld"},
		{"json-ld before meta", page(`<meta property="article:published_time" content="2014-01-01"><script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2014-02-10"}</script>`, ""), "", "2014-02-10", "json-ld"},
		{"malformed json-ld skipped", page(`<script type="application/ld+json">{"datePublished": "2014-02-10",</script><meta name="date" content="2014-02-11">`, ""), "", "2014-02-11", "meta date"},
		{"unparsable meta skipped", page(`<meta property="article:published_time" content="yesterday"><meta name="date" content="2014-02-12">`, ""), "", "2014-02-12", "meta date"},
		{"time itemprop", page("", `<aside><time datetime="2020-01-01">x</time></aside><time itemprop="datePublished" datetime="2015-05-04T13:36:31+02:00">4 mai</time>`), "", "2015-05-04", "time pubdate"},
		{"time in article", page("", `<aside><time datetime="2020-01-01">x</time></aside><article><time datetime="2023-06-07T20:54:26.829Z">June 7</time></article>`), "", "2023-06-07", "time in article"},
		{"time outside article ignored", page("", `<aside><time datetime="2020-01-01">x</time></aside>`), "", "", ""},
		{"url date", page(`<link rel="canonical" href="http://www.tmz.com/2015/02/26/lupita/">`, ""), "", "2015-02-26", "url"},
		{"url date of the page", page("", ""), "https://example.com/world/2015/03/18/story.html", "2015-03-18", "url"},
		{"not a url date", page("", ""), "https://example.com/2015/13/45/story", "", ""},
		{"bogus year", page(`<meta name="date" content="0001-01-01">`, ""), "", "", ""},
		{"none", page("", ""), "https://example.com/story", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustParse(t, tc.html)
			m := readMeta(doc)
			var urls []string
			if m.canonical != "" {
				urls = append(urls, m.canonical)
			}
			urls = append(urls, tc.url)
			got, from := m.published("", urls...)
			gotDay := ""
			if !got.IsZero() {
				gotDay = got.Format("2006-01-02")
			}
			if gotDay != tc.want || from != tc.from {
				t.Errorf("published = %q from %q, want %q from %q", gotDay, from, tc.want, tc.from)
			}
		})
	}
}

func TestParseDateKeepsOffset(t *testing.T) {
	got, ok := parseDate("2014-02-08T00:30:00+02:00") // 22:30 on 7 Feb in UTC
	if !ok || got.Format("2006-01-02") != "2014-02-08" {
		t.Errorf("parseDate day = %s, %v; want the publisher's 2014-02-08", got.Format("2006-01-02"), ok)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ html, want string }{
		{`<div><p>One  <b>two</b>
		three.</p><p>Four.</p></div>`, "One two three.\n\nFour."},
		{`<div>Loose text<p>Para.</p>tail</div>`, "Loose text\n\nPara.\n\ntail"},
		{`<ul><li>a</li><li>b <a href="#">link</a></li></ul>`, "a\n\nb link"},
		{`<p>line<br>break</p>`, "line\n\nbreak"},
		{`<div><h2>Head</h2><figure><img alt="x"><figcaption>Caption</figcaption></figure></div>`, "Head\n\nCaption"},
		{`<div><p hidden>secret</p><p style="display: none">gone</p><p aria-hidden="true">no</p><script>var x;</script><p>kept</p></div>`, "kept"},
		{`<p>a&nbsp;b &amp; c</p>`, "a b & c"},
	}
	for _, tc := range tests {
		if got := plainText(mustParse(t, tc.html)); got != tc.want {
			t.Errorf("plainText(%q) = %q, want %q", tc.html, got, tc.want)
		}
	}
}

func TestPageTitle(t *testing.T) {
	tests := []struct{ lib, site, want string }{
		{"'Neutral' Snopes Fact-Checker: 'Any?' - Breitbart", "Breitbart", "'Neutral' Snopes Fact-Checker: 'Any?'"},
		{"BBC News | Obama admits gun laws frustration", "BBC News", "Obama admits gun laws frustration"},
		{"Monde - Breitbart", "Breitbart", "Monde - Breitbart"}, // one word left: keep
		{"Title - Other Site", "Breitbart", "Title - Other Site"},
		{"  Spaced\n title ", "", "Spaced title"},
	}
	for _, tc := range tests {
		if got := pageTitle(tc.lib, tc.site, meta{}); got != tc.want {
			t.Errorf("pageTitle(%q, %q) = %q, want %q", tc.lib, tc.site, got, tc.want)
		}
	}
}
