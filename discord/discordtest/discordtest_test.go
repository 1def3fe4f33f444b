package discordtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/situationbot/bot/discord/discordtest"
)

const token = "test-token"

// newSession returns a session whose REST calls go to srv, not opened.
func newSession(t *testing.T, srv *discordtest.Server) *discordgo.Session {
	t.Helper()
	sess, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	sess.Client = &http.Client{Transport: srv.Transport(), Timeout: 10 * time.Second}
	sess.LogLevel = -1 // quiet: the tests provoke errors on purpose
	return sess
}

// wantCode fails unless err is a *discordgo.RESTError with status and
// Discord error code.
func wantCode(t *testing.T, what string, err error, status, code int) {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		t.Errorf("%s: error %v, want a RESTError %d/%d", what, err, status, code)
		return
	}
	if re.Response.StatusCode != status || re.Message == nil || re.Message.Code != code {
		t.Errorf("%s: %v, want status %d code %d", what, err, status, code)
	}
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		var zero T
		t.Fatalf("no %T received", zero)
		return zero
	}
}

// TestSession drives the fake with one real, opened discordgo session
// (Session.Close sleeps 1 s, so there is only one).
func TestSession(t *testing.T) {
	srv := discordtest.NewServer(discordtest.WithToken(token))
	t.Cleanup(srv.Close)
	sess := newSession(t, srv)
	intents := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent
	sess.Identify.Intents = intents
	interactions := make(chan *discordgo.InteractionCreate, 8)
	messages := make(chan *discordgo.MessageCreate, 8)
	rateLimits := make(chan *discordgo.RateLimit, 8)
	sess.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { interactions <- i })
	sess.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { messages <- m })
	sess.AddHandler(func(_ *discordgo.Session, r *discordgo.RateLimit) { rateLimits <- r })
	if err := sess.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { sess.Close() }) // runs before srv.Close
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	am := &discordgo.MessageAllowedMentions{}

	t.Run("identify", func(t *testing.T) {
		id, ok := srv.Identify()
		if !ok || id.Token != "Bot "+token || id.Intents != int(intents) || id.Shard != nil {
			t.Errorf("Identify() = %+v, %v; want token %q, intents %d, no shard", id, ok, "Bot "+token, intents)
		}
		sess.State.RLock()
		user, app := sess.State.User, sess.State.Application
		sess.State.RUnlock()
		if user == nil || user.ID != srv.BotUserID() || !user.Bot || app == nil || app.ID != srv.AppID() {
			t.Errorf("READY gave user %+v, application %+v", user, app)
		}
	})

	var askID string
	t.Run("commands", func(t *testing.T) {
		perm := int64(discordgo.PermissionManageGuild)
		cmds := []*discordgo.ApplicationCommand{
			{Name: "ask", Description: "Ask a question", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "What to ask", Required: true},
			}},
			{Name: "refresh", Description: "Reload the corpus", DefaultMemberPermissions: &perm},
		}
		got, err := sess.ApplicationCommandBulkOverwrite(srv.AppID(), "guild1", cmds)
		if err != nil || len(got) != 2 || got[0].ID == "" || got[0].ApplicationID != srv.AppID() || got[0].GuildID != "guild1" {
			t.Fatalf("ApplicationCommandBulkOverwrite = %+v, %v", got, err)
		}
		stored := srv.Commands("guild1")
		if len(stored) != 2 || stored[0].Name != "ask" || stored[0].Options[0].Name != "question" || !stored[0].Options[0].Required ||
			stored[1].DefaultMemberPermissions == nil || *stored[1].DefaultMemberPermissions != perm {
			t.Errorf("Commands(guild1) = %+v", stored)
		}
		if g := srv.Commands(""); len(g) != 0 {
			t.Errorf("Commands(\"\") = %+v, want none", g)
		}
		again, _ := sess.ApplicationCommandBulkOverwrite(srv.AppID(), "guild1", cmds[:1])
		if len(again) != 1 || again[0].ID != got[0].ID {
			t.Errorf("second overwrite = %+v, want ask to keep ID %s", again, got[0].ID)
		}
		askID = got[0].ID
	})

	t.Run("slash command", func(t *testing.T) {
		perms := int64(discordgo.PermissionManageGuild | discordgo.PermissionSendMessages)
		id, tok, err := srv.SendInteraction(discordtest.InteractionSpec{
			Name: "ask", Options: []discordtest.Option{{Name: "question", Value: "why is the sky blue?"}},
			GuildID: "guild1", ChannelID: "chan1", UserID: "42", Username: "alice", Permissions: perms, Roles: []string{"mod"},
		})
		if err != nil {
			t.Fatal(err)
		}
		i := receive(t, interactions)
		data := i.ApplicationCommandData()
		if i.ID != id || i.Token != tok || i.AppID != srv.AppID() || i.GuildID != "guild1" || i.ChannelID != "chan1" || data.ID != askID {
			t.Errorf("interaction = %+v, data %+v", i.Interaction, data)
		}
		if q := data.GetOption("question").StringValue(); q != "why is the sky blue?" {
			t.Errorf("question = %q", q)
		}
		if i.Member == nil || i.Member.Permissions != perms || i.Member.User.ID != "42" || i.Member.User.Username != "alice" || i.Member.Roles[0] != "mod" {
			t.Errorf("member = %+v", i.Member)
		}

		err = sess.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		if err != nil {
			t.Fatalf("defer: %v", err)
		}
		if orig, ok := srv.Original(tok); !ok || orig.Flags&discordtest.FlagLoading == 0 {
			t.Errorf("after defer, Original = %+v, %v; want a loading placeholder", orig, ok)
		}
		answer := "Rayleigh scattering. @everyone"
		if _, err := sess.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &answer, AllowedMentions: am}); err != nil {
			t.Fatalf("edit: %v", err)
		}
		acks := srv.Acks()
		if len(acks) != 1 || acks[0].Type != 5 || acks[0].Token != tok || acks[0].Latency <= 0 || acks[0].Latency > 3*time.Second {
			t.Errorf("Acks() = %+v", acks)
		}
		orig, ok := srv.Original(tok)
		if !ok || orig.Content != answer || !orig.HasAllowedMentions || orig.Flags&discordtest.FlagLoading != 0 || orig.Edits != 1 || orig.ChannelID != "chan1" {
			t.Errorf("Original = %+v, %v", orig, ok)
		}
		if got, err := sess.InteractionResponse(i.Interaction); err != nil || got.Content != answer {
			t.Errorf("InteractionResponse = %+v, %v", got, err)
		}

		err = sess.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "again", AllowedMentions: am}})
		wantCode(t, "second ack", err, http.StatusBadRequest, discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged)

		f, err := sess.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "sources", AllowedMentions: am, Flags: discordgo.MessageFlagsEphemeral})
		if err != nil || f == nil || f.Content != "sources" {
			t.Fatalf("FollowupMessageCreate = %+v, %v", f, err)
		}
		if fs := srv.Followups(tok); len(fs) != 1 || fs[0].ID != f.ID || fs[0].Flags != discordtest.FlagEphemeral {
			t.Errorf("Followups = %+v", fs)
		}
		if hist := srv.Messages("chan1"); len(hist) != 1 || hist[0].ID != orig.ID {
			t.Errorf("Messages(chan1) = %+v, want only the (non-ephemeral) original", hist)
		}
	})

	t.Run("late ack", func(t *testing.T) {
		srv.SetAckDeadline(time.Millisecond)
		defer srv.SetAckDeadline(discordtest.DefaultAckDeadline)
		if _, _, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask"}); err != nil {
			t.Fatal(err)
		}
		i := receive(t, interactions)
		time.Sleep(10 * time.Millisecond)
		err := sess.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		wantCode(t, "late ack", err, http.StatusNotFound, discordgo.ErrCodeUnknownInteraction)
		_, err = sess.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "x", AllowedMentions: am})
		wantCode(t, "followup without ack", err, http.StatusNotFound, discordgo.ErrCodeUnknownWebhook)
	})

	var question *discordgo.MessageCreate
	var reply *discordgo.Message
	t.Run("message, rate-limited reply, history", func(t *testing.T) {
		sent, err := srv.SendMessage(discordtest.MessageSpec{
			ChannelID: "chan1", GuildID: "guild1", Content: "<@" + srv.BotUserID() + "> what is up?",
			AuthorID: "42", MentionIDs: []string{srv.BotUserID()},
		})
		if err != nil {
			t.Fatal(err)
		}
		question = receive(t, messages)
		if question.ID != sent.ID || question.Author.ID != "42" || question.Author.Username != "alice" || question.GuildID != "guild1" ||
			len(question.Mentions) != 1 || question.Mentions[0].ID != srv.BotUserID() || !question.Mentions[0].Bot {
			t.Errorf("MessageCreate = %+v", question.Message)
		}

		srv.FailNextRateLimited("POST", "/api/v9/channels/*/messages", 50*time.Millisecond, false)
		reply, err = sess.ChannelMessageSendComplex("chan1", &discordgo.MessageSend{
			Content: "Nothing much.", Reference: question.SoftReference(), AllowedMentions: am,
		})
		if err != nil {
			t.Fatalf("ChannelMessageSendComplex: %v", err)
		}
		calls := srv.CallsTo("POST", "/api/v9/channels/chan1/messages")
		if len(calls) != 2 || calls[0].Status != 429 || !calls[0].Fault || calls[1].Status != 200 {
			t.Errorf("calls = %+v, want a 429 then a 200", calls)
		}
		if rl := receive(t, rateLimits); rl.RetryAfter != 50*time.Millisecond {
			t.Errorf("RateLimit event = %+v", rl.TooManyRequests)
		}
		if reply.Author.ID != srv.BotUserID() || reply.MessageReference == nil || reply.MessageReference.MessageID != question.ID || reply.Type != discordgo.MessageTypeReply {
			t.Errorf("reply = %+v", reply)
		}
		hist, err := sess.ChannelMessages("chan1", 2, "", "", "")
		if err != nil || len(hist) != 2 || hist[0].ID != reply.ID || hist[1].ID != question.ID {
			t.Errorf("ChannelMessages = %+v, %v; want reply then question", hist, err)
		}
		older, err := sess.ChannelMessages("chan1", 10, question.ID, "", "")
		if err != nil || len(older) != 1 || older[0].Content != "Rayleigh scattering. @everyone" || older[0].Type != discordgo.MessageTypeChatInputCommand {
			t.Errorf("ChannelMessages(before question) = %+v, %v; want the slash command's original", older, err)
		}
	})

	t.Run("threads and typing", func(t *testing.T) {
		th, err := sess.MessageThreadStartComplex("chan1", question.ID, &discordgo.ThreadStart{Name: "what is up?", AutoArchiveDuration: 60})
		if err != nil {
			t.Fatalf("MessageThreadStartComplex: %v", err)
		}
		if th.ID != question.ID || th.Type != discordgo.ChannelTypeGuildPublicThread || th.ParentID != "chan1" || th.OwnerID != srv.BotUserID() || th.GuildID != "guild1" {
			t.Errorf("thread = %+v", th)
		}
		if got, err := sess.Channel(th.ID); err != nil || got.Name != "what is up?" || !got.IsThread() {
			t.Errorf("Channel(thread) = %+v, %v", got, err)
		}
		_, err = sess.MessageThreadStartComplex("chan1", question.ID, &discordgo.ThreadStart{Name: "again"})
		wantCode(t, "second thread", err, http.StatusBadRequest, discordgo.ErrCodeThreadAlreadyCreatedForThisMessage)
		srv.RefuseThreads("chan2", discordtest.ThreadsMissingPermissions)
		_, err = sess.MessageThreadStartComplex("chan2", "123", &discordgo.ThreadStart{Name: "x"})
		wantCode(t, "refused thread", err, http.StatusForbidden, discordgo.ErrCodeMissingPermissions)
		if _, err := sess.ChannelMessageSendComplex(th.ID, &discordgo.MessageSend{Content: "in thread", AllowedMentions: am}); err != nil {
			t.Errorf("send in thread: %v", err)
		}
		inThread, err := sess.ChannelMessages(th.ID, 50, "", "", "")
		if err != nil || len(inThread) != 2 || inThread[0].Content != "in thread" ||
			inThread[1].Type != discordgo.MessageTypeThreadStarterMessage || inThread[1].Author.ID != "42" || inThread[1].MessageReference.MessageID != question.ID {
			t.Errorf("thread history = %+v, %v; want the bot's message after a THREAD_STARTER_MESSAGE", inThread, err)
		}
		if starter, err := sess.ChannelMessage("chan1", th.ID); err != nil || starter.Content != question.Content {
			t.Errorf("ChannelMessage(parent, thread ID) = %+v, %v; want the starter message", starter, err)
		}
		if ths := srv.Threads("chan1"); len(ths) != 1 || ths[0].StarterMessageID != question.ID || ths[0].AutoArchiveDuration != 60 {
			t.Errorf("Threads(chan1) = %+v", ths)
		}
		if err := sess.ChannelTyping("chan1"); err != nil {
			t.Errorf("ChannelTyping: %v", err)
		}
		if c := srv.CallsTo("POST", "/api/v9/channels/chan1/typing"); len(c) != 1 || c[0].Status != http.StatusNoContent {
			t.Errorf("typing calls = %+v", c)
		}
	})

	t.Run("component update", func(t *testing.T) {
		if _, _, err := srv.SendInteraction(discordtest.InteractionSpec{
			Type: discordtest.InteractionComponent, CustomID: "vote:up", MessageID: reply.ID, ChannelID: "chan1", GuildID: "guild1",
		}); err != nil {
			t.Fatal(err)
		}
		i := receive(t, interactions)
		if i.MessageComponentData().CustomID != "vote:up" || i.Message == nil || i.Message.ID != reply.ID || i.Message.Content != "Nothing much." {
			t.Errorf("component interaction = %+v, message %+v", i.MessageComponentData(), i.Message)
		}
		err := sess.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{Content: "Nothing much. (thanks)", AllowedMentions: am},
		})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		m := srv.Messages("chan1")
		last := m[len(m)-1]
		if last.ID != reply.ID || last.Content != "Nothing much. (thanks)" || last.Edits != 1 {
			t.Errorf("updated message = %+v", last)
		}
	})

	t.Run("own buckets do not serialise edits", func(t *testing.T) {
		var is []*discordgo.Interaction
		for range 2 {
			if _, _, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask"}); err != nil {
				t.Fatal(err)
			}
			i := receive(t, interactions)
			if err := sess.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
				t.Fatal(err)
			}
			is = append(is, i.Interaction)
		}
		const delay = 200 * time.Millisecond
		srv.SetLatency("/api/v9/webhooks/**", delay)
		defer srv.SetLatency("/api/v9/webhooks/**", 0)
		content := "edited"
		edit := &discordgo.WebhookEdit{Content: &content, AllowedMentions: am}
		parallel := func(f func(i *discordgo.Interaction)) time.Duration {
			start := time.Now()
			var wg sync.WaitGroup
			for _, i := range is {
				wg.Add(1)
				go func() { defer wg.Done(); f(i) }()
			}
			wg.Wait()
			return time.Since(start)
		}
		shared := parallel(func(i *discordgo.Interaction) {
			if _, err := sess.InteractionResponseEdit(i, edit); err != nil {
				t.Error(err)
			}
		})
		own := parallel(func(i *discordgo.Interaction) {
			u := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original")
			if _, err := sess.RequestWithBucketID("PATCH", u, edit, u); err != nil {
				t.Error(err)
			}
		})
		if shared < 2*delay || own >= delay*7/4 {
			t.Errorf("two edits took %v in discordgo's shared bucket, %v in own buckets; want ≥ %v and < %v", shared, own, 2*delay, delay*7/4)
		}
	})

	t.Run("unknown route", func(t *testing.T) {
		_, err := sess.Request("GET", discordgo.EndpointAPI+"guilds/1/nope", nil)
		wantCode(t, "unknown route", err, http.StatusNotFound, 0)
		if c := srv.CallsTo("GET", "/api/v9/guilds/1/nope"); len(c) != 1 || c[0].Status != http.StatusNotFound {
			t.Errorf("calls = %+v", c)
		}
	})

	t.Run("gateway close, then resume", func(t *testing.T) {
		if err := srv.CloseGateway(4000, "Unknown error."); err != nil {
			t.Fatal(err)
		}
		// discordgo closes (sleeping 1 s), reconnects and sends RESUME.
		err := srv.WaitConnected(ctx)
		if _, resumes := srv.GatewayCounts(); err != nil || resumes != 1 {
			t.Fatalf("after CloseGateway: WaitConnected = %v, %d resumes", err, resumes)
		}
		if _, _, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask"}); err != nil {
			t.Fatal(err)
		}
		if i := receive(t, interactions); i.ApplicationCommandData().Name != "ask" {
			t.Errorf("after resume, got %+v", i.Interaction)
		}
	})

	t.Run("every message body had allowed_mentions", func(t *testing.T) {
		bodies := srv.MessageBodies()
		if len(bodies) < 8 {
			t.Errorf("only %d message bodies recorded", len(bodies))
		}
		for _, b := range bodies {
			if !b.HasAllowedMentions || string(b.AllowedMentions) != `{"parse":null,"replied_user":false}` {
				t.Errorf("%s %s (%q): allowed_mentions %v %s", b.Method, b.Path, b.Content, b.HasAllowedMentions, b.AllowedMentions)
			}
		}
	})
}

