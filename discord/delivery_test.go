package discord

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/situationbot/bot/discord/discordtest"
)

// faulted counts the calls the fake answered with an injected fault.
func faulted(srv *discordtest.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Fault {
			n++
		}
	}
	return n
}

// mention sends a question mentioning the bot in the default channel.
func mention(t *testing.T, srv *discordtest.Server, user, question string) discordtest.Message {
	t.Helper()
	m, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: discordtest.DefaultChannelID, GuildID: discordtest.DefaultGuildID, AuthorID: user,
		Content: "<@" + srv.BotUserID() + "> " + question, MentionIDs: []string{srv.BotUserID()}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDeliveryRetried injects one failure of Discord into the delivery of
// each answer, /ask's final edit, a mention's answer in its thread and a
// direct answer: every answer still arrives, once.
func TestDeliveryRetried(t *testing.T) {
	h := startBot(t, Config{AsksPerMinute: -1, RetryBackoff: 10 * time.Millisecond}, newStub(), manyArticles(2))
	srv := h.srv
	faults := []struct {
		name   string
		inject func(method, pattern string)
	}{
		{"500", func(m, p string) { srv.FailNextN(m, p, http.StatusInternalServerError, 1) }},
		{"503", func(m, p string) { srv.FailNextN(m, p, http.StatusServiceUnavailable, 1) }},
		{"502", func(m, p string) { srv.FailNext(m, p, http.StatusBadGateway, "<html>502 Bad Gateway</html>", nil) }},
		{"504", func(m, p string) { srv.FailNextN(m, p, http.StatusGatewayTimeout, 1) }},
		{"dropped connection", func(m, p string) { srv.DropNext(m, p) }},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			for i := range 3 {
				user := fmt.Sprintf("user-%s-%d", f.name, i)

				before := faulted(srv)
				f.inject("PATCH", "/api/v9/webhooks/**")
				tok := h.ask(t, user, "How many were evacuated?")
				if m := h.waitFinal(t, tok, hasButtons); !strings.Contains(m.Content, "Fifty-eight") {
					t.Errorf("/ask answer = %q", m.Content)
				}
				if n := len(srv.Followups(tok)); n != 0 {
					t.Errorf("/ask: %d followups, want the edit retried", n)
				}

				f.inject("POST", "/api/v9/channels/*/messages")
				q := mention(t, srv, user, "How many were evacuated?")
				if got := waitMessages(t, srv, q.ID, 1); len(got) != 1 || !strings.Contains(got[0].Content, "Fifty-eight") {
					t.Errorf("mention: thread holds %+v, want the answer once", got)
				}

				f.inject("POST", "/api/v9/channels/*/messages")
				dm := "dm-" + user
				if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: dm, DM: true, AuthorID: user, Content: "How many were evacuated?"}); err != nil {
					t.Fatal(err)
				}
				if got := waitMessages(t, srv, dm, 1); len(got) != 1 || !strings.Contains(got[0].Content, "Fifty-eight") {
					t.Errorf("direct message: channel holds %+v, want the answer once", got)
				}
				if n := faulted(srv) - before; n != 3 {
					t.Errorf("%d deliveries met the fault, want 3", n)
				}
			}
		})
	}
	checkAllowedMentions(t, srv)
}

// TestEditFailsFollowupCarries makes every attempt to edit /ask's deferred
// response fail: the answer comes as a followup, which replaces the
// "thinking…", public or private as the question was.
func TestEditFailsFollowupCarries(t *testing.T) {
	h := startBot(t, Config{AsksPerMinute: -1, RetryBackoff: 10 * time.Millisecond}, newStub(), manyArticles(2))
	srv := h.srv
	for _, private := range []bool{false, true} {
		t.Run(fmt.Sprint("private=", private), func(t *testing.T) {
			srv.FailNextN("PATCH", "/api/v9/webhooks/**", http.StatusServiceUnavailable, maxAttempts)
			tok := h.ask(t, "user-edit", "How many were evacuated?", discordtest.Option{Name: "private", Value: private})
			m := h.waitFinal(t, tok, hasButtons)
			if !strings.Contains(m.Content, "Fifty-eight") || (m.Flags&discordtest.FlagEphemeral != 0) != private {
				t.Errorf("answer = %q (flags %d), want it, ephemeral %t", m.Content, m.Flags, private)
			}
			edits := srv.CallsTo("PATCH", "/api/v9/webhooks/"+srv.AppID()+"/"+tok)
			if len(edits) != maxAttempts {
				t.Errorf("%d edits tried, want %d", len(edits), maxAttempts)
			}
			if n := len(srv.CallsTo("POST", "/api/v9/webhooks/"+srv.AppID()+"/"+tok)); n != 1 {
				t.Errorf("%d followups, want 1", n)
			}
		})
	}
}

// TestAckRetried fails the deferral of /ask once: it is retried within
// the ack window, and the answer follows.
func TestAckRetried(t *testing.T) {
	h := startBot(t, Config{AsksPerMinute: -1, RetryBackoff: 10 * time.Millisecond}, newStub(), manyArticles(2))
	srv := h.srv
	srv.FailNextN("POST", "/api/v9/interactions/*/*/callback", http.StatusInternalServerError, 1)
	tok := h.ask(t, "user-ack", "How many were evacuated?")
	h.waitFinal(t, tok, hasButtons)
	if ack := ackOf(t, srv, tok); ack.Type != 5 || ack.Latency >= 3*time.Second {
		t.Errorf("ack type %d after %v, want a deferral within 3 s", ack.Type, ack.Latency)
	}
	if n := len(srv.CallsTo("POST", "/api/v9/interactions/")); n != 2 {
		t.Errorf("%d callbacks, want the failed one and its retry", n)
	}
}

// TestThreadStartRetried fails a thread's start once: the answer is still
// in a thread.
func TestThreadStartRetried(t *testing.T) {
	h := startBot(t, Config{AsksPerMinute: -1, RetryBackoff: 10 * time.Millisecond}, newStub(), manyArticles(2))
	srv := h.srv
	srv.FailNextN("POST", "/api/v9/channels/*/messages/*/threads", http.StatusServiceUnavailable, 1)
	q := mention(t, srv, "user-thread", "How many were evacuated?")
	if got := waitMessages(t, srv, q.ID, 1); !strings.Contains(got[0].Content, "Fifty-eight") {
		t.Errorf("thread answer = %q", got[0].Content)
	}
	for _, m := range srv.Messages(discordtest.DefaultChannelID) {
		if m.Author == srv.BotUserID() {
			t.Errorf("answered in the channel too: %q", m.Content)
		}
	}
}

// TestNotSent: a followup (no nonce) is retried only on failures that
// show nothing was created.
func TestNotSent(t *testing.T) {
	status := func(code int) error {
		return &discordgo.RESTError{Response: &http.Response{StatusCode: code}}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"503", status(http.StatusServiceUnavailable), true},
		{"502", status(http.StatusBadGateway), true},
		{"500 may come after the fact", status(http.StatusInternalServerError), false},
		{"504 may come after the fact", status(http.StatusGatewayTimeout), false},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"reset after sending", &net.OpError{Op: "read", Err: errors.New("connection reset")}, false},
		{"400", status(http.StatusBadRequest), false},
	}
	for _, tc := range tests {
		if got := notSent(tc.err); got != tc.want {
			t.Errorf("%s: notSent = %t, want %t", tc.name, got, tc.want)
		}
	}
}
