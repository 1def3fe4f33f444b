package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
)

// cmdSummary answers /summary [topic] [since].
func (b *Bot) cmdSummary(r *responder, data discordgo.ApplicationCommandInteractionData) {
	opt := answer.OverviewOptions{Topic: strings.TrimSpace(optString(data, "topic"))}
	if s := strings.TrimSpace(optString(data, "since")); s != "" {
		t, err := time.Parse(corpus.DateLayout, s)
		if err != nil {
			r.reply("`since` should be a date like 2014-02-01.", true)
			return
		}
		opt.Since = t
	}
	b.overview(r, kindSummary, func(ctx context.Context) (string, []answer.Source, outcome, error) {
		s, err := b.ans.Summarize(ctx, opt)
		if err != nil {
			return "", nil, outcome{}, err
		}
		o := outcome{mode: s.Mode, refused: s.Refused, fallback: s.Fallback, sources: len(s.Sources), removed: len(s.Removed)}
		if s.Refused {
			return safeProse(s.Text), nil, o, nil
		}
		head := fmt.Sprintf("**Summary** of %d article(s)", s.Articles)
		if opt.Topic != "" {
			head += fmt.Sprintf(" about “%s”", escapeMarkdown(oneLine(opt.Topic, 100)))
		}
		if !opt.Since.IsZero() {
			head += " since " + corpus.HumanDate(opt.Since)
		}
		head += ", current to " + corpus.HumanDate(s.AsOf) + "."
		return head + "\n\n" + safeProse(start(s.Text, MaxAnswerMessages)), s.Sources, o, nil
	})
}

// cmdTimeline answers /timeline [topic].
func (b *Bot) cmdTimeline(r *responder, data discordgo.ApplicationCommandInteractionData) {
	opt := answer.OverviewOptions{Topic: strings.TrimSpace(optString(data, "topic"))}
	b.overview(r, kindTimeline, func(ctx context.Context) (string, []answer.Source, outcome, error) {
		tl, err := b.ans.Timeline(ctx, opt)
		if err != nil {
			return "", nil, outcome{}, err
		}
		o := outcome{mode: tl.Mode, refused: tl.Refused, fallback: tl.Fallback, sources: len(tl.Sources), removed: len(tl.Removed)}
		if tl.Refused {
			return safeProse(tl.Text), nil, o, nil
		}
		head := "**Timeline**"
		if opt.Topic != "" {
			head += fmt.Sprintf(" of “%s”", escapeMarkdown(oneLine(opt.Topic, 100)))
		}
		head += ", current to " + corpus.HumanDate(tl.AsOf) + "."
		return head + "\n\n" + timelineText(tl), tl.Sources, o, nil
	})
}

// timelineText renders a timeline's events, their text made safe.
func timelineText(tl answer.Timeline) string {
	tl.Events = slices.Clone(tl.Events)
	for i := range tl.Events {
		tl.Events[i].Text = safeProse(tl.Events[i].Text)
	}
	return answer.TimelineText(tl)
}

// overview runs a summary or timeline: deferred at once, then, once it
// has a place among the questions being answered and within the
// question's deadline, the result (safe Markdown, and its sources), in at
// most MaxAnswerMessages pages, with Previous/Next buttons when there is
// more than one.
func (b *Bot) overview(r *responder, kind string, write func(ctx context.Context) (string, []answer.Source, outcome, error)) {
	ctx, done, ok := b.start(r, false)
	if !ok {
		return
	}
	defer done()
	if err := b.gate.enter(ctx); err != nil {
		b.report(kind, r.created, outcome{}, err)
		r.fail(failureText(err))
		return
	}
	text, sources, o, err := write(ctx)
	b.gate.leave()
	b.report(kind, r.created, o, err)
	if err != nil {
		r.fail(failureText(err))
		return
	}
	pages := layout(text, sources, MaxAnswerMessages)
	var comps []discordgo.MessageComponent
	if len(pages) > 1 {
		comps = pagerButtons(b.pages.put(pages), 0, len(pages))
	}
	if err := r.editFinal(pages[0], comps); err != nil {
		b.lg.Error("posting the overview failed", "interaction", r.i.ID, "err", err)
	}
}

// pagerButtons are Previous / page i of n / Next.
func pagerButtons(id string, page, n int) []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Previous", Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("pg:%s:%d", id, page-1), Disabled: page == 0},
		discordgo.Button{Label: fmt.Sprintf("%d / %d", page+1, n), Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("pg:%s:none", id), Disabled: true},
		discordgo.Button{Label: "Next", Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("pg:%s:%d", id, page+1), Disabled: page == n-1},
	}}}
}

// onPage turns the page of a paginated overview: acknowledged at once by
// updating the message.
func (b *Bot) onPage(r *responder, customID string) {
	parts := strings.Split(customID, ":")
	if len(parts) != 3 {
		r.reply("That button no longer works.", true)
		return
	}
	pages, ok := b.pages.get(parts[1])
	page, err := strconv.Atoi(parts[2])
	if !ok || err != nil {
		r.reply("These pages have expired; run the command again.", true)
		return
	}
	page = max(0, min(page, len(pages)-1))
	if err := r.update(pages[page], pagerButtons(parts[1], page, len(pages))); err != nil {
		b.lg.Warn("page turn failed", "interaction", r.i.ID, "err", err)
	}
}

// pageCache keeps paginated outputs for their buttons, for a while.
type pageCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	items map[string]pageEntry
	order []string
}

type pageEntry struct {
	pages []string
	at    time.Time
}

func newPageCache(ttl time.Duration, max int) *pageCache {
	return &pageCache{ttl: ttl, max: max, items: map[string]pageEntry{}}
}

func (c *pageCache) put(pages []string) string {
	var raw [8]byte
	rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for len(c.order) > 0 && (len(c.order) >= c.max || now.Sub(c.items[c.order[0]].at) > c.ttl) {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[id] = pageEntry{pages: pages, at: now}
	c.order = append(c.order, id)
	return id
}

func (c *pageCache) get(id string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[id]
	if !ok || time.Since(e.at) > c.ttl {
		return nil, false
	}
	return e.pages, true
}
