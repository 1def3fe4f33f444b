package discord

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/answer"
)

// onMessage handles messages: a mention of the bot is a question,
// answered in a new thread; a message in a thread the bot started is a
// follow-up, read with the thread's turns. A direct message is answered
// in place, read with the channel's recent turns. Messages from bots, the
// bot included, are ignored. A user over the rate limit is told so once
// a window, publicly, and then not answered.
func (b *Bot) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author == nil || m.Author.Bot || m.Author.ID == b.botID {
		return
	}
	arrived := time.Now()
	defer func() {
		if p := recover(); p != nil {
			b.recovered(p, "message", m.ID)
			b.send(context.Background(), m.ChannelID, textFailed, nil, m.Reference())
		}
	}()
	mentioned := slices.ContainsFunc(m.Mentions, func(u *discordgo.User) bool { return u != nil && u.ID == b.botID })
	var conv *conversation
	kind := kindMention
	switch {
	case m.GuildID == "":
		conv, kind = b.dms.get(m.ChannelID), kindDM
	default:
		if conv = b.threadConversation(m.ChannelID, m.ID); conv != nil {
			kind = kindFollowUp
		} else if !mentioned {
			return
		}
	}
	if !b.begin() {
		b.send(context.Background(), m.ChannelID, textRestarting, nil, m.Reference())
		return
	}
	defer b.end()
	if ok, wait, notice := b.limit.allow(m.Author.ID); !ok {
		if notice {
			b.send(context.Background(), m.ChannelID, tryAgain(wait), nil, m.Reference())
		}
		b.lg.Debug("question over the rate limit", "user", m.Author.ID, "notice", notice)
		return
	}
	text := stripMention(m.Content, b.botID)
	if text == "" {
		if mentioned {
			b.send(context.Background(), m.ChannelID, "Ask me a question after the mention, for example: @me how many people were evacuated?", nil, m.Reference())
		}
		return
	}
	if _, err := answer.CheckQuestion(text); err != nil {
		b.send(context.Background(), m.ChannelID, sentence(err.Error()), nil, m.Reference())
		return
	}
	// One deadline for the whole question, from its arrival.
	ctx, cancel := context.WithDeadline(b.work, arrived.Add(b.cfg.QuestionTimeout))
	defer cancel()

	target, ref := m.ChannelID, m.Reference()
	var history []answer.Turn
	switch kind {
	case kindDM:
		history = conv.history() // a reply, read with the channel's recent turns
	case kindFollowUp:
		history = conv.history() // read with the thread's turns, posted in it
		ref = nil
	default:
		if th, err := b.startThread(ctx, m.Message, text); err == nil {
			target, ref = th, nil
			conv = newThread()
			b.convs.set(th, conv)
		} else {
			b.lg.Info("no thread for this question, replying in the channel", "channel", m.ChannelID, "err", err)
		}
	}
	var answered func(string)
	if conv != nil {
		answered = conv.ask(text)
	}
	stopTyping := b.typing(ctx, target)
	a, err := b.answer(ctx, text, history, nil)
	stopTyping()
	b.reportAnswer(kind, arrived, a, err)
	if err != nil {
		b.send(context.Background(), target, failureText(err), nil, ref)
		return
	}
	if answered != nil {
		answered(strings.TrimSpace(a.Text))
	}
	msgs := Render(a)
	id := b.recent.put(a, m.Author.ID)
	for i, msg := range msgs {
		var comps []discordgo.MessageComponent
		if i == len(msgs)-1 {
			comps = feedbackButtons(id)
		}
		if i > 0 {
			ref = nil
		}
		if err := b.send(context.Background(), target, msg, comps, ref); err != nil {
			return
		}
	}
}

// mentionRe matches a mention of a user: <@id> or <@!id>.
var mentionRe = regexp.MustCompile(`<@!?(\d+)>`)

// stripMention removes mentions of the bot and trims the rest.
func stripMention(content, botID string) string {
	out := mentionRe.ReplaceAllStringFunc(content, func(m string) string {
		if mentionRe.FindStringSubmatch(m)[1] == botID {
			return " "
		}
		return m
	})
	return strings.Join(strings.Fields(out), " ")
}

// threadConversation returns the conversation of channelID if it is a
// thread the bot started, else nil. Threads started before a restart are
// recognised by their owner and their history is read back: the messages
// before messageID, the one being answered, which is not its own history.
func (b *Bot) threadConversation(channelID, messageID string) *conversation {
	if c, known := b.convs.lookup(channelID); known {
		return c
	}
	ch, err := b.s.State.Channel(channelID)
	if err != nil {
		opts, cancel := b.rest(context.Background())
		ch, err = b.s.Channel(channelID, opts...)
		cancel()
		if err != nil {
			b.lg.Warn("cannot look up channel", "channel", channelID, "err", err)
			return nil // not cached: try again next time
		}
	}
	if !ch.IsThread() || ch.OwnerID != b.botID {
		b.convs.set(channelID, nil)
		return nil
	}
	c := newThread()
	for _, t := range b.readThread(ch, messageID) {
		c.ask(t.Question)(t.Answer)
	}
	b.convs.set(channelID, c)
	return c
}

// readThread rebuilds a thread's conversation from its messages before
// the message beforeID: the message it was started from, then users'
// questions each followed by the bot's answer.
func (b *Bot) readThread(ch *discordgo.Channel, beforeID string) []answer.Turn {
	opts, cancel := b.rest(context.Background())
	defer cancel()
	var turns []answer.Turn
	if ch.ParentID != "" {
		if start, err := b.s.ChannelMessage(ch.ParentID, ch.ID, opts...); err == nil {
			turns = append(turns, answer.Turn{Question: stripMention(start.Content, b.botID)})
		}
	}
	msgs, err := b.s.ChannelMessages(ch.ID, 50, beforeID, "", "", opts...)
	if err != nil {
		b.lg.Warn("cannot read thread history", "thread", ch.ID, "err", err)
		return turns
	}
	slices.Reverse(msgs) // Discord lists newest first
	for _, m := range msgs {
		if m.Author == nil {
			continue
		}
		switch {
		case m.Author.ID == b.botID && len(turns) > 0 && turns[len(turns)-1].Answer == "":
			turns[len(turns)-1].Answer = answerPart(m.Content)
		case !m.Author.Bot && m.Content != "":
			turns = append(turns, answer.Turn{Question: stripMention(m.Content, b.botID)})
		}
	}
	return turns
}

// typing shows "typing…" in channelID until the returned stop is called;
// Discord shows it for about 10 s, so it is renewed every 8 s.
func (b *Bot) typing(ctx context.Context, channelID string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			opts, c := b.rest(ctx)
			if err := b.s.ChannelTyping(channelID, opts...); err != nil && ctx.Err() == nil {
				b.lg.Debug("typing indicator failed", "channel", channelID, "err", err)
			}
			c()
			select {
			case <-ctx.Done():
				return
			case <-time.After(8 * time.Second):
			}
		}
	}()
	return func() { cancel(); <-done }
}
