package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/situationbot/bot/discord"
	"github.com/situationbot/bot/discord/discordtest"
	"github.com/situationbot/bot/llm/llmtest"
)

const evacuationQ = "How many people did the government say were evacuated from Homs on Friday?"

// env is a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runBot calls run as main would, with the shipped corpus and a fresh data
// directory unless the arguments say otherwise.
func runBot(t *testing.T, vars map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if vars == nil {
		vars = map[string]string{}
	}
	if _, ok := vars["CORPUS_DIR"]; !ok {
		vars["CORPUS_DIR"] = "../../corpus"
	}
	if _, ok := vars["DATA_DIR"]; !ok {
		vars["DATA_DIR"] = t.TempDir()
	}
	var out, errb bytes.Buffer
	err = run(context.Background(), args, env(vars), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestAskPlain(t *testing.T) {
	out, _, err := runBot(t, nil, "", "ask", evacuationQ)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"58", "[1]", "Sources:", "[1] Civilians evacuated from besieged Homs under three-day ceasefire — 7 Feb 2014"} {
		if !strings.Contains(out, want) {
			t.Errorf("ask output lacks %q:\n%s", want, out)
		}
	}
}

func TestAskJSON(t *testing.T) {
	// Flags may follow the question.
	out, _, err := runBot(t, nil, "", "ask", evacuationQ, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got jsonAsk
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("ask --json output is not one JSON object: %v\n%s", err, out)
	}
	if got.Question != evacuationQ || got.Refused || got.Mode != "extractive" || !strings.Contains(got.Text, "58") {
		t.Errorf("ask --json = %+v", got)
	}
	if len(got.Sources) == 0 || got.Sources[0].N != 1 || got.Sources[0].ID != "2014-02-07-civilians-evacuated-from-homs" || got.Sources[0].Published != "2014-02-07" || got.Sources[0].Quote == "" {
		t.Errorf("ask --json sources = %+v", got.Sources)
	}
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"question", "text", "refused", "mode", "fallback", "sources", "as_of", "removed", "elapsed_ms"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("ask --json lacks key %q", k)
		}
	}
}

func TestAskRefusesAndRejects(t *testing.T) {
	out, _, err := runBot(t, nil, "", "ask", "--json", "What is the best pizza recipe?")
	if err != nil {
		t.Fatal(err)
	}
	var got jsonAsk
	if err := json.Unmarshal([]byte(out), &got); err != nil || !got.Refused || len(got.Sources) != 0 || !strings.Contains(got.Text, "2 articles") {
		t.Errorf("off-topic ask = %+v, %v", got, err)
	}
	for _, q := range []string{"", "   ", strings.Repeat("x", 1001)} {
		if _, _, err := runBot(t, nil, "", "ask", q); err == nil {
			t.Errorf("ask %.10q: want an error", q)
		}
	}
}

