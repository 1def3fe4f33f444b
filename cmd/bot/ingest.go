package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

func cmdIngest(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ingest [--allow-removals]", "Sync the index in DATA_DIR with the articles of CORPUS_DIR (embedding what changed) and report\nwhat changed. Exits 1 when a file was skipped, an article is left pending or the index\ncould not be saved.")
	fs.BoolVar(&cfg.AllowRemovals, "allow-removals", false, "accept a sync that removes more than half of the indexed articles (or all)")
	commonFlags(fs, &cfg)
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if err := noArgs("ingest", pos); err != nil {
		return err
	}
	cfg.guardRemovals = true
	bar := newProgress(stderr, 0)
	a, err := setup(ctx, cfg, stderr, bar.update)
	bar.end()
	if err != nil {
		return err
	}
	r := a.report
	fmt.Fprintf(stdout, "articles: %d added, %d updated, %d removed, %d unchanged\n", len(r.Added), len(r.Updated), len(r.Removed), len(r.Unchanged))
	fmt.Fprintf(stdout, "chunks: %d indexed, %d embedded (%s)\n", r.Chunks, r.Embedded, a.index.Identity())
	fmt.Fprintf(stdout, "time: %s\n", r.Elapsed.Round(time.Millisecond))
	for _, group := range []struct {
		name string
		ids  []string
	}{{"added", r.Added}, {"updated", r.Updated}, {"removed", r.Removed}} {
		if len(group.ids) > 0 {
			fmt.Fprintf(stdout, "%s: %s\n", group.name, strings.Join(group.ids, ", "))
		}
	}
	if len(r.Pending) > 0 {
		fmt.Fprintf(stdout, "pending: %s\n", strings.Join(r.Pending, ", "))
	}
	if len(a.fileErrs) > 0 {
		fmt.Fprintf(stdout, "skipped %d file(s):\n", len(a.fileErrs))
		for _, e := range a.fileErrs {
			fmt.Fprintf(stdout, "  %v\n", e)
		}
	}
	// Whatever was embedded is kept, and the next ingest resumes from it.
	var errs []error
	if len(r.Pending) > 0 {
		errs = append(errs, fmt.Errorf("%d article(s) not indexed: the embedder failed (see the log above); run ingest again when it works", len(r.Pending)))
	}
	if r.SaveErr != nil {
		errs = append(errs, fmt.Errorf("the index could not be saved in %s, so the next start embeds again: %w", cfg.DataDir, r.SaveErr))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if len(a.fileErrs) > 0 {
		return errSilent
	}
	return nil
}
