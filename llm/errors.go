package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// Sentinel errors. Every error returned by [Client] methods is an *[Error]
// whose Unwrap returns one of these (or context.Canceled when the caller's
// context was cancelled), so callers can test them with errors.Is.
var (
	// ErrTimeout means the call's deadline passed (Config.Timeout or the
	// caller's own deadline).
	ErrTimeout = errors.New("llm: timeout")
	// ErrRateLimited means the server answered 429, after retries.
	ErrRateLimited = errors.New("llm: rate limited")
	// ErrServer means the server answered 5xx after retries, or reported an
	// error in the middle of a stream.
	ErrServer = errors.New("llm: server error")
	// ErrTruncated means the reply ended before the model finished: the
	// stream closed without a finish reason, or the finish reason was
	// "length" or "content_filter". The partial text is returned with it.
	ErrTruncated = errors.New("llm: reply truncated")
	// ErrBadResponse means the server's reply could not be used: malformed
	// JSON, no choices, a wrong number of embeddings or wrong dimensions.
	ErrBadResponse = errors.New("llm: bad response")
	// ErrUnavailable means the server could not be reached (connection
	// refused or reset, DNS or TLS failure), after retries.
	ErrUnavailable = errors.New("llm: unavailable")
	// ErrRejected means the server refused the request with a 4xx status
	// other than 429 (bad request, bad API key, unknown model...). It is
	// never retried.
	ErrRejected = errors.New("llm: request rejected")
	// ErrModelNotFound means the server does not have the model asked for
	// (Ollama: "model "x" not found, try pulling it first"; OpenAI and
	// vLLM: "The model `x` does not exist"). It is a kind of ErrRejected,
	// never retried, and the error names the model.
	ErrModelNotFound error = &subError{msg: "llm: model not found", kind: ErrRejected}
)

// subError is a sentinel that is also a kind of a broader one, so that
// errors.Is matches both.
type subError struct {
	msg  string
	kind error
}

func (e *subError) Error() string { return e.msg }
func (e *subError) Unwrap() error { return e.kind }

// maxBody bounds the response body kept in [Error].Body.
const maxBody = 4 << 10

// Error describes a failed call. Status, Message and Body are for logs;
// errors.Is tests Err, the sentinel.
type Error struct {
	Op      string // "chat", "chat stream" or "embed"
	Model   string // the model the call asked for
	Status  int    // HTTP status, or the code of an in-stream error; 0 if none
	Message string // the server's message, or a description of the failure
	Body    string // raw error body (truncated), if the server sent one
	Err     error  // one of the sentinels, or context.Canceled
}

// Error returns "<op>: <sentinel> (status N): <message>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("llm: error")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if errors.Is(e.Err, ErrModelNotFound) && e.Model != "" && !strings.Contains(e.Message, e.Model) {
		fmt.Fprintf(&b, " (model %q)", e.Model)
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// redactor removes the API keys from text that came from a server.
type redactor struct{ keys []string }

