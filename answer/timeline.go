package answer

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/situationbot/bot/corpus"
)

// Event is one dated line of a timeline.
type Event struct {
	Date      time.Time
	Precision Precision
	Reported  bool   // no date in the text: placed at its article's date
	Text      string // the event, with its [n]
	Source    int    // the source number it cites
}

// Timeline is dated events in chronological order.
type Timeline struct {
	Topic    string
	Events   []Event
	Sources  []Source
	Refused  bool
	Text     string // set when Refused
	Mode     string
	Fallback bool
	AsOf     time.Time
	Removed  []string // lines the grounding check took out

	modelDown bool // Fallback because the circuit breaker shut the model out
}

// Timeline lists dated events in chronological order, each cited. Dates
// come from the text, resolved against the article's date; a sentence with
// no date is placed at its article's date and marked reported.
//
// Retrieval and the model share ctx's deadline, keeping a reserve for the
// extractive timeline, which is given (marked Fallback) when the model
// fails. A ctx done before the work starts, or cancelled, ends it with
// ctx's error.
func (e *Engine) Timeline(ctx context.Context, opt OverviewOptions) (Timeline, error) {
	tl := Timeline{Topic: opt.Topic, AsOf: corpus.Newest(e.search.Articles()), Mode: ModeExtractive}
	if err := ctx.Err(); err != nil {
		return tl, err
	}
	sctx, cancel := within(ctx, searchShare)
	arts, passages, why, err := e.scope(sctx, opt)
	cancel()
	if err != nil {
		return tl, err
	}
	if why != "" {
		tl.Refused, tl.Text = true, why
		return tl, nil
	}
	if e.chat == nil {
		if err := ctx.Err(); err != nil {
			return tl, err
		}
	}
	cands := overviewCandidates(arts, passages, opt.Topic)
	// An event is a sentence with a date in it, or an article's lead; for
	// a topic, any sentence about it (an undated one is placed at its
	// article's date, marked reported).
	onTopic := e.onTopic(opt.Topic)
	isEvent := func(c candidate) bool {
		if onTopic != nil {
			return onTopic(c)
		}
		return len(c.dates) > 0 || c.pos == 0
	}
	for i := range cands {
		if len(cands[i].dates) > 0 {
			cands[i].score *= 1.5 // dated sentences make better events
		}
	}
	chosen := selectSentences(cands, len(arts), 60*maxTimeline, maxTimeline, isEvent)
	if e.chat == nil {
		return extractiveTimeline(tl, arts, cands, chosen), nil
	}
	tl.Mode = ModeLLM
	fallback := prepare(ctx, func() Timeline { return extractiveTimeline(tl, arts, cands, chosen) })
	mctx, cancel := within(ctx, 1)
	mt, err := e.timelineWithModel(mctx, arts, cands, chosen)
	cancel()
	if err == nil {
		mt.Topic, mt.AsOf = opt.Topic, tl.AsOf
		return mt, nil
	}
	if cancelled(ctx) {
		return tl, ctx.Err()
	}
	e.modelFailed("chat model failed to write the timeline, using the articles' sentences", err)
	tl = fallback()
	tl.Fallback, tl.modelDown = true, errors.Is(err, errModelDown)
	return tl, nil
}

func extractiveTimeline(tl Timeline, arts []corpus.Article, cands []candidate, chosen []int) Timeline {
	tl.Mode = ModeExtractive
	ct := newCiter()
	evs := map[int]*evidence{}
	for _, i := range chosen {
		c := cands[i]
		// The grounding check, a safety net here: the line is the
		// article's own sentence.
		if evs[c.art] == nil {
			evs[c.art] = newEvidence(arts[c.art].Body, arts[c.art].Title, arts[c.art].Published)
		}
		if g := ground(cite(c.text, 1), []*evidence{evs[c.art]}); g.kept == 0 {
			tl.Removed = append(tl.Removed, g.removed...)
			continue
		}
		n := ct.cite(c.art, c.text, func(n int) Source { return articleSource(n, arts[c.art], c.chunkID) })
		ev := Event{Date: arts[c.art].Published, Precision: Day, Reported: true, Text: cite(c.text, n), Source: n}
		if d, ok := eventDate(c.dates); ok {
			ev.Date, ev.Precision, ev.Reported = d.Date, d.Precision, false
		}
		tl.Events = append(tl.Events, ev)
	}
	tl.Sources = ct.sources
	sortEvents(tl.Events)
	if len(tl.Events) == 0 {
		tl.Refused, tl.Text = true, "I found no dated events in the articles."
	}
	return tl
}

// eventDate picks the date an event sentence is about: the most precise of
// its dates, the first among equals.
func eventDate(ds []Resolved) (Resolved, bool) {
	if len(ds) == 0 {
		return Resolved{}, false
	}
	best := ds[0]
	for _, d := range ds[1:] {
		if d.Precision < best.Precision {
			best = d
		}
	}
	return best, true
}

// sortEvents orders events by date; at the same date, more precise first.
func sortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].Date.Equal(evs[j].Date) {
			return evs[i].Date.Before(evs[j].Date)
		}
		return evs[i].Precision < evs[j].Precision
	})
}

// EventLine renders an event as one line: "**7 Feb 2014** — text [1]."
func EventLine(ev Event) string {
	date := FormatDate(Resolved{Date: ev.Date, Precision: ev.Precision})
	if ev.Reported {
		return "**" + date + "** (reported) — " + ev.Text
	}
	return "**" + date + "** — " + ev.Text
}

// TimelineText renders a timeline, one event a line.
func TimelineText(tl Timeline) string {
	if tl.Refused {
		return tl.Text
	}
	lines := make([]string, len(tl.Events))
	for i, ev := range tl.Events {
		lines[i] = EventLine(ev)
	}
	out := strings.Join(lines, "\n")
	if tl.Fallback {
		var err error
		if tl.modelDown {
			err = errModelDown
		}
		out += "\n\n" + fallbackNote(err, "these lines", "quote")
	}
	return out
}
