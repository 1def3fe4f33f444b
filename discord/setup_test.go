package discord

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/discord/discordtest"
)

func TestInviteURL(t *testing.T) {
	if Permissions != 309237713920 {
		t.Errorf("Permissions = %d, want 309237713920 (the number the README gives)", Permissions)
	}
	u, err := url.Parse(InviteURL("123"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "https" || u.Host != "discord.com" || u.Path != "/oauth2/authorize" ||
		q.Get("client_id") != "123" || q.Get("permissions") != "309237713920" || q.Get("scope") != "bot applications.commands" {
		t.Errorf("InviteURL = %s", u)
	}
}

// TestClearCommands registers commands globally and in a guild, as a bot
// moved from one to the other leaves them, and clears both.
func TestClearCommands(t *testing.T) {
	srv := discordtest.NewServer(discordtest.WithToken("test-token"))
	t.Cleanup(srv.Close)
	s, err := discordgo.New("Bot test-token")
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: srv.Transport(), Timeout: 10 * time.Second}
	for _, guild := range []string{"", discordtest.DefaultGuildID} {
		if _, err := s.ApplicationCommandBulkOverwrite(srv.AppID(), guild, Commands()); err != nil {
			t.Fatal(err)
		}
	}
	ctx := waitCtx(t)
	if _, err := ClearCommands(ctx, "wrong-token", srv.URL, ""); err == nil {
		t.Error("ClearCommands with a wrong token succeeded")
	}
	n, err := ClearCommands(ctx, "test-token", srv.URL, discordtest.DefaultGuildID)
	if err != nil || n != 2*len(Commands()) {
		t.Errorf("ClearCommands = %d, %v; want %d removed", n, err, 2*len(Commands()))
	}
	if g, l := srv.Commands(""), srv.Commands(discordtest.DefaultGuildID); len(g)+len(l) != 0 {
		t.Errorf("left: %d global, %d guild commands", len(g), len(l))
	}
	if n, err := ClearCommands(ctx, "test-token", srv.URL, ""); n != 0 || err != nil {
		t.Errorf("ClearCommands again = %d, %v; want nothing to remove", n, err)
	}
}

// logBuffer collects JSON log lines, safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the records logged with msg.
func (b *logBuffer) lines(msg string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(b.buf.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// TestLogLines checks what an operator sees at the info level: a ready
// line with the invite link, and one line per question of every kind.
func TestLogLines(t *testing.T) {
	logs := &logBuffer{}
	lg := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close)
	h := startBotLogged(t, srv, lg, Config{AsksPerMinute: -1}, newStub(), manyArticles(2))

	ready := logs.lines("discord bot ready")
	if len(ready) != 1 || ready[0]["user"] != discordtest.DefaultBotName || ready[0]["guilds"] != 0.0 || ready[0]["invite"] != InviteURL(srv.AppID()) {
		t.Errorf("ready lines = %v", ready)
	}

	h.waitFinal(t, h.ask(t, "user-log", "How many were evacuated?"), hasButtons)
	q := mention(t, srv, "user-log", "How many were evacuated?")
	waitMessages(t, srv, q.ID, 1)
	if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: q.ID, GuildID: discordtest.DefaultGuildID, AuthorID: "user-log", Content: "And who said so?"}); err != nil {
		t.Fatal(err)
	}
	waitMessages(t, srv, q.ID, 2)
	if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: "dm-log", DM: true, AuthorID: "user-log", Content: "How many?"}); err != nil {
		t.Fatal(err)
	}
	waitMessages(t, srv, "dm-log", 1)
	for _, name := range []string{"summary", "timeline"} {
		_, tok, err := srv.SendInteraction(discordtest.InteractionSpec{Name: name, UserID: "user-log", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		if err != nil {
			t.Fatal(err)
		}
		h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
	}

	waitFor(t, "six question lines", func() bool { return len(logs.lines("question answered")) == 6 })
	byKind := map[string]map[string]any{}
	for _, l := range logs.lines("question answered") {
		byKind[l["kind"].(string)] = l
	}
	for _, kind := range []string{kindAsk, kindMention, kindFollowUp, kindDM, kindSummary, kindTimeline} {
		l, ok := byKind[kind]
		if !ok {
			t.Errorf("no question line of kind %s", kind)
			continue
		}
		for _, key := range []string{"latency", "mode", "refused", "fallback", "sources", "removed"} {
			if _, ok := l[key]; !ok {
				t.Errorf("%s line lacks %s: %v", kind, key, l)
			}
		}
	}
	if l := byKind[kindAsk]; l["mode"] != "llm" || l["sources"] != 1.0 || l["refused"] != false {
		t.Errorf("ask line = %v", l)
	}
	if l := byKind[kindTimeline]; l["refused"] != true {
		t.Errorf("timeline line = %v, want refused", l)
	}
}