func (r redactor) clean(s string) string {
	for _, k := range r.keys {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	return s
}

// classify turns any error from go-openai (or the transport under it) into
// an *Error. ctx is the call's context: once it is done, its error wins,
// whatever shape the resulting failure took.
func (c *Client) classify(ctx context.Context, op string, err error) *Error {
	e := &Error{Op: op, Model: c.cfg.ChatModel}
	if op == "embed" {
		e.Model = c.cfg.EmbedModel
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			e.Err = ErrTimeout
			e.Message = "deadline exceeded"
		} else {
			e.Err = context.Canceled
			e.Message = "canceled"
		}
		return e
	}

	var reqErr *openai.RequestError
	var apiErr *openai.APIError
	var urlErr *url.Error
	var netErr net.Error
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	// RequestError first: for Ollama's {"error":"..."} it wraps an empty
	// *APIError that would otherwise be taken for the real thing.
	case errors.As(err, &reqErr):
		e.Status = reqErr.HTTPStatusCode
		e.Body = c.redac.clean(truncate(string(reqErr.Body), maxBody))
		e.Message = c.redac.clean(messageFromBody(reqErr.Body))
		if e.Message == "" {
			e.Message = reqErr.HTTPStatus
		}
		e.Err = statusErr(e.Status)
	case errors.As(err, &apiErr):
		e.Status = apiErr.HTTPStatusCode
		if e.Status == 0 {
			e.Status = codeStatus(apiErr.Code)
		}
		e.Message = c.redac.clean(apiErr.Message)
		// go-openai keeps no body for this shape; its fields (type, code)
		// are what an operator needs.
		if b, jerr := json.Marshal(apiErr); jerr == nil {
			e.Body = c.redac.clean(truncate(string(b), maxBody))
		}
		if e.Status == 0 {
			// An error event inside a 200 stream.
			e.Err = ErrServer
		} else {
			e.Err = statusErr(e.Status)
		}
	case errors.Is(err, context.DeadlineExceeded):
		e.Err, e.Message = ErrTimeout, c.redac.clean(err.Error())
	case errors.Is(err, context.Canceled):
		e.Err, e.Message = context.Canceled, "canceled"
	case errors.As(err, &urlErr), errors.As(err, &netErr):
		// Transport failures; a timeout other than while dialling means the
		// server accepted the request but was too slow to answer.
		e.Message = c.redac.clean(err.Error())
		if errors.As(err, &netErr) && netErr.Timeout() && !isDialErr(err) {
			e.Err = ErrTimeout
		} else {
			e.Err = ErrUnavailable
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Err, e.Message = ErrBadResponse, "connection closed mid-response"
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr),
		errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		e.Err, e.Message = ErrBadResponse, c.redac.clean(err.Error())
	default:
		// go-openai validation errors and anything unforeseen.
		e.Err, e.Message = ErrBadResponse, c.redac.clean(err.Error())
	}
	if e.Err == ErrRejected && modelNotFound(e.Status, apiErr, e.Message) {
		e.Err = ErrModelNotFound
	}
	return e
}

// modelNotFoundRe matches the messages of servers that lack the model:
// Ollama's "model "x" not found, try pulling it first", OpenAI's and
// vLLM's "The model `x` does not exist".
var modelNotFoundRe = regexp.MustCompile(`(?i)\bmodel\b.*\b(not found|does not exist|not exist)`)

// modelNotFound reports whether a rejection says the model is missing: a
// 404 whose message says so, or OpenAI's code "model_not_found".
func modelNotFound(status int, apiErr *openai.APIError, msg string) bool {
	if apiErr != nil && apiErr.Code == "model_not_found" {
		return true
	}
	return status == 404 && modelNotFoundRe.MatchString(msg)
}

// statusErr maps an HTTP error status to its sentinel.
func statusErr(status int) error {
	switch {
	case status == 429:
		return ErrRateLimited
	case status >= 500:
		return ErrServer
	case status >= 400:
		return ErrRejected
	default:
		return ErrBadResponse
	}
}

// codeStatus reads an HTTP-like status from an in-stream error's code
// (OpenRouter sends {"error":{"code":429,...}}); 0 if it is not one.
func codeStatus(code any) int {
	var n int
	switch v := code.(type) {
	case int:
		n = v
	case float64:
		n = int(v)
	case string:
		n, _ = strconv.Atoi(v)
	}
	if n >= 400 && n <= 599 {
		return n
	}
	return 0
}

var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// messageFromBody extracts a human-readable message from an error body in
// any of the shapes OpenAI-compatible servers use: OpenAI
// {"error":{"message":...}}, Ollama {"error":"..."}, vLLM
// {"object":"error","message":...}, FastAPI {"detail":...}, or an HTML page
// from a proxy (its title).
func messageFromBody(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		if s := jsonText(v.Error); s != "" {
			return s
		}
		var inner struct {
			Message json.RawMessage `json:"message"`
		}
		if json.Unmarshal(v.Error, &inner) == nil {
			if s := jsonText(inner.Message); s != "" {
				return s
			}
		}
		if s := jsonText(v.Message); s != "" {
			return s
		}
		if s := jsonText(v.Detail); s != "" {
			return s
		}
	}
	text := strings.TrimSpace(string(body))
	if m := htmlTitle.FindStringSubmatch(text); m != nil {
		return strings.TrimSpace(m[1])
	}
	if line, _, _ := strings.Cut(text, "\n"); line != "" && !strings.HasPrefix(line, "<") {
		return truncate(strings.TrimSpace(line), 200)
	}
	return ""
}

// jsonText returns raw as text if it is a JSON string, or its compact JSON
// if it is another non-null, non-object value (e.g. a list of messages).
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, "; ")
	}
	return ""
}

// truncate cuts s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
