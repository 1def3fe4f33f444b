package discord

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/situationbot/bot/metrics"
)

var _ Reporter = (*metrics.Metrics)(nil)

// scrape fetches path from the metrics server.
func scrape(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetrics runs the bot against the fake Discord with metrics served
// beside it: /healthz follows the gateway, /metrics counts the questions.
func TestMetrics(t *testing.T) {
	lib := manyArticles(3)
	m := metrics.New(func() (int, int) { return len(lib.Articles()), 7 })
	web := httptest.NewServer(m.Handler())
	t.Cleanup(web.Close)
	if status, _ := scrape(t, web, "/healthz"); status != http.StatusServiceUnavailable {
		t.Errorf("/healthz before the bot connects = %d, want 503", status)
	}

	h := startBot(t, Config{AsksPerMinute: -1, Metrics: m}, newStub(), lib)
	status, body := scrape(t, web, "/healthz")
	var health metrics.Health
	if status != http.StatusOK || json.Unmarshal([]byte(body), &health) != nil || health != (metrics.Health{Gateway: true, Articles: 3, Chunks: 7}) {
		t.Errorf("/healthz while the bot runs = %d %s", status, body)
	}

	h.waitFinal(t, h.ask(t, "user-metrics", "How many were evacuated?"), hasButtons)
	_, body = scrape(t, web, "/metrics")
	for _, want := range []string{
		`situationbot_questions_total{kind="ask"} 1`,
		`situationbot_answer_latency_seconds_count{kind="ask"} 1`,
		`situationbot_gateway_connected 1`,
		`situationbot_index_articles 3`,
		`situationbot_refusals_total 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	h.srv.SetGatewayDown(true)
	if err := h.srv.CloseGateway(4000, "unknown error"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "/healthz 503 while the gateway is down", func() bool { s, _ := scrape(t, web, "/healthz"); return s == http.StatusServiceUnavailable })
	if _, body := scrape(t, web, "/metrics"); !strings.Contains(body, "situationbot_gateway_connected 0\n") {
		t.Error("/metrics: gateway connected while it is down")
	}
	h.srv.SetGatewayDown(false)
	waitFor(t, "/healthz 200 once the gateway is back", func() bool { s, _ := scrape(t, web, "/healthz"); return s == http.StatusOK })

	h.stop(t)
	if status, _ := scrape(t, web, "/healthz"); status != http.StatusServiceUnavailable {
		t.Errorf("/healthz after the bot stopped = %d, want 503", status)
	}
}
