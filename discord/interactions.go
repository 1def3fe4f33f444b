package discord

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Lifetimes of an interaction, from its arrival.
const (
	ackWindow      = 2500 * time.Millisecond         // Discord wants the first response within 3 s
	interactionTTL = 15*time.Minute - 30*time.Second // its token then dies; kept short of it
)

// responder answers one interaction and remembers how far it got, so that a
// failure can always be reported in the right way: a reply if nothing was
// sent yet, an edit of the deferred response otherwise. Every response is
// retried when Discord fails for a moment (see retry), within the
// interaction's lifetimes.
type responder struct {
	b       *Bot
	i       *discordgo.Interaction
	created time.Time // when the interaction arrived

	mu       sync.Mutex
	acked    bool // the interaction got its initial response
	deferred bool // that response was a deferral, to be edited
	private  bool // that response was ephemeral
}

func (b *Bot) responder(i *discordgo.Interaction) *responder {
	return &responder{b: b, i: i, created: time.Now()}
}

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

// delivery returns the context of one delivery: DeliveryTimeout, within
// the life of the interaction's token.
func (r *responder) delivery() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithDeadline(context.Background(), r.created.Add(interactionTTL))
	ctx2, cancel2 := r.b.delivery(ctx)
	return ctx2, func() { cancel2(); cancel() }
}

// respond sends the initial response, retried within the ack window. A
// retry told the interaction is already acknowledged means an earlier
// attempt went through unseen.
func (r *responder) respond(resp *discordgo.InteractionResponse) error {
	ctx, cancel := context.WithDeadline(context.Background(), r.created.Add(ackWindow))
	defer cancel()
	attempts := 0
	err := r.b.retry(ctx, "interaction response", func(opts []discordgo.RequestOption) error {
		attempts++
		err := r.b.s.InteractionRespond(r.i, resp, opts...)
		if attempts > 1 && isCode(err, discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged) {
			return nil
		}
		return err
	})
	if err == nil {
		r.mu.Lock()
		r.acked = true
		r.deferred = resp.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource
		r.private = resp.Data != nil && resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0
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

// edit replaces the deferred response's content, once: for the partial
// text of a streamed answer, which the next edit replaces anyway. It goes
// through a rate-limit bucket of this interaction's own: discordgo's
// InteractionResponseEdit shares one bucket among all interactions, which
// would queue every answer behind every other.
func (r *responder) edit(ctx context.Context, content string, components []discordgo.MessageComponent) error {
	opts, cancel := r.b.rest(ctx)
	defer cancel()
	return r.editOnce(content, components, opts)
}

func (r *responder) editOnce(content string, components []discordgo.MessageComponent, opts []discordgo.RequestOption) error {
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

// editFinal puts a final text in the deferred response, retried. If the
// response cannot be edited, the text goes in a followup instead, which
// on Discord replaces the "thinking…" of a deferred response never
// edited: either way, the user sees it.
func (r *responder) editFinal(content string, components []discordgo.MessageComponent) error {
	ctx, cancel := r.delivery()
	defer cancel()
	err := r.b.retry(ctx, "edit response", func(opts []discordgo.RequestOption) error {
		return r.editOnce(content, components, opts)
	})
	if err == nil {
		return nil
	}
	// The edit may have gone through unseen (a timeout, a 500 after the
	// fact): then the answer is there, and a followup would repeat it.
	opts, qcancel := r.b.rest(context.Background())
	m, gerr := r.b.s.InteractionResponse(r.i, opts...)
	qcancel()
	if gerr == nil && m != nil && m.Content == content {
		return nil
	}
	r.b.lg.Warn("editing the response failed, sending it as a followup", "interaction", r.i.ID, "err", err)
	r.mu.Lock()
	private := r.private
	r.mu.Unlock()
	if ferr := r.followup(context.Background(), content, private, components); ferr != nil {
		return errors.Join(err, ferr)
	}
	return nil
}

// followup sends one more message after the response, retried within
// DeliveryTimeout of ctx and the life of the interaction's token.
func (r *responder) followup(ctx context.Context, content string, ephemeral bool, components []discordgo.MessageComponent) error {
	dctx, cancel := r.delivery()
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	p := &discordgo.WebhookParams{Content: content, Components: components, AllowedMentions: noMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	// A followup has no nonce: retried only when it surely was not created.
	return r.b.retryIf(dctx, "followup", notSent, func(opts []discordgo.RequestOption) error {
		_, err := r.b.s.FollowupMessageCreate(r.i, true, p, opts...)
		return err
	})
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
		err = r.editFinal(text, nil)
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

// onComponent handles button clicks: feedback and page turns. Each is
// acknowledged at once.
func (b *Bot) onComponent(r *responder, data discordgo.MessageComponentInteractionData) {
	id := data.CustomID
	switch {
	case strings.HasPrefix(id, feedbackPrefix):
		b.onFeedback(r, id)
	case strings.HasPrefix(id, "pg:"):
		b.onPage(r, id)
	case strings.HasPrefix(id, "src:"):
		page, _ := strconv.Atoi(strings.TrimPrefix(id, "src:"))
		text, comps := b.sourcesPage(page)
		if err := r.update(text, comps); err != nil {
			b.lg.Warn("sources page failed", "interaction", r.i.ID, "err", err)
		}
	default:
		b.lg.Info("unknown component", "custom_id", oneLine(id, 120))
		r.reply("That button no longer works.", true)
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
