package feeds

import (
	"fmt"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// TestBackfill: on first sight a feed gives its Backfill newest entries and
// lets the rest go; afterwards, every new entry is added.
func TestBackfill(t *testing.T) {
	// Fifteen entries, in a feed order that is not date order; entry i is
	// published on day i+1.
	var es []testEntry
	for _, i := range []int{3, 14, 0, 7, 12, 1, 9, 4, 11, 2, 13, 6, 10, 5, 8} {
		es = append(es, testEntry{
			guid:  fmt.Sprintf("g%d", i),
			link:  fmt.Sprintf("https://news.example/%d", i),
			title: fmt.Sprintf("Entry %d", i),
			date:  time.Date(2014, 1, i+1, 8, 0, 0, 0, time.UTC),
		})
	}
	newest := func(n int) []string {
		var links []string
		for i := 14; i > 14-n; i-- {
			links = append(links, fmt.Sprintf("https://news.example/%d", i))
		}
		return links
	}
	later := testEntry{guid: "g15", link: "https://news.example/15", title: "Later", date: time.Date(2014, 1, 16, 8, 0, 0, 0, time.UTC)}
	tests := []struct {
		name     string
		backfill int
		want     []string
	}{
		{"default", 0, newest(DefaultBackfill)},
		{"three", 3, newest(3)},
		{"none", BackfillNone, nil},
		{"more than there are", 100, newest(15)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFeedServer(t, rss("Backlog", es...), "application/rss+xml")
			c := newFakeCorpus()
			f := newFollower(t, t.TempDir(), c, []string{srv.URL}, func(cfg *Config) { cfg.Backfill = tc.backfill })
			fr := poll(t, f)
			if got := addedLinks(fr); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Backfill %d: added %q, want %q", tc.backfill, got, tc.want)
			}
			if fr.Skipped != 15-len(tc.want) {
				t.Errorf("Backfill %d: skipped %d, want %d", tc.backfill, fr.Skipped, 15-len(tc.want))
			}
			if st := f.Status()[0]; st.Items != 15 {
				t.Errorf("Backfill %d: %d entries known, want all 15", tc.backfill, st.Items)
			}

			// Next round: the one new entry, and none of the backlog.
			srv.set(rss("Backlog", append([]testEntry{later}, es...)...), `"v2"`, "")
			fr = poll(t, f)
			if got := addedLinks(fr); !reflect.DeepEqual(got, []string{later.link}) || fr.Skipped != 0 {
				t.Errorf("next round: added %q, skipped %d; want only %q", got, fr.Skipped, later.link)
			}
		})
	}
}

// TestEntries: entries are keyed by GUID, else link, each once; newest
// first, undated ones after in feed order; links resolved against the
// feed's URL, and only http or https kept.
func TestEntries(t *testing.T) {
	day := func(d int) *time.Time { tm := time.Date(2014, 2, d, 0, 0, 0, 0, time.UTC); return &tm }
	base, _ := url.Parse("https://news.example/feeds/syria.xml")
	doc := document{base: base, feed: &gofeed.Feed{Items: []*gofeed.Item{
		{Title: "undated 1", Link: "https://news.example/u1"},
		{Title: "old", GUID: "g-old", Link: "https://news.example/old", PublishedParsed: day(1)},
		{Title: "relative", Link: "/2014/02/05/relative", PublishedParsed: day(5)},
		{Title: "updated only", GUID: "g-upd", Link: "https://news.example/upd", UpdatedParsed: day(3)},
		{Title: "repeat of old", GUID: "g-old", Link: "https://news.example/old-again", PublishedParsed: day(9)},
		nil,
		{Title: "no key"},
		{Title: "  javascript  ", GUID: "g-js", Link: "javascript:alert(1)", PublishedParsed: day(2)},
		{Title: "undated 2", GUID: "g-u2", Links: []string{"https://news.example/u2"}},
	}}}
	type row struct{ key, title, link string }
	want := []row{
		{"https://news.example/2014/02/05/relative", "relative", "https://news.example/2014/02/05/relative"},
		{"g-upd", "updated only", "https://news.example/upd"},
		{"g-js", "javascript", ""},
		{"g-old", "old", "https://news.example/old"},
		{"https://news.example/u1", "undated 1", "https://news.example/u1"},
		{"g-u2", "undated 2", "https://news.example/u2"},
	}
	var got []row
	for _, e := range entries(doc, "Syria Watch") {
		got = append(got, row{e.key, e.item.Title, e.item.Link})
		if e.item.Feed != "Syria Watch" {
			t.Errorf("entry %q: Feed = %q", e.key, e.item.Feed)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries =\n%q\nwant\n%q", got, want)
	}
}
