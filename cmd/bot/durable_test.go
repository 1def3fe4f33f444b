package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/situationbot/bot/llm/llmtest"
)

// copyCorpus copies the shipped articles into a new directory.
func copyCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	names, err := filepath.Glob("../../corpus/*.md")
	if err != nil || len(names) == 0 {
		t.Fatalf("shipped corpus: %v", err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeArticle adds an article file to a corpus directory.
func writeArticle(t *testing.T, dir, id, title, body string) {
	t.Helper()
	text := fmt.Sprintf("---\ntitle: %q\npublished: 2014-02-09\n---\n\n%s\n", title, body)
	if err := os.WriteFile(filepath.Join(dir, id+".md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIngestFailsWhenNotSaved: a DATA_DIR that cannot be written makes
// ingest exit non-zero with a clear message, while ask still answers, with
// a warning.
func TestIngestFailsWhenNotSaved(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DATA_DIR": filepath.Join(file, "data")}
	out, _, err := runBot(t, vars, "", "ingest")
	if err == nil || !strings.Contains(err.Error(), "could not be saved") || !strings.Contains(err.Error(), "not saved") {
		t.Errorf("ingest into an unwritable DATA_DIR: err = %v, want a save failure", err)
	}
	if !strings.Contains(out, "articles: 2 added") {
		t.Errorf("ingest report missing:\n%s", out)
	}
	out, stderr, err := runBot(t, vars, "", "ask", evacuationQ)
	if err != nil || !strings.Contains(out, "58") {
		t.Errorf("ask with an unwritable DATA_DIR = %v\n%s", err, out)
	}
	if !strings.Contains(stderr, "embedding snapshot not saved") {
		t.Errorf("ask gave no warning about the snapshot:\n%s", stderr)
	}
}

// TestEmbeddingEndpointDownAtStart: with EMBEDDING_MODEL set and the
// endpoint failing, a start with a snapshot on disk serves the articles it
// holds (keyword search for the questions), reports the new one pending,
// and a later ingest adds it once the endpoint is back.
func TestEmbeddingEndpointDownAtStart(t *testing.T) {
	srv := llmtest.NewServer()
	defer srv.Close()
	corpusDir := copyCorpus(t)
	vars := map[string]string{
		"CORPUS_DIR":      corpusDir,
		"DATA_DIR":        t.TempDir(),
		"OPENAI_BASE_URL": srv.URL,
		"EMBEDDING_MODEL": "embed-model",
		"LLM_TIMEOUT":     "1s",
	}
	if out, _, err := runBot(t, vars, "", "ingest"); err != nil {
		t.Fatalf("ingest with the endpoint up: %v\n%s", err, out)
	}

	const newID = "2014-02-09-aid-convoy"
	writeArticle(t, corpusDir, newID, "Aid convoy enters the old city", "A convoy of eleven trucks carried flour and medicine into the old city on Sunday.")
	srv.SetEmbedFunc(func(string, []string) ([][]float32, int) { return nil, http.StatusServiceUnavailable })

	out, stderr, err := runBot(t, vars, "", "ask", evacuationQ)
	if err != nil || !strings.Contains(out, "58") {
		t.Fatalf("ask with the endpoint down = %v\nstdout: %s\nstderr: %s", err, out, stderr)
	}
	for _, want := range []string{"using the dimensions of the stored snapshot", "not indexed yet", "keyword search only"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("ask with the endpoint down: stderr lacks %q:\n%s", want, stderr)
		}
	}
	out, _, err = runBot(t, vars, "", "ingest")
	if err == nil || !strings.Contains(err.Error(), "1 article(s) not indexed") || !strings.Contains(out, "pending: "+newID) || !strings.Contains(out, "0 added, 0 updated, 0 removed, 2 unchanged") {
		t.Errorf("ingest with the endpoint down: err = %v\n%s", err, out)
	}

	srv.SetEmbedFunc(nil)
	before := len(srv.EmbedRequests())
	out, _, err = runBot(t, vars, "", "ingest")
	if err != nil || !strings.Contains(out, "1 added, 0 updated, 0 removed, 2 unchanged") || strings.Contains(out, "pending") {
		t.Fatalf("ingest with the endpoint back: %v\n%s", err, out)
	}
	// Only the new article's chunk was embedded, besides the probe.
	texts := 0
	for _, r := range srv.EmbedRequests()[before:] {
		texts += len(r.Inputs)
	}
	if m := regexp.MustCompile(`(\d+) embedded`).FindStringSubmatch(out); m == nil || m[1] != "1" || texts != 2 {
		t.Errorf("catch-up embedded %v, sent %d texts; want 1 chunk and the probe\n%s", m, texts, out)
	}

	// With no snapshot for the model, a start during the outage fails.
	srv.SetEmbedFunc(func(string, []string) ([][]float32, int) { return nil, http.StatusServiceUnavailable })
	vars["DATA_DIR"] = t.TempDir()
	if _, _, err := runBot(t, vars, "", "ask", evacuationQ); err == nil || !strings.Contains(err.Error(), "embedding endpoint") {
		t.Errorf("start with the endpoint down and no snapshot: err = %v", err)
	}
}

// TestAskShowsProgress: ask on an unindexed corpus of many chunks prints
// embedding progress on stderr; on an indexed one, or a small one, none.
func TestAskShowsProgress(t *testing.T) {
	corpusDir := copyCorpus(t)
	for i := range 60 {
		var body strings.Builder
		for p := range 24 {
			fmt.Fprintf(&body, "Dispatch %d, paragraph %d: relief workers counted %d families near checkpoint %d and said %d more were waiting for the convoys to return. ", i, p, 100+i, p, 10*i+p)
			fmt.Fprintf(&body, "Officials in district %d promised another %d tonnes of flour before the ceasefire %d ends.\n\n", p, i+p, i)
		}
		writeArticle(t, corpusDir, "2014-02-09-dispatch-"+strconv.Itoa(i), fmt.Sprintf("Dispatch %d", i), body.String())
	}
	vars := map[string]string{"CORPUS_DIR": corpusDir, "DATA_DIR": t.TempDir()}
	_, stderr, err := runBot(t, vars, "", "ask", evacuationQ)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`embedded (\d+)/(\d+) chunks`).FindAllStringSubmatch(stderr, -1)
	if len(m) < 2 || m[len(m)-1][1] != m[len(m)-1][2] {
		t.Fatalf("ask on an unindexed corpus: progress lines %v in stderr:\n%s", m, stderr)
	}
	if total, _ := strconv.Atoi(m[0][2]); total <= quietEmbedding {
		t.Fatalf("the test corpus has %d chunks, not more than %d", total, quietEmbedding)
	}
	if _, stderr, err := runBot(t, vars, "", "ask", evacuationQ); err != nil || strings.Contains(stderr, "embedded") {
		t.Errorf("ask on an indexed corpus: err %v, stderr:\n%s", err, stderr)
	}
	if _, stderr, err := runBot(t, nil, "", "ask", evacuationQ); err != nil || strings.Contains(stderr, "embedded") {
		t.Errorf("ask on the small shipped corpus: err %v, stderr:\n%s", err, stderr)
	}
}
