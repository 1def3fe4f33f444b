package llm

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/situationbot/bot/llm/llmtest"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2014, 2, 7, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		wantOK bool
	}{
		{name: "none", header: nil},
		{name: "seconds", header: map[string]string{"Retry-After": "2"}, want: 2 * time.Second, wantOK: true},
		{name: "zero", header: map[string]string{"Retry-After": "0"}, want: 0, wantOK: true},
		{name: "fractional seconds", header: map[string]string{"Retry-After": "0.25"}, want: 250 * time.Millisecond, wantOK: true},
		{name: "milliseconds win", header: map[string]string{"Retry-After-Ms": "150", "Retry-After": "1"}, want: 150 * time.Millisecond, wantOK: true},
		{name: "http date", header: map[string]string{"Retry-After": now.Add(3 * time.Second).Format(http.TimeFormat)}, want: 3 * time.Second, wantOK: true},
		{name: "date in the past", header: map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, want: 0, wantOK: true},
		{name: "negative", header: map[string]string{"Retry-After": "-5"}},
		{name: "huge", header: map[string]string{"Retry-After": "1e300"}},
		{name: "garbage", header: map[string]string{"Retry-After": "soon"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, ok := retryAfter(h, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("retryAfter(%v) = %v, %v; want %v, %v", tc.header, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestBackoffFor(t *testing.T) {
	base := 100 * time.Millisecond
	for n := 1; n <= 64; n++ {
		d := min(base<<min(n-1, 30), maxBackoff)
		for range 20 {
			if got := backoffFor(base, n); got < d/2 || got > d {
				t.Fatalf("backoffFor(%v, %d) = %v, want in [%v, %v]", base, n, got, d/2, d)
			}
		}
	}
}

// recordSleeps replaces c's sleeps by a recorder that returns at once.
func recordSleeps(c *Client) func() []time.Duration {
	var mu sync.Mutex
	var waits []time.Duration
	for _, d := range c.doers {
		d.sleep = func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
			return ctx.Err()
		}
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(waits)
	}
}

func TestRetryWaits(t *testing.T) {
	tooMany := func(retryAfter string) llmtest.Reply {
		r := llmtest.Reply{Status: http.StatusTooManyRequests, Body: llmtest.OpenAIError("slow down")}
		if retryAfter != "" {
			r.Header = map[string]string{"Retry-After": retryAfter}
		}
		return r
	}
	tests := []struct {
		name      string
		replies   []llmtest.Reply
		wantWaits []time.Duration // exact waits; nil with wantBackoff checks bounds instead
		backoffs  int             // number of jittered backoff waits expected
		wantErr   error
	}{
		{name: "retry-after honoured", replies: []llmtest.Reply{tooMany("7")}, wantWaits: []time.Duration{7 * time.Second}},
		{name: "retry-after past deadline", replies: []llmtest.Reply{tooMany("60")}, wantWaits: nil, wantErr: ErrRateLimited},
		{name: "exponential backoff", replies: []llmtest.Reply{tooMany(""), tooMany(""), tooMany("")}, backoffs: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.NewServer()
			defer srv.Close()
			base := time.Second
			c := New(nil, Config{BaseURL: srv.URL, ChatModel: "m", Timeout: 30 * time.Second, Backoff: base})
			waits := recordSleeps(c)
			srv.Enqueue(tc.replies...)

			_, err := c.Complete(t.Context(), []Message{{Role: "user", Content: "hi"}})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("Complete error = %v, want %v", err, tc.wantErr)
			}
			got := waits()
			if tc.backoffs == 0 {
				if !slices.Equal(got, tc.wantWaits) {
					t.Errorf("waits = %v, want %v", got, tc.wantWaits)
				}
				return
			}
			if len(got) != tc.backoffs {
				t.Fatalf("waits = %v, want %d of them", got, tc.backoffs)
			}
			for i, w := range got {
				if d := base << i; w < d/2 || w > d {
					t.Errorf("wait %d = %v, want in [%v, %v]", i, w, d/2, d)
				}
			}
		})
	}
}
