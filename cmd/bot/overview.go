package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
)

// overviewFlags parses the flags summary and timeline share.
func overviewFlags(name string, cfg *config, args []string, stderr io.Writer, withSince bool) (opt answer.OverviewOptions, asJSON bool, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	topic := fs.String("topic", "", "only what concerns this topic, e.g. \"aid\" or \"Geneva talks\"")
	var since *string
	if withSince {
		since = fs.String("since", "", "only articles published on or after this date (YYYY-MM-DD)")
	}
	j := fs.Bool("json", false, "print one JSON object")
	commonFlags(fs, cfg)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return opt, false, errSilent
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
	opt, asJSON, err := overviewFlags("summary", &cfg, args, stderr, true)
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
		out := map[string]any{
			"topic": s.Topic, "as_of": s.AsOf.Format(corpus.DateLayout), "mode": s.Mode, "fallback": s.Fallback,
			"refused": s.Refused, "summary": s.Text, "articles": s.Articles, "sources": jsonSources(s.Sources),
		}
		if !s.Since.IsZero() {
			out["since"] = s.Since.Format(corpus.DateLayout)
		}
		return writeJSON(stdout, out)
	}
	if !s.Refused {
		fmt.Fprintf(stdout, "Summary of %d article(s), current to %s.\n\n", s.Articles, corpus.HumanDate(s.AsOf))
	}
	fmt.Fprintln(stdout, s.Text)
	printSources(stdout, s.Sources)
	return nil
}

func cmdTimeline(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	opt, asJSON, err := overviewFlags("timeline", &cfg, args, stderr, false)
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
		type jsonEvent struct {
			Date      string   `json:"date"`
			Precision string   `json:"precision"`
			Reported  bool     `json:"reported"`
			Text      string   `json:"text"`
			Sources   []int    `json:"sources"`
			SourceIDs []string `json:"source_ids"`
		}
		events := []jsonEvent{}
		for _, ev := range tl.Events {
			je := jsonEvent{Date: ev.Date.Format(corpus.DateLayout), Precision: precisionName(ev.Precision), Reported: ev.Reported, Text: ev.Text, Sources: answer.Citations(ev.Text)}
			for _, n := range je.Sources {
				je.SourceIDs = append(je.SourceIDs, tl.Sources[n-1].ArticleID)
			}
			events = append(events, je)
		}
		return writeJSON(stdout, map[string]any{
			"topic": tl.Topic, "as_of": tl.AsOf.Format(corpus.DateLayout), "mode": tl.Mode, "fallback": tl.Fallback,
			"refused": tl.Refused, "message": tl.Text, "events": events, "sources": jsonSources(tl.Sources),
		})
	}
	if !tl.Refused {
		fmt.Fprintf(stdout, "Timeline, current to %s.\n\n", corpus.HumanDate(tl.AsOf))
	}
	fmt.Fprintln(stdout, strings.ReplaceAll(answer.TimelineText(tl), "**", ""))
	printSources(stdout, tl.Sources)
	return nil
}

func precisionName(p answer.Precision) string {
	return [...]string{"day", "week", "month", "year"}[p]
}

func jsonSources(src []answer.Source) []jsonSource {
	out := []jsonSource{}
	for _, s := range src {
		out = append(out, jsonSource{N: s.N, ID: s.ArticleID, Title: s.Title, Published: s.Published.Format(corpus.DateLayout), URL: s.URL, Quote: s.Quote, Excerpt: s.Excerpt})
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
