package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joho/godotenv"

	"github.com/situationbot/bot/llm/llmtest"
)

// TestChatMaxTokens checks how CHAT_MAX_TOKENS is read: a default when
// unset, the value when it is a whole number from 1 to 32768, and a
// configuration error naming the variable otherwise.
func TestChatMaxTokens(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    int
		wantErr bool
	}{
		{name: "unset", value: "", want: 800},
		{name: "blank", value: "  ", want: 800},
		{name: "valid", value: "1200", want: 1200},
		{name: "spaces trimmed", value: " 64 ", want: 64},
		{name: "lowest", value: "1", want: 1},
		{name: "highest", value: "32768", want: 32768},
		{name: "zero", value: "0", wantErr: true},
		{name: "negative", value: "-3", wantErr: true},
		{name: "too large", value: "32769", wantErr: true},
		{name: "not a number", value: "lots", wantErr: true},
		{name: "fraction", value: "800.5", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(map[string]string{"CHAT_MAX_TOKENS": tc.value}))
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "CHAT_MAX_TOKENS="+`"`+strings.TrimSpace(tc.value)+`"`) || !strings.Contains(err.Error(), "1 to 32768") {
					t.Errorf("loadConfig(CHAT_MAX_TOKENS=%q) error = %v, want one naming the variable, its value and the range", tc.value, err)
				}
				return
			}
			if err != nil || c.ChatMaxTokens != tc.want {
				t.Errorf("loadConfig(CHAT_MAX_TOKENS=%q) = %d, %v; want %d, nil", tc.value, c.ChatMaxTokens, err, tc.want)
			}
		})
	}
}

// TestChatMaxTokensReportedWithOthers checks that a bad CHAT_MAX_TOKENS is
// one of several errors reported at once, not the first and only one.
func TestChatMaxTokensReportedWithOthers(t *testing.T) {
	_, err := loadConfig(env(map[string]string{"CHAT_MAX_TOKENS": "0", "TOP_K": "0", "LLM_TIMEOUT": "soon"}))
	if err == nil {
		t.Fatal("want a configuration error")
	}
	for _, want := range []string{"CHAT_MAX_TOKENS", "TOP_K", "LLM_TIMEOUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// TestChatMaxTokensSent runs the program against a loopback
// OpenAI-compatible server and checks that the cap reaches the wire.
func TestChatMaxTokensSent(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  int
	}{
		{name: "default", value: "", want: 800},
		{name: "set", value: "321", want: 321},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.NewServer()
			defer srv.Close()
			vars := map[string]string{
				"OPENAI_BASE_URL": srv.URL,
				"CHAT_MODEL":      "chat-model",
				"LLM_TIMEOUT":     "5s",
				"CHAT_MAX_TOKENS": tc.value,
			}
			if _, stderr, err := runBot(t, vars, "", "ask", evacuationQ); err != nil {
				t.Fatalf("ask: %v\n%s", err, stderr)
			}
			reqs := srv.Requests()
			if len(reqs) == 0 {
				t.Fatal("the chat model was not called")
			}
			for i, r := range reqs {
				if r.MaxTokens != tc.want || r.MaxCompletionTokens != 0 {
					t.Errorf("request %d: max_tokens, max_completion_tokens = %d, %d; want %d, 0", i, r.MaxTokens, r.MaxCompletionTokens, tc.want)
				}
			}
		})
	}
}

func TestDotenv(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	content := "# comment\nCHAT_MODEL=from-file\nexport DATA_DIR = \"/tmp/x y\"\nTOP_K=7 # seven\n\nLOG_LEVEL='debug'\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	getenv, err := withDotenv(env(map[string]string{"CHAT_MODEL": "from-env"}), path)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"CHAT_MODEL": "from-env", "DATA_DIR": "/tmp/x y", "TOP_K": "7", "LOG_LEVEL": "debug", "NOPE": ""} {
		if got := getenv(k); got != want {
			t.Errorf("getenv(%s) = %q, want %q", k, got, want)
		}
	}
	if err := os.WriteFile(path, []byte("JUSTAWORD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := withDotenv(env(nil), path); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad .env: err = %v", err)
	}
	// The error says where, and never quotes the file: what follows the
	// bad line may be a token.
	bad := map[string]string{
		"A=1\n# c\nNOT A LINE\nDISCORD_TOKEN=secret-token\n": "line 3",
		"A=1\r\nB=\"secret-token\nC=2\n":                     "line 2: unterminated quoted value",
	}
	for content, want := range bad {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := withDotenv(env(nil), path)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("withDotenv(%q) error = %v, want one with %q and without the file's text", content, err, want)
		}
	}
	if _, err := withDotenv(env(nil), filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Errorf("missing .env: %v", err)
	}
}

// TestEnvExampleMatchesConfig keeps .env.example listing exactly the
// variables the configuration reads.
func TestEnvExampleMatchesConfig(t *testing.T) {
	read := map[string]bool{}
	loadConfig(func(k string) string { read[k] = true; return "" })
	b, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	listed, err := godotenv.UnmarshalBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	for k := range read {
		if _, ok := listed[k]; !ok {
			t.Errorf(".env.example lacks %s", k)
		}
	}
	for k := range listed {
		if !read[k] {
			t.Errorf(".env.example lists %s, which the bot does not read", k)
		}
	}
}
