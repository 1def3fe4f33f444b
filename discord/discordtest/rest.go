package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIPrefix is the path prefix of the REST routes, as discordgo sends them.
const APIPrefix = "/api/v9/"

// Call is one REST request the server received.
type Call struct {
	Method string
	Path   string // without the query, e.g. /api/v9/channels/1/messages
	Query  url.Values
	Body   []byte // as received (multipart bodies too)
	Header http.Header
	At     time.Time // arrival
	Status int       // status of the response sent
	Fault  bool      // the response came from FailNext
}

// BodyRecord describes one message-bearing request: a channel message
// create or edit, a webhook message edit, a followup, or an interaction
// callback of type 4 or 7.
type BodyRecord struct {
	Method, Path string
	// HasAllowedMentions reports whether the JSON had an allowed_mentions
	// key; AllowedMentions is its raw value (nil if absent).
	HasAllowedMentions bool
	AllowedMentions    json.RawMessage
	Content            string
	At                 time.Time
}

// response is what a route answers; serveAPI records it, then writes it.
type response struct {
	status int
	body   any    // marshalled as JSON unless nil
	raw    []byte // written as is when not nil (injected faults)
	header map[string]string
}

// Calls returns a copy of every REST call, in the order their responses
// were decided (which is arrival order unless SetLatency reorders them).
func (s *Server) Calls() []Call {
	return s.CallsTo("", "")
}

// CallsTo returns the calls whose method is method ("" for any) and whose
// path starts with pathPrefix.
func (s *Server) CallsTo(method, pathPrefix string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsToLocked(method, pathPrefix)
}

func (s *Server) callsToLocked(method, pathPrefix string) []Call {
	var out []Call
	for _, c := range s.calls {
		if (method == "" || c.Method == method) && strings.HasPrefix(c.Path, pathPrefix) {
			c.Query = cloneValues(c.Query)
			c.Body = bytes.Clone(c.Body)
			c.Header = c.Header.Clone()
			out = append(out, c)
		}
	}
	return out
}

// WaitForCall waits until at least n calls match CallsTo(method,
// pathPrefix) and returns them. A call is recorded, and the fake's state
// updated, before its response is written.
func (s *Server) WaitForCall(ctx context.Context, method, pathPrefix string, n int) ([]Call, error) {
	var out []Call
	err := s.waitFor(ctx, func() bool {
		out = s.callsToLocked(method, pathPrefix)
		return len(out) >= n
	})
	if err != nil {
		return out, fmt.Errorf("wait for %d %s %s calls (have %d): %w", n, method, pathPrefix, len(out), err)
	}
	return out, nil
}

// MessageBodies returns a record of every message-bearing request, in
// order, to check that each carried allowed_mentions.
func (s *Server) MessageBodies() []BodyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]BodyRecord, len(s.bodies))
	for i, b := range s.bodies {
		b.AllowedMentions = bytes.Clone(b.AllowedMentions)
		out[i] = b
	}
	return out
}

// apiRequest is a REST request as the routes see it.
type apiRequest struct {
	method string
	path   string
	seg    []string // path segments after /api/v9/
	query  url.Values
	header http.Header
	body   []byte // JSON: the payload_json part of a multipart body
	files  bool   // the body was multipart (it carries files)
	at     time.Time
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	raw, _ := io.ReadAll(r.Body)
	req := &apiRequest{
		method: r.Method,
		path:   r.URL.Path,
		query:  r.URL.Query(),
		header: r.Header.Clone(),
		body:   payloadJSON(r.Header.Get("Content-Type"), raw),
		files:  strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/"),
		at:     at,
	}
	call := Call{Method: r.Method, Path: r.URL.Path, Query: cloneValues(req.query), Body: raw, Header: req.header.Clone(), At: at}

	s.mu.Lock()
	f, faulted := s.takeFaultLocked(r.Method, r.URL.Path)
	var delay time.Duration
	for _, l := range s.latencies {
		if matchPattern(l.pattern, r.URL.Path) {
			delay = l.d
		}
	}
	s.mu.Unlock()

	var resp response
	switch {
	case faulted && f.drop:
		resp = response{}
	case faulted:
		resp = response{status: f.status, header: f.headers}
		if f.body != "" {
			resp.raw = []byte(f.body)
		}
	default:
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
			case <-s.done:
			}
			t.Stop()
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, APIPrefix); ok {
			req.seg = strings.Split(rest, "/")
			resp = s.route(req)
		} else {
			resp = notFound()
		}
	}

	s.mu.Lock()
	call.Status = resp.status
	call.Fault = faulted
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()
	if faulted && f.drop {
		drop(w)
		return
	}
	writeResponse(w, resp)
}

