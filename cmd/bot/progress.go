package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/situationbot/bot/retrieval"
)

// quietEmbedding is the most chunks a command other than ingest embeds
// without showing progress: four of Sync's batches.
const quietEmbedding = 4 * retrieval.DefaultBatchSize

// progress shows how the embedding of a sync goes, on stderr: on a
// terminal a bar redrawn in place with the rate and the time left
// (progressbar), otherwise a plain line every tenth, for logs. Syncs of
// no more than min chunks show nothing.
type progress struct {
	w         io.Writer
	min       int
	tty       bool
	bar       *progressbar.ProgressBar
	total     int
	lastTenth int
}

// newProgress returns the progress of syncs on w; see progress.
func newProgress(w io.Writer, min int) *progress {
	return &progress{w: w, min: min, tty: isTerminal(w), lastTenth: -1}
}

// update is the retrieval.Progress: done of total chunks are embedded.
func (p *progress) update(done, total int) {
	if total == 0 || total <= p.min {
		return
	}
	if !p.tty {
		if tenth := done * 10 / total; tenth != p.lastTenth || total != p.total {
			p.lastTenth, p.total = tenth, total
			fmt.Fprintf(p.w, "embedded %d/%d chunks\n", done, total)
		}
		return
	}
	if p.bar == nil || total != p.total {
		p.end()
		p.total = total
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("embedding"),
			progressbar.OptionSetItsString("chunks"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
		)
	}
	p.bar.Set(done)
}

// end ends the line of a bar left unfinished (a sync that failed or was
// interrupted), so that what follows starts on a line of its own.
func (p *progress) end() {
	if p.bar != nil && !p.bar.IsFinished() {
		p.bar.Exit() // which ends the line, as on completion
	}
	p.bar = nil
}
