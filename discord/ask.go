package discord

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/answer"
)

// cmdAsk answers /ask question:<text> [private:<bool>]. Cheap checks (bad
// input, rate limit) get an immediate private reply; everything else is
// deferred at once, then written, streamed and finally edited in.
func (b *Bot) cmdAsk(r *responder, data discordgo.ApplicationCommandInteractionData) {
	private := optBool(data, "private")
	q, err := answer.CheckQuestion(optString(data, "question"))
	if err != nil {
		r.reply(sentence(err.Error()), true)
		return
	}
	ctx, done, ok := b.start(r, private)
	if !ok {
		return
	}
	defer done()
	a, err := b.answer(ctx, q, nil, func(partial string) {
		if err := r.edit(ctx, partial, nil); err != nil {
			b.lg.Debug("streaming edit failed", "interaction", r.i.ID, "err", err)
		}
	})
	b.reportAnswer(kindAsk, r.created, a, err)
	if err != nil {
		r.fail(failureText(err))
		return
	}
	msgs := Render(a)
	id := b.recent.put(a, r.user())
	buttons := feedbackButtons(id)
	for i, msg := range msgs {
		var comps []discordgo.MessageComponent
		if i == len(msgs)-1 {
			comps = buttons
		}
		if i == 0 {
			err = r.editFinal(msg, comps)
		} else {
			err = r.followup(context.Background(), msg, private, comps)
		}
		if err != nil {
			b.lg.Error("posting the answer failed", "interaction", r.i.ID, "part", i+1, "err", err)
			return
		}
	}
}

// start admits a question or overview: not while shutting down, and
// within the user's rate limit, then acknowledged at once with a deferral.
// It returns the context to answer under, whose deadline is
// QuestionTimeout from the interaction's arrival, and the func to call
// when done; ok false means the user has been told why not (a rate-limit
// notice to a slash command is private, as every reply that is not an
// answer).
func (b *Bot) start(r *responder, private bool) (ctx context.Context, done func(), ok bool) {
	if !b.begin() {
		r.reply(textRestarting, true)
		return nil, nil, false
	}
	if ok, wait, _ := b.limit.allow(r.user()); !ok {
		b.end()
		r.reply(tryAgain(wait), true)
		return nil, nil, false
	}
	if err := r.deferReply(private); err != nil {
		b.end()
		b.lg.Warn("defer failed", "interaction", r.i.ID, "err", err)
		return nil, nil, false
	}
	ctx, cancel := context.WithDeadline(b.work, r.created.Add(b.cfg.QuestionTimeout))
	return ctx, func() { cancel(); b.end() }, true
}

// answer answers q, read with the turns of its conversation (history),
// once it has a place among the questions being answered: condensing a
// follow-up into a standalone question and answering it both take the
// place and run under ctx, the question's one deadline. onPartial
// receives the streamed text at most once per EditInterval, and never
// after answer returns. A failure to condense leaves q as it is.
func (b *Bot) answer(ctx context.Context, q string, history []answer.Turn, onPartial func(string)) (answer.Answer, error) {
	if err := b.gate.enter(ctx); err != nil {
		return answer.Answer{}, err
	}
	defer b.gate.leave()
	if len(history) > 0 {
		standalone, err := b.ans.Condense(ctx, history, q)
		switch {
		case err != nil:
			b.lg.Warn("condense failed, using the follow-up as it is", "err", err)
		case strings.TrimSpace(standalone) != "":
			q = standalone
		}
	}
	var st *streamer
	var onDelta func(string)
	if onPartial != nil {
		st = newStreamer(b.cfg.EditInterval, onPartial)
		onDelta = st.add
	}
	a, err := b.ans.Ask(ctx, q, onDelta)
	if st != nil {
		st.stop()
	}
	return a, err
}

// streamer collects streamed text and hands it on, throttled: the first
// piece at once, then at most one update per interval, from one goroutine.
type streamer struct {
	interval time.Duration
	show     func(string)

	mu    sync.Mutex
	text  strings.Builder
	dirty bool

	wake chan struct{} // a piece arrived
	quit chan struct{} // stop was called
	done chan struct{} // the loop has returned
}

func newStreamer(interval time.Duration, show func(string)) *streamer {
	st := &streamer{interval: interval, show: show, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go st.loop()
	return st
}

// add appends a streamed piece.
func (st *streamer) add(piece string) {
	st.mu.Lock()
	st.text.WriteString(piece)
	st.dirty = true
	st.mu.Unlock()
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

func (st *streamer) loop() {
	defer close(st.done)
	var last time.Time
	for {
		select {
		case <-st.quit:
			return
		case <-st.wake:
		}
		if wait := st.interval - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-st.quit:
				t.Stop()
				return
			case <-t.C:
			}
		}
		st.mu.Lock()
		text, dirty := st.text.String(), st.dirty
		st.dirty = false
		st.mu.Unlock()
		if dirty {
			st.show(partialText(text))
			last = time.Now()
		}
	}
}

// stop ends the streaming and waits until no update is in progress, so the
// final answer is never overwritten by a late partial one.
func (st *streamer) stop() {
	close(st.quit)
	<-st.done
}

// partialText is what a streaming answer shows: the text so far, made
// safe, within one message, marked as unfinished.
func partialText(text string) string {
	return continued(safeProse(strings.TrimSpace(start(text, 1))))
}

// failureText turns an error from answering into what the user sees.
func failureText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return textBusy
	}
	if errors.Is(err, context.Canceled) { // the bot is shutting down
		return textRestarting
	}
	if errors.Is(err, answer.ErrQuestionTooLong) || errors.Is(err, answer.ErrEmptyQuestion) {
		return sentence(err.Error())
	}
	return textFailed
}

// tryAgain is the rate-limit reply.
func tryAgain(wait time.Duration) string {
	return fmt.Sprintf("You're asking faster than I can keep up: try again in %d s.", int(math.Ceil(wait.Seconds())))
}

// sentence capitalises an error message for a user.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}
