package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/discord/discordtest"
)

// commands are every command of the program.
var commands = []string{"ask", "summary", "timeline", "ingest", "add", "poll", "eval", "train", "console", "discord"}

// TestHelp: -h and --help on every command print its usage on stdout and
// exit 0, without loading anything; so do `bot -h` and `bot help ask`.
func TestHelp(t *testing.T) {
	missing := map[string]string{"CORPUS_DIR": filepath.Join(t.TempDir(), "absent")}
	for _, cmd := range commands {
		for _, flag := range []string{"-h", "--help"} {
			t.Run(cmd+flag, func(t *testing.T) {
				out, stderr, err := runBot(t, missing, "", cmd, flag)
				if err != nil {
					t.Fatalf("bot %s %s: %v\n%s", cmd, flag, err, stderr)
				}
				if !strings.HasPrefix(out, "Usage: bot "+cmd) || !strings.Contains(out, "-corpus directory") || !strings.Contains(out, "-data directory") {
					t.Errorf("bot %s %s printed:\n%s", cmd, flag, out)
				}
				if stderr != "" {
					t.Errorf("bot %s %s wrote on stderr:\n%s", cmd, flag, stderr)
				}
			})
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		if out, _, err := runBot(t, missing, "", args...); err != nil || !strings.Contains(out, "Commands:") {
			t.Errorf("bot %s = %v\n%s", args, err, out)
		}
	}
	if out, _, err := runBot(t, missing, "", "help", "ask"); err != nil || !strings.HasPrefix(out, "Usage: bot ask") {
		t.Errorf("bot help ask = %v\n%s", err, out)
	}
	// A bad flag is still an error, explained on stderr.
	out, stderr, err := runBot(t, nil, "", "ask", "--nope", "q")
	if err == nil || out != "" || !strings.Contains(stderr, "flag provided but not defined: -nope") || !strings.Contains(stderr, "Usage: bot ask") {
		t.Errorf("bot ask --nope: err %v, stdout %q, stderr %q", err, out, stderr)
	}
}

// TestVersion: --version and the version command print the build's
// version and Go's.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, err := runBot(t, nil, "", args...)
		if err != nil || !strings.HasPrefix(out, "bot ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
			t.Errorf("bot %s = %v, %q", args, err, out)
		}
	}
	version = "v9.8.7"
	defer func() { version = "" }()
	if out, _, _ := runBot(t, nil, "", "--version"); !strings.HasPrefix(out, "bot v9.8.7 ") {
		t.Errorf("with -X main.version=v9.8.7: %q", out)
	}
}

