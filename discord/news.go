package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/corpus"
)

// The corpus follows the news: moderators add an article by link (/add),
// anyone lists the followed feeds (/feeds), and articles added from feeds
// are announced.

// Added is an article /add put in the corpus.
type Added struct {
	ID, Title, Source, URL, FirstLine string
	Published                         time.Time
	Note                              string // shown after the rest, e.g. that it is not indexed yet
}

// AddFunc fetches the article at url into the corpus and indexes it;
// published, when not zero, is its publication date (needed when the page
// gives none). Its errors are shown to the moderator as they are.
type AddFunc func(ctx context.Context, url string, published time.Time) (Added, error)

// FeedStatus is one followed feed, for /feeds.
type FeedStatus struct {
	URL, Title, LastError string
	LastPoll, LastSuccess time.Time
	Added, Pending        int
}

// Announced is an article added from a feed, announced in a channel.
type Announced struct {
	Feed, Title, URL string
}

// addCommand and feedsCommand are registered with the others.
func addCommand(manageServer *int64, guildOnly *[]discordgo.InteractionContextType) *discordgo.ApplicationCommand {
	maxURL, maxDate := 2000, 10
	return &discordgo.ApplicationCommand{
		Name:                     "add",
		Description:              "Moderators: add a news article by its link",
		DefaultMemberPermissions: manageServer,
		Contexts:                 guildOnly,
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "The article's link (https://…)", Required: true, MaxLength: maxURL},
			{Type: discordgo.ApplicationCommandOptionString, Name: "published", Description: "Its publication date, YYYY-MM-DD, when the page gives none", MaxLength: maxDate},
		},
	}
}

var feedsCommand = discordgo.ApplicationCommand{Name: "feeds", Description: "The news feeds I follow, and how their last poll went"}

// cmdAdd adds an article by link: moderators only, one at a time (as
// /refresh), reported privately.
func (b *Bot) cmdAdd(r *responder, data discordgo.ApplicationCommandInteractionData) {
	if !b.isModerator(r.i) {
		r.reply("Only moderators (Manage Server) can add articles.", true)
		return
	}
	if b.cfg.Writer != "" {
		r.reply(b.readerText("Articles are added"), true)
		return
	}
	if b.cfg.Add == nil {
		r.reply("Adding articles by link is not enabled here.", true)
		return
	}
	var published time.Time
	if s := strings.TrimSpace(optString(data, "published")); s != "" {
		t, err := time.Parse(corpus.DateLayout, s)
		if err != nil {
			r.reply("published: want a date as YYYY-MM-DD, such as 2014-02-07.", true)
			return
		}
		published = t
	}
	if !b.refreshing.TryLock() {
		r.reply("A refresh or another add is running; try again in a moment.", true)
		return
	}
	if err := r.deferReply(true); err != nil {
		b.refreshing.Unlock()
		b.lg.Warn("add defer failed", "interaction", r.i.ID, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.work, 5*time.Minute)
	defer cancel()
	a, err := b.cfg.Add(ctx, strings.TrimSpace(optString(data, "url")), published)
	b.refreshing.Unlock() // before the reply: the next /add may come as soon as it is seen
	if err != nil {
		b.lg.Info("add refused", "url", optString(data, "url"), "err", err)
		r.editFinal("Nothing added: "+escapeMarkdown(oneLine(sentence(err.Error()), 1500)), nil)
		return
	}
	b.lg.Info("article added", "id", a.ID, "url", a.URL)
	msg := fmt.Sprintf("Added **%s** (%s, %s) as `%s`.", escapeMarkdown(oneLine(a.Title, 200)), corpus.HumanDate(a.Published),
		escapeMarkdown(oneLine(orNone(a.Source), 100)), escapeMarkdown(a.ID))
	if u := safeURL(a.URL); u != "" {
		msg += " <" + u + ">"
	}
	if a.FirstLine != "" {
		msg += "\n> " + escapeMarkdown(oneLine(a.FirstLine, 300))
	}
	if a.Note != "" {
		msg += "\n" + escapeMarkdown(a.Note)
	}
	r.editFinal(msg, nil)
}

// cmdFeeds lists the followed feeds.
func (b *Bot) cmdFeeds(r *responder, _ discordgo.ApplicationCommandInteractionData) {
	var fs []FeedStatus
	if b.cfg.Feeds != nil {
		fs = b.cfg.Feeds()
	}
	if len(fs) == 0 && b.cfg.Writer != "" {
		r.reply(b.readerText("News feeds are followed"), true)
		return
	}
	if len(fs) == 0 {
		r.reply("I follow no news feeds. The operator can list some in FEEDS or FEEDS_FILE.", true)
		return
	}
	var s strings.Builder
	fmt.Fprintf(&s, "**Feeds I follow** (%d):", len(fs))
	for _, f := range fs {
		s.WriteString("\n• ")
		if f.Title != "" {
			s.WriteString("**" + escapeMarkdown(oneLine(f.Title, 100)) + "** ")
		}
		if u := safeURL(f.URL); u != "" {
			s.WriteString("<" + u + ">")
		}
		if !f.LastPoll.IsZero() {
			fmt.Fprintf(&s, " — last poll %s", f.LastPoll.UTC().Format("2 Jan 15:04 MST"))
		} else if f.LastError == "" {
			s.WriteString(" — not polled yet")
		}
		if f.LastError != "" {
			s.WriteString(" — failed: " + escapeMarkdown(oneLine(f.LastError, 150)))
		}
		fmt.Fprintf(&s, "; %d added", f.Added)
		if f.Pending > 0 {
			fmt.Fprintf(&s, ", %d to retry", f.Pending)
		}
	}
	r.reply(clip(s.String(), MaxMessage), true)
}

// Announce posts the articles added from feeds in channelID, a line each,
// in at most one message (the rest counted).
func (b *Bot) Announce(ctx context.Context, channelID string, items []Announced) error {
	if channelID == "" || len(items) == 0 {
		return nil
	}
	var s strings.Builder
	for i, it := range items {
		line := fmt.Sprintf("📰 New article from %s: **%s**", escapeMarkdown(oneLine(it.Feed, 80)), escapeMarkdown(oneLine(it.Title, 200)))
		if u := safeURL(it.URL); u != "" {
			line += " <" + u + ">"
		}
		if s.Len()+len(line)+100 > MaxMessage {
			fmt.Fprintf(&s, "\n…and %d more (see /sources).", len(items)-i)
			break
		}
		if i > 0 {
			s.WriteByte('\n')
		}
		s.WriteString(line)
	}
	return b.send(ctx, channelID, s.String(), nil, nil)
}

func orNone(s string) string {
	if s == "" {
		return "no publisher given"
	}
	return s
}
