package discord

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/discord/discordtest"
)

// recorder wraps an Answerer and records the questions it is asked and
// the conversations follow-ups are condensed with.
type recorder struct {
	Answerer

	mu        sync.Mutex
	asked     []string
	condensed []condenseCall
}

type condenseCall struct {
	History  []answer.Turn
	FollowUp string
}

func (r *recorder) Ask(ctx context.Context, q string, onDelta func(string)) (answer.Answer, error) {
	r.mu.Lock()
	r.asked = append(r.asked, q)
	r.mu.Unlock()
	return r.Answerer.Ask(ctx, q, onDelta)
}

func (r *recorder) Condense(ctx context.Context, history []answer.Turn, followUp string) (string, error) {
	r.mu.Lock()
	r.condensed = append(r.condensed, condenseCall{History: history, FollowUp: followUp})
	r.mu.Unlock()
	return r.Answerer.Condense(ctx, history, followUp)
}

// lastAsked returns the last question asked.
func (r *recorder) lastAsked() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.asked) == 0 {
		return ""
	}
	return r.asked[len(r.asked)-1]
}

// condenseOf returns the condensing of followUp, and whether there was one.
func (r *recorder) condenseOf(followUp string) (condenseCall, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.condensed {
		if c.FollowUp == followUp {
			return c, true
		}
	}
	return condenseCall{}, false
}

// questions returns the questions of a conversation.
func questions(history []answer.Turn) []string {
	var out []string
	for _, t := range history {
		out = append(out, t.Question)
	}
	return out
}

// TestThreadAfterRestart restarts the bot between a question and its
// follow-up: the new bot reads the thread's history back from Discord,
// and the follow-up being answered must not be part of it.
func TestThreadAfterRestart(t *testing.T) {
	ix, _ := loadIndex(t)
	engine := answer.New(discardLogger(), ix, nil, answer.Options{})
	srv := discordtest.NewServer()
	t.Cleanup(srv.Close)

	before := startBotOn(t, srv, Config{AsksPerMinute: 100}, engine, ix)
	q, err := srv.SendMessage(discordtest.MessageSpec{GuildID: discordtest.DefaultGuildID, AuthorID: "user-restart", Content: "<@" + srv.BotUserID() + "> " + evacuationQ, MentionIDs: []string{srv.BotUserID()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitForCall(waitCtx(t), "POST", "/api/v9/channels/"+discordtest.DefaultChannelID+"/messages/"+q.ID+"/threads", 1); err != nil {
		t.Fatalf("no thread started: %v", err)
	}
	th := srv.Threads(discordtest.DefaultChannelID)[0].ID
	first := waitMessages(t, srv, th, 1)[0]
	before.stop(t)

	rec := &recorder{Answerer: engine}
	startBotOn(t, srv, Config{AsksPerMinute: 100}, rec, ix)
	const followUp = "And who said so?"
	if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: th, GuildID: discordtest.DefaultGuildID, AuthorID: "user-restart", Content: followUp}); err != nil {
		t.Fatal(err)
	}
	second := waitMessages(t, srv, th, 2)[1]
	call, ok := rec.condenseOf(followUp)
	if !ok {
		t.Fatal("the follow-up after the restart was not condensed")
	}
	want := []answer.Turn{{Question: evacuationQ, Answer: answerPart(first.Content)}}
	if !slices.Equal(call.History, want) {
		t.Errorf("history read back after the restart = %q, want %q", call.History, want)
	}
	if strings.HasPrefix(second.Content, "I couldn't find") || !strings.Contains(second.Content, "government") {
		t.Errorf("follow-up answer after the restart = %q, want one about the government's figure", second.Content)
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestDirectMessages checks that direct messages are read with the
// channel's recent turns: follow-ups keep the first question's subject,
// channels do not share turns, and turns older than dmMaxAge are
// forgotten.
func TestDirectMessages(t *testing.T) {
	ix, _ := loadIndex(t)
	rec := &recorder{Answerer: answer.New(discardLogger(), ix, nil, answer.Options{})}
	h := startBot(t, Config{AsksPerMinute: 100}, rec, ix)
	srv := h.srv
	clk := &fakeClock{t: time.Date(2014, 2, 8, 12, 0, 0, 0, time.UTC)}
	h.bot.dms.setClock(clk.now)
	send := func(channel, user, text string, n int) discordtest.Message {
		t.Helper()
		if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: channel, DM: true, AuthorID: user, Content: text}); err != nil {
			t.Fatal(err)
		}
		return waitMessages(t, srv, channel, n)[n-1]
	}

	first := send("dm-1", "user-dm", evacuationQ, 1)
	if !strings.Contains(first.Content, "58") {
		t.Fatalf("first direct answer = %q", first.Content)
	}

	t.Run("follow-up read with the first question", func(t *testing.T) {
		got := send("dm-1", "user-dm", "And who said so?", 2)
		call, ok := rec.condenseOf("And who said so?")
		want := []answer.Turn{{Question: evacuationQ, Answer: answerPart(first.Content)}}
		if !ok || !slices.Equal(call.History, want) {
			t.Errorf("direct follow-up condensed with %q (%t), want %q", call.History, ok, want)
		}
		if strings.HasPrefix(got.Content, "I couldn't find") || !strings.Contains(got.Content, "government") {
			t.Errorf("direct follow-up answer = %q, want one about the government's figure", got.Content)
		}
	})

	t.Run("second follow-up keeps the subject", func(t *testing.T) {
		send("dm-1", "user-dm", "and what did the Russians say?", 3)
		call, _ := rec.condenseOf("and what did the Russians say?")
		if q := questions(call.History); !slices.Equal(q, []string{evacuationQ, "And who said so?"}) {
			t.Errorf("second direct follow-up condensed with %q", q)
		}
		if q := rec.lastAsked(); !strings.HasPrefix(q, "and what did the Russians say?") || !strings.Contains(q, "evacuated from Homs") {
			t.Errorf("second direct follow-up asked as %q, want the first question's subject in it", q)
		}
	})

	t.Run("another channel starts afresh", func(t *testing.T) {
		send("dm-2", "user-dm2", "Who said so, then?", 1)
		if _, ok := rec.condenseOf("Who said so, then?"); ok {
			t.Error("a first direct message was condensed with another channel's turns")
		}
		if q := rec.lastAsked(); q != "Who said so, then?" {
			t.Errorf("first direct message asked as %q, want it as it is", q)
		}
	})

	t.Run("turns older than the limit are forgotten", func(t *testing.T) {
		clk.advance(dmMaxAge + time.Minute)
		send("dm-1", "user-dm", "And then what?", 4)
		if call, ok := rec.condenseOf("And then what?"); ok {
			t.Errorf("direct message condensed with %q, want the old turns forgotten", questions(call.History))
		}
		if q := rec.lastAsked(); q != "And then what?" {
			t.Errorf("direct message after a long pause asked as %q, want it as it is", q)
		}
	})

	if n := len(srv.CallsTo("GET", "/api/v9/channels/dm-")); n != 0 {
		t.Errorf("%d channel look-ups for direct messages, want none", n)
	}
}
