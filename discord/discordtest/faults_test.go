package discordtest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/discord/discordtest"
)

// TestFaults checks the injected failures beyond FailNext: a run of
// errors, a dropped connection, and what Discord does that a bot's retries
// rely on: a message create with an enforced nonce is made once, and the
// first followup to a deferred response replaces its "thinking…".
func TestFaults(t *testing.T) {
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close)
	sess := newSession(t, srv)
	am := &discordgo.MessageAllowedMentions{}

	t.Run("FailNextN", func(t *testing.T) {
		srv.FailNextN("POST", "/api/v9/channels/*/messages", http.StatusServiceUnavailable, 2)
		for i := range 2 {
			_, err := sess.ChannelMessageSendComplex("f1", &discordgo.MessageSend{Content: "x", AllowedMentions: am})
			wantCode(t, "injected 503", err, http.StatusServiceUnavailable, 0)
			if i == 0 && len(srv.Messages("f1")) != 0 {
				t.Error("a failed create created a message")
			}
		}
		if _, err := sess.ChannelMessageSendComplex("f1", &discordgo.MessageSend{Content: "x", AllowedMentions: am}); err != nil {
			t.Errorf("third create: %v, want the faults used up", err)
		}
		if n := len(srv.Messages("f1")); n != 1 {
			t.Errorf("%d messages, want 1", n)
		}
	})

	t.Run("DropNext", func(t *testing.T) {
		srv.DropNext("PATCH", "/api/v9/channels/**")
		content := "y"
		_, err := sess.ChannelMessageEditComplex(&discordgo.MessageEdit{Channel: "f1", ID: "1", Content: &content, AllowedMentions: am})
		if err == nil {
			t.Fatal("edit over a dropped connection succeeded")
		}
		if _, isREST := err.(*discordgo.RESTError); isREST {
			t.Errorf("dropped connection gave %v, want a transport error", err)
		}
		calls := srv.CallsTo("PATCH", "/api/v9/channels/f1/")
		if len(calls) != 1 || calls[0].Status != 0 || !calls[0].Fault {
			t.Errorf("calls = %+v, want one faulted with status 0", calls)
		}
	})

	t.Run("enforced nonce", func(t *testing.T) {
		u := discordgo.EndpointChannelMessages("f2")
		send := func(nonce string, enforce bool) *discordgo.Message {
			body := map[string]any{"content": "once", "allowed_mentions": am, "nonce": nonce, "enforce_nonce": enforce}
			raw, err := sess.RequestWithBucketID("POST", u, body, u)
			if err != nil {
				t.Fatal(err)
			}
			var m discordgo.Message
			if err := discordgo.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			return &m
		}
		a, b := send("n-1", true), send("n-1", true)
		if a.ID != b.ID || len(srv.Messages("f2")) != 1 {
			t.Errorf("two creates with an enforced nonce gave %s and %s, %d messages; want one", a.ID, b.ID, len(srv.Messages("f2")))
		}
		if c := send("n-1", false); c.ID == a.ID {
			t.Error("a nonce not enforced deduplicated")
		}
		_, err := sess.RequestWithBucketID("POST", u, map[string]any{"content": "x", "nonce": "01234567890123456789012345"}, u)
		wantCode(t, "long nonce", err, http.StatusBadRequest, discordgo.ErrCodeInvalidFormBody)
	})

	t.Run("application", func(t *testing.T) {
		app, err := sess.Application("@me")
		if err != nil || app.ID != srv.AppID() || app.Name != discordtest.DefaultBotName {
			t.Errorf("Application(@me) = %+v, %v", app, err)
		}
	})

	t.Run("followup replaces a deferred response", func(t *testing.T) {
		interactions := make(chan *discordgo.InteractionCreate, 4)
		sess.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { interactions <- i })
		if err := sess.Open(); err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
		_, tok, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask"})
		if err != nil {
			t.Fatal(err)
		}
		i := receive(t, interactions)
		if err := sess.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
		}); err != nil {
			t.Fatal(err)
		}
		first, err := sess.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "answer", AllowedMentions: am})
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := srv.Original(tok)
		if first.ID != orig.ID || orig.Content != "answer" || orig.Flags != discordtest.FlagEphemeral || len(srv.Followups(tok)) != 0 {
			t.Errorf("first followup %s; original %+v; %d followups: want the original replaced, still ephemeral", first.ID, orig, len(srv.Followups(tok)))
		}
		if _, err := sess.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "more", AllowedMentions: am}); err != nil {
			t.Fatal(err)
		}
		if fs := srv.Followups(tok); len(fs) != 1 || fs[0].Content != "more" {
			t.Errorf("Followups = %+v, want the second followup as a new message", fs)
		}
	})
}
