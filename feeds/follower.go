package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/situationbot/bot/fetch"
)

// Config configures a Follower.
type Config struct {
	// Feeds are the feed URLs, as ParseFeeds or ReadFeedsFile give them.
	Feeds []string
	// DataDir holds feeds.json, the follower's memory.
	DataDir string
	// Timeout bounds each feed's request (connection, headers and body) and
	// each call to Add. Default DefaultTimeout (20s).
	Timeout time.Duration
	// MaxBytes bounds a feed's body. Default DefaultMaxBytes (5 MiB).
	MaxBytes int64
	// Backfill is how many of a feed's newest entries are added when the
	// feed is first seen (first read successfully); the older ones are
	// marked as seen and never added. Zero means DefaultBackfill (10);
	// BackfillNone (or any negative number) adds none. Later rounds add
	// every entry not seen before.
	Backfill int
	// HTTPClient makes the requests. Default: a client with Timeout.
	HTTPClient *http.Client
	// Logger gets warnings and a line per feed polled. Default: discard.
	Logger *slog.Logger
	// Add adds the article of a new entry. Required.
	Add AddFunc
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Follower polls a set of feeds and adds their new entries to the corpus.
// Its methods are safe for concurrent use; rounds never overlap.
type Follower struct {
	cfg    Config
	lg     *slog.Logger
	client *http.Client

	round sync.Mutex // held for a whole round

	mu    sync.Mutex // guards state
	state *state
}

// New returns a Follower for cfg, with what it remembers from
// cfg.DataDir/feeds.json. It fails only on a bad Config.
func New(cfg Config) (*Follower, error) {
	var errs []error
	if cfg.Add == nil {
		errs = append(errs, errors.New("feeds: no Add function"))
	}
	if cfg.DataDir == "" {
		errs = append(errs, errors.New("feeds: no data directory"))
	}
	if cfg.Timeout < 0 || cfg.MaxBytes < 0 {
		errs = append(errs, errors.New("feeds: negative Timeout or MaxBytes"))
	}
	for _, u := range cfg.Feeds {
		if err := checkURL(u); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Backfill == 0 {
		cfg.Backfill = DefaultBackfill
	} else if cfg.Backfill < 0 {
		cfg.Backfill = 0
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	cfg.Feeds = append([]string(nil), cfg.Feeds...)
	return &Follower{
		cfg:    cfg,
		lg:     cfg.Logger,
		client: client,
		state:  loadState(cfg.Logger, cfg.DataDir),
	}, nil
}

// Poll runs one round: it reads every feed in turn and adds the entries not
// seen before, newest first. A feed that cannot be read is reported in its
// FeedReport and the round goes on. Poll returns an error only when ctx is
// done before the round ends, or feeds.json cannot be saved; the Report is
// valid either way. A second Poll waits for the first to end.
func (f *Follower) Poll(ctx context.Context) (Report, error) {
	f.round.Lock()
	defer f.round.Unlock()
	rep := Report{Started: f.cfg.Now()}
	var saveErr error
	for _, u := range f.cfg.Feeds {
		if ctx.Err() != nil {
			break
		}
		fr := f.pollFeed(ctx, u)
		rep.Feeds = append(rep.Feeds, fr)
		if err := f.save(); err != nil {
			saveErr = err
		}
		if fr.Err != nil {
			f.lg.Warn("feed unreadable", "url", u, "err", fr.Err)
		} else {
			f.lg.Info("feed polled", "url", u, "not_modified", fr.NotModified, "items", fr.Items,
				"added", len(fr.Added), "already_there", len(fr.AlreadyThere), "failed", len(fr.Failed), "skipped", fr.Skipped)
		}
	}
	rep.Finished = f.cfg.Now()
	return rep, errors.Join(ctx.Err(), saveErr)
}

// save writes the state to feeds.json.
func (f *Follower) save() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state.save(f.cfg.DataDir)
}

// pollFeed reads one feed and adds its new entries.
func (f *Follower) pollFeed(ctx context.Context, u string) FeedReport {
	rep := FeedReport{URL: u}
	now := f.cfg.Now()
	f.mu.Lock()
	fst := f.state.Feeds[u]
	if fst == nil {
		fst = newFeedState()
		f.state.Feeds[u] = fst
	}
	fst.LastPoll = now
	first := fst.LastSuccess.IsZero()
	v := validators{ETag: fst.ETag, LastModified: fst.LastModified}
	rep.Title = fst.Title
	f.mu.Unlock()

	dctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	doc, err := download(dctx, f.client, u, v, f.cfg.MaxBytes)
	cancel()
	if err != nil {
		rep.Err = err
		if ctx.Err() == nil { // else the round was cut short, not the feed's fault
			f.locked(func() { fst.LastError = err.Error() })
		}
		return rep
	}
	if doc.notModified {
		rep.NotModified = true
		f.locked(func() { fst.LastSuccess, fst.LastError = now, "" })
		return rep
	}

	title := strings.TrimSpace(doc.feed.Title)
	if title == "" {
		title = doc.base.Hostname()
	}
	rep.Title = title
	es := entries(doc, title)
	rep.Items = len(es)
	var fresh []entry
	for _, e := range es {
		if _, ok := fst.Seen[e.key]; !ok {
			fresh = append(fresh, e)
		}
	}
	if first && len(fresh) > f.cfg.Backfill {
		// Entries are newest first: the backlog past Backfill is let go.
		f.locked(func() {
			for _, e := range fresh[f.cfg.Backfill:] {
				fst.Seen[e.key] = now
			}
		})
		rep.Skipped = len(fresh) - f.cfg.Backfill
		fresh = fresh[:f.cfg.Backfill]
	}

	complete := true // every entry of the document is now seen
	for _, e := range fresh {
		if ctx.Err() != nil {
			complete = false
			break
		}
		if !f.addEntry(ctx, fst, e, now, &rep) {
			complete = false
		}
	}

	f.locked(func() {
		present := make(map[string]bool, len(es))
		for _, e := range es {
			present[e.key] = true
		}
		for k, t := range fst.Seen {
			if !present[k] && now.Sub(t) > forgetAfter {
				delete(fst.Seen, k)
			}
		}
		for k := range fst.Pending {
			if !present[k] {
				delete(fst.Pending, k)
			}
		}
		fst.Title, fst.LastSuccess, fst.LastError = title, now, ""
		// The validators are kept only when nothing is left to do with
		// this version of the feed; else a 304 would hide the entries
		// still to be added.
		fst.ETag, fst.LastModified = "", ""
		if complete {
			fst.ETag, fst.LastModified = doc.valid.ETag, doc.valid.LastModified
		}
	})
	return rep
}

// addEntry hands e to Add and records the outcome in fst and rep. It reports
// whether e is now seen.
func (f *Follower) addEntry(ctx context.Context, fst *feedState, e entry, now time.Time, rep *FeedReport) bool {
	if e.item.Link == "" {
		rep.Failed = append(rep.Failed, Failure{Item: e.item, Reason: "no http or https link"})
		f.locked(func() { fst.Seen[e.key] = now })
		return true
	}
	actx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	id, err := f.cfg.Add(actx, e.item)
	cancel()
	switch {
	case err == nil:
		rep.Added = append(rep.Added, Added{ID: id, Item: e.item})
		f.locked(func() { fst.Added++ })
	case errors.Is(err, ErrAlreadyThere):
		rep.AlreadyThere = append(rep.AlreadyThere, e.item)
	case IsPermanent(err):
		rep.Failed = append(rep.Failed, Failure{Item: e.item, Reason: err.Error()})
		f.lg.Warn("feed entry not added", "link", e.item.Link, "retry", false, "err", err)
	case ctx.Err() != nil:
		return false // cut short, not the entry's fault: not counted
	default:
		n := fst.Pending[e.key] + 1
		f.lg.Warn("feed entry not added", "link", e.item.Link, "retry", n < maxAttempts, "rounds", n, "err", err)
		if n < maxAttempts {
			rep.Failed = append(rep.Failed, Failure{Item: e.item, Reason: err.Error(), Retry: true})
			f.locked(func() { fst.Pending[e.key] = n })
			return false
		}
		rep.Failed = append(rep.Failed, Failure{Item: e.item, Reason: fmt.Sprintf("%v (failed %d rounds)", err, n)})
	}
	f.locked(func() {
		fst.Seen[e.key] = now
		delete(fst.Pending, e.key)
	})
	return true
}

// locked runs fn holding the state lock.
func (f *Follower) locked(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// entry is a feed entry and the key it is remembered by.
type entry struct {
	key  string
	item Item
}

// entries returns the entries of doc that can be told apart (they have a
// GUID or a link), each once, newest first: by publication date, else
// update date; entries with neither keep their feed order after the dated
// ones. A link is resolved against the feed's URL; one that is not http or
// https is left empty.
func entries(doc document, feedTitle string) []entry {
	var es []entry
	seen := make(map[string]bool)
	for _, it := range doc.feed.Items {
		if it == nil {
			continue
		}
		link := it.Link
		if link == "" && len(it.Links) > 0 {
			link = it.Links[0]
		}
		link = fetch.AbsURL(doc.base, link)
		key := strings.TrimSpace(it.GUID)
		if key == "" {
			key = link
		}
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		var published time.Time
		switch {
		case it.PublishedParsed != nil:
			published = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			published = *it.UpdatedParsed
		}
		es = append(es, entry{key: key, item: Item{
			Feed:      feedTitle,
			GUID:      strings.TrimSpace(it.GUID),
			Link:      link,
			Title:     strings.TrimSpace(it.Title),
			Published: published,
		}})
	}
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].item.Published, es[j].item.Published
		if a.IsZero() || b.IsZero() {
			return !a.IsZero() && b.IsZero()
		}
		return a.After(b)
	})
	return es
}

// Status returns what the follower knows of each configured feed, in the
// order of Config.Feeds.
func (f *Follower) Status() []FeedStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FeedStatus, 0, len(f.cfg.Feeds))
	for _, u := range f.cfg.Feeds {
		s := FeedStatus{URL: u}
		if fst := f.state.Feeds[u]; fst != nil {
			s.Title, s.LastPoll, s.LastSuccess, s.LastError = fst.Title, fst.LastPoll, fst.LastSuccess, fst.LastError
			s.Items, s.Pending, s.Added = len(fst.Seen), len(fst.Pending), fst.Added
		}
		out = append(out, s)
	}
	return out
}
