package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/discord/discordtest"
)

// TestFollowUpOneDeadline stalls the model for a thread follow-up:
// condensing and answering run under the one deadline set when the
// follow-up arrived, and the user hears back within it and a margin.
func TestFollowUpOneDeadline(t *testing.T) {
	const timeout = 500 * time.Millisecond
	stub := newStub()
	stub.stallCondense = true
	h := startBot(t, Config{AsksPerMinute: -1, QuestionTimeout: timeout}, stub, manyArticles(2))
	srv := h.srv

	q := mention(t, srv, "user-deadline", "How many were evacuated?")
	waitMessages(t, srv, q.ID, 1)
	sent := time.Now()
	if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: q.ID, GuildID: discordtest.DefaultGuildID, AuthorID: "user-deadline", Content: "And who said so? STALL"}); err != nil {
		t.Fatal(err)
	}
	got := waitMessages(t, srv, q.ID, 2)[1]
	replied := time.Now()
	if got.Content != textBusy {
		t.Errorf("follow-up reply = %q, want %q", got.Content, textBusy)
	}
	if late := replied.Sub(sent); late > timeout+2*time.Second {
		t.Errorf("follow-up answered after %v, want within %v + 2 s", late, timeout)
	}
	condensed, asked := stub.callsTo("condense"), stub.callsTo("ask")
	if len(condensed) != 1 || len(asked) != 2 {
		t.Fatalf("%d condensings and %d asks, want 1 and 2", len(condensed), len(asked))
	}
	c, a := condensed[0], asked[1]
	if !c.deadline.Equal(a.deadline) {
		t.Errorf("condensed under deadline %v, answered under %v: want one deadline", c.deadline, a.deadline)
	}
	if d := c.deadline.Sub(sent); d < timeout || d > timeout+time.Second {
		t.Errorf("deadline %v after the follow-up was sent, want QuestionTimeout (%v) from its arrival", d, timeout)
	}
	if a.end.After(a.deadline.Add(time.Second)) {
		t.Errorf("the answer returned %v after the deadline", a.end.Sub(a.deadline))
	}
}

// TestStalledAskApology stalls /ask past its deadline: the deferred
// response ends in an apology.
func TestStalledAskApology(t *testing.T) {
	h := startBot(t, Config{AsksPerMinute: -1, QuestionTimeout: 300 * time.Millisecond}, newStub(), manyArticles(2))
	tok := h.ask(t, "user-stall", "STALL how many were evacuated?")
	if m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" }); m.Content != textBusy {
		t.Errorf("stalled /ask ended in %q, want %q", m.Content, textBusy)
	}
}

// TestGate holds the only place among the questions being answered:
// a direct follow-up and /summary wait for it, within their deadline,
// without being condensed or written, and are told it took too long;
// once the place is free, they are answered again.
func TestGate(t *testing.T) {
	stub := newStub()
	h := startBot(t, Config{AsksPerMinute: -1, MaxConcurrent: 1, QuestionTimeout: 400 * time.Millisecond}, stub, manyArticles(2))
	srv := h.srv
	dm := func(text string, n int) discordtest.Message {
		t.Helper()
		if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: "dm-gate", DM: true, AuthorID: "user-gate", Content: text}); err != nil {
			t.Fatal(err)
		}
		return waitMessages(t, srv, "dm-gate", n)[n-1]
	}
	dm("How many were evacuated?", 1)

	if err := h.bot.gate.enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := dm("And who said so?", 2); got.Content != textBusy {
		t.Errorf("follow-up while the place is taken: %q, want %q", got.Content, textBusy)
	}
	_, tok, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "summary", UserID: "user-gate", GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
	if err != nil {
		t.Fatal(err)
	}
	if m := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" }); m.Content != textBusy {
		t.Errorf("/summary while the place is taken: %q, want %q", m.Content, textBusy)
	}
	if n := len(stub.callsTo("condense")) + len(stub.callsTo("summary")); n != 0 {
		t.Errorf("%d condensings or summaries outside the gate", n)
	}
	h.bot.gate.leave()

	if got := dm("And when?", 3); !strings.Contains(got.Content, "Fifty-eight") {
		t.Errorf("follow-up once the place is free: %q", got.Content)
	}
	if len(stub.callsTo("condense")) != 1 {
		t.Error("the follow-up was not condensed")
	}
}
