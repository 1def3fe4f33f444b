package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/feeds"
	"github.com/situationbot/bot/fetch"
)

// adder adds articles by link, one at a time (fetch.Add's duplicate check
// needs it), and indexes each at once.
type adder struct {
	cfg    config
	client *fetch.Client
	ref    *refresher
	one    turn // one add at a time: fetch.Add's duplicate check needs it
}

func newAdder(cfg config, ref *refresher) *adder {
	return &adder{cfg: cfg, ref: ref, one: newTurn(), client: fetch.New(fetch.Config{AllowPrivate: cfg.AllowPrivateURLs})}
}

// add fetches rawURL, writes the article into the corpus folder and
// indexes it. err is a failure to add, and then nothing was written;
// indexErr is a failure to index what was added (the embedder is down,
// say): the article is in the corpus, and the next refresh indexes it.
func (d *adder) add(ctx context.Context, rawURL string, opt fetch.AddOptions) (added fetch.Added, indexErr, err error) {
	if err := d.one.take(ctx); err != nil {
		return added, nil, err
	}
	defer d.one.give()
	added, err = fetch.Add(ctx, d.client, d.cfg.CorpusDir, rawURL, opt)
	if err != nil {
		return added, nil, err
	}
	if d.ref != nil {
		if _, err := d.ref.refresh(ctx, false, nil); err != nil {
			d.ref.lg.Warn("article added, but not indexed yet; the next refresh retries", "article", added.Article.ID, "err", err)
			return added, err, nil
		}
	}
	return added, nil, nil
}

// addItem is the feeds.AddFunc: a feed item goes through the same path,
// with the feed's title and date where the page lacks them. Duplicates are
// "already there"; failures that another try would not mend are permanent.
func (d *adder) addItem(ctx context.Context, it feeds.Item) (string, error) {
	added, _, err := d.add(ctx, it.Link, fetch.AddOptions{Title: it.Title, FallbackPublished: it.Published})
	var st *fetch.StatusError
	switch {
	case err == nil:
		return added.Article.ID, nil
	case errors.Is(err, fetch.ErrDuplicate):
		return "", fmt.Errorf("%w: %w", feeds.ErrAlreadyThere, err)
	case errors.As(err, &st) && st.Code >= 400 && st.Code < 500 && st.Code != 408 && st.Code != 429,
		errors.Is(err, fetch.ErrNoArticle), errors.Is(err, fetch.ErrNotHTML), errors.Is(err, fetch.ErrTooLarge),
		errors.Is(err, fetch.ErrNoDate), errors.Is(err, fetch.ErrNoTitle), errors.Is(err, fetch.ErrBadURL),
		errors.Is(err, fetch.ErrScheme), errors.Is(err, fetch.ErrPrivateAddress), errors.Is(err, fetch.ErrFutureDate):
		return "", feeds.Permanent(err)
	}
	return "", err
}

// newFollower is the feed follower of cfg.Feeds, adding through d.
func newFollower(cfg config, a *app, d *adder) (*feeds.Follower, error) {
	return feeds.New(feeds.Config{Feeds: cfg.Feeds, DataDir: cfg.DataDir, Logger: a.lg, Add: d.addItem,
		// Feeds are fetched with the same safety as articles.
		HTTPClient: d.client.HTTPClient(),
		// A feed's deadline covers each item's add too: a fetch, then indexing.
		Timeout: 2 * time.Minute})
}

