// Package metrics owns what the bot tells its operator over HTTP: a
// Prometheus /metrics (questions, refusals, fallbacks, model errors, answer
// latency, index size, gateway connection) on a registry of its own, and a
// /healthz that says whether the bot can answer. The Discord bot reports
// into it through the small interface it declares (discord.Reporter).
package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric name: situationbot_questions_total.
const namespace = "situationbot"

// IndexSize reports how many articles and chunks the index holds; it is
// called at each scrape and health check, so it must be quick and safe for
// concurrent use.
type IndexSize func() (articles, chunks int)

// Metrics counts what the bot does. Its methods are safe for concurrent
// use; a nil *Metrics is not usable, make one with New.
type Metrics struct {
	reg       *prometheus.Registry
	size      IndexSize
	connected atomic.Bool

	questions   *prometheus.CounterVec
	failures    *prometheus.CounterVec
	refusals    prometheus.Counter
	fallbacks   prometheus.Counter
	modelErrors prometheus.Counter
	latency     *prometheus.HistogramVec
	gateway     prometheus.Gauge
}

// New returns metrics on a registry of their own (with the Go runtime's
// and the process's), the index's size read through size.
func New(size IndexSize) *Metrics {
	if size == nil {
		size = func() (int, int) { return 0, 0 }
	}
	m := &Metrics{
		reg:  prometheus.NewRegistry(),
		size: size,
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "questions_total",
			Help: "Questions answered or failed, by kind (ask, mention, dm, followup, summary, timeline).",
		}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "question_failures_total",
			Help: "Questions that got an apology instead of an answer (deadline, error), by kind.",
		}, []string{"kind"}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "refusals_total",
			Help: "Answers that said the articles do not cover the question.",
		}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "fallbacks_total",
			Help: "Answers written extractively because the model failed.",
		}),
		modelErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "model_errors_total",
			Help: "Model failures seen: one per answer that fell back, plus those reported by ModelError.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "answer_latency_seconds",
			Help:    "Time from a question's arrival to its answer (or apology), by kind.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300},
		}, []string{"kind"}),
		gateway: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "gateway_connected",
			Help: "1 while the Discord gateway is connected.",
		}),
	}
	m.reg.MustRegister(m.questions, m.failures, m.refusals, m.fallbacks, m.modelErrors, m.latency, m.gateway,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: "index_articles", Help: "Articles in the index."},
			func() float64 { a, _ := m.size(); return float64(a) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: "index_chunks", Help: "Chunks in the index."},
			func() float64 { _, c := m.size(); return float64(c) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// QuestionDone counts a question of kind answered (or failed) after
// latency: refused when the articles did not answer it, fallback when the
// model failed and the answer was extractive (counted as a model error
// too), failed when the user got an apology instead of an answer.
func (m *Metrics) QuestionDone(kind string, latency time.Duration, refused, fallback, failed bool) {
	m.questions.WithLabelValues(kind).Inc()
	m.latency.WithLabelValues(kind).Observe(latency.Seconds())
	switch {
	case failed:
		m.failures.WithLabelValues(kind).Inc()
		return
	case refused:
		m.refusals.Inc()
	}
	if fallback {
		m.fallbacks.Inc()
		m.modelErrors.Inc()
	}
}

// ModelError counts a failed model call seen elsewhere than in an answer
// (a condensing, a summary's map step).
func (m *Metrics) ModelError() { m.modelErrors.Inc() }

// GatewayConnected records whether the Discord gateway is connected.
func (m *Metrics) GatewayConnected(up bool) {
	m.connected.Store(up)
	if up {
		m.gateway.Set(1)
	} else {
		m.gateway.Set(0)
	}
}

// Health is the body of /healthz.
type Health struct {
	Gateway  bool `json:"gateway"`
	Articles int  `json:"articles"`
	Chunks   int  `json:"chunks"`
}

// Healthy reports the bot's health: it can answer when the gateway is
// connected and the index holds articles.
func (m *Metrics) Healthy() (Health, bool) {
	a, c := m.size()
	h := Health{Gateway: m.connected.Load(), Articles: a, Chunks: c}
	return h, h.Gateway && h.Articles > 0
}

// Handler serves GET /metrics (Prometheus text format) and GET /healthz:
// 200 with {"gateway":true,"articles":N,"chunks":N} when healthy, 503
// with the same body otherwise.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		h, ok := m.Healthy()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
	return mux
}

// ListenAndServe serves Handler on addr (METRICS_ADDR, such as
// 127.0.0.1:9090) until ctx is done, then shuts down; it returns nil after
// a shutdown, or why it could not listen or serve.
func (m *Metrics) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return m.serve(ctx, ln)
}

// Serve is ListenAndServe on a listener the caller opened (so that a bad
// address or a port in use fails the start, not a background goroutine).
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error { return m.serve(ctx, ln) }

func (m *Metrics) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           m.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
	}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
