package discord

import (
	"context"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// responder answers one interaction and remembers how far it got, so that a
// failure can always be reported in the right way: a reply if nothing was
// sent yet, an edit of the deferred response otherwise.
type responder struct {
	b *Bot
	i *discordgo.Interaction

	mu       sync.Mutex
	acked    bool // the interaction got its initial response
	deferred bool // that response was a deferral, to be edited
}

func (b *Bot) responder(i *discordgo.Interaction) *responder { return &responder{b: b, i: i} }

// user returns the ID of the user who made the interaction.
func (r *responder) user() string {
	if r.i.Member != nil && r.i.Member.User != nil {
		return r.i.Member.User.ID
	}
	if r.i.User != nil {
		return r.i.User.ID
	}
	return ""
}

func (r *responder) respond(resp *discordgo.InteractionResponse) error {
	opts, cancel := r.b.rest(context.Background())
	defer cancel()
	err := r.b.s.InteractionRespond(r.i, resp, opts...)
	if err == nil {
		r.mu.Lock()
		r.acked = true
		r.deferred = resp.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource
		r.mu.Unlock()
	}
	return err
}

// reply answers at once with a message.
func (r *responder) reply(content string, ephemeral bool, components ...discordgo.MessageComponent) error {
	data := &discordgo.InteractionResponseData{Content: content, AllowedMentions: noMentions(), Components: components}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data})
}

// deferReply acknowledges now and promises an answer ("thinking…").
func (r *responder) deferReply(ephemeral bool) error {
	data := &discordgo.InteractionResponseData{}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: data})
}

// update replaces the message a clicked component belongs to.
func (r *responder) update(content string, components []discordgo.MessageComponent) error {
	return r.respond(&discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: content, Components: components, AllowedMentions: noMentions()},
	})
}

// edit replaces the deferred response's content. It goes through a
// rate-limit bucket of this interaction's own: discordgo's
// InteractionResponseEdit shares one bucket among all interactions, which
// would queue every answer behind every other.
func (r *responder) edit(ctx context.Context, content string, components []discordgo.MessageComponent) error {
	opts, cancel := r.b.rest(ctx)
	defer cancel()
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	appID := r.i.AppID // the interaction says which application it belongs to
	if appID == "" {
		appID = r.b.appID
	}
	u := discordgo.EndpointWebhookMessage(appID, r.i.Token, "@original")
	_, err := r.b.s.RequestWithBucketID("PATCH", u, &discordgo.WebhookEdit{
		Content:         &content,
		Components:      &components,
		AllowedMentions: noMentions(),
	}, u, opts...)
	return err
}

// followup sends one more message after the response.
func (r *responder) followup(ctx context.Context, content string, ephemeral bool, components []discordgo.MessageComponent) error {
	opts, cancel := r.b.rest(ctx)
	defer cancel()
	p := &discordgo.WebhookParams{Content: content, Components: components, AllowedMentions: noMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	_, err := r.b.s.FollowupMessageCreate(r.i, true, p, opts...)
	return err
}

// fail tells the user something went wrong, whatever state the response is in.
func (r *responder) fail(text string) {
	r.mu.Lock()
	acked, deferred := r.acked, r.deferred
	r.mu.Unlock()
	var err error
	switch {
	case !acked:
		err = r.reply(text, true)
	case deferred:
		err = r.edit(context.Background(), text, nil)
	default:
		err = r.followup(context.Background(), text, true, nil)
	}
	if err != nil {
		r.b.lg.Warn("could not tell the user about a failure", "interaction", r.i.ID, "err", err)
	}
}

// commandHandler handles one slash command.
type commandHandler func(r *responder, data discordgo.ApplicationCommandInteractionData)

// onInteraction is the entry point of every interaction: commands, button
// clicks. A panic is recovered, logged and reported to the user.
func (b *Bot) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	r := b.responder(ic.Interaction)
	defer func() {
		if p := recover(); p != nil {
			b.recovered(p, "interaction", ic.ID)
			r.fail(textFailed)
		}
	}()
	switch ic.Type {
	case discordgo.InteractionApplicationCommand:
		data := ic.ApplicationCommandData()
		h, ok := b.handlers()[data.Name]
		if !ok {
			b.lg.Warn("unknown command", "name", data.Name)
			r.fail("I don't know that command.")
			return
		}
		h(r, data)
	case discordgo.InteractionMessageComponent:
		b.onComponent(r, ic.MessageComponentData())
	}
}

// optString returns a string option, or "" when absent or of another type
// (discordgo's getters panic on a type mismatch).
func optString(data discordgo.ApplicationCommandInteractionData, name string) string {
	for _, o := range data.Options {
		if o.Name == name {
			if s, ok := o.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

// optBool returns a boolean option, false when absent.
func optBool(data discordgo.ApplicationCommandInteractionData, name string) bool {
	for _, o := range data.Options {
		if o.Name == name {
			if v, ok := o.Value.(bool); ok {
				return v
			}
		}
	}
	return false
}
