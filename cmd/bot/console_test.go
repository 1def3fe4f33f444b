package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/situationbot/bot/llm/llmtest"
)

// writeLog records each Write separately, to see what was shown when.
type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func (w *writeLog) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.writes...)
}

// modelAnswer is what the fake model answers about the evacuation: three
// sentences, for the console shows a sentence once it is complete and
// grounded.
const modelAnswer = "The government said 58 people were evacuated on Friday [1]. Many of those who left appeared frail and exhausted [1]. " +
	"The evacuation excludes men between the age of 15 and 55 [1]."

// streamingModel is a fake chat model that writes modelAnswer a word at a
// time.
func streamingModel(t *testing.T) *llmtest.Server {
	t.Helper()
	srv := llmtest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetChatFunc(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: modelAnswer, ChunkDelay: 5 * time.Millisecond}
	})
	return srv
}

// TestConsoleStreams: the console shows a model's answer as it streams,
// then the rest of it and its sources, each word once.
func TestConsoleStreams(t *testing.T) {
	srv := streamingModel(t)
	vars := map[string]string{"OPENAI_BASE_URL": srv.URL, "CHAT_MODEL": "chat-model", "LLM_TIMEOUT": "5s",
		"CORPUS_DIR": "../../corpus", "DATA_DIR": t.TempDir()}
	var out writeLog
	if err := run(context.Background(), []string{"console"}, env(vars), strings.NewReader(evacuationQ+"\n"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	writes := out.all()
	text := strings.Join(writes, "")
	if strings.Count(text, modelAnswer) != 1 || !strings.Contains(text, "Sources:\n[1] Civilians evacuated") {
		t.Errorf("console output:\n%s", text)
	}
	pieces := 0
	for _, w := range writes {
		if strings.Contains(w, "Sources:") {
			break
		}
		if strings.TrimSpace(w) != "" && strings.Contains(modelAnswer, strings.TrimSpace(w)) {
			pieces++
		}
	}
	if pieces < 3 {
		t.Errorf("the answer came in %d pieces, want it streamed word by word: %q", pieces, writes)
	}
	if strings.Contains(text, "thinking") {
		t.Errorf("\"thinking…\" shown off a terminal:\n%s", text)
	}
}

// TestConsoleAnswerOnTerminal: on a terminal, "thinking…" stands until
// the first words, which replace it; Ctrl-C (SIGINT) cancels the answer
// being written, not the program.
func TestConsoleAnswerOnTerminal(t *testing.T) {
	srv := streamingModel(t)
	cfg, err := loadConfig(env(map[string]string{"OPENAI_BASE_URL": srv.URL, "CHAT_MODEL": "chat-model", "LLM_TIMEOUT": "10s",
		"CORPUS_DIR": "../../corpus", "DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	a, err := setup(context.Background(), cfg, &logs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out writeLog
	if err := consoleAnswer(context.Background(), a, evacuationQ, true, &out); err != nil {
		t.Fatal(err)
	}
	writes := out.all()
	if len(writes) < 3 || writes[0] != "thinking…" || writes[1] != "\r\033[K" || !strings.HasPrefix(modelAnswer, writes[2]) {
		t.Errorf("writes on a terminal = %q, want thinking…, its erasure, then the answer", writes)
	}
	if text := strings.Join(writes, ""); strings.Count(text, modelAnswer) != 1 || !strings.Contains(text, "Sources:") {
		t.Errorf("answer on a terminal:\n%q", text)
	}

	// The model stalls; Ctrl-C cancels this answer alone.
	srv.SetChatFunc(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: modelAnswer, Stall: time.Minute}
	})
	calls := srv.ChatCalls()
	go func() {
		for srv.ChatCalls() == calls {
			time.Sleep(5 * time.Millisecond)
		}
		syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	}()
	out = writeLog{}
	start := time.Now()
	if err := consoleAnswer(context.Background(), a, evacuationQ, true, &out); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(out.all(), "")
	if !strings.HasSuffix(text, "\r\033[K(cancelled)\n") || strings.Contains(text, "58") || time.Since(start) > 5*time.Second {
		t.Errorf("after Ctrl-C, %v later: %q", time.Since(start), text)
	}
	// What the user cancelled is no warning.
	if logs.String() != "" {
		t.Errorf("logged:\n%s", logs.String())
	}
}
