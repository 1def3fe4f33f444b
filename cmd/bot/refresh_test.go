package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestIngestNeverMakesItWorse: files that are not articles are skipped
// with a reason and never hang or flood the load; an empty folder does
// not wipe the index unless --allow-removals; a file that breaks keeps
// its article's previous version in a live refresh.
func TestIngestNeverMakesItWorse(t *testing.T) {
	corpusDir := copyCorpus(t)
	vars := map[string]string{"CORPUS_DIR": corpusDir, "DATA_DIR": t.TempDir(), "MAX_ARTICLE_BYTES": "1048576"}
	if err := syscall.Mkfifo(filepath.Join(corpusDir, "fifo.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(corpusDir, "zero.md")); err != nil {
		t.Fatal(err)
	}
	// 50 MB, sparse: skipped by its size, never read.
	f, err := os.Create(filepath.Join(corpusDir, "huge.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, _, err := runBot(t, vars, "", "ingest")
	if err == nil || !strings.Contains(out, "2 added") {
		t.Fatalf("ingest: err %v\n%s", err, out)
	}
	for _, want := range []string{"fifo.md: not a regular file", "zero.md: not a regular file", "huge.md: larger than the article size limit"} {
		if !strings.Contains(out, want) {
			t.Errorf("ingest output lacks %q:\n%s", want, out)
		}
	}
	for _, name := range []string{"fifo.md", "zero.md", "huge.md"} {
		os.Remove(filepath.Join(corpusDir, name))
	}

	// The folder emptied (an unmounted disk, a bad copy): refused.
	moved := t.TempDir()
	names, _ := filepath.Glob(filepath.Join(corpusDir, "*.md"))
	for _, n := range names {
		if err := os.Rename(n, filepath.Join(moved, filepath.Base(n))); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, err := runBot(t, vars, "", "ingest")
	if err == nil || !strings.Contains(err.Error(), "refresh refused: it would remove 2 of the 2 articles") || !strings.Contains(err.Error(), "--allow-removals") {
		t.Errorf("ingest of an emptied folder: err %v\n%s%s", err, out, errOut)
	}
	// The index still has both: restoring the files changes nothing.
	for _, n := range names {
		os.Rename(filepath.Join(moved, filepath.Base(n)), n)
	}
	if out, _, err = runBot(t, vars, "", "ingest"); err != nil || !strings.Contains(out, "2 unchanged") {
		t.Errorf("ingest after restoring: err %v\n%s", err, out)
	}
	// Forced, the removal goes through.
	for _, n := range names {
		os.Remove(n)
	}
	if out, _, err = runBot(t, vars, "", "ingest", "--allow-removals"); err != nil || !strings.Contains(out, "2 removed") {
		t.Errorf("ingest --allow-removals: err %v\n%s", err, out)
	}
}

// TestLiveRefreshKeepsABrokenArticle: in a running bot, an article whose
// file breaks keeps its previous version, reported as such.
func TestLiveRefreshKeepsABrokenArticle(t *testing.T) {
	corpusDir := copyCorpus(t)
	cfg, err := loadConfig(env(map[string]string{"CORPUS_DIR": corpusDir, "DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.guardRemovals = true
	a, err := setup(context.Background(), cfg, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(corpusDir, "2014-02-07-civilians-evacuated-from-homs.md")
	if err := os.WriteFile(name, []byte("---\ntitle: half-writ"), 0o644); err != nil {
		t.Fatal(err)
	}
	done, err := a.refresher.refresh(context.Background(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Report.Unchanged) != 2 || len(done.Report.Removed) != 0 || len(done.Skipped) != 1 || !strings.Contains(done.Skipped[0].Error(), "its previous version stays in use") {
		t.Errorf("refresh = %+v, skipped %v; want both articles kept, the broken file reported", done.Report, done.Skipped)
	}
	if got := len(a.index.Articles()); got != 2 {
		t.Errorf("%d articles indexed, want 2", got)
	}
}