// route answers a request under /api/v9/.
func (s *Server) route(r *apiRequest) response {
	if s.cfg.token != "" && !isTokenRoute(r.seg) && r.header.Get("Authorization") != "Bot "+s.cfg.token {
		return apiError(http.StatusUnauthorized, 0, "401: Unauthorized")
	}
	type handler func(*apiRequest) response
	var h map[string]handler
	seg := r.seg
	switch {
	case match(seg, "gateway"):
		h = map[string]handler{"GET": s.getGateway}
	case match(seg, "gateway", "bot"):
		h = map[string]handler{"GET": s.getGatewayBot}
	case match(seg, "users", "@me"):
		h = map[string]handler{"GET": s.getMe}
	case match(seg, "oauth2", "applications", "@me"), match(seg, "applications", "@me"):
		h = map[string]handler{"GET": s.getApplication}
	case match(seg, "applications", "*", "commands"), match(seg, "applications", "*", "guilds", "*", "commands"):
		h = map[string]handler{"GET": s.getCommands, "PUT": s.putCommands}
	case match(seg, "interactions", "*", "*", "callback"):
		h = map[string]handler{"POST": s.postCallback}
	case match(seg, "webhooks", "*", "*"):
		h = map[string]handler{"POST": s.postFollowup}
	case match(seg, "webhooks", "*", "*", "messages", "*"):
		h = map[string]handler{"GET": s.getWebhookMessage, "PATCH": s.patchWebhookMessage, "DELETE": s.deleteWebhookMessage}
	case match(seg, "channels", "*"):
		h = map[string]handler{"GET": s.getChannel}
	case match(seg, "channels", "*", "messages"):
		h = map[string]handler{"GET": s.getMessages, "POST": s.postMessage}
	case match(seg, "channels", "*", "messages", "*"):
		h = map[string]handler{"GET": s.getMessage, "PATCH": s.patchMessage, "DELETE": s.deleteMessage}
	case match(seg, "channels", "*", "messages", "*", "threads"), match(seg, "channels", "*", "threads"):
		h = map[string]handler{"POST": s.postThread}
	case match(seg, "channels", "*", "typing"):
		h = map[string]handler{"POST": func(*apiRequest) response { return response{status: http.StatusNoContent} }}
	default:
		return notFound()
	}
	if f, ok := h[r.method]; ok {
		return f(r)
	}
	return apiError(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
}

// isTokenRoute reports whether a route needs no bot token: GET /gateway,
// and the routes authorised by an interaction or webhook token.
func isTokenRoute(seg []string) bool {
	return match(seg, "gateway") || len(seg) > 0 && (seg[0] == "webhooks" || seg[0] == "interactions")
}

// match reports whether seg has the shape of want, "*" matching any
// non-empty segment.
func match(seg []string, want ...string) bool {
	if len(seg) != len(want) {
		return false
	}
	for i, w := range want {
		if seg[i] == "" || (w != "*" && w != seg[i]) {
			return false
		}
	}
	return true
}

func (s *Server) getGateway(*apiRequest) response {
	return okJSON(map[string]any{"url": s.GatewayURL()})
}

func (s *Server) getGatewayBot(*apiRequest) response {
	return okJSON(map[string]any{
		"url":    s.GatewayURL(),
		"shards": 1,
		"session_start_limit": map[string]any{
			"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1,
		},
	})
}

func (s *Server) getMe(*apiRequest) response {
	return okJSON(map[string]any{"id": s.cfg.botUserID, "username": s.cfg.botName, "discriminator": "0", "global_name": nil, "bot": true, "verified": true})
}

func okJSON(body any) response { return response{status: http.StatusOK, body: body} }

func notFound() response { return apiError(http.StatusNotFound, 0, "404: Not Found") }

// apiError is Discord's error body, {"message":…,"code":…}.
func apiError(status, code int, message string) response {
	return response{status: status, body: map[string]any{"message": message, "code": code}}
}

// invalidForm is a 400 Invalid Form Body (50035) naming the field at fault.
func invalidForm(field, errCode, message string) response {
	return response{status: http.StatusBadRequest, body: map[string]any{
		"message": "Invalid Form Body",
		"code":    50035,
		"errors":  map[string]any{field: map[string]any{"_errors": []any{map[string]any{"code": errCode, "message": message}}}},
	}}
}

func writeResponse(w http.ResponseWriter, r response) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	if r.raw != nil {
		if w.Header().Get("Content-Type") == "" {
			ct := "text/plain; charset=utf-8"
			if json.Valid(r.raw) {
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(r.status)
		w.Write(r.raw)
		return
	}
	if r.body == nil || r.status == http.StatusNoContent {
		w.WriteHeader(r.status)
		return
	}
	b, err := json.Marshal(r.body)
	if err != nil {
		b = []byte(`{"message":"discordtest: cannot encode response","code":0}`)
		r.status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	w.Write(b)
}

// payloadJSON returns the JSON of a request body: the body itself, or the
// payload_json part of a multipart body (discordgo sends one with files).
func payloadJSON(contentType string, body []byte) []byte {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return body
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil
		}
		if p.FormName() == "payload_json" {
			b, _ := io.ReadAll(p)
			return b
		}
	}
}

// fields decodes a JSON object body into its raw fields; ok is false when
// the body is not an object.
func fields(body []byte) (map[string]json.RawMessage, bool) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(body, &f); err != nil || f == nil {
		return nil, false
	}
	return f, true
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
