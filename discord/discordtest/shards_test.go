package discordtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/situationbot/bot/discord/discordtest"
)

// Guilds on either shard of two: (guild_id >> 22) % 2.
const (
	guildShard0 = discordtest.DefaultGuildID // 300000000000000003
	guildShard1 = "300000000004194307"       // 300000000000000003 + 1<<22
)

// TestShardRouting opens two discordgo sessions as shards 0 and 1 of 2 and
// checks that each receives only its guilds' events, direct messages
// going to shard 0, as on Discord.
func TestShardRouting(t *testing.T) {
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close)
	got := make([]chan *discordgo.MessageCreate, 2)
	for shard := range 2 {
		sess := newSession(t, srv)
		sess.ShardID, sess.ShardCount = shard, 2
		ch := make(chan *discordgo.MessageCreate, 8)
		got[shard] = ch
		sess.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { ch <- m })
		if err := sess.Open(); err != nil {
			t.Fatalf("shard %d: Open: %v", shard, err)
		}
		t.Cleanup(func() { sess.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := srv.WaitShard(ctx, shard)
		cancel()
		if err != nil {
			t.Fatalf("shard %d: %v", shard, err)
		}
		if id, _ := srv.Identify(); id.Shard == nil || *id.Shard != [2]int{shard, 2} {
			t.Errorf("shard %d: Identify().Shard = %v", shard, id.Shard)
		}
	}
	for _, tc := range []struct {
		name  string
		spec  discordtest.MessageSpec
		shard int
	}{
		{"guild of shard 0", discordtest.MessageSpec{GuildID: guildShard0, Content: "zero"}, 0},
		{"guild of shard 1", discordtest.MessageSpec{GuildID: guildShard1, Content: "one"}, 1},
		{"direct message", discordtest.MessageSpec{DM: true, ChannelID: "dm1", Content: "dm"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := srv.ShardOf(tc.spec.GuildID); s != tc.shard {
				t.Errorf("ShardOf(%q) = %d, want %d", tc.spec.GuildID, s, tc.shard)
			}
			if _, err := srv.SendMessage(tc.spec); err != nil {
				t.Fatal(err)
			}
			select {
			case m := <-got[tc.shard]:
				if m.Content != tc.spec.Content {
					t.Errorf("shard %d got %q, want %q", tc.shard, m.Content, tc.spec.Content)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("shard %d got nothing", tc.shard)
			}
			select {
			case m := <-got[1-tc.shard]:
				t.Errorf("shard %d got %q too", 1-tc.shard, m.Content)
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}

// TestShardNotConnected checks that an event for a shard with no
// connection is not delivered to another.
func TestShardNotConnected(t *testing.T) {
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close)
	sess := newSession(t, srv)
	sess.ShardID, sess.ShardCount = 0, 2
	if err := sess.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitShard(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask", GuildID: guildShard1}); !errors.Is(err, discordtest.ErrNotConnected) {
		t.Errorf("SendInteraction to the guild of an absent shard = %v, want ErrNotConnected", err)
	}
	if _, _, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask", GuildID: guildShard0}); err != nil {
		t.Errorf("SendInteraction to shard 0's guild = %v", err)
	}
}

// TestInvalidShard checks that an IDENTIFY with a shard outside its count
// is closed with 4010, as Discord does.
func TestInvalidShard(t *testing.T) {
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close)
	c, _, err := websocket.DefaultDialer.Dial(srv.GatewayURL()+"/?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hello json.RawMessage
	if err := c.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot x", "intents": 1, "shard": []int{2, 2}}})
	_, _, err = c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4010 {
		t.Errorf("IDENTIFY with shard [2, 2]: read = %v, want close 4010", err)
	}
}
