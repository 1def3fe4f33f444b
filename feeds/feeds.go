// Package feeds is the feed follower: it polls RSS, Atom and JSON feeds,
// hands every entry it has not seen before to an AddFunc that puts the
// linked article into the corpus, and remembers what it has seen and the
// feeds' cache validators in DATA_DIR/feeds.json.
//
// The package knows nothing about how an article is fetched or stored: the
// caller supplies the AddFunc, and tells the follower what happened through
// the error it returns (nil, ErrAlreadyThere, Permanent, or anything else,
// which is taken as transient and retried next round).
package feeds

import (
	"context"
	"errors"
	"time"
)

// Item is a new feed entry to add.
type Item struct {
	Feed      string    // the feed's title, to name the article's source
	GUID      string    // the entry's id (RSS guid, Atom id, JSON Feed id); may be empty
	Link      string    // the article's address, absolute, http or https
	Title     string    // the entry's title
	Published time.Time // when the entry was published (else updated); zero if the feed gives neither
}

// AddFunc adds the article an item links to; it returns the added article's
// ID, or an error; errors.Is(err, ErrAlreadyThere) means it was already in
// the corpus. A permanent failure (the page is gone, has no article text)
// should be wrapped with Permanent so the item is not tried again; any other
// error is taken as transient and the item is retried next round.
//
// The context carries a deadline of Config.Timeout.
type AddFunc func(ctx context.Context, it Item) (articleID string, err error)

// ErrAlreadyThere is what an AddFunc returns, wrapped or not, when the
// article is already in the corpus. The item is then marked as seen.
// A caller wraps its own duplicate error like this:
//
//	fmt.Errorf("%w: %w", feeds.ErrAlreadyThere, err)
var ErrAlreadyThere = errors.New("already in the corpus")

// Permanent marks err as a failure that trying again will not fix: a 4xx
// answer other than 408 and 429, a page with no article text, a link that is
// not a web page. The item is marked as seen and not tried again.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Permanent() bool { return true }

// IsPermanent reports whether err, or any error it wraps, says it is
// permanent: it was made by Permanent, or it has a method Permanent() bool
// that returns true. The method lets another package mark its own errors
// without importing this one.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// Defaults for the zero values of Config.
const (
	DefaultTimeout  = 20 * time.Second
	DefaultMaxBytes = 5 << 20
	DefaultBackfill = 10
	// DefaultInterval is a polite polling interval for Run.
	DefaultInterval = 15 * time.Minute
)

// BackfillNone, as Config.Backfill, adds none of a feed's existing entries
// when the feed is first seen: they are all marked as seen, and only entries
// that appear later are added.
const BackfillNone = -1

// maxAttempts is how many rounds an item whose Add keeps failing with a
// transient error is tried before it is given up and marked as seen, so that
// a page that always times out does not cost a fetch every round forever.
const maxAttempts = 5

// forgetAfter is how long an entry that has left its feed is remembered.
// Feeds drop old entries and rarely bring them back; one that does comes
// back as ErrAlreadyThere.
const forgetAfter = 90 * 24 * time.Hour
