package discord

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/discord/discordtest"
)

// TestMentionFlood sends 30 mentions from one user at once: the first five
// are answered in threads, the rest get one public notice between them.
func TestMentionFlood(t *testing.T) {
	h := startBot(t, Config{}, newStub(), manyArticles(2)) // the default limit: 5 a minute
	srv := h.srv
	for i := range 30 {
		mention(t, srv, "user-flood", fmt.Sprintf("How many were evacuated? (%d)", i))
	}
	waitFor(t, "five answered threads", func() bool {
		answered := 0
		for _, th := range srv.Threads(discordtest.DefaultChannelID) {
			for _, m := range srv.Messages(th.ID) {
				if m.Author == srv.BotUserID() {
					answered++
				}
			}
		}
		return answered >= 5 && len(botMessages(srv, discordtest.DefaultChannelID)) >= 1
	})
	time.Sleep(300 * time.Millisecond) // let the refused ones finish: they post nothing
	notices := botMessages(srv, discordtest.DefaultChannelID)
	if len(notices) != 1 || !strings.Contains(notices[0].Content, "asking faster") {
		t.Errorf("bot messages in the channel = %+v, want one rate-limit notice", notices)
	}
	if n := len(srv.Threads(discordtest.DefaultChannelID)); n < 5 || n > 6 {
		t.Errorf("%d threads, want the five questions within the limit", n)
	}

	t.Run("direct messages", func(t *testing.T) {
		for i := range 10 {
			if _, err := srv.SendMessage(discordtest.MessageSpec{ChannelID: "dm-flood", DM: true, AuthorID: "user-dm-flood", Content: fmt.Sprintf("How many? (%d)", i)}); err != nil {
				t.Fatal(err)
			}
		}
		waitMessages(t, srv, "dm-flood", 6)
		time.Sleep(300 * time.Millisecond)
		var notices int
		for _, m := range botMessages(srv, "dm-flood") {
			if strings.Contains(m.Content, "asking faster") {
				notices++
			}
		}
		if notices != 1 {
			t.Errorf("%d rate-limit notices in the direct messages, want 1", notices)
		}
	})
}

// botMessages returns the bot's messages in a channel.
func botMessages(srv *discordtest.Server, channel string) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range srv.Messages(channel) {
		if m.Author == srv.BotUserID() {
			out = append(out, m)
		}
	}
	return out
}

// waitFor waits until cond holds, for 10 s at most.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFeedbackVotes clicks feedback buttons, real and forged: only a
// user's first vote on an answer the bot gave is saved.
func TestFeedbackVotes(t *testing.T) {
	h := startBot(t, Config{AsksPerMinute: -1}, newStub(), manyArticles(2))
	srv := h.srv
	tok := h.ask(t, "user-a", "How many were evacuated?")
	m := h.waitFinal(t, tok, hasButtons)
	id := regexp.MustCompile(`fb:up:([0-9a-f]{16})`).FindStringSubmatch(string(m.Components))
	if id == nil {
		t.Fatalf("no feedback button in %s", m.Components)
	}
	click := func(customID, user string) string {
		t.Helper()
		_, tok, err := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionComponent, CustomID: customID, MessageID: m.ID, UserID: user,
			GuildID: discordtest.DefaultGuildID, ChannelID: discordtest.DefaultChannelID})
		if err != nil {
			t.Fatal(err)
		}
		reply := h.waitFinal(t, tok, func(m discordtest.Message) bool { return m.Content != "" })
		if reply.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("%s by %s: public reply %q", customID, user, reply.Content)
		}
		return reply.Content
	}
	tests := []struct {
		name, customID, user, want string
	}{
		{"first vote", "fb:up:" + id[1], "user-a", "Thanks"},
		{"same vote again", "fb:up:" + id[1], "user-a", "already rated"},
		{"other vote after the first", "fb:down:" + id[1], "user-a", "already rated"},
		{"another user", "fb:down:" + id[1], "user-b", "Thanks"},
		{"unknown answer", "fb:up:0123456789abcdef", "user-c", "can't take a vote"},
		{"unknown vote", "fb:sideways:" + id[1], "user-c", "no longer works"},
		{"not hex", "fb:up:zzzzzzzzzzzzzzzz", "user-c", "no longer works"},
		{"too long", "fb:up:" + id[1] + "00", "user-c", "no longer works"},
		{"no answer", "fb:up", "user-c", "no longer works"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := click(tc.customID, tc.user); !strings.Contains(got, tc.want) {
				t.Errorf("click(%q) by %s = %q, want %q", tc.customID, tc.user, got, tc.want)
			}
		})
	}
	recs := readFeedback(t, filepath.Join(h.dataDir, "feedback.jsonl"))
	if len(recs) != 2 || recs[0].UserID != "user-a" || recs[0].Vote != "up" || recs[1].UserID != "user-b" || recs[1].Vote != "down" {
		t.Errorf("feedback saved = %+v, want user-a up and user-b down", recs)
	}
	if recs[0].AnswerID != id[1] || !strings.Contains(recs[0].Answer, "Fifty-eight") || len(recs[0].Sources) != 1 {
		t.Errorf("feedback record = %+v, want the answer and its source", recs[0])
	}
}

func readFeedback(t *testing.T, path string) []feedbackRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []feedbackRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r feedbackRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: bad line %q: %v", path, sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// TestFeedbackLogRotates writes more feedback than the log holds: it is
// rotated, and neither file passes the bound.
func TestFeedbackLogRotates(t *testing.T) {
	dir := t.TempDir()
	const max = 1000
	l := newFeedbackLog(dir, max)
	for i := range 30 {
		if err := l.append(feedbackRecord{Vote: "up", UserID: fmt.Sprint("user-", i), AnswerID: "0123456789abcdef", Answer: strings.Repeat("x", 100)}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "feedback.jsonl")
	for _, p := range []string{path, path + ".1"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Size() > max {
			t.Errorf("%s: %v, size %d; want at most %d bytes", p, err, fi.Size(), max)
		}
	}
	recs := readFeedback(t, path)
	if len(recs) == 0 || recs[len(recs)-1].UserID != "user-29" {
		t.Errorf("current log ends with %+v, want the last vote", recs)
	}
	if old := readFeedback(t, path+".1"); len(old) == 0 || len(old)+len(recs) > 30 {
		t.Errorf("rotated log holds %d records", len(old))
	}
}
