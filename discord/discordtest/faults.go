package discordtest

import (
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// fault is an injected answer to one request: a status with a body and
// headers, or, when drop is set, a connection closed without an answer.
type fault struct {
	method, pattern string
	status          int
	body            string
	headers         map[string]string
	drop            bool
}

type latency struct {
	pattern string
	d       time.Duration
}

// FailNext makes the next request matching method ("" for any) and
// pathPattern get status, body and headers instead of its normal answer.
// Faults queue: each is used once, in the order added. The request is not
// carried out: a failed message create creates nothing.
//
// A pattern is a path split at "/": "*" matches one segment, a final "**"
// matches the rest, other segments match as in path.Match. For example
// "/api/v9/channels/*/messages" or "/api/v9/webhooks/**".
func (s *Server) FailNext(method, pathPattern string, status int, body string, headers map[string]string) {
	h := make(map[string]string, len(headers))
	for k, v := range headers {
		h[k] = v
	}
	s.addFaults(fault{method: method, pattern: pathPattern, status: status, body: body, headers: h}, 1)
}

// FailNextN makes the next n requests matching method and pathPattern (see
// FailNext) get status with Discord's error body, such as
// {"message": "503: Service Unavailable", "code": 0}. A large n is a
// lasting outage of those routes.
func (s *Server) FailNextN(method, pathPattern string, status, n int) {
	body := fmt.Sprintf(`{"message":"%d: %s","code":0}`, status, http.StatusText(status))
	s.addFaults(fault{method: method, pattern: pathPattern, status: status, body: body}, n)
}

// DropNext makes the next request matching method and pathPattern (see
// FailNext) end with its connection closed and no answer, as when a
// connection breaks: the client sees a transport error, not a status. The
// request is recorded with Status 0 and Fault set.
func (s *Server) DropNext(method, pathPattern string) {
	s.addFaults(fault{method: method, pattern: pathPattern, drop: true}, 1)
}

func (s *Server) addFaults(f fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// FailNextRateLimited is FailNext with a 429 as Discord sends it:
// retry_after in the body, and Retry-After and X-RateLimit-* headers
// (X-RateLimit-Global only when global, since discordgo treats any value of
// it as global).
func (s *Server) FailNextRateLimited(method, pathPattern string, retryAfter time.Duration, global bool) {
	secs := strconv.FormatFloat(retryAfter.Seconds(), 'f', 3, 64)
	body := fmt.Sprintf(`{"message":"You are being rate limited.","retry_after":%s,"global":%t}`, secs, global)
	h := map[string]string{
		"Retry-After":             strconv.Itoa(int((retryAfter + time.Second - 1) / time.Second)),
		"X-RateLimit-Limit":       "5",
		"X-RateLimit-Remaining":   "0",
		"X-RateLimit-Reset-After": secs,
		"X-RateLimit-Bucket":      "fake-bucket",
		"X-RateLimit-Scope":       "user",
	}
	if global {
		h["X-RateLimit-Global"] = "true"
		h["X-RateLimit-Scope"] = "global"
	}
	s.FailNext(method, pathPattern, http.StatusTooManyRequests, body, h)
}

// SetLatency delays the answers to requests matching pathPattern (see
// FailNext) by d; a d of 0 removes the delay. The delay applies after the
// call's arrival time is taken, so it does not count against the ack
// deadline.
func (s *Server) SetLatency(pathPattern string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, l := range s.latencies {
		if l.pattern == pathPattern {
			s.latencies = append(s.latencies[:i], s.latencies[i+1:]...)
			break
		}
	}
	if d > 0 {
		s.latencies = append(s.latencies, latency{pattern: pathPattern, d: d})
	}
}

// matchPattern reports whether p matches pattern (see FailNext).
func matchPattern(pattern, p string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(p, "/")
	for i, seg := range ps {
		if seg == "**" && i == len(ps)-1 {
			return true
		}
		if i >= len(xs) {
			return false
		}
		if seg == "*" {
			continue
		}
		if ok, _ := path.Match(seg, xs[i]); !ok {
			return false
		}
	}
	return len(ps) == len(xs)
}

func (s *Server) takeFaultLocked(method, p string) (fault, bool) {
	for i, f := range s.faults {
		if (f.method == "" || f.method == method) && matchPattern(f.pattern, p) {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f, true
		}
	}
	return fault{}, false
}

// drop closes the connection of w without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // closes the connection all the same
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}