// TestEveryCommandHonoursCorpusAndData: --corpus and --data, after the
// command or before it, are what each command reads and writes, not the
// environment's folders.
func TestEveryCommandHonoursCorpusAndData(t *testing.T) {
	envCorpus, envData := filepath.Join(t.TempDir(), "env-corpus"), filepath.Join(t.TempDir(), "env-data")
	vars := map[string]string{"CORPUS_DIR": envCorpus, "DATA_DIR": envData}
	qs := filepath.Join(t.TempDir(), "q.jsonl")
	if err := os.WriteFile(qs, []byte(`{"id":"a","question":"`+evacuationQ+`","answerable":true,"expect_docs":["2014-02-07-civilians-evacuated-from-homs"],"expect_facts":["58"]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runs := [][]string{
		{"ask", evacuationQ},
		{"summary"},
		{"timeline"},
		{"ingest"},
		{"eval", "--questions", qs},
		{"console"},
	}
	for _, r := range runs {
		for _, before := range []bool{false, true} {
			name := r[0]
			if before {
				name = "global flags " + name
			}
			t.Run(name, func(t *testing.T) {
				data := t.TempDir()
				flags := []string{"--corpus", "../../corpus", "--data", data}
				args := append(append([]string{r[0]}, r[1:]...), flags...)
				if before {
					args = append(flags, r...)
				}
				out, stderr, err := runBot(t, vars, evacuationQ+"\n", args...)
				if err != nil {
					t.Fatalf("bot %s: %v\n%s%s", args, err, out, stderr)
				}
				if snaps, _ := filepath.Glob(filepath.Join(data, "index", "corpus-*", "*.snap")); len(snaps) != 1 {
					t.Errorf("bot %s: snapshots in --data %v, want one for the corpus", args, snaps)
				}
				if _, err := os.Stat(envData); err == nil {
					t.Errorf("bot %s wrote into DATA_DIR", args)
				}
			})
		}
	}
}

// TestAddAndPollHonourCorpusAndData: add and poll write the articles they
// fetch into --corpus and index them in --data.
func TestAddAndPollHonourCorpusAndData(t *testing.T) {
	site, _ := newsSite(t)
	envData := filepath.Join(t.TempDir(), "env-data")
	vars := map[string]string{"CORPUS_DIR": filepath.Join(t.TempDir(), "env-corpus"), "DATA_DIR": envData,
		"ALLOW_PRIVATE_URLS": "true", "FEEDS": site.URL + "/feed.rss"}
	corpusDir, data := copyCorpus(t), t.TempDir()
	for _, args := range [][]string{{"add", site.URL + "/news/1"}, {"poll"}} {
		args = append(args, "--corpus", corpusDir, "--data", data)
		if out, stderr, err := runBot(t, vars, "", args...); err != nil {
			t.Fatalf("bot %s: %v\n%s%s", args, err, out, stderr)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(corpusDir, "*.md")); len(files) != 5 {
		t.Errorf("%d articles in --corpus, want the 2 shipped and 3 fetched", len(files))
	}
	if _, err := os.Stat(filepath.Join(data, "feeds.json")); err != nil {
		t.Errorf("poll kept no feed state in --data: %v", err)
	}
	if _, err := os.Stat(envData); err == nil {
		t.Error("add or poll wrote into DATA_DIR")
	}
}

// TestDiscordHonoursCorpusAndData: `bot discord --corpus DIR --data DIR`
// serves that corpus and keeps its index there.
func TestDiscordHonoursCorpusAndData(t *testing.T) {
	srv := discordtest.NewServer()
	defer srv.Close()
	data := t.TempDir()
	vars := map[string]string{"CORPUS_DIR": t.TempDir(), "DATA_DIR": filepath.Join(t.TempDir(), "env-data"),
		"DISCORD_TOKEN": "test-token", "DISCORD_API_URL": srv.URL + "/api/v9", "LOG_FORMAT": "json"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"discord", "--corpus", "../../corpus", "--data", data}, env(vars), strings.NewReader(""), &bytes.Buffer{}, &stderr)
	}()
	wait, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	for !strings.Contains(stderr.String(), `"msg":"slash commands registered"`) {
		if wait.Err() != nil {
			t.Fatalf("commands not registered:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v after shutdown", err)
	}
	if snaps, _ := filepath.Glob(filepath.Join(data, "index", "corpus-*", "*.snap")); len(snaps) != 1 {
		t.Errorf("snapshots in --data: %v, want one for ../../corpus\n%s", snaps, stderr.String())
	}
	// At the default level the service says it is ready, with what it serves.
	var ready map[string]any
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, `"msg":"index ready"`) {
			json.Unmarshal([]byte(line), &ready)
		}
	}
	if ready == nil {
		t.Fatalf("no index ready line at info, as JSON:\n%s", stderr.String())
	}
	if ready["articles"] != float64(2) || ready["corpus"] != "../../corpus" || ready["answers"] != "extractive" {
		t.Errorf("index ready = %v", ready)
	}
}

// TestServiceWithoutToken: the service entry fails loudly without a token,
// and `bot` alone under systemd or Docker (no token, no terminal) is an
// error that says what to run, not a console that reads nothing.
func TestServiceWithoutToken(t *testing.T) {
	_, _, err := runBot(t, nil, "", "discord")
	if err == nil || !strings.Contains(err.Error(), "bot discord needs DISCORD_TOKEN") {
		t.Errorf("bot discord without a token: err = %v", err)
	}
	out, _, err := runBot(t, nil, evacuationQ+"\n")
	if err == nil || !strings.Contains(err.Error(), "bot discord") || !strings.Contains(err.Error(), "bot console") {
		t.Errorf("bot without a command, token or terminal: err = %v", err)
	}
	if strings.Contains(out, ">") || strings.Contains(out, "58") {
		t.Errorf("bot without a command, token or terminal printed a console:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
