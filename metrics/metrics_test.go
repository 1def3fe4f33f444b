package metrics

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// get fetches url and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// hasLine reports whether the exposition text has the line want, or,
// when want ends in a space, a line that starts with it.
func hasLine(body, want string) bool {
	for _, l := range strings.Split(body, "\n") {
		if l == want || strings.HasSuffix(want, " ") && strings.HasPrefix(l, want) {
			return true
		}
	}
	return false
}

func TestMetrics(t *testing.T) {
	var articles atomic.Int64
	m := New(func() (int, int) { return int(articles.Load()), 2 * int(articles.Load()) })
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	t.Run("unhealthy until connected with articles", func(t *testing.T) {
		for _, step := range []func(){func() {}, func() { m.GatewayConnected(true) }, func() { articles.Store(12); m.GatewayConnected(false) }} {
			step()
			status, body := get(t, srv.URL+"/healthz")
			var h Health
			if status != http.StatusServiceUnavailable || json.Unmarshal([]byte(body), &h) != nil {
				t.Errorf("/healthz = %d %q, want 503 with a JSON body", status, body)
			}
		}
		m.GatewayConnected(true)
		status, body := get(t, srv.URL+"/healthz")
		var h Health
		if status != http.StatusOK || json.Unmarshal([]byte(body), &h) != nil || h != (Health{Gateway: true, Articles: 12, Chunks: 24}) {
			t.Errorf("/healthz = %d %q, want 200 {gateway: true, articles: 12, chunks: 24}", status, body)
		}
	})

	t.Run("counters", func(t *testing.T) {
		m.QuestionDone("ask", 300*time.Millisecond, false, false, false)
		m.QuestionDone("ask", 2*time.Second, true, false, false)
		m.QuestionDone("followup", time.Second, false, true, false)
		m.QuestionDone("summary", 12*time.Second, false, false, true)
		m.ModelError()
		status, body := get(t, srv.URL+"/metrics")
		if status != http.StatusOK {
			t.Fatalf("/metrics = %d", status)
		}
		for _, want := range []string{
			`situationbot_questions_total{kind="ask"} 2`,
			`situationbot_questions_total{kind="followup"} 1`,
			`situationbot_question_failures_total{kind="summary"} 1`,
			`situationbot_refusals_total 1`,
			`situationbot_fallbacks_total 1`,
			`situationbot_model_errors_total 2`,
			`situationbot_answer_latency_seconds_bucket{kind="ask",le="0.5"} 1`,
			`situationbot_answer_latency_seconds_count{kind="ask"} 2`,
			`situationbot_index_articles 12`,
			`situationbot_index_chunks 24`,
			`situationbot_gateway_connected 1`,
			`go_goroutines `,
		} {
			if !hasLine(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})

	t.Run("only GET", func(t *testing.T) {
		resp, err := http.Post(srv.URL+"/metrics", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST /metrics = %d, want 405", resp.StatusCode)
		}
	})
}

// TestServe serves on a listener until the context ends.
func TestServe(t *testing.T) {
	m := New(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.serve(ctx, ln) }()
	if status, _ := get(t, "http://"+ln.Addr().String()+"/healthz"); status != http.StatusServiceUnavailable {
		t.Errorf("/healthz with no index and no gateway = %d, want 503", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after the context ended, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after the context ended")
	}
	if err := m.ListenAndServe(context.Background(), "not an address"); err == nil {
		t.Error("ListenAndServe on a bad address returned nil")
	}
}
