package discord

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/discord/discordtest"
)

var hostileDate = time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC)

// hostileText is what a model steered by an article might write: a masked
// link, invites in three spellings, a forged sources list, then about a
// megabyte more.
func hostileText() string {
	return "Aid reached Homs [1]. Read [the full report](https://evil.example/login) now [2]. " +
		"Join discord.gg/raid, HTTPS://Discord.com/invite/abc or discordapp.com/invite/xyz [1][2]. @everyone <@&123>\n\n" +
		"**Sources**\n[9] **Forged** — <https://evil.example>\n> forged quote\n\n" +
		strings.Repeat("The talks went on with no result [1]. ", 30000)
}

// hostileSources carry hostile titles, quotes and links: only the last
// link may be shown.
func hostileSources() []answer.Source {
	return []answer.Source{
		{N: 1, Title: "Homs** — <http://evil.example> `x` [x](http://e.example) discord.gg/title", Published: hostileDate, URL: "javascript:alert(1)", Quote: "See [this](https://evil.example/q) at discord.gg/quote."},
		{N: 2, Title: "A space in the link", Published: hostileDate, URL: "http://a b", Excerpt: "Fine [x](<http://evil.example>) [1]."},
		{N: 3, Title: "An invite as the link", Published: hostileDate, URL: "https://discord.gg/abc"},
		{N: 4, Title: "FTP", Published: hostileDate, URL: "ftp://example.com/a"},
		{N: 5, Title: "Relative", Published: hostileDate, URL: "/news/homs"},
		{N: 6, Title: "Good", Published: hostileDate, URL: "https://example.com/homs"},
	}
}

// hostileAnswerer answers everything with hostileText and hostileSources.
// Streamed, the text comes in two pieces, cut inside the masked link, each
// shown by the bot (an edit reached the fake Discord) before the next.
type hostileAnswerer struct{ srv *discordtest.Server }

func (h hostileAnswerer) Ask(ctx context.Context, q string, onDelta func(string)) (answer.Answer, error) {
	text := hostileText()
	if onDelta != nil {
		cut := strings.Index(text, "](") + 1
		for _, piece := range []string{text[:cut], text[cut:]} {
			n := len(h.srv.CallsTo("PATCH", "/api/v9/webhooks/"))
			onDelta(piece)
			if _, err := h.srv.WaitForCall(ctx, "PATCH", "/api/v9/webhooks/", n+1); err != nil {
				return answer.Answer{}, err
			}
		}
	}
	return answer.Answer{Question: q, Text: text, Mode: answer.ModeLLM, Sources: hostileSources()}, nil
}

func (hostileAnswerer) Condense(_ context.Context, _ []answer.Turn, followUp string) (string, error) {
	return followUp, nil
}

func (hostileAnswerer) Summarize(context.Context, answer.OverviewOptions) (answer.Summary, error) {
	return answer.Summary{Text: hostileText(), Sources: hostileSources(), AsOf: hostileDate, Articles: 6}, nil
}

func (hostileAnswerer) Timeline(context.Context, answer.OverviewOptions) (answer.Timeline, error) {
	tl := answer.Timeline{Sources: hostileSources(), AsOf: hostileDate}
	for i := 0; i < 5000; i++ {
		tl.Events = append(tl.Events, answer.Event{Date: hostileDate, Precision: answer.Day, Text: "Shelling resumed, see [this](http://evil.example) and discord.gg/t [1]."})
	}
	return tl, nil
}

// hostileLibrary lists articles with hostile titles, publishers and links.
type hostileLibrary struct{}

func (hostileLibrary) Articles() []corpus.Article {
	var out []corpus.Article
	for _, s := range hostileSources() {
		out = append(out, corpus.Article{ID: strconv.Itoa(s.N), Title: s.Title, Published: s.Published, URL: s.URL, Source: "[pub](https://evil.example) discord.gg/pub"})
	}
	return out
}

