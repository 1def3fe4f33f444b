package discord

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/discord/discordtest"
	"github.com/situationbot/bot/retrieval"
)

// TestAddFeedsAnnounce: /add is for moderators, passes the date, shows
// what was added or why not; /feeds lists the feeds; an announcement
// reaches its channel with hostile titles defused.
func TestAddFeedsAnnounce(t *testing.T) {
	ix, _ := loadIndex(t)
	var gotURL string
	var gotDate time.Time
	cfg := Config{
		Add: func(ctx context.Context, url string, published time.Time) (Added, error) {
			gotURL, gotDate = url, published
			if strings.Contains(url, "missing") {
				return Added{}, errors.New("the site answered 404 Not Found")
			}
			return Added{ID: "2014-02-10-convoy", Title: "Convoy reaches **Homs**", Source: "Test Wire", URL: "https://example.com/convoy",
				FirstLine: "A convoy reached the old city.", Published: time.Date(2014, 2, 10, 0, 0, 0, 0, time.UTC)}, nil
		},
		Feeds: func() []FeedStatus {
			return []FeedStatus{{URL: "https://example.com/feed.rss", Title: "Test Wire", LastPoll: time.Date(2014, 2, 10, 9, 0, 0, 0, time.UTC), Added: 3},
				{URL: "https://down.example/rss", LastError: "the site answered 503"}}
		},
	}
	h := startBot(t, cfg, answer.New(discardLogger(), ix, nil, answer.Options{}), ix)
	send := func(name string, perms int64, opts ...discordtest.Option) discordtest.Message {
		t.Helper()
		_, tok, err := h.srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: name, Options: opts, UserID: "u", Permissions: perms,
			GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		if err != nil {
			t.Fatal(err)
		}
		return h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
	}
	url := discordtest.Option{Name: "url", Value: "https://example.com/convoy"}
	if m := send("add", discordgo.PermissionSendMessages, url); !strings.Contains(m.Content, "Only moderators") || gotURL != "" {
		t.Errorf("/add by a member: %q (add called with %q)", m.Content, gotURL)
	}
	m := send("add", discordgo.PermissionManageGuild, url, discordtest.Option{Name: "published", Value: "2014-02-10"})
	if !strings.Contains(m.Content, `Added **Convoy reaches \*\*Homs\*\***`) || !strings.Contains(m.Content, "<https://example.com/convoy>") || !gotDate.Equal(time.Date(2014, 2, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("/add: %q (date %v)", m.Content, gotDate)
	}
	if m := send("add", discordgo.PermissionManageGuild, discordtest.Option{Name: "url", Value: "https://example.com/missing"}); !strings.Contains(m.Content, "Nothing added: The site answered 404") {
		t.Errorf("/add of a missing page: %q", m.Content)
	}
	if m := send("add", discordgo.PermissionManageGuild, url, discordtest.Option{Name: "published", Value: "10/02/2014"}); !strings.Contains(m.Content, "YYYY-MM-DD") {
		t.Errorf("/add with a bad date: %q", m.Content)
	}
	if m := send("feeds", 0); !strings.Contains(m.Content, "**Test Wire** <https://example.com/feed.rss>") || !strings.Contains(m.Content, "3 added") || !strings.Contains(m.Content, "failed: the site answered 503") {
		t.Errorf("/feeds: %q", m.Content)
	}

	const channel = "announce-1"
	if err := h.bot.Announce(context.Background(), channel, []Announced{{Feed: "Test Wire", Title: "Join [here](https://evil.example) discord.gg/abc", URL: "javascript:alert(1)"}}); err != nil {
		t.Fatal(err)
	}
	msgs := h.srv.Messages(channel)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Content, "New article from Test Wire") || strings.Contains(msgs[0].Content, "](https") ||
		strings.Contains(msgs[0].Content, "discord.gg/") || strings.Contains(msgs[0].Content, "javascript:") {
		t.Errorf("announcement: %+v", msgs)
	}
}

// TestRefreshReportPartial: articles left pending and a snapshot not saved
// are reported, not hidden.
func TestRefreshReportPartial(t *testing.T) {
	got := refreshReport(retrieval.Report{Added: []string{"a"}, Pending: []string{"b_c"}, SaveErr: retrieval.ErrNotSaved}, nil)
	for _, want := range []string{"1 added", "Not indexed yet (the embedder failed; the next refresh retries): b\\_c", "could not be saved"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}
