package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/discord/discordtest"
)

// guildOfShard1 is a server whose events go to shard 1 of 2:
// (guild_id >> 22) % 2 == 1.
const guildOfShard1 = "300000000004194307"

// TestReaderShard runs the bot as shard 1 of 2, a reader: it identifies as
// its shard, leaves the commands to shard 0, and answers /refresh, /add
// and /feeds by naming the writer, without refreshing.
func TestReaderShard(t *testing.T) {
	h := startBot(t, Config{ShardID: 1, ShardCount: 2, Writer: "shard 0",
		Add: func(_ context.Context, _ string, _ time.Time) (Added, error) {
			t.Error("a reader added an article")
			return Added{}, nil
		}}, nil, manyArticles(2))
	if id, _ := h.srv.Identify(); id.Shard == nil || *id.Shard != [2]int{1, 2} {
		t.Errorf("IDENTIFY shard = %v, want [1 2]", id.Shard)
	}
	if calls := h.srv.CallsTo("PUT", "/api/v9/applications/"); len(calls) != 0 {
		t.Errorf("shard 1 registered commands: %d calls", len(calls))
	}
	for _, tc := range []struct{ command, want string }{
		{"refresh", "Refreshes are run by shard 0, the bot's writer. This server is served by shard 1"},
		{"add", "Articles are added by shard 0"},
		{"feeds", "News feeds are followed by shard 0"},
	} {
		t.Run(tc.command, func(t *testing.T) {
			var opts []discordtest.Option
			if tc.command == "add" {
				opts = []discordtest.Option{{Name: "url", Value: "https://example.com/a"}}
			}
			_, token, err := h.srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: tc.command, Options: opts,
				Permissions: discordgo.PermissionManageGuild, GuildID: guildOfShard1, ChannelID: discordtest.DefaultChannelID})
			if err != nil {
				t.Fatal(err)
			}
			m := h.waitFinal(t, token, func(m discordtest.Message) bool { return m.Content != "" })
			if !strings.Contains(m.Content, tc.want) || m.Flags&64 == 0 {
				t.Errorf("/%s on a reader = %q (flags %d), want an ephemeral %q", tc.command, m.Content, m.Flags, tc.want)
			}
		})
	}
	if h.refresh.calls != 0 {
		t.Errorf("a reader refreshed %d times", h.refresh.calls)
	}
}

// TestShardConfig checks that New refuses a shard outside its count.
func TestShardConfig(t *testing.T) {
	for _, tc := range []struct {
		name      string
		id, count int
		ok        bool
	}{
		{"unsharded", 0, 0, true},
		{"one shard", 0, 1, true},
		{"last of two", 1, 2, true},
		{"id equals count", 2, 2, false},
		{"id without count", 1, 0, false},
		{"negative id", -1, 2, false},
		{"negative count", 0, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(discardLogger(), Config{Token: "t", ShardID: tc.id, ShardCount: tc.count}, nil, manyArticles(0), nil)
			if (err == nil) != tc.ok {
				t.Errorf("New(shard %d of %d) = %v, want ok %v", tc.id, tc.count, err, tc.ok)
			}
		})
	}
}
