package discord

import (
	"strconv"
	"time"

	"github.com/situationbot/bot/answer"
)

// Saying what it does: one log line per question, and the same facts to a
// Reporter (metrics).

// Kinds of question, in the log and the metrics.
const (
	kindAsk      = "ask"      // /ask
	kindMention  = "mention"  // a mention in a channel
	kindDM       = "dm"       // a direct message
	kindFollowUp = "followup" // a message in a thread the bot started
	kindSummary  = "summary"  // /summary
	kindTimeline = "timeline" // /timeline
)

// Reporter receives a report of each question answered or failed, and of
// the gateway's connection; metrics.Metrics is one. Its methods must be
// safe for concurrent use and quick.
type Reporter interface {
	// QuestionDone reports a question of kind (ask, mention, dm, followup,
	// summary, timeline) answered after latency, from its arrival: refused
	// when the articles did not answer it, fallback when the model failed
	// and the answer was extractive, failed when there was no answer.
	QuestionDone(kind string, latency time.Duration, refused, fallback, failed bool)
	// GatewayConnected reports whether the gateway is connected.
	GatewayConnected(up bool)
}

// noReport is the Reporter of a bot without metrics.
type noReport struct{}

func (noReport) QuestionDone(string, time.Duration, bool, bool, bool) {}
func (noReport) GatewayConnected(bool)                                {}

// outcome is what the log and the metrics say of an answer.
type outcome struct {
	mode              string
	refused, fallback bool
	sources, removed  int
}

// reportAnswer reports a question answered with a, or failed with err.
func (b *Bot) reportAnswer(kind string, arrived time.Time, a answer.Answer, err error) {
	b.report(kind, arrived, outcome{mode: a.Mode, refused: a.Refused, fallback: a.Fallback, sources: len(a.Sources), removed: len(a.Removed)}, err)
}

// report logs one line for a question that arrived at arrived and reports
// it to the metrics.
func (b *Bot) report(kind string, arrived time.Time, o outcome, err error) {
	latency := time.Since(arrived)
	b.cfg.Metrics.QuestionDone(kind, latency, o.refused, o.fallback, err != nil)
	if err != nil {
		b.lg.Warn("question failed", "kind", kind, "latency", latency.Round(time.Millisecond), "err", err)
		return
	}
	b.lg.Info("question answered", "kind", kind, "latency", latency.Round(time.Millisecond), "mode", o.mode,
		"refused", o.refused, "fallback", o.fallback, "sources", o.sources, "removed", o.removed)
}

// logReady logs that the bot is ready: who it is, in how many servers, and
// the link that invites it to one more.
func (b *Bot) logReady() {
	b.s.State.RLock()
	name, guilds := "", len(b.s.State.Guilds)
	if b.s.State.User != nil {
		name = b.s.State.User.Username
	}
	b.s.State.RUnlock()
	scope := "global"
	if b.cfg.GuildID != "" {
		scope = "guild " + b.cfg.GuildID
	}
	if b.cfg.ShardID != 0 {
		scope = "registered by shard 0"
	}
	attrs := []any{"user", name, "id", b.botID, "app", b.appID, "guilds", guilds, "commands", scope, "invite", InviteURL(b.appID)}
	if b.cfg.ShardCount > 1 {
		attrs = append(attrs, "shard", strconv.Itoa(b.cfg.ShardID)+"/"+strconv.Itoa(b.cfg.ShardCount))
	}
	if b.cfg.Writer != "" {
		attrs = append(attrs, "writer", b.cfg.Writer)
	}
	b.lg.Info("discord bot ready", attrs...)
	if guilds == 0 {
		b.lg.Warn("the bot is in no server yet: open the invite link to add it to one", "invite", InviteURL(b.appID))
	}
}
