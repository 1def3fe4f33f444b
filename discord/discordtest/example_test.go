package discordtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/discord/discordtest"
)

// This example wires a real discordgo session to the fake, sends it a slash
// command and checks the bot's answer. (It has no Output comment, so go test
// only compiles it: Session.Close sleeps for a second.)
func Example() {
	srv := discordtest.NewServer()
	defer srv.Close()

	sess, _ := discordgo.New("Bot test-token")
	sess.Client = srv.HTTPClient()
	sess.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		answer := "42"
		s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &answer, AllowedMentions: &discordgo.MessageAllowedMentions{}})
	})
	if err := sess.Open(); err != nil {
		fmt.Println(err)
		return
	}
	defer sess.Close()

	_, token, _ := srv.SendInteraction(discordtest.InteractionSpec{
		Name:    "ask",
		Options: []discordtest.Option{{Name: "question", Value: "the answer?"}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.WaitForCall(ctx, "PATCH", "/api/v9/webhooks/", 1)
	orig, _ := srv.Original(token)
	ack := srv.Acks()[0]
	fmt.Println(orig.Content, orig.HasAllowedMentions, ack.Latency < 3*time.Second)
}
