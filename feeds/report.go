package feeds

import (
	"fmt"
	"strings"
	"time"
)

// Report is what one round of Poll did.
type Report struct {
	Started, Finished time.Time
	Feeds             []FeedReport // in the order of Config.Feeds
}

// FeedReport is what a round did with one feed.
type FeedReport struct {
	URL   string
	Title string // the feed's title, as it last gave it
	// Items is the number of entries in the feed document (0 when not
	// modified or on error).
	Items int
	// Added holds the articles added this round, newest entry first.
	Added []Added
	// AlreadyThere holds the new entries whose article was already in the
	// corpus; they are marked as seen.
	AlreadyThere []Item
	// Failed holds the entries whose Add failed; Retry says whether they
	// will be tried again next round.
	Failed []Failure
	// Skipped is the number of older entries marked as seen without being
	// added, when the feed was seen for the first time (see Config.Backfill).
	Skipped int
	// NotModified is true when the server answered 304 Not Modified.
	NotModified bool
	// Err is why the feed could not be read this round: the round went on
	// with the next feed, and this one is tried again next round.
	Err error
}

// Added is an entry whose article was added.
type Added struct {
	ID   string // the article ID the AddFunc returned
	Item Item
}

// Failure is an entry whose Add failed.
type Failure struct {
	Item   Item
	Reason string
	Retry  bool // tried again next round
}

// Totals sums a Report over its feeds.
type Totals struct {
	Feeds        int // feeds polled
	Errors       int // feeds that could not be read
	NotModified  int // feeds that answered 304
	Items        int
	Added        int
	AlreadyThere int
	Failed       int
	Skipped      int
}

// Totals sums the report over its feeds.
func (r Report) Totals() Totals {
	var t Totals
	for _, f := range r.Feeds {
		t.Feeds++
		if f.Err != nil {
			t.Errors++
		}
		if f.NotModified {
			t.NotModified++
		}
		t.Items += f.Items
		t.Added += len(f.Added)
		t.AlreadyThere += len(f.AlreadyThere)
		t.Failed += len(f.Failed)
		t.Skipped += f.Skipped
	}
	return t
}

// String renders the report for a terminal: a line per feed, a line per
// article added or entry failed, then the totals.
func (r Report) String() string {
	var b strings.Builder
	for _, f := range r.Feeds {
		name := f.URL
		if f.Title != "" {
			name = fmt.Sprintf("%s <%s>", f.Title, f.URL)
		}
		switch {
		case f.Err != nil:
			fmt.Fprintf(&b, "%s: error: %v\n", name, f.Err)
			continue
		case f.NotModified:
			fmt.Fprintf(&b, "%s: not modified\n", name)
			continue
		}
		fmt.Fprintf(&b, "%s: %d entries, %d added, %d already there, %d failed", name, f.Items, len(f.Added), len(f.AlreadyThere), len(f.Failed))
		if f.Skipped > 0 {
			fmt.Fprintf(&b, ", %d older skipped on first sight", f.Skipped)
		}
		b.WriteString("\n")
		for _, a := range f.Added {
			fmt.Fprintf(&b, "  + %s %q <%s>\n", a.ID, a.Item.Title, a.Item.Link)
		}
		for _, x := range f.Failed {
			retry := "not retried"
			if x.Retry {
				retry = "will retry"
			}
			fmt.Fprintf(&b, "  ! %q <%s>: %s (%s)\n", x.Item.Title, x.Item.Link, x.Reason, retry)
		}
	}
	t := r.Totals()
	fmt.Fprintf(&b, "%d feeds (%d not modified, %d unreadable): %d added, %d already there, %d failed\n",
		t.Feeds, t.NotModified, t.Errors, t.Added, t.AlreadyThere, t.Failed)
	return b.String()
}

// FeedStatus is what the follower knows of a feed, for a /feeds command.
type FeedStatus struct {
	URL         string
	Title       string
	LastPoll    time.Time // zero if never polled
	LastSuccess time.Time // zero if never read
	LastError   string    // of the last poll; empty if it succeeded
	Items       int       // entries known (seen)
	Pending     int       // entries to be retried next round
	Added       int       // articles added from this feed, ever
}
