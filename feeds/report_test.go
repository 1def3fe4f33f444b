package feeds

import (
	"fmt"
	"testing"
	"time"

	"github.com/situationbot/bot/internal/golden"
)

func TestReportString(t *testing.T) {
	day := time.Date(2014, 2, 8, 16, 40, 0, 0, time.UTC)
	item := func(title, link string) Item {
		return Item{Feed: "Syria Watch", Title: title, Link: link, Published: day}
	}
	rep := Report{Started: day, Finished: day, Feeds: []FeedReport{
		{
			URL: "https://news.example/syria.rss", Title: "Syria Watch", Items: 12, Skipped: 7,
			Added: []Added{
				{ID: "2014-02-08-aid-convoy-homs", Item: item("Aid convoy enters the Old City of Homs", "https://news.example/2014/02/08/aid-convoy-homs")},
				{ID: "2014-02-07-homs-evacuation", Item: item("Civilians leave besieged Homs during truce", "https://news.example/2014/02/07/homs-evacuation")},
			},
			AlreadyThere: []Item{item("Geneva talks: delegations meet face to face", "https://news.example/2014/01/25/geneva")},
			Failed: []Failure{
				{Item: item("Live: the talks, hour by hour", "https://news.example/live"), Reason: "no article text"},
				{Item: item("Truce extended", "https://news.example/truce"), Reason: "fetch: HTTP 503 Service Unavailable", Retry: true},
			},
		},
		{URL: "https://other.example/atom.xml", Title: "Other", NotModified: true},
		{URL: "https://down.example/feed", Err: &StatusError{Code: 502, Status: "502 Bad Gateway"}},
		{URL: "https://web.example/", Err: fmt.Errorf("%w (Content-Type %q)", ErrNotFeed, "text/html")},
	}}
	want := Totals{Feeds: 4, Errors: 2, NotModified: 1, Items: 12, Added: 2, AlreadyThere: 1, Failed: 2, Skipped: 7}
	if got := rep.Totals(); got != want {
		t.Errorf("Totals() = %+v, want %+v", got, want)
	}
	golden.Check(t, "testdata/report.golden", rep.String())
}
