package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
)

// overviewFlags parses the flags summary and timeline share.
func overviewFlags(name string, cfg *config, args []string, stdout, stderr io.Writer, withSince bool) (opt answer.OverviewOptions, asJSON bool, err error) {
	fs := newFlags(name+" [--topic T] [--json]", "Dated events in order, one line each, each cited.")
	if withSince {
		fs = newFlags(name+" [--topic T] [--since YYYY-MM-DD] [--json]", "An overview of the situation, newest first, every sentence cited.")
	}
	topic := fs.String("topic", "", "only what concerns this topic, e.g. \"aid\" or \"Geneva talks\"")
	var since *string
	if withSince {
		since = fs.String("since", "", "only articles published on or after this date (YYYY-MM-DD)")
	}
	j := fs.Bool("json", false, "print one JSON object")
	commonFlags(fs, cfg)
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return opt, false, err
	}
	opt.Topic = strings.TrimSpace(strings.Join(append([]string{*topic}, pos...), " "))
	if len([]rune(opt.Topic)) > answer.MaxQuestionRunes {
		return opt, false, answer.ErrQuestionTooLong
	}
	if since != nil && *since != "" {
		t, err := time.Parse(corpus.DateLayout, *since)
		if err != nil {
			return opt, false, fmt.Errorf("--since %q: want a date as YYYY-MM-DD", *since)
		}
		opt.Since = t
	}
	return opt, *j, nil
}

func cmdSummary(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	opt, asJSON, err := overviewFlags("summary", &cfg, args, stdout, stderr, true)
	if err != nil {
		return err
	}
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	s, err := a.engine.Summarize(ctx, opt)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, summaryJSON(s))
	}
	if !s.Refused {
		fmt.Fprintf(stdout, "Summary of %d article(s), current to %s.\n\n", s.Articles, corpus.HumanDate(s.AsOf))
	}
	fmt.Fprintln(stdout, s.Text)
	printSources(stdout, s.Sources)
	return nil
}

func cmdTimeline(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	opt, asJSON, err := overviewFlags("timeline", &cfg, args, stdout, stderr, false)
	if err != nil {
		return err
	}
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	tl, err := a.engine.Timeline(ctx, opt)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, timelineJSON(tl))
	}
	if !tl.Refused {
		fmt.Fprintf(stdout, "Timeline, current to %s.\n\n", corpus.HumanDate(tl.AsOf))
	}
	fmt.Fprintln(stdout, timelineText(tl))
	printSources(stdout, tl.Sources)
	return nil
}

// timelineText is the timeline as plain text, one event a line (the
// Discord rendering's bold dates unmarked), or the refusal.
func timelineText(tl answer.Timeline) string {
	return strings.ReplaceAll(answer.TimelineText(tl), "**", "")
}