// cmdAdd adds one article by link: bot add URL [--published DATE] [--json].
func cmdAdd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("add URL [--published YYYY-MM-DD] [--json]", "Fetch a news article by link into CORPUS_DIR and index it.")
	published := fs.String("published", "", "publication date YYYY-MM-DD (needed when the page gives none; overrides it)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	commonFlags(fs, &cfg)
	rest, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("add needs one URL: bot add https://… [--published YYYY-MM-DD]")
	}
	var opt fetch.AddOptions
	if *published != "" {
		t, err := time.Parse(corpus.DateLayout, *published)
		if err != nil {
			return fmt.Errorf("--published %q: want YYYY-MM-DD", *published)
		}
		opt.Published = t
	}
	cfg.guardRemovals = true
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	added, indexErr, err := newAdder(cfg, a.refresher).add(ctx, rest[0], opt)
	if errors.Is(err, fetch.ErrNoDate) {
		return errors.New("no publication date found on the page: give --published YYYY-MM-DD")
	}
	if err != nil {
		return err
	}
	art := added.Article
	if indexErr != nil {
		fmt.Fprintf(stderr, "warning: %s is in the corpus but not indexed yet (%v); `bot ingest` indexes it\n", art.ID, indexErr)
	}
	if *asJSON {
		return writeJSON(stdout, map[string]string{"id": art.ID, "path": added.Path, "title": art.Title,
			"published": art.Published.Format(corpus.DateLayout), "source": art.Source, "url": art.URL,
			"first_line": added.FirstLine, "date_from": added.Page.DateFrom})
	}
	fmt.Fprintf(stdout, "added %s: %s (%s, %s)\n%s\n", art.ID, art.Title, corpus.HumanDate(art.Published), orDash(art.Source), added.FirstLine)
	return nil
}

// cmdPoll does one round over the feeds (for cron): bot poll [--json].
func cmdPoll(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("poll [--json]", "One round over the feeds (FEEDS, FEEDS_FILE): add their new articles to CORPUS_DIR and index\nthem. Exits 1 when a feed failed (for cron).")
	asJSON := fs.Bool("json", false, "print the round's report as JSON")
	commonFlags(fs, &cfg)
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if err := noArgs("poll", pos); err != nil {
		return err
	}
	if len(cfg.Feeds) == 0 {
		return errors.New("no feeds to poll: set FEEDS or FEEDS_FILE")
	}
	cfg.guardRemovals = true
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	f, err := newFollower(cfg, a, newAdder(cfg, a.refresher))
	if err != nil {
		return err
	}
	rep, err := f.Poll(ctx)
	if *asJSON {
		if jerr := writeJSON(stdout, pollJSON(rep)); jerr != nil {
			return jerr
		}
	} else {
		fmt.Fprint(stdout, rep.String())
	}
	if err != nil {
		return err
	}
	for _, fr := range rep.Feeds {
		if fr.Err != nil {
			return errSilent // reported above; a cron job sees the failure
		}
	}
	return nil
}

// pollJSON is the --json shape of a round.
func pollJSON(rep feeds.Report) map[string]any {
	type item struct {
		ID     string `json:"id,omitempty"`
		Title  string `json:"title"`
		Link   string `json:"link"`
		Reason string `json:"reason,omitempty"`
		Retry  bool   `json:"retry,omitempty"`
	}
	var out []map[string]any
	for _, fr := range rep.Feeds {
		added, there, failed := []item{}, []item{}, []item{}
		for _, ad := range fr.Added {
			added = append(added, item{ID: ad.ID, Title: ad.Item.Title, Link: ad.Item.Link})
		}
		for _, it := range fr.AlreadyThere {
			there = append(there, item{Title: it.Title, Link: it.Link})
		}
		for _, f := range fr.Failed {
			failed = append(failed, item{Title: f.Item.Title, Link: f.Item.Link, Reason: f.Reason, Retry: f.Retry})
		}
		e := ""
		if fr.Err != nil {
			e = fr.Err.Error()
		}
		out = append(out, map[string]any{"url": fr.URL, "title": fr.Title, "items": fr.Items, "added": added,
			"already_there": there, "failed": failed, "skipped": fr.Skipped, "not_modified": fr.NotModified, "error": e})
	}
	t := rep.Totals()
	return map[string]any{"feeds": out, "added": t.Added, "already_there": t.AlreadyThere, "errors": t.Errors}
}