func TestIngestReportsAndSkipsBadFiles(t *testing.T) {
	corpusDir := t.TempDir()
	for _, name := range []string{"2014-01-26-syria-talks-offer-exit-from-homs-siege.md", "2014-02-07-civilians-evacuated-from-homs.md"} {
		b, err := os.ReadFile(filepath.Join("../../corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(corpusDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"CORPUS_DIR": corpusDir, "DATA_DIR": t.TempDir()}
	out, _, err := runBot(t, vars, "", "ingest")
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	if !strings.Contains(out, "articles: 2 added, 0 updated, 0 removed, 0 unchanged") || !strings.Contains(out, "embedded (local/") {
		t.Errorf("first ingest:\n%s", out)
	}
	out, _, err = runBot(t, vars, "", "ingest")
	if err != nil || !strings.Contains(out, "0 added, 0 updated, 0 removed, 2 unchanged") || !strings.Contains(out, ", 0 embedded") {
		t.Errorf("second ingest (err %v):\n%s", err, out)
	}

	// A bad file is reported by name, the rest still indexed, exit non-zero.
	if err := os.WriteFile(filepath.Join(corpusDir, "broken.md"), []byte("---\ntitle: x\npublished: someday\n---\nText.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(corpusDir, "2014-01-26-syria-talks-offer-exit-from-homs-siege.md")); err != nil {
		t.Fatal(err)
	}
	out, _, err = runBot(t, vars, "", "ingest")
	if err == nil {
		t.Error("ingest with a bad file: want a non-nil error (exit 1)")
	}
	if !strings.Contains(out, "1 removed, 1 unchanged") || !strings.Contains(out, "broken.md: missing or invalid published date") {
		t.Errorf("ingest with a bad file:\n%s", out)
	}
}

func TestEvalJSON(t *testing.T) {
	qs := filepath.Join(t.TempDir(), "q.jsonl")
	lines := `{"id":"a","question":"` + evacuationQ + `","answerable":true,"expect_docs":["2014-02-07-civilians-evacuated-from-homs"],"expect_facts":["58"]}
{"id":"b","question":"What were the elderly evacuees wrapped in?","answerable":true,"expect_docs":["2014-02-07-civilians-evacuated-from-homs"],"expect_facts":["blue blankets|blue blanket"]}
{"id":"u","question":"What is the best pizza recipe?","answerable":false,"expect_docs":[],"expect_facts":[]}
`
	if err := os.WriteFile(qs, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	res := evalJSON(t, "--questions", qs, "--k", "3")
	if res.Questions != 3 || res.Answerable != 2 || res.K != 3 || res.RecallAtK != 1 || res.AnswerAccuracy != 1 ||
		res.CitationPrecision != 1 || res.CitationSupport != 1 || res.RefusalRate != 1 || res.FalseRefusalRate != 0 {
		t.Errorf("eval = %+v", res)
	}

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{\"question\":\"ok\"}\nnot json\n"), 0o644)
	if _, _, err := runBot(t, nil, "", "eval", "--questions", bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
		t.Errorf("eval of a bad file: err = %v, want one naming line 2", err)
	}
}

func TestHasFacts(t *testing.T) {
	tests := []struct {
		text  string
		facts []string
		want  bool
	}{
		{"The government said 58 people left.", []string{"58"}, true},
		{"They had shelter and Medicines.", []string{"shelter", "medicines"}, true},
		{"They had shelter.", []string{"shelter", "medicines"}, false},
		{"a three-year-old conflict", []string{"three-year|3-year"}, true},
		{"anything", nil, true},
	}
	for _, tc := range tests {
		if got := hasFacts(tc.text, tc.facts); got != tc.want {
			t.Errorf("hasFacts(%q, %q) = %t, want %t", tc.text, tc.facts, got, tc.want)
		}
	}
}

func TestConsole(t *testing.T) {
	out, _, err := runBot(t, nil, evacuationQ+"\n\n"+strings.Repeat("y", 1200)+"\nquit\nnever asked\n", "console")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Ask about the 2 articles (newest: 7 Feb 2014)") || !strings.Contains(out, "58") || !strings.Contains(out, "too long") || strings.Contains(out, "never asked") {
		t.Errorf("console output:\n%s", out)
	}
}

func TestConfigErrorsReportedTogether(t *testing.T) {
	_, _, err := runBot(t, map[string]string{"LLM_TIMEOUT": "soon", "CHAT_MODEL": "m", "TOP_K": "0", "RETRIEVAL_MODE": "magic"}, "", "ask", "q")
	if err == nil {
		t.Fatal("want a configuration error")
	}
	for _, want := range []string{"LLM_TIMEOUT", "CHAT_MODEL is set but no endpoint", "TOP_K", "RETRIEVAL_MODE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	_, stderr, err := runBot(t, nil, "", "frobnicate")
	if err == nil || !strings.Contains(stderr, "unknown command") || !strings.Contains(stderr, "Usage:") {
		t.Errorf("unknown command: err %v, stderr %q", err, stderr)
	}
}

// TestAskWithEndpoint runs the whole program against a loopback
// OpenAI-compatible server for both chat and embeddings.
func TestAskWithEndpoint(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	vars := map[string]string{
		"OPENAI_BASE_URL": srv.URL,
		"CHAT_MODEL":      "chat-model",
		"EMBEDDING_MODEL": "embed-model",
		"LLM_TIMEOUT":     "5s",
	}
	out, _, err := runBot(t, vars, "", "ask", "--json", evacuationQ)
	if err != nil {
		t.Fatal(err)
	}
	var got jsonAsk
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Mode != "llm" || got.Refused || len(got.Sources) != 1 || !strings.HasSuffix(got.Text, "[1]") {
		t.Errorf("ask with endpoint = %+v", got)
	}
	if srv.ChatCalls() != 1 || srv.EmbedCalls() < 2 {
		t.Errorf("chat calls %d, embed calls %d; want 1 and at least 2 (chunks, query)", srv.ChatCalls(), srv.EmbedCalls())
	}

	// Chat down: the answer is still given, extractively, and marked so.
	srv.Enqueue(llmtest.Reply{Status: 503}, llmtest.Reply{Status: 503}, llmtest.Reply{Status: 503}, llmtest.Reply{Status: 503})
	vars["LLM_TIMEOUT"] = "2s"
	out, stderr, err := runBot(t, vars, "", "ask", "--json", evacuationQ)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Mode != "extractive" || !got.Fallback || !strings.Contains(got.Text, "58") {
		t.Errorf("ask with chat down = %+v\nstderr: %s", got, stderr)
	}
}

// TestDiscordBotEndToEnd starts the program as an operator would, with
// DISCORD_TOKEN and DISCORD_API_URL pointing at a loopback Discord, asks
// by slash command and by mention, then stops it with its context (as
// SIGTERM does).
func TestDiscordBotEndToEnd(t *testing.T) {
	srv := discordtest.NewServer()
	defer srv.Close()
	vars := map[string]string{
		"CORPUS_DIR":      "../../corpus",
		"DATA_DIR":        t.TempDir(),
		"DISCORD_TOKEN":   "test-token",
		"DISCORD_API_URL": srv.URL + "/api/v9",
		"METRICS_ADDR":    freeAddr(t),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, nil, env(vars), strings.NewReader(""), io.Discard, &stderr)
	}()
	wait, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	if _, err := srv.WaitForCall(wait, "PUT", "/api/v9/applications/"+srv.AppID()+"/commands", 1); err != nil {
		t.Fatalf("commands not registered: %v\n%s", err, stderr.String())
	}
	if len(srv.Commands("")) != len(discord.Commands()) {
		t.Errorf("global commands = %+v", srv.Commands(""))
	}
	_, token, err := srv.SendInteraction(discordtest.InteractionSpec{Type: discordtest.InteractionCommand, Name: "ask", Options: []discordtest.Option{{Name: "question", Value: evacuationQ}}})
	if err != nil {
		t.Fatal(err)
	}
	for wait.Err() == nil {
		if m, ok := srv.Original(token); ok && strings.Contains(m.Content, "58") && strings.Contains(m.Content, "[1]") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m, _ := srv.Original(token); !strings.Contains(m.Content, "58") {
		t.Fatalf("/ask answer = %q\n%s", m.Content, stderr.String())
	}
	if _, err := srv.SendMessage(discordtest.MessageSpec{Content: "<@" + srv.BotUserID() + "> " + evacuationQ, MentionIDs: []string{srv.BotUserID()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitForCall(wait, "POST", "/api/v9/channels/"+discordtest.DefaultChannelID+"/messages/", 1); err != nil {
		t.Fatalf("no thread for the mention: %v", err)
	}
	// The operator's view: healthy, the question counted, one log line each.
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + vars["METRICS_ADDR"] + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != http.StatusOK || !strings.Contains(body, `"gateway":true`) || !strings.Contains(body, `"articles":2`) {
		t.Errorf("/healthz = %d %s", code, body)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, `situationbot_questions_total{kind="ask"} 1`) {
		t.Errorf("/metrics = %d, lacks the question:\n%.2000s", code, body)
	}
	for _, want := range []string{"index ready", "discord bot ready", `msg="question answered" kind=ask`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, stderr.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after shutdown, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
	for _, b := range srv.MessageBodies() {
		if !b.HasAllowedMentions {
			t.Errorf("%s %s without allowed_mentions", b.Method, b.Path)
		}
	}
}

func TestTimelineAndSummaryJSON(t *testing.T) {
	out, _, err := runBot(t, nil, "", "timeline", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var tl struct {
		AsOf   string `json:"as_of"`
		Events []struct {
			Date      string   `json:"date"`
			Text      string   `json:"text"`
			SourceIDs []string `json:"source_ids"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &tl); err != nil {
		t.Fatalf("timeline --json: %v\n%s", err, out)
	}
	if tl.AsOf != "2014-02-07" || len(tl.Events) < 3 {
		t.Fatalf("timeline = %+v", tl)
	}
	found := map[string]bool{}
	for i, ev := range tl.Events {
		if i > 0 && ev.Date < tl.Events[i-1].Date {
			t.Errorf("events out of order: %s after %s", ev.Date, tl.Events[i-1].Date)
		}
		if len(ev.SourceIDs) == 0 {
			t.Errorf("event %q cites nothing", ev.Text)
		}
		found[ev.Date+" "+strings.Join(ev.SourceIDs, ",")] = true
	}
	for _, want := range []string{"2014-02-07 2014-02-07-civilians-evacuated-from-homs", "2014-01-26 2014-01-26-syria-talks-offer-exit-from-homs-siege", "2014-02-10 2014-02-07-civilians-evacuated-from-homs"} {
		if !found[want] {
			t.Errorf("no event %s", want)
		}
	}

	out, _, err = runBot(t, nil, "", "summary", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var s jsonSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Sources) != 2 || !strings.Contains(s.Text, "[1]") || !strings.Contains(s.Text, "[2]") {
		t.Errorf("summary --json = %+v, %v", s, err)
	}
	if _, _, err := runBot(t, nil, "", "summary", "--since", "yesterday"); err == nil {
		t.Error("summary --since yesterday: want an error")
	}
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
