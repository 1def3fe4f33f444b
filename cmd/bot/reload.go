package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/situationbot/bot/retrieval"
)

// A reader (a shard that does not write, see config.writer) serves the
// articles the writer indexes: it watches the writer's snapshot, and when
// the writer saves it again (after a refresh, an add or a feed round, each
// of which writes the corpus folder first), it merges the snapshot's
// vectors and syncs with the corpus folder. The sync swaps the new state
// in at once, as every sync does, and embeds only what the snapshot lacks.

// followWriter checks the writer's snapshot every interval until ctx is
// done, and reloads when it changed. since is when the reader's setup
// began: a snapshot saved after that is reloaded at once, as setup may
// have read the one before it.
func (a *app) followWriter(ctx context.Context, cfg config, since time.Time) {
	if indexDir(cfg) == "" {
		a.lg.Warn("a reader without DATA_DIR has no writer's snapshot to follow; it serves the articles it loaded at start")
		return
	}
	path := retrieval.SnapshotPath(indexDir(cfg), a.index.Identity())
	last := stat(path)
	if last != nil && !last.ModTime().Before(since) {
		last = nil
	}
	t := time.NewTicker(cfg.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := stat(path)
		if !changed(last, cur) {
			continue
		}
		done, err := a.refresher.reload(ctx, path)
		for _, e := range done.Skipped {
			a.lg.Warn("article skipped", "err", e)
		}
		if err != nil {
			// last is left as it was: the next tick tries again.
			a.lg.Error("reloading the writer's index failed; the articles loaded before stay in use", "snapshot", path, "err", err)
			continue
		}
		last = cur
		r := done.Report
		a.lg.Info("reloaded the writer's index", "added", r.Added, "updated", r.Updated, "removed", r.Removed,
			"chunks", r.Chunks, "embedded", r.Embedded, "elapsed", r.Elapsed.Round(time.Millisecond))
	}
}

// reload merges the vectors of the snapshot at path, then syncs the index
// with the corpus folder, following the writer: removals are not guarded,
// as the writer guarded them.
func (r *refresher) reload(ctx context.Context, path string) (refreshed, error) {
	if _, err := r.ix.LoadSnapshot(path); err != nil {
		return refreshed{}, fmt.Errorf("read the writer's snapshot: %w", err)
	}
	return r.refresh(ctx, true, nil)
}

// stat returns the snapshot file's information, or nil when there is none.
func stat(path string) os.FileInfo {
	info, err := os.Stat(path)
	if err != nil {
		return nil
	}
	return info
}

// changed reports whether the snapshot was written between two stats: it
// appeared or went, or is another file (the writer replaces it by a
// rename), or its size or modification time differ.
func changed(before, now os.FileInfo) bool {
	if before == nil || now == nil {
		return before != now
	}
	return !os.SameFile(before, now) || before.Size() != now.Size() || !before.ModTime().Equal(now.ModTime())
}
