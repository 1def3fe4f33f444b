package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	"github.com/peterh/liner"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
)

// cmdConsole answers one question per line until Ctrl-D (end of input) or
// "quit". On a terminal it edits lines and keeps their history (the Up
// arrow, Ctrl-R), shows "thinking…" while an answer is written, and Ctrl-C
// cancels the answer being written, not the program. From a pipe or a
// file it reads plain lines. A model's answer is shown as it streams.
func cmdConsole(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("console", "Answer questions read one a line, until Ctrl-D or \"quit\". On a terminal: line editing and\nhistory, Ctrl-C cancels the answer being written.")
	commonFlags(fs, &cfg)
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if err := noArgs("console", pos); err != nil {
		return err
	}
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	tty := isTerminal(stdin) && isTerminal(stdout)
	var in lineReader = newScanReader(stdin, stdout)
	if tty {
		ed := newLineEditor(historyPath(cfg))
		defer ed.Close()
		in = ed
		// Ctrl-C is a key while a line is edited (it clears the line) and
		// SIGINT while an answer is written, where ask cancels only that
		// answer: the program's own SIGINT handling would end it all.
		signal.Ignore(os.Interrupt)
	}
	arts := a.index.Articles()
	fmt.Fprintf(stdout, "Ask about the %d articles (newest: %s). One question per line; \"quit\" or Ctrl-D to leave.\n", len(arts), corpus.HumanDate(corpus.Newest(arts)))
	for {
		line, err := in.Prompt("> ")
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			continue // Ctrl-C on the line: a fresh one
		case errors.Is(err, io.EOF):
			fmt.Fprintln(stdout)
			return nil
		case err != nil:
			return err
		}
		line = strings.TrimSpace(line)
		switch line {
		case "":
			continue
		case "quit", "exit":
			return nil
		}
		in.AppendHistory(line)
		if err := consoleAnswer(ctx, a, line, tty, stdout); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		fmt.Fprintln(stdout)
	}
}

// consoleAnswer answers one line of the console, streaming a model's text
// as it arrives. On a terminal "thinking…" stands until the first words,
// and Ctrl-C (SIGINT) cancels this answer alone. Only a failure to write
// is returned; a question that fails is reported on out.
func consoleAnswer(ctx context.Context, a *app, q string, tty bool, out io.Writer) error {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const thinking, erase = "thinking…", "\r\033[K"
	waiting := false
	if tty {
		stop := onInterrupt(cancel)
		defer stop()
		fmt.Fprint(out, thinking)
		waiting = true
	}
	clear := func() {
		if waiting {
			fmt.Fprint(out, erase)
			waiting = false
		}
	}
	var streamed strings.Builder
	ans, err := a.engine.Ask(qctx, q, func(d string) {
		clear()
		streamed.WriteString(d)
		fmt.Fprint(out, d)
	})
	clear()
	shown := streamed.String()
	if shown != "" && (err != nil || !strings.HasPrefix(ans.Text, shown)) {
		fmt.Fprintln(out) // what follows is not the rest of it
	}
	switch {
	case ctx.Err() != nil:
		return nil
	case qctx.Err() != nil:
		_, err := fmt.Fprintln(out, "(cancelled)")
		return err
	case errors.Is(err, answer.ErrQuestionTooLong), errors.Is(err, answer.ErrEmptyQuestion):
		_, err := fmt.Fprintln(out, err)
		return err
	case err != nil:
		a.lg.Error("question failed", "err", err)
		_, err := fmt.Fprintln(out, "Sorry, something went wrong answering that; try again.")
		return err
	}
	if strings.HasPrefix(ans.Text, shown) {
		fmt.Fprintln(out, ans.Text[len(shown):])
	} else {
		fmt.Fprintln(out, ans.Text)
	}
	printSources(out, ans.Sources)
	return nil
}

// onInterrupt calls cancel on SIGINT until stop is called.
func onInterrupt(cancel func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-ch:
			cancel()
		case <-done:
		}
	})
	return func() {
		signal.Stop(ch)
		close(done)
		wg.Wait()
	}
}

// lineReader reads the console's lines.
type lineReader interface {
	// Prompt shows p and returns the next line, io.EOF at the end of
	// input, or liner.ErrPromptAborted when Ctrl-C abandoned the line.
	Prompt(p string) (string, error)
	AppendHistory(line string)
}

// scanReader reads plain lines, from a pipe or a file.
type scanReader struct {
	sc  *bufio.Scanner
	out io.Writer
}

func newScanReader(in io.Reader, out io.Writer) *scanReader {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	return &scanReader{sc: sc, out: out}
}

func (r *scanReader) Prompt(p string) (string, error) {
	fmt.Fprint(r.out, p)
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
	return r.sc.Text(), nil
}

func (r *scanReader) AppendHistory(string) {}

// lineEditor edits lines on the terminal with liner and keeps their
// history in a file, read at start and written after each question
// (liner keeps the last 1000 lines).
type lineEditor struct {
	st   *liner.State
	path string // "" when there is nowhere to keep it
}

func newLineEditor(path string) *lineEditor {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	if f, err := os.Open(path); err == nil {
		st.ReadHistory(f)
		f.Close()
	}
	return &lineEditor{st: st, path: path}
}

func (e *lineEditor) Prompt(p string) (string, error) { return e.st.Prompt(p) }

// AppendHistory adds line to the history and saves it, readable by the
// user alone (questions can be private). A history that cannot be saved
// is only not kept.
func (e *lineEditor) AppendHistory(line string) {
	e.st.AppendHistory(line)
	if e.path == "" {
		return
	}
	if os.MkdirAll(filepath.Dir(e.path), 0o700) != nil {
		return
	}
	if f, err := os.OpenFile(e.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err == nil {
		e.st.WriteHistory(f)
		f.Close()
	}
}

// Close gives the terminal back its mode.
func (e *lineEditor) Close() error { return e.st.Close() }

// historyPath is the console's history file: in the user's cache
// directory, else in DATA_DIR.
func historyPath(cfg config) string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "situationbot", "console_history")
	}
	if cfg.DataDir != "" {
		return filepath.Join(cfg.DataDir, "console_history")
	}
	return ""
}
