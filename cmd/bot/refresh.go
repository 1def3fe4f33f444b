package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/retrieval"
)

// refresher keeps the index in step with the corpus folder, one refresh
// at a time, and never makes it worse: files are read safely (regular
// files only, through MAX_ARTICLE_BYTES), an article whose file fails to
// load keeps its previous version, and a refresh that would remove more
// than half of the articles, or all, is refused unless forced.
type refresher struct {
	lg  *slog.Logger
	cfg config
	ix  *retrieval.Index
	one turn // one refresh at a time
}

// turn is a lock whose wait ends with its context: a refresh or add that
// queues behind another gives up at its deadline instead of waiting on.
type turn chan struct{}

func newTurn() turn { return make(turn, 1) }

// take waits for the turn, or for ctx to end (its error is returned).
func (t turn) take(ctx context.Context) error {
	select {
	case t <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("busy with another refresh or add: %w", ctx.Err())
	}
}

// give ends the turn.
func (t turn) give() { <-t }

// refreshed is what a refresh did.
type refreshed struct {
	Report retrieval.Report
	// Skipped are the files that failed to load, each saying why (and,
	// for an article indexed before, that its previous version stays).
	Skipped []error
}

// refresh loads the corpus folder and syncs the index with it; force
// allows removing more than half of the articles.
func (r *refresher) refresh(ctx context.Context, force bool, progress retrieval.Progress) (refreshed, error) {
	if err := r.one.take(ctx); err != nil {
		return refreshed{}, err
	}
	defer r.one.give()
	arts, errs, err := corpus.LoadDir(r.cfg.CorpusDir, corpus.Options{MaxBytes: r.cfg.MaxArticleBytes})
	if err != nil {
		return refreshed{}, fmt.Errorf("load corpus %s: %w", r.cfg.CorpusDir, err)
	}
	rec, err := corpus.Reconcile(r.ix.IndexedIDs(), r.ix.Articles(), arts, errs, force)
	out := refreshed{Skipped: keptNotes(errs, rec.Kept)}
	if err != nil {
		return out, err
	}
	for _, id := range rec.Kept {
		r.lg.Warn("article file failed to load; its previous version stays indexed", "article", id)
	}
	out.Report, err = r.ix.Sync(ctx, rec.Articles, progress)
	return out, err
}

// keptNote marks a skipped file whose article stays indexed.
type keptNote struct{ err error }

func (k keptNote) Error() string { return k.err.Error() + " (its previous version stays in use)" }
func (k keptNote) Unwrap() error { return k.err }

// keptNotes returns errs with the failures of kept articles marked.
func keptNotes(errs []error, kept []string) []error {
	isKept := map[string]bool{}
	for _, id := range kept {
		isKept[id] = true
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
		var fe *corpus.FileError
		if errors.As(e, &fe) && isKept[strings.TrimSuffix(path.Base(fe.File), ".md")] {
			out[i] = keptNote{e}
		}
	}
	return out
}

// refreshEvery re-scans the corpus folder every interval until ctx is
// done, for files added by hand; a refused or failed refresh is logged and
// the index keeps serving what it had.
func (a *app) refreshEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		done, err := a.refresher.refresh(ctx, false, nil)
		for _, e := range done.Skipped {
			a.lg.Warn("article skipped", "err", e)
		}
		if err != nil {
			a.lg.Error("scheduled refresh failed; the articles indexed before stay in use", "err", err)
			continue
		}
		if r := done.Report; len(r.Added)+len(r.Updated)+len(r.Removed) > 0 {
			a.lg.Info("scheduled refresh", "added", r.Added, "updated", r.Updated, "removed", r.Removed)
		}
	}
}

// indexDir is where the index of CORPUS_DIR keeps its snapshots: a folder
// of DATA_DIR per corpus folder, so that pointing a command at another
// corpus (an eval set) neither clobbers this one's vectors nor looks like
// the removal of all its articles.
func indexDir(cfg config) string {
	if cfg.DataDir == "" {
		return ""
	}
	abs, err := filepath.Abs(cfg.CorpusDir)
	if err != nil {
		abs = cfg.CorpusDir
	}
	sum := sha256.Sum256([]byte(filepath.Clean(abs)))
	return filepath.Join(cfg.DataDir, "index", filepath.Base(abs)+"-"+hex.EncodeToString(sum[:4]))
}
