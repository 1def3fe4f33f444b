package discord

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Delivery: every message the bot posts, edits or follows up with, and
// every thread it starts, is retried when Discord fails for a moment.
// discordgo itself retries only 429 (waiting as told) and 502 (at once);
// the bot retries 500, 502, 503, 504 and broken connections, with backoff,
// a few times, within a bounded time.

// maxAttempts is how many times one call is tried in all.
const maxAttempts = 4

// retry runs call, giving each attempt the REST timeout, until it succeeds,
// fails in a way a retry cannot mend, maxAttempts are used up or ctx ends;
// it returns the last error. what names the call in the log.
func (b *Bot) retry(ctx context.Context, what string, call func(opts []discordgo.RequestOption) error) error {
	return b.retryIf(ctx, what, retryable, call)
}

// retryIf is retry with the test of which failures are retried.
func (b *Bot) retryIf(ctx context.Context, what string, again func(error) bool, call func(opts []discordgo.RequestOption) error) error {
	wait := b.cfg.RetryBackoff
	for attempt := 1; ; attempt++ {
		opts, cancel := b.rest(ctx)
		err := call(append(opts, discordgo.WithRestRetries(0)))
		cancel()
		if err == nil || !again(err) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		b.lg.Warn("discord call failed, retrying", "call", what, "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait + rand.N(wait/4+1)) // jitter, so that retries do not all come at once
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// retryable reports whether err is a failure of Discord or of the
// connection that may be gone on the next attempt: a 500, 502, 503 or 504,
// or a transport error (refused, reset or dropped connection, an attempt's
// timeout).
func retryable(err error) bool {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		if re.Response == nil {
			return false
		}
		switch re.Response.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	// discordgo reports a 502 it did not retry with a plain error.
	if strings.HasPrefix(err.Error(), "Exceeded Max retries HTTP 502") {
		return true
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// notSent reports whether err shows that a request was not carried out,
// so that a create without a nonce (a followup) can be retried without
// posting twice: the connection was never made, or Discord answered 503
// (unavailable: nothing was done) or 502 (its proxy reached no server).
// A 500, a 504, a reset or a timeout may come after the message was
// created, and is not retried.
func notSent(err error) bool {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		return re.Response != nil && (re.Response.StatusCode == http.StatusServiceUnavailable || re.Response.StatusCode == http.StatusBadGateway)
	}
	if strings.HasPrefix(err.Error(), "Exceeded Max retries HTTP 502") {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// isCode reports whether err is Discord's error with the JSON code.
func isCode(err error, code int) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == code
}

// delivery returns the context of one message's delivery: at most
// DeliveryTimeout from now, and never past parent's deadline.
func (b *Bot) delivery(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, b.cfg.DeliveryTimeout)
}

// messageCreate is a channel message with a nonce Discord enforces: when a
// create is retried after it went through unseen (a 500 after the fact, a
// dropped connection), Discord returns the first message instead of
// posting a second.
type messageCreate struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce"`
	EnforceNonce bool   `json:"enforce_nonce"`
}

// send posts one message, with no mentions allowed, retried (see retry)
// within DeliveryTimeout of ctx.
func (b *Bot) send(ctx context.Context, channelID, content string, comps []discordgo.MessageComponent, ref *discordgo.MessageReference) error {
	ctx, cancel := b.delivery(ctx)
	defer cancel()
	if ref != nil {
		// Fall back to a plain message if the question was deleted.
		soft := *ref
		soft.FailIfNotExists = new(bool)
		ref = &soft
	}
	body := messageCreate{
		MessageSend: &discordgo.MessageSend{
			Content:         content,
			Components:      comps,
			Reference:       ref,
			AllowedMentions: noMentions(),
		},
		Nonce:        newNonce(),
		EnforceNonce: true,
	}
	u := discordgo.EndpointChannelMessages(channelID)
	err := b.retry(ctx, "send message", func(opts []discordgo.RequestOption) error {
		_, err := b.s.RequestWithBucketID("POST", u, body, u, opts...)
		return err
	})
	if err != nil {
		b.lg.Error("sending a message failed", "channel", channelID, "err", err)
	}
	return err
}

// newNonce returns a message nonce: 16 hex digits, within Discord's 25
// characters.
func newNonce() string {
	var raw [8]byte
	crand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}

// startThread starts a public thread on the question's message, named
// after the question, retried (see retry). A thread started by an attempt
// whose answer was lost makes the next attempt fail with "already
// created": that thread, whose ID is the message's, is the one.
func (b *Bot) startThread(ctx context.Context, m *discordgo.Message, question string) (string, error) {
	ctx, cancel := b.delivery(ctx)
	defer cancel()
	var id string
	attempts := 0
	err := b.retry(ctx, "start thread", func(opts []discordgo.RequestOption) error {
		attempts++
		th, err := b.s.MessageThreadStartComplex(m.ChannelID, m.ID, &discordgo.ThreadStart{
			Name:                oneLine(plainText(question), 90),
			AutoArchiveDuration: 1440,
		}, opts...)
		if attempts > 1 && isCode(err, discordgo.ErrCodeThreadAlreadyCreatedForThisMessage) {
			id = m.ID
			return nil
		}
		if err != nil {
			return err
		}
		id = th.ID
		return nil
	})
	return id, err
}
