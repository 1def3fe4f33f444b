package discord

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/discord/discordtest"
	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/llm/llmtest"
	"github.com/situationbot/bot/retrieval"
)

const evacuationQ = "How many people did the government say were evacuated from Homs on Friday?"

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// loadIndex indexes the shipped corpus with the local embedder.
func loadIndex(t *testing.T) (*retrieval.Index, []corpus.Article) {
	t.Helper()
	arts, errs, err := corpus.Load(os.DirFS("../corpus"))
	if err != nil || len(errs) > 0 {
		t.Fatalf("load corpus: %v %v", err, errs)
	}
	ix := retrieval.Open(discardLogger(), retrieval.NewLocalEmbedder(0), "", retrieval.Options{})
	if _, err := ix.Sync(context.Background(), arts, nil); err != nil {
		t.Fatal(err)
	}
	return ix, arts
}

// panicky wraps an Answerer and panics on a question containing "PANIC",
// to show that a handler's panic is recovered.
type panicky struct{ Answerer }

func (p panicky) Ask(ctx context.Context, q string, onDelta func(string)) (answer.Answer, error) {
	if strings.Contains(q, "PANIC") {
		panic("test panic in the answer pipeline")
	}
	return p.Answerer.Ask(ctx, q, onDelta)
}

// manyArticles is a Library of n articles, for /sources pagination.
type manyArticles int

func (n manyArticles) Articles() []corpus.Article {
	var out []corpus.Article
	for i := 0; i < int(n); i++ {
		out = append(out, corpus.Article{ID: fmt.Sprint(i), Title: fmt.Sprintf("Article %02d", i), Published: time.Date(2014, 1, 1+i, 0, 0, 0, 0, time.UTC)})
	}
	return out
}

// harness is a running bot wired to a fake Discord.
type harness struct {
	srv     *discordtest.Server
	bot     *Bot
	cancel  context.CancelFunc
	done    chan error
	dataDir string
	refresh *countingRefresh
}

type countingRefresh struct {
	mu    sync.Mutex
	calls int
	block chan struct{} // when set, refresh waits for it
	guard bool          // when set, refresh refuses unless forced
}

func (c *countingRefresh) run(ctx context.Context, force bool) (retrieval.Report, []error, error) {
	c.mu.Lock()
	c.calls++
	block, guard := c.block, c.guard
	c.mu.Unlock()
	if block != nil {
		<-block
	}
	if guard && !force {
		return retrieval.Report{}, nil, fmt.Errorf("%w: it would remove 2 of the 2 articles (a, b)", corpus.ErrTooManyRemovals)
	}
	return retrieval.Report{Unchanged: []string{"a", "b"}, Chunks: 16}, []error{&corpus.FileError{File: "broken.md", Err: corpus.ErrDate}}, nil
}

// startBot starts a bot on a new fake Discord, closed when the test ends.
func startBot(t *testing.T, cfg Config, ans Answerer, lib Library) *harness {
	t.Helper()
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close) // after the bot has stopped: cleanups run last first
	return startBotOn(t, srv, cfg, ans, lib)
}

// startBotOn starts a bot on srv, stopped when the test ends; a second bot
// started on the same server after the first stops is a restart.
func startBotOn(t *testing.T, srv *discordtest.Server, cfg Config, ans Answerer, lib Library) *harness {
	t.Helper()
	return startBotLogged(t, srv, discardLogger(), cfg, ans, lib)
}

