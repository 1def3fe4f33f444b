package discord

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/retrieval"
)

// Commands returns the slash commands the bot registers.
func Commands() []*discordgo.ApplicationCommand {
	minLen, maxLen := 1, answer.MaxQuestionRunes
	manageServer := int64(discordgo.PermissionManageGuild)
	anywhere := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	return []*discordgo.ApplicationCommand{
		{
			Name:        "ask",
			Description: "Ask about the news articles; every claim comes with a numbered source",
			Contexts:    &anywhere,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "Your question", Required: true, MinLength: &minLen, MaxLength: maxLen},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "private", Description: "Only you see the answer"},
			},
		},
		{
			Name:        "summary",
			Description: "An overview of the situation, newest first, every sentence cited",
			Contexts:    &anywhere,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "topic", Description: "Only this topic, e.g. aid or Geneva talks", MaxLength: 200},
				{Type: discordgo.ApplicationCommandOptionString, Name: "since", Description: "Only articles from this date on (YYYY-MM-DD)", MaxLength: 10},
			},
		},
		{
			Name:        "timeline",
			Description: "Dated events in order, each cited",
			Contexts:    &anywhere,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "topic", Description: "Only this topic, e.g. Aleppo prison", MaxLength: 200},
			},
		},
		{Name: "sources", Description: "The articles I answer from, newest first", Contexts: &anywhere},
		{Name: "help", Description: "What I know and how to check my answers", Contexts: &anywhere},
		{
			Name:                     "refresh",
			Description:              "Moderators: reload the articles from the corpus",
			DefaultMemberPermissions: &manageServer,
			Contexts:                 &guildOnly,
			Options: []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionBoolean, Name: "force",
				Description: "Accept a reload that removes more than half of the articles",
			}},
		},
		addCommand(&manageServer, &guildOnly),
		{Name: feedsCommand.Name, Description: feedsCommand.Description, Contexts: &anywhere},
	}
}

// handlers maps command names to their handlers.
func (b *Bot) handlers() map[string]commandHandler {
	return map[string]commandHandler{
		"ask":      b.cmdAsk,
		"summary":  b.cmdSummary,
		"timeline": b.cmdTimeline,
		"sources":  b.cmdSources,
		"help":     b.cmdHelp,
		"refresh":  b.cmdRefresh,
		"add":      b.cmdAdd,
		"feeds":    b.cmdFeeds,
	}
}

// registerCommands replaces the application's commands with ours, in the
// configured guild (instant) or globally.
func (b *Bot) registerCommands(ctx context.Context) error {
	opts, cancel := b.rest(ctx)
	defer cancel()
	cmds, err := b.s.ApplicationCommandBulkOverwrite(b.appID, b.cfg.GuildID, Commands(), opts...)
	if err != nil {
		return fmt.Errorf("register slash commands: %w", err)
	}
	b.lg.Info("slash commands registered", "count", len(cmds), "guild", b.cfg.GuildID)
	return nil
}

// cmdHelp says what the bot knows and how to check it.
func (b *Bot) cmdHelp(r *responder, _ discordgo.ApplicationCommandInteractionData) {
	arts := b.lib.Articles()
	var s strings.Builder
	fmt.Fprintf(&s, "I answer questions from **%d news articles**", len(arts))
	if len(arts) > 0 {
		fmt.Fprintf(&s, ", current to **%s**", corpus.HumanDate(corpus.Newest(arts)))
	}
	s.WriteString(".\n\n")
	s.WriteString("**/ask** `question` — a short answer; every claim is numbered like [1] and listed under **Sources** with its article, date and the sentence it rests on. Add `private: True` to see it alone.\n")
	s.WriteString("**Mention me** with a question — I answer in a thread; ask follow-ups there without mentioning me.\n")
	s.WriteString("**/summary** `[topic] [since]` — an overview, newest first. **/timeline** `[topic]` — dated events in order.\n")
	s.WriteString("**/sources** — the articles, newest first.\n")
	s.WriteString("**/refresh** — moderators: reload the articles. **/add** — moderators: add an article by its link. **/feeds** — the news feeds I follow.\n\n")
	s.WriteString("**Checking an answer:** each [n] points to the source listed under it; the quoted line is the article's own sentence that backs it, never my words. Every sentence I show cites a passage that holds its numbers, dates and names; when articles disagree I give each version with its source. When the articles don't cover a question I say so rather than guess.")
	if err := r.reply(s.String(), true); err != nil {
		b.lg.Warn("help reply failed", "interaction", r.i.ID, "err", err)
	}
}

// sourcesPerPage is how many articles one page of /sources lists.
const sourcesPerPage = 8

// cmdSources lists the articles, newest first, one page at a time.
func (b *Bot) cmdSources(r *responder, _ discordgo.ApplicationCommandInteractionData) {
	text, comps := b.sourcesPage(0)
	if err := r.reply(text, false, comps...); err != nil {
		b.lg.Warn("sources reply failed", "interaction", r.i.ID, "err", err)
	}
}