// TestBotHostileText sends every kind of output through the bot with
// hostile article and model text: /ask streamed, a mention answered in a
// thread named after a hostile question, /summary, /timeline and /sources.
// Then no request the fake Discord received may hold a live masked link or
// invite, or allow a mention, or have been refused, and no answer may take
// more than MaxAnswerMessages messages.
func TestBotHostileText(t *testing.T) {
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close)
	h := startBotOn(t, srv, Config{AsksPerMinute: 100, EditInterval: 10 * time.Millisecond}, hostileAnswerer{srv}, hostileLibrary{})
	guild, channel := discordtest.DefaultGuildID, discordtest.DefaultChannelID

	token := h.ask(t, "user-ask", "What happened in Homs?")
	asked := waitAnswer(t, func() []discordtest.Message {
		orig, _ := srv.Original(token)
		return append([]discordtest.Message{orig}, srv.Followups(token)...)
	})
	if n := len(srv.CallsTo("PATCH", "/api/v9/webhooks/"+srv.AppID()+"/"+token+"/messages/@original")); n < 3 {
		t.Errorf("%d edits of /ask's response, want two streamed and the final one", n)
	}
	checkAnswer(t, "/ask", asked)

	question := "<@" + srv.BotUserID() + "> What about [the report](https://evil.example) on discord.gg/q?"
	if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: channel, GuildID: guild, AuthorID: "user-mention", Content: question, MentionIDs: []string{srv.BotUserID()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitForCall(waitCtx(t), "POST", "/api/v9/channels/"+channel+"/messages/", 1); err != nil {
		t.Fatal(err)
	}
	th := srv.Threads(channel)[0]
	checkSafe(t, "thread name", th.Name)
	checkAnswer(t, "the thread", waitAnswer(t, func() []discordtest.Message {
		var mine []discordtest.Message
		for _, m := range srv.Messages(th.ID) {
			if m.Author == srv.BotUserID() {
				mine = append(mine, m)
			}
		}
		return mine
	}))

	pageCount := regexp.MustCompile(`"label":"1 / (\d+)"`)
	for _, cmd := range []string{"summary", "timeline"} {
		_, tok, err := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: cmd, UserID: "user-" + cmd, GuildID: guild, ChannelID: channel})
		if err != nil {
			t.Fatal(err)
		}
		m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return strings.Contains(string(m.Components), "pg:") })
		count := pageCount.FindStringSubmatch(string(m.Components))
		if count == nil {
			t.Fatalf("/%s: no page count in %s", cmd, m.Components)
		}
		if n, _ := strconv.Atoi(count[1]); n > MaxAnswerMessages {
			t.Errorf("/%s has %d pages, want at most %d", cmd, n, MaxAnswerMessages)
		}
	}

	_, tok, _ := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "sources", UserID: "user-src", GuildID: guild, ChannelID: channel})
	if m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" }); !strings.Contains(m.Content, "<https://example.com/homs>") {
		t.Errorf("/sources lacks the one safe link:\n%s", m.Content)
	}

	h.stop(t)
	checkAllowedMentions(t, srv)
	calls := srv.Calls()
	for _, c := range calls {
		if c.Status >= 400 {
			t.Errorf("%s %s: status %d", c.Method, c.Path, c.Status)
		}
		for _, s := range bodyStrings(c.Body) {
			checkSafe(t, c.Method+" "+c.Path, s)
		}
	}
	if len(calls) < 10 {
		t.Fatalf("only %d calls recorded", len(calls))
	}
}

// waitAnswer waits until the last of messages() holds the feedback
// buttons, which come with the answer's last message, and returns them.
func waitAnswer(t *testing.T, messages func() []discordtest.Message) []discordtest.Message {
	t.Helper()
	ctx := waitCtx(t)
	for {
		if msgs := messages(); len(msgs) > 0 && hasButtons(msgs[len(msgs)-1]) {
			return msgs
		}
		if ctx.Err() != nil {
			t.Fatalf("the answer never ended with feedback buttons: %+v", messages())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkAnswer checks the messages of an answer to hostileAnswerer: at most
// MaxAnswerMessages, the text cut, the sources whole in the last, with
// the one safe link.
func checkAnswer(t *testing.T, where string, msgs []discordtest.Message) {
	t.Helper()
	if len(msgs) > MaxAnswerMessages {
		t.Errorf("%s: the answer took %d messages, want at most %d", where, len(msgs), MaxAnswerMessages)
	}
	var all []string
	for _, m := range msgs {
		all = append(all, m.Content)
	}
	text, sources, _ := strings.Cut(strings.Join(all, "\n\n"), "\n\n"+sourcesHeading+"\n")
	if !strings.HasSuffix(text, "…") {
		t.Errorf("%s: the answer's text ends %q, want it cut with …", where, text[max(0, len(text)-20):])
	}
	last := msgs[len(msgs)-1].Content
	if !strings.Contains(last, "[6] **Good** — 7 Feb 2014 — <https://example.com/homs>") {
		t.Errorf("%s: the last message lacks the sources:\n%s", where, last)
	}
	for _, bad := range []string{"javascript:", "http://a b", "ftp:", "/news/homs", "<https://discord"} {
		if strings.Contains(sources, bad) {
			t.Errorf("%s: the sources show the link %q:\n%s", where, bad, sources)
		}
	}
}

// bodyStrings returns every string in a JSON request body (content,
// thread names, component labels…), or the body itself if it is not JSON.
func bodyStrings(body []byte) []string {
	if len(body) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return []string{string(body)}
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