// startBotLogged is startBotOn with the bot logging to lg.
func startBotLogged(t *testing.T, srv *discordtest.Server, lg *slog.Logger, cfg Config, ans Answerer, lib Library) *harness {
	t.Helper()
	h := &harness{srv: srv, done: make(chan error, 1), dataDir: t.TempDir(), refresh: &countingRefresh{}}
	cfg.Token = "test-token"
	cfg.APIURL = srv.URL
	cfg.GuildID = discordtest.DefaultGuildID
	cfg.DataDir = h.dataDir
	bot, err := New(lg, cfg, ans, lib, h.refresh.run)
	if err != nil {
		t.Fatal(err)
	}
	h.bot = bot
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- bot.Run(ctx) }()
	select {
	case <-bot.Ready():
	case err := <-h.done:
		t.Fatalf("bot stopped before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("bot not ready after 10 s")
	}
	t.Cleanup(func() { h.stop(t) })
	return h
}

// stop shuts the bot down and checks it exits cleanly.
func (h *harness) stop(t *testing.T) {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run returned %v, want nil after shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("Run did not return after shutdown")
	}
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ask sends /ask as user and waits until the response is final: edited
// with feedback buttons, or answered at once.
func (h *harness) ask(t *testing.T, user, question string, extra ...discordtest.Option) (token string) {
	t.Helper()
	opts := append([]discordtest.Option{{Name: "question", Value: question}}, extra...)
	_, token, err := h.srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "ask", Options: opts, UserID: user, GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// waitFinal waits until the interaction's original response holds feedback
// buttons (the final edit) or is a plain reply.
func (h *harness) waitFinal(t *testing.T, token string, pred func(discordtest.Message) bool) discordtest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m, ok := h.srv.Original(token); ok && pred(m) {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	m, _ := h.srv.Original(token)
	t.Fatalf("response for %s never became final; last: %+v", token, m)
	return m
}

func hasButtons(m discordtest.Message) bool { return strings.Contains(string(m.Components), "fb:up:") }

func ackOf(t *testing.T, srv *discordtest.Server, token string) discordtest.Ack {
	t.Helper()
	for _, a := range srv.Acks() {
		if a.Token == token {
			return a
		}
	}
	t.Fatalf("no ack for %s", token)
	return discordtest.Ack{}
}

// TestBotExtractive drives the bot, with the embedded default answers,
// through a real discordgo session against the fake Discord.
func TestBotExtractive(t *testing.T) {
	ix, _ := loadIndex(t)
	engine := answer.New(discardLogger(), ix, nil, answer.Options{})
	h := startBot(t, Config{AsksPerMinute: 3, ModeratorRoles: []string{"mod-role"}}, panicky{engine}, manyArticles(20))
	srv := h.srv

	t.Run("commands registered by bulk overwrite", func(t *testing.T) {
		cmds := srv.Commands(discordtest.DefaultGuildID)
		var names []string
		for _, c := range cmds {
			names = append(names, c.Name)
			if c.Name == "refresh" && (c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != discordgo.PermissionManageGuild) {
				t.Errorf("/refresh default permissions = %v, want Manage Server", c.DefaultMemberPermissions)
			}
		}
		if strings.Join(names, ",") != "ask,summary,timeline,sources,help,refresh,add,feeds" {
			t.Errorf("registered commands = %v", names)
		}
		if n := len(srv.CallsTo("PUT", "/api/v9/applications/"+srv.AppID()+"/guilds/")); n != 1 {
			t.Errorf("%d bulk overwrites, want 1", n)
		}
	})

	t.Run("ask deferred then answered with citations", func(t *testing.T) {
		token := h.ask(t, "user-ask", evacuationQ)
		m := h.waitFinal(t, token, hasButtons)
		ack := ackOf(t, srv, token)
		if ack.Type != 5 || ack.Latency >= 3*time.Second {
			t.Errorf("ack = type %d after %v, want a deferral (5) within 3 s", ack.Type, ack.Latency)
		}
		for _, want := range []string{"58", "[1]", "**Sources**", "Civilians evacuated from besieged Homs", "7 Feb 2014"} {
			if !strings.Contains(m.Content, want) {
				t.Errorf("answer lacks %q:\n%s", want, m.Content)
			}
		}
	})

	t.Run("private ask is ephemeral", func(t *testing.T) {
		token := h.ask(t, "user-private", evacuationQ, discordtest.Option{Name: "private", Value: true})
		h.waitFinal(t, token, hasButtons)
		var data struct{ Flags int }
		json.Unmarshal(ackOf(t, srv, token).Data, &data)
		if data.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("private ask deferred without the ephemeral flag: %s", ackOf(t, srv, token).Data)
		}
	})

	t.Run("refusal when the articles do not say", func(t *testing.T) {
		token := h.ask(t, "user-refuse", "What is the best pizza recipe?")
		m := h.waitFinal(t, token, hasButtons)
		if !strings.HasPrefix(m.Content, "I couldn't find that in the 2 articles") || strings.Contains(m.Content, "Sources") {
			t.Errorf("refusal = %q", m.Content)
		}
	})

	t.Run("bad input gets a private reply at once", func(t *testing.T) {
		token := h.ask(t, "user-long", strings.Repeat("why ", 300))
		m := h.waitFinal(t, token, func(discordtest.Message) bool { return true })
		if ack := ackOf(t, srv, token); ack.Type != 4 || !strings.Contains(m.Content, "too long") {
			t.Errorf("long question: ack type %d, %q", ack.Type, m.Content)
		}
	})

	t.Run("rate limit", func(t *testing.T) {
		var last string
		for i := 0; i < 4; i++ {
			last = h.ask(t, "user-rate", fmt.Sprintf("Who is the spokeswoman of the US State Department? (%d)", i))
			if i < 3 {
				h.waitFinal(t, last, hasButtons)
			}
		}
		m := h.waitFinal(t, last, func(m discordtest.Message) bool { return m.Content != "" })
		var data struct{ Flags int }
		json.Unmarshal(ackOf(t, srv, last).Data, &data)
		if !strings.Contains(m.Content, "try again in") || data.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("fourth question in a minute: %q (flags %d), want an ephemeral try again", m.Content, data.Flags)
		}
	})

	t.Run("mention answered in a new thread, follow-up with context", func(t *testing.T) {
		q, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: discordtest.DefaultChannelID, GuildID: discordtest.DefaultGuildID, AuthorID: "user-mention", Content: "<@" + srv.BotUserID() + "> " + evacuationQ, MentionIDs: []string{srv.BotUserID()}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := waitCtx(t)
		if _, err := srv.WaitForCall(ctx, "POST", "/api/v9/channels/"+discordtest.DefaultChannelID+"/messages/"+q.ID+"/threads", 1); err != nil {
			t.Fatalf("no thread started: %v", err)
		}
		threads := srv.Threads(discordtest.DefaultChannelID)
		if len(threads) != 1 {
			t.Fatalf("threads = %+v", threads)
		}
		th := threads[0].ID
		first := waitMessages(t, srv, th, 1)
		if !strings.Contains(first[0].Content, "58") || !strings.Contains(first[0].Content, "[1]") {
			t.Errorf("thread answer = %q", first[0].Content)
		}
		if len(srv.CallsTo("POST", "/api/v9/channels/"+th+"/typing")) == 0 {
			t.Error("no typing indicator in the thread")
		}
		// A follow-up without a mention, answerable only with the thread's
		// context ("who said so" of the evacuation).
		if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: th, GuildID: discordtest.DefaultGuildID, AuthorID: "user-mention", Content: "And who said so?"}); err != nil {
			t.Fatal(err)
		}
		second := waitMessages(t, srv, th, 2)
		if strings.HasPrefix(second[1].Content, "I couldn't find") || !strings.Contains(second[1].Content, "government") {
			t.Errorf("follow-up answer = %q, want one about the government's figure", second[1].Content)
		}
	})

	t.Run("mention where threads are not allowed gets a reply", func(t *testing.T) {
		srv.AddChannel(discordtest.Channel{ID: "no-threads", GuildID: discordtest.DefaultGuildID, Type: 0})
		srv.RefuseThreads("no-threads", discordtest.ThreadsMissingPermissions)
		q, _ := srv.SendMessage(discordtest.MessageSpec{ChannelID: "no-threads", GuildID: discordtest.DefaultGuildID, AuthorID: "user-nothread", Content: "<@" + srv.BotUserID() + "> What were the elderly evacuees wrapped in?", MentionIDs: []string{srv.BotUserID()}})
		msgs := waitMessages(t, srv, "no-threads", 1)
		if msgs[0].Reference == nil || msgs[0].Reference.MessageID != q.ID || !strings.Contains(msgs[0].Content, "blue blankets") {
			t.Errorf("reply = %+v", msgs[0])
		}
	})

	t.Run("messages from bots are ignored", func(t *testing.T) {
		srv.AddChannel(discordtest.Channel{ID: "bots", GuildID: discordtest.DefaultGuildID, Type: 0})
		srv.SendMessage(discordtest.MessageSpec{ChannelID: "bots", GuildID: discordtest.DefaultGuildID, AuthorID: "other-bot", Bot: true, Content: "<@" + srv.BotUserID() + "> " + evacuationQ, MentionIDs: []string{srv.BotUserID()}})
		srv.SendMessage(discordtest.MessageSpec{ChannelID: "bots", GuildID: discordtest.DefaultGuildID, AuthorID: "user-x", Content: "just chatting, no mention"})
		time.Sleep(300 * time.Millisecond)
		for _, m := range srv.Messages("bots") {
			if m.Author == srv.BotUserID() {
				t.Errorf("bot answered %q", m.Content)
			}
		}
	})

	t.Run("refresh: refused for members, done for moderators, one at a time", func(t *testing.T) {
		send := func(user string, perms int64, roles ...string) string {
			_, token, err := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "refresh", UserID: user, Permissions: perms, Roles: roles, GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
			if err != nil {
				t.Fatal(err)
			}
			return token
		}
		tok := send("member", discordgo.PermissionSendMessages)
		m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
		if !strings.Contains(m.Content, "Only moderators") || h.refresh.calls != 0 {
			t.Errorf("member refresh: %q, %d refreshes", m.Content, h.refresh.calls)
		}
		block := make(chan struct{})
		h.refresh.mu.Lock()
		h.refresh.block = block
		h.refresh.mu.Unlock()
		tok = send("mod", discordgo.PermissionManageGuild)
		if _, err := srv.WaitForCall(waitCtx(t), "POST", "/api/v9/interactions/", 0); err != nil {
			t.Fatal(err)
		}
		// While it runs, a second refresh (by role) is turned away.
		time.Sleep(100 * time.Millisecond)
		tok2 := send("mod2", 0, "mod-role")
		m2 := h.waitFinal(t, tok2, func(m discordtest.Message) bool { return m.Content != "" })
		close(block)
		m = h.waitFinal(t, tok, func(m discordtest.Message) bool { return strings.Contains(m.Content, "Refresh done") })
		if !strings.Contains(m2.Content, "already running") {
			t.Errorf("concurrent refresh: %q", m2.Content)
		}
		if !strings.Contains(m.Content, "2 unchanged") || !strings.Contains(m.Content, "broken.md") || m.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("refresh report (flags %d): %q", m.Flags, m.Content)
		}

		// A refresh that would remove most articles is refused, unless forced.
		h.refresh.mu.Lock()
		h.refresh.block, h.refresh.guard = nil, true
		h.refresh.mu.Unlock()
		m = h.waitFinal(t, send("mod", discordgo.PermissionManageGuild), func(m discordtest.Message) bool { return m.Content != "" })
		if !strings.Contains(m.Content, "refused") || !strings.Contains(m.Content, "force:True") {
			t.Errorf("refused refresh: %q", m.Content)
		}
		_, tok, err := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "refresh", Options: []discordtest.Option{{Name: "force", Value: true}},
			UserID: "mod", Permissions: discordgo.PermissionManageGuild, GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		if err != nil {
			t.Fatal(err)
		}
		if m = h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" }); !strings.Contains(m.Content, "Refresh done") {
			t.Errorf("forced refresh: %q", m.Content)
		}
	})

	t.Run("sources paginated with buttons", func(t *testing.T) {
		_, tok, _ := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "sources", UserID: "user-src", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
		if !strings.Contains(m.Content, "20 articles") || !strings.Contains(m.Content, "Article 19") || !strings.Contains(m.Content, "Page 1 of 3") || !strings.Contains(string(m.Components), "src:1") {
			t.Fatalf("sources page 1: %q %s", m.Content, m.Components)
		}
		_, tok2, _ := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionComponent, CustomID: "src:1", ComponentType: 2, MessageID: m.ID, UserID: "user-src", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		if _, err := srv.WaitForCall(waitCtx(t), "POST", "/api/v9/interactions/", 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		ack := ackOf(t, srv, tok2)
		if ack.Type != 7 || !strings.Contains(string(ack.Data), "Page 2 of 3") || !strings.Contains(string(ack.Data), "Article 11") {
			t.Errorf("next page: type %d %s", ack.Type, ack.Data)
		}
	})

	t.Run("feedback click acknowledged and saved", func(t *testing.T) {
		token := h.ask(t, "user-fb", evacuationQ)
		m := h.waitFinal(t, token, hasButtons)
		i := strings.Index(string(m.Components), "fb:up:")
		customID := string(m.Components)[i : i+len("fb:up:")+16]
		_, tok, _ := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionComponent, CustomID: customID, ComponentType: 2, MessageID: m.ID, UserID: "user-fb", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		reply := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
		if ack := ackOf(t, srv, tok); ack.Type != 4 || ack.Latency >= 3*time.Second || !strings.Contains(reply.Content, "Thanks") {
			t.Errorf("feedback ack: type %d after %v: %q", ack.Type, ack.Latency, reply.Content)
		}
		var rec feedbackRecord
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if b, err := os.ReadFile(filepath.Join(h.dataDir, "feedback.jsonl")); err == nil {
				sc := bufio.NewScanner(strings.NewReader(string(b)))
				for sc.Scan() {
					json.Unmarshal(sc.Bytes(), &rec)
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if rec.Vote != "up" || rec.UserID != "user-fb" || rec.Question != evacuationQ || !strings.Contains(rec.Answer, "58") || len(rec.Sources) == 0 {
			t.Errorf("feedback record = %+v", rec)
		}
	})

	t.Run("panic in a handler recovered", func(t *testing.T) {
		token := h.ask(t, "user-panic", "PANIC please")
		m := h.waitFinal(t, token, func(m discordtest.Message) bool { return strings.Contains(m.Content, "went wrong") })
		if m.Content != textFailed {
			t.Errorf("after a panic the user sees %q", m.Content)
		}
		// And the bot still answers.
		token = h.ask(t, "user-panic", evacuationQ)
		h.waitFinal(t, token, hasButtons)
	})

	t.Run("summary and a paginated timeline", func(t *testing.T) {
		_, tok, _ := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "summary", UserID: "user-overview", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
		if ack := ackOf(t, srv, tok); ack.Type != 5 || !strings.Contains(m.Content, "**Summary** of 2 article(s), current to 7 Feb 2014") || !strings.Contains(m.Content, "[2]") {
			t.Errorf("summary (ack %d): %q", ack.Type, m.Content)
		}
		_, tok, _ = srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "timeline", UserID: "user-overview", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		m = h.waitFinal(t, tok, func(m discordtest.Message) bool { return strings.Contains(string(m.Components), "pg:") })
		if !strings.HasPrefix(m.Content, "**Timeline**, current to 7 Feb 2014.") || utf8.RuneCountInString(m.Content) > MaxMessage {
			t.Fatalf("timeline page 1: %q", m.Content)
		}
		pages := []string{m.Content}
		next := regexp.MustCompile(`pg:[0-9a-f]+:1"`).FindString(string(m.Components))
		_, tok2, _ := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionComponent, CustomID: strings.TrimSuffix(next, `"`), ComponentType: 2, MessageID: m.ID, UserID: "user-overview", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		page2 := h.waitFinal(t, tok2, func(m discordtest.Message) bool { return m.Content != "" })
		if ack := ackOf(t, srv, tok2); ack.Type != 7 || ack.Latency >= 3*time.Second {
			t.Errorf("page turn acked with type %d after %v, want an immediate update (7)", ack.Type, ack.Latency)
		}
		pages = append(pages, page2.Content)
		all := strings.Join(pages, "\n")
		for _, want := range []string{"**26 Jan 2014** —", "**7 Feb 2014** —", "**10 Feb 2014** —"} {
			if !strings.Contains(all, want) {
				t.Errorf("timeline pages lack %q", want)
			}
		}
	})

	t.Run("help", func(t *testing.T) {
		_, tok, _ := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "help", UserID: "user-help", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
		if !strings.Contains(m.Content, "20 news articles") || !strings.Contains(m.Content, "/ask") || !strings.Contains(m.Content, "Checking an answer") {
			t.Errorf("help = %q", m.Content)
		}
	})

	h.stop(t)
	checkAllowedMentions(t, srv)
}

// checkAllowedMentions asserts that every message the bot sent or edited
// carried allowed_mentions that allow nothing.
func checkAllowedMentions(t *testing.T, srv *discordtest.Server) {
	t.Helper()
	bodies := srv.MessageBodies()
	if len(bodies) == 0 {
		t.Fatal("no message bodies recorded")
	}
	for _, b := range bodies {
		var am struct {
			Parse *[]string `json:"parse"`
			Users []string  `json:"users"`
			Roles []string  `json:"roles"`
		}
		if !b.HasAllowedMentions || json.Unmarshal(b.AllowedMentions, &am) != nil || am.Parse == nil || len(*am.Parse) != 0 || len(am.Users)+len(am.Roles) != 0 {
			t.Errorf("%s %s: allowed_mentions %s (present %t), want {\"parse\":[]}", b.Method, b.Path, b.AllowedMentions, b.HasAllowedMentions)
		}
	}
}

// waitMessages waits until the bot has posted at least n messages in channel.
func waitMessages(t *testing.T, srv *discordtest.Server, channel string, n int) []discordtest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var mine []discordtest.Message
		for _, m := range srv.Messages(channel) {
			if m.Author == srv.BotUserID() {
				mine = append(mine, m)
			}
		}
		if len(mine) >= n {
			return mine
		}
		if time.Now().After(deadline) {
			t.Fatalf("bot posted %d messages in %s, want %d", len(mine), channel, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// groundedSentences are model sentences that pass the grounding check
// when [1] is the 7 February article's passage on the evacuation: their
// only facts are "58" and "Friday" (its publication day).
const groundedSentences = "The government said 58 people were evacuated on Friday [1]. All of them were women, children and elderly [1]. They had endured a crushing blockade [1]. The evacuation took place under a ceasefire [1]. "

// TestBotWithModel drives the bot with a chat model on a loopback
// OpenAI-compatible server: streamed edits, long answers, the model down.
func TestBotWithModel(t *testing.T) {
	ix, _ := loadIndex(t)
	llmSrv := llmtest.NewServer()
	defer llmSrv.Close()
	client := llm.New(discardLogger(), llm.Config{BaseURL: llmSrv.URL, ChatModel: "m", Timeout: 5 * time.Second, MaxRetries: 1, Backoff: time.Millisecond})
	engine := answer.New(discardLogger(), ix, client, answer.Options{})
	const interval = 200 * time.Millisecond
	h := startBot(t, Config{AsksPerMinute: 100, EditInterval: interval, ShutdownGrace: 5 * time.Second}, engine, ix)
	srv := h.srv

	t.Run("streamed edits throttled", func(t *testing.T) {
		// Several sentences, so that checked text is shown as each one
		// completes (the stream shows only whole, grounded sentences).
		words := strings.Fields(strings.Repeat(groundedSentences, 2))
		chunks := make([]string, len(words))
		for i, w := range words {
			chunks[i] = w + " "
		}
		llmSrv.Enqueue(llmtest.Reply{Chunks: chunks, ChunkDelay: 40 * time.Millisecond})
		token := h.ask(t, "user-stream", evacuationQ)
		m := h.waitFinal(t, token, hasButtons)
		if !strings.Contains(m.Content, "58 people") || !strings.Contains(m.Content, "**Sources**") {
			t.Errorf("final answer = %q", m.Content)
		}
		var edits []time.Time
		for _, c := range srv.CallsTo("PATCH", "/api/v9/webhooks/"+srv.AppID()+"/"+token+"/messages/@original") {
			edits = append(edits, c.At)
		}
		// About 1 s of streaming at one edit per 200 ms: a few partial
		// edits plus the final one, never two partial edits too close.
		if len(edits) < 3 || len(edits) > 10 {
			t.Errorf("%d edits of the streamed answer, want a handful", len(edits))
		}
		for i := 1; i < len(edits)-1; i++ {
			if gap := edits[i].Sub(edits[i-1]); gap < interval*8/10 {
				t.Errorf("partial edits %d and %d only %v apart, want at least %v", i-1, i, gap, interval)
			}
		}
	})

	t.Run("long answer split under 2000 characters", func(t *testing.T) {
		var b strings.Builder
		for b.Len() < 3800 {
			b.WriteString(groundedSentences)
		}
		llmSrv.Enqueue(llmtest.Reply{Content: b.String()})
		token := h.ask(t, "user-long", evacuationQ)
		ctx := waitCtx(t)
		var follow []discordtest.Message
		for ctx.Err() == nil {
			follow = srv.Followups(token)
			if len(follow) > 0 && hasButtons(follow[len(follow)-1]) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		orig, _ := srv.Original(token)
		all := append([]discordtest.Message{orig}, follow...)
		if len(all) < 3 {
			t.Fatalf("a %d-character answer came in %d messages", b.Len(), len(all))
		}
		for i, m := range all {
			if n := utf8.RuneCountInString(m.Content); n > MaxMessage || cutMarker.MatchString(m.Content) {
				t.Errorf("message %d: %d characters, ends %q", i, n, m.Content[max(0, len(m.Content)-30):])
			}
		}
	})

	t.Run("chat endpoint down: extractive answer still posted", func(t *testing.T) {
		llmSrv.Enqueue(llmtest.Reply{Status: 503}, llmtest.Reply{Status: 503})
		token := h.ask(t, "user-down", evacuationQ)
		m := h.waitFinal(t, token, hasButtons)
		if !strings.Contains(m.Content, "58") || !strings.Contains(m.Content, "quotes the articles directly") {
			t.Errorf("fallback answer = %q", m.Content)
		}
	})

	t.Run("shutdown lets an answer in flight finish", func(t *testing.T) {
		llmSrv.Enqueue(llmtest.Reply{Content: "The government said 58 people were evacuated [1].", Stall: 500 * time.Millisecond})
		token := h.ask(t, "user-shutdown", evacuationQ)
		if _, err := srv.WaitForCall(waitCtx(t), "POST", "/api/v9/interactions/", 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // the answer is now being written
		h.stop(t)
		m, _ := srv.Original(token)
		if !strings.Contains(m.Content, "58") || !hasButtons(m) {
			t.Errorf("answer in flight at shutdown = %q", m.Content)
		}
	})
	checkAllowedMentions(t, srv)
}
