package llm

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// httpDoer is what both *http.Client and go-openai's ClientConfig.HTTPClient
// speak.
type httpDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// retryDoer retries a request on 429, 5xx and connection errors, with
// exponential backoff and jitter, within the request context's deadline.
//
// It sits under go-openai, so it decides on the status line alone, before
// anyone reads the body: a stream that has begun (a 200 was returned) is
// never retried. The last failing response is handed back untouched, for
// go-openai to parse its error body.
type retryDoer struct {
	lg         *slog.Logger
	next       httpDoer
	maxRetries int
	backoff    time.Duration
	redact     redactor
	// sleep waits for d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// Do sends req, retrying as described on retryDoer.
func (d *retryDoer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	r := req
	for attempt := 1; ; attempt++ {
		resp, err := d.next.Do(r)
		status := 0
		retry := false
		switch {
		case err != nil:
			retry = ctx.Err() == nil && retryableErr(err)
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			status = resp.StatusCode
			retry = true
		}
		if !retry || attempt > d.maxRetries {
			return resp, err
		}
		if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
			return resp, err // the body cannot be sent again
		}

		wait := backoffFor(d.backoff, attempt)
		if resp != nil {
			if ra, ok := retryAfter(resp.Header, time.Now()); ok {
				wait = ra
			}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlast the call: report this failure now
			// rather than a timeout later.
			return resp, err
		}

		next := req.Clone(ctx)
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return resp, err
			}
			next.Body = body
		}

		var msg, errText string
		if resp != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
			msg = d.redact.clean(messageFromBody(b))
		}
		if err != nil {
			errText = d.redact.clean(err.Error())
		}
		d.lg.Warn("llm request retry",
			"path", req.URL.Path, "attempt", attempt, "max_attempts", d.maxRetries+1,
			"status", status, "message", msg, "err", errText, "wait", wait)

		if serr := d.sleep(ctx, wait); serr != nil {
			return nil, serr
		}
		r = next
	}
}

// backoffFor returns the wait before retry number n (1-based): base doubled
// n-1 times, capped at maxBackoff, with "equal jitter" (between half and all
// of it) so that concurrent callers spread out.
func backoffFor(base time.Duration, n int) time.Duration {
	d := maxBackoff
	if shift := n - 1; shift < 31 {
		if b := base << shift; b > 0 && b < maxBackoff {
			d = b
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryAfter reads how long the server asked us to wait: OpenAI's
// retry-after-ms, or Retry-After in (possibly fractional) seconds or as an
// HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsInf(s, 0) || s > math.MaxInt64/float64(time.Second) {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryableErr reports whether a transport error means the request never
// got an answer for reasons worth trying again: the dial failed, or the
// connection was refused, reset or closed before a response.
func retryableErr(err error) bool {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case isDialErr(err),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	return false
}

// isDialErr reports whether err happened while connecting.
func isDialErr(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// sleepCtx waits for d, or returns ctx's error if it is done first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