func TestOpenRejectedAtIdentify(t *testing.T) {
	srv := discordtest.NewServer()
	defer srv.Close()
	srv.RejectIdentify(4014, "Disallowed intent(s).")
	sess := newSession(t, srv)
	sess.Identify.Intents = discordgo.IntentMessageContent
	err := sess.Open() // fails before the session holds a connection: no Close needed
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4014 || !strings.Contains(err.Error(), "4014") {
		t.Fatalf("Open() = %v, want a *websocket.CloseError with code 4014", err)
	}
	if id, ok := srv.Identify(); !ok || id.Intents != int(discordgo.IntentMessageContent) {
		t.Errorf("Identify() = %+v, %v", id, ok)
	}
	if _, _, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask"}); !errors.Is(err, discordtest.ErrNotConnected) {
		t.Errorf("SendInteraction without a connection = %v, want ErrNotConnected", err)
	}
}

// TestGatewayProtocol speaks the gateway protocol with a bare websocket
// client: HELLO, IDENTIFY/READY, heartbeats, dispatches, close codes and
// RESUME.
func TestGatewayProtocol(t *testing.T) {
	srv := discordtest.NewServer(discordtest.WithHeartbeatInterval(1234*time.Millisecond), discordtest.WithBotUser("77", "bot77"), discordtest.WithAppID("88"))
	defer srv.Close()
	type frame struct {
		Op int             `json:"op"`
		S  int64           `json:"s"`
		T  string          `json:"t"`
		D  json.RawMessage `json:"d"`
	}
	dial := func() *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial(srv.GatewayURL()+"/?v=9&encoding=json", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		return c
	}
	read := func(c *websocket.Conn) frame {
		t.Helper()
		var f frame
		if err := c.ReadJSON(&f); err != nil {
			t.Fatalf("read: %v", err)
		}
		return f
	}

	c := dial()
	defer c.Close()
	if f := read(c); f.Op != 10 || string(f.D) != `{"heartbeat_interval":1234}` {
		t.Errorf("HELLO = %+v %s", f, f.D)
	}
	c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot x", "intents": 513, "shard": []int{0, 2}}})
	ready := read(c)
	var rd struct {
		SessionID   string `json:"session_id"`
		User        struct{ ID, Username string }
		Application struct{ ID string }
	}
	json.Unmarshal(ready.D, &rd)
	if ready.Op != 0 || ready.T != "READY" || ready.S != 1 || rd.SessionID == "" || rd.User.ID != "77" || rd.User.Username != "bot77" || rd.Application.ID != "88" {
		t.Errorf("READY = %+v %s", ready, ready.D)
	}
	if id, _ := srv.Identify(); id.Intents != 513 || id.Shard == nil || *id.Shard != [2]int{0, 2} {
		t.Errorf("Identify() = %+v", id)
	}
	c.WriteJSON(map[string]any{"op": 1, "d": 1})
	if f := read(c); f.Op != 11 {
		t.Errorf("heartbeat answer = %+v", f)
	}
	if err := srv.Dispatch("TYPING_START", map[string]string{"channel_id": "1"}); err != nil {
		t.Fatal(err)
	}
	if f := read(c); f.T != "TYPING_START" || f.S != 2 || string(f.D) != `{"channel_id":"1"}` {
		t.Errorf("dispatch = %+v %s", f, f.D)
	}
	if err := srv.CloseGateway(4000, "Unknown error."); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Text != "Unknown error." {
		t.Errorf("after CloseGateway, read = %v", err)
	}
	if err := srv.Dispatch("X", map[string]any{}); !errors.Is(err, discordtest.ErrNotConnected) {
		t.Errorf("Dispatch while closed = %v", err)
	}

	c2 := dial()
	defer c2.Close()
	read(c2) // HELLO
	c2.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot x", "session_id": rd.SessionID, "seq": 2}})
	if f := read(c2); f.T != "RESUMED" || f.S != 3 {
		t.Errorf("RESUMED = %+v", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitConnected(ctx); err != nil {
		t.Error(err)
	}
	if ids, resumes := srv.GatewayCounts(); ids != 1 || resumes != 1 {
		t.Errorf("GatewayCounts() = %d, %d; want 1, 1", ids, resumes)
	}
}

// TestREST checks routes and rules that need no gateway, through a session
// that is never opened.
func TestREST(t *testing.T) {
	srv := discordtest.NewServer()
	defer srv.Close()
	sess := newSession(t, srv)
	am := &discordgo.MessageAllowedMentions{}

	// A user message stays stored even though no gateway takes the event.
	q, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: "c1", Content: "question"})
	if !errors.Is(err, discordtest.ErrNotConnected) || q.ID == "" {
		t.Fatalf("SendMessage = %+v, %v", q, err)
	}
	qm := &discordgo.Message{ID: q.ID, ChannelID: "c1", GuildID: discordtest.DefaultGuildID}

	tests := []struct {
		name         string
		call         func() error
		status, code int
	}{
		{"content too long", func() error {
			_, err := sess.ChannelMessageSendComplex("c1", &discordgo.MessageSend{Content: strings.Repeat("é", 2001), AllowedMentions: am})
			return err
		}, 400, discordgo.ErrCodeInvalidFormBody},
		{"empty message", func() error {
			_, err := sess.ChannelMessageSendComplex("c1", &discordgo.MessageSend{AllowedMentions: am})
			return err
		}, 400, discordgo.ErrCodeCannotSendEmptyMessage},
		{"eleven embeds", func() error {
			es := make([]*discordgo.MessageEmbed, 11)
			for i := range es {
				es[i] = &discordgo.MessageEmbed{Description: "x"}
			}
			_, err := sess.ChannelMessageSendComplex("c1", &discordgo.MessageSend{Embeds: es, AllowedMentions: am})
			return err
		}, 400, discordgo.ErrCodeInvalidFormBody},
		{"embeds over 6000", func() error {
			es := []*discordgo.MessageEmbed{{Description: strings.Repeat("a", 4000)}, {Description: strings.Repeat("b", 2001)}}
			_, err := sess.ChannelMessageSendComplex("c1", &discordgo.MessageSend{Embeds: es, AllowedMentions: am})
			return err
		}, 400, discordgo.ErrCodeInvalidFormBody},
		{"thread name too long", func() error {
			_, err := sess.ThreadStartComplex("c1", &discordgo.ThreadStart{Name: strings.Repeat("n", 101)})
			return err
		}, 400, discordgo.ErrCodeInvalidFormBody},
		{"thread in a DM", func() error {
			srv.AddChannel(discordtest.Channel{ID: "dm1", Type: 1})
			_, err := sess.ThreadStartComplex("dm1", &discordgo.ThreadStart{Name: "t"})
			return err
		}, 400, discordgo.ErrCodeCannotExecuteActionOnThisChannelType},
		{"command name with capitals", func() error {
			_, err := sess.ApplicationCommandBulkOverwrite(srv.AppID(), "", []*discordgo.ApplicationCommand{{Name: "Ask", Description: "d"}})
			return err
		}, 400, discordgo.ErrCodeInvalidFormBody},
		{"command without description", func() error {
			_, err := sess.ApplicationCommandBulkOverwrite(srv.AppID(), "", []*discordgo.ApplicationCommand{{Name: "ask"}})
			return err
		}, 400, discordgo.ErrCodeInvalidFormBody},
		{"commands of another app", func() error {
			_, err := sess.ApplicationCommandBulkOverwrite(srv.BotUserID(), "", nil)
			return err
		}, 403, discordgo.ErrCodeMissingAccess},
		{"edit of a user's message", func() error {
			_, err := sess.ChannelMessageEditComplex(&discordgo.MessageEdit{Channel: "c1", ID: q.ID, AllowedMentions: am})
			return err
		}, 403, discordgo.ErrCodeCannotEditFromAnotherUser},
		{"webhook of an unknown interaction", func() error {
			_, err := sess.InteractionResponseEdit(&discordgo.Interaction{AppID: srv.AppID(), Token: "nope"}, &discordgo.WebhookEdit{AllowedMentions: am})
			return err
		}, 404, discordgo.ErrCodeUnknownWebhook},
		{"injected 500", func() error {
			srv.FailNext("GET", "/api/v9/users/*", 500, `{"message":"boom","code":0}`, nil)
			_, err := sess.User("@me")
			return err
		}, 500, 0},
		{"hard reply to a deleted message", func() error {
			srv.DeleteMessage("c1", q.ID)
			_, err := sess.ChannelMessageSendComplex("c1", &discordgo.MessageSend{Content: "a", Reference: qm.Reference(), AllowedMentions: am})
			return err
		}, 400, discordgo.ErrCodeInvalidFormBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.name, tc.call(), tc.status, tc.code)
		})
	}

	t.Run("soft reply to a deleted message", func(t *testing.T) {
		m, err := sess.ChannelMessageSendComplex("c1", &discordgo.MessageSend{Content: "a", Reference: qm.SoftReference(), AllowedMentions: am})
		if err != nil || m.MessageReference != nil || m.Type != discordgo.MessageTypeDefault {
			t.Errorf("soft reply = %+v, %v; want a plain message", m, err)
		}
	})

	t.Run("502 retried", func(t *testing.T) {
		srv.FailNext("", "/api/v9/users/@me", 502, "<html>bad gateway</html>", nil)
		u, err := sess.User("@me")
		if err != nil || u.ID != srv.BotUserID() || !u.Bot {
			t.Errorf("User(@me) after a 502 = %+v, %v", u, err)
		}
	})

	t.Run("history paging and edit", func(t *testing.T) {
		var ids []string
		for _, text := range []string{"one", "two", "three"} {
			m, err := sess.ChannelMessageSendComplex("c2", &discordgo.MessageSend{Content: text, AllowedMentions: am})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		before, _ := sess.ChannelMessages("c2", 1, ids[2], "", "")
		after, _ := sess.ChannelMessages("c2", 10, "", ids[0], "")
		if len(before) != 1 || before[0].Content != "two" || len(after) != 2 || after[0].Content != "three" {
			t.Errorf("before three: %v; after one: %v", before, after)
		}
		content := "two, edited"
		m, err := sess.ChannelMessageEditComplex(&discordgo.MessageEdit{Channel: "c2", ID: ids[1], Content: &content})
		if err != nil || m.Content != content || m.EditedTimestamp == nil {
			t.Errorf("edit = %+v, %v", m, err)
		}
		got := srv.Messages("c2")[1]
		if got.Content != content || got.Edits != 1 || got.HasAllowedMentions {
			t.Errorf("Messages(c2)[1] = %+v; want edited, without allowed_mentions", got)
		}
	})

	t.Run("transport", func(t *testing.T) {
		_, err := srv.HTTPClient().Get("http://example.com/")
		if err == nil || !strings.Contains(err.Error(), "only discord.com") {
			t.Errorf("GET example.com = %v, want a refusal", err)
		}
		resp, err := srv.HTTPClient().Get("https://discord.com/api/v9/gateway")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var g struct{ URL string }
		json.NewDecoder(resp.Body).Decode(&g)
		if g.URL != srv.GatewayURL() {
			t.Errorf("gateway URL = %q, want %q", g.URL, srv.GatewayURL())
		}
	})
}

func TestWaitForCall(t *testing.T) {
	srv := discordtest.NewServer()
	defer srv.Close()
	sess := newSession(t, srv)
	go sess.ChannelTyping("c")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	calls, err := srv.WaitForCall(ctx, "POST", "/api/v9/channels/c/typing", 1)
	if err != nil || len(calls) != 1 || calls[0].Header.Get("Authorization") != "Bot "+token {
		t.Errorf("WaitForCall = %+v, %v", calls, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := srv.WaitForCall(short, "POST", "/api/v9/channels/c/typing", 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitForCall(2) = %v, want a deadline error", err)
	}
}
