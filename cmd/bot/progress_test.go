package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgressBar: on a terminal the bar shows the count, the rate and
// the time left, and ends its line when the sync is done, or when it
// stops short; off a terminal, a plain line every tenth.
func TestProgressBar(t *testing.T) {
	var w bytes.Buffer
	p := &progress{w: &w, tty: true, lastTenth: -1}
	for done := 64; done <= 512; done += 64 {
		p.update(done, 512)
	}
	p.end()
	out := w.String()
	for _, want := range []string{"embedding", "512/512", "chunks/s", "100%"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar lacks %q: %q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("bar should end with one newline: %q", out)
	}

	w.Reset()
	p = &progress{w: &w, tty: true, lastTenth: -1}
	p.update(64, 512)
	p.end()
	if out := w.String(); !strings.Contains(out, "64/512") || !strings.HasSuffix(out, "\n") {
		t.Errorf("an interrupted bar should end its line: %q", out)
	}

	w.Reset()
	p = newProgress(&w, 100) // not a terminal
	p.update(50, 100)        // no more than min: quiet
	for done := 64; done <= 512; done += 64 {
		p.update(done, 512)
	}
	if want := "embedded 64/512 chunks\nembedded 128/512 chunks\n"; !strings.HasPrefix(w.String(), want) || strings.Count(w.String(), "\n") != 8 {
		t.Errorf("plain progress = %q", w.String())
	}
}