// sourcesPage renders page p (0-based) of the article list, within one
// message, and its Previous/Next buttons.
func (b *Bot) sourcesPage(p int) (string, []discordgo.MessageComponent) {
	arts := slices.Clone(b.lib.Articles())
	slices.SortStableFunc(arts, func(x, y corpus.Article) int { return y.Published.Compare(x.Published) })
	if len(arts) == 0 {
		return "I have no articles yet. A moderator can add some and run /refresh.", nil
	}
	pages := (len(arts) + sourcesPerPage - 1) / sourcesPerPage
	p = max(0, min(p, pages-1))
	var s strings.Builder
	fmt.Fprintf(&s, "I answer from **%d articles**, current to **%s**.\n", len(arts), corpus.HumanDate(arts[0].Published))
	for i, a := range arts[p*sourcesPerPage : min(len(arts), (p+1)*sourcesPerPage)] {
		fmt.Fprintf(&s, "\n%d. %s", p*sourcesPerPage+i+1, articleLine(a.Title, a.Published, a.Source, a.URL))
	}
	if pages == 1 {
		return clip(s.String(), MaxMessage), nil
	}
	footer := fmt.Sprintf("\n\nPage %d of %d", p+1, pages)
	return clip(s.String(), MaxMessage-len(footer)) + footer, []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Previous", Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("src:%d", p-1), Disabled: p == 0},
		discordgo.Button{Label: "Next", Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("src:%d", p+1), Disabled: p == pages-1},
	}}}
}

// isModerator reports whether the interaction's member may /refresh:
// Manage Server (or Administrator), or one of the moderator roles. The
// command's default permission already hides it from others, but server
// admins can override that, so it is checked again here.
func (b *Bot) isModerator(i *discordgo.Interaction) bool {
	if i.Member == nil {
		return false
	}
	if i.Member.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0 {
		return true
	}
	for _, role := range i.Member.Roles {
		if slices.Contains(b.cfg.ModeratorRoles, role) {
			return true
		}
	}
	return false
}

// cmdRefresh syncs the index with the corpus directory: moderators only,
// one at a time, reported privately.
func (b *Bot) cmdRefresh(r *responder, data discordgo.ApplicationCommandInteractionData) {
	if !b.isModerator(r.i) {
		r.reply("Only moderators (Manage Server) can refresh the articles.", true)
		return
	}
	if b.cfg.Writer != "" {
		r.reply(b.readerText("Refreshes are run"), true)
		return
	}
	if !b.refreshing.TryLock() {
		r.reply("A refresh is already running; its report will follow there.", true)
		return
	}
	defer b.refreshing.Unlock()
	if err := r.deferReply(true); err != nil {
		b.lg.Warn("refresh defer failed", "interaction", r.i.ID, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.work, 10*time.Minute)
	defer cancel()
	rep, fileErrs, err := b.refresh(ctx, optBool(data, "force"))
	if errors.Is(err, corpus.ErrTooManyRemovals) {
		b.lg.Warn("refresh refused", "err", err)
		r.editFinal(oneLine(escapeMarkdown(sentence(err.Error())), 1500)+" The articles I had are still in use. If the files were removed on purpose, run /refresh force:True.", nil)
		return
	}
	if err != nil && !errors.Is(err, retrieval.ErrPending) { // pending articles: a partial success, reported
		b.lg.Error("refresh failed", "err", err)
		r.editFinal("The refresh failed; the articles I had are still in use. The error is in the bot's log.", nil)
		return
	}
	b.lg.Info("refresh done", "added", len(rep.Added), "updated", len(rep.Updated), "removed", len(rep.Removed), "chunks", rep.Chunks, "embedded", rep.Embedded)
	for i, msg := range Split(refreshReport(rep, fileErrs), MaxMessage) {
		var err error
		if i == 0 {
			err = r.editFinal(msg, nil)
		} else {
			err = r.followup(context.Background(), msg, true, nil)
		}
		if err != nil {
			b.lg.Warn("refresh report failed", "interaction", r.i.ID, "err", err)
		}
	}
}

// refreshReport renders what a refresh changed; article IDs and file
// errors are shown as written.
func refreshReport(rep retrieval.Report, fileErrs []error) string {
	var s strings.Builder
	fmt.Fprintf(&s, "**Refresh done** in %s: %d added, %d updated, %d removed, %d unchanged; %d chunks indexed, %d embedded.",
		rep.Elapsed.Round(time.Millisecond), len(rep.Added), len(rep.Updated), len(rep.Removed), len(rep.Unchanged), rep.Chunks, rep.Embedded)
	for _, g := range []struct {
		name string
		ids  []string
	}{{"Added", rep.Added}, {"Updated", rep.Updated}, {"Removed", rep.Removed}, {"Not indexed yet (the embedder failed; the next refresh retries)", rep.Pending}} {
		if len(g.ids) > 0 {
			fmt.Fprintf(&s, "\n%s: %s", g.name, escapeMarkdown(strings.Join(g.ids, ", ")))
		}
	}
	if rep.SaveErr != nil {
		s.WriteString("\n\nThe index could not be saved, so the next start embeds again; the error is in the bot's log.")
	}
	if len(fileErrs) > 0 {
		fmt.Fprintf(&s, "\n\n**%d file(s) skipped:**", len(fileErrs))
		for _, e := range fileErrs {
			fmt.Fprintf(&s, "\n- %s", escapeMarkdown(oneLine(e.Error(), 300)))
		}
	}
	return s.String()
}
