package feeds

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/situationbot/bot/fetch"
)

// webFixtures is the folder of saved web pages and feeds shared by the
// projects, read in place and never copied: WEB_FIXTURES, else
// ../../shared/web from this package.
func webFixtures(t *testing.T) string {
	dir := os.Getenv("WEB_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "web")
	}
	if _, err := os.Stat(filepath.Join(dir, "feeds")); err != nil {
		t.Skipf("no saved feeds (set WEB_FIXTURES to the web folder): %v", err)
	}
	return dir
}

// TestRealFeeds reads the three saved feeds, one per format, through the
// real HTTP client, and checks entries and dates against the files.
func TestRealFeeds(t *testing.T) {
	dir := filepath.Join(webFixtures(t), "feeds")
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	type spot struct {
		title, link, guid string
		published         time.Time
	}
	tests := []struct {
		file, ctype, title string
		items              int
		newest, oldest     spot
		other              spot // one from the middle
	}{
		{
			file: "guardian.rss", ctype: "application/rss+xml", title: "The Guardian", items: 55,
			newest: spot{title: "Tottenham Hotspur v Manchester United: Premier League – live!",
				link:      "https://www.theguardian.com/football/live/2018/jan/31/tottenham-hotspur-v-manchester-united-premier-league-live",
				published: at("2018-01-31T20:13:54Z")},
			oldest: spot{title: "Trump-Russia investigation: the key questions answered",
				link:      "https://www.theguardian.com/us-news/ng-interactive/2017/dec/08/donald-trump-russia-investigation-key-questions-latest-news-collusion-timeline",
				published: at("2017-12-08T12:00:02Z")},
			other: spot{title: "FBI has 'grave concerns' about Trump plan to release controversial memo",
				link:      "https://www.theguardian.com/us-news/2018/jan/31/fbi-nunes-memo-release-donald-trump",
				guid:      "https://www.theguardian.com/us-news/2018/jan/31/fbi-nunes-memo-release-donald-trump",
				published: at("2018-01-31T20:00:01Z")},
		},
		{
			file: "heise.atom", ctype: "application/atom+xml", title: "heise developer neueste Meldungen", items: 15,
			newest: spot{title: "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei",
				link:      "http://www.heise.de/developer/meldung/Java-Anwendungsserver-Red-Hat-gibt-WildFly-10-frei-3088438.html?wt_mc=rss.developer.beitrag.atom",
				guid:      "http://heise.de/-3088438",
				published: at("2016-02-01T17:22:00+01:00")},
			oldest: spot{title: "Apache Software Foundation bekommt ein neues Logo", guid: "http://heise.de/-3086458",
				published: at("2016-01-28T17:07:00+01:00")},
			other: spot{title: "Scrum Day 2016: Bewerbungen für Vorträge und Workshops", guid: "http://heise.de/-3088627",
				published: at("2016-02-01T14:29:00+01:00")},
		},
		{
			file: "inessential.json", ctype: "application/feed+json", title: "inessential.com", items: 20,
			newest: spot{title: "James Dempsey and the Breakpoints Benefit App Camp for Girls",
				link:      "http://inessential.com/2017/06/02/james_dempsey_and_the_breakpoints_benefi",
				guid:      "http://inessential.com/2017/06/02/james_dempsey_and_the_breakpoints_benefi",
				published: at("2017-06-02T22:05:47-07:00")},
			oldest: spot{title: "My CocoaConf Yosemite 2017 Talk",
				link:      "http://inessential.com/2017/03/25/my_cocoaconf_yosemite_2017_talk",
				published: at("2017-03-25T11:55:21-07:00")},
			other: spot{title: "Evergreen Diary #1: Open Source",
				link:      "http://inessential.com/2017/06/01/evergreen_diary_1_open_source",
				published: at("2017-06-01T17:27:32-07:00")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				http.ServeFile(w, r, path)
			}))
			defer srv.Close()
			f := newFollower(t, t.TempDir(), newFakeCorpus(), []string{srv.URL}, func(cfg *Config) { cfg.Backfill = 1000 })
			fr := poll(t, f)
			if fr.Err != nil || fr.Title != tc.title || fr.Items != tc.items || len(fr.Added) != tc.items {
				t.Fatalf("%s: err %v, title %q, %d items, %d added; want %q, %d items all added",
					tc.file, fr.Err, fr.Title, fr.Items, len(fr.Added), tc.title, tc.items)
			}
			byTitle := make(map[string]Item)
			for i, a := range fr.Added {
				it := a.Item
				byTitle[it.Title] = it
				if it.Feed != tc.title || it.Published.IsZero() || fetch.AbsURL(nil, it.Link) != it.Link || it.Link == "" {
					t.Errorf("entry %d: %+v", i, it)
				}
				if i > 0 && it.Published.After(fr.Added[i-1].Item.Published) {
					t.Errorf("entry %d (%s) is newer than the one before (%s): want newest first", i, it.Published, fr.Added[i-1].Item.Published)
				}
			}
			check := func(which string, got Item, want spot) {
				t.Helper()
				if got.Title != want.title || !got.Published.Equal(want.published) ||
					(want.link != "" && got.Link != want.link) || (want.guid != "" && got.GUID != want.guid) {
					t.Errorf("%s entry = %+v\nwant %+v", which, got, want)
				}
			}
			check("newest", fr.Added[0].Item, tc.newest)
			check("oldest", fr.Added[len(fr.Added)-1].Item, tc.oldest)
			check(tc.other.title, byTitle[tc.other.title], tc.other)

			// http.ServeFile gives a Last-Modified and no ETag: that alone
			// makes the next poll a 304.
			if fr := poll(t, f); !fr.NotModified || len(fr.Added) != 0 {
				t.Errorf("second poll: %+v, want not modified", fr)
			}
		})
	}
}
