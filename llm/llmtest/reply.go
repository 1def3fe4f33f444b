package llmtest

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// Reply scripts one chat response.
type Reply struct {
	// Status is the HTTP status; 0 or 200 means success, anything else an
	// error response carrying Body.
	Status int
	// Body is the raw body of an error reply (see OpenAIError, OllamaError,
	// VLLMError, HTMLError); empty means an OpenAIError with the status text.
	Body string
	// Content is the full reply text; a stream splits it into one delta per
	// word when Chunks is nil.
	Content string
	// Chunks are explicit stream deltas (joined for non-stream replies when
	// Content is empty).
	Chunks []string
	// FinishReason defaults to "stop"; "-" sends no finish_reason at all.
	// Whatever it is, a reply with more deltas than the request's token cap
	// (max_completion_tokens, or else max_tokens) is cut to the cap and
	// ends with "length", as a real server does.
	FinishReason string
	// NoDone ends the stream without "data: [DONE]": the server just closes.
	NoDone bool
	// Stall delays the answer this long, or until the client goes away.
	Stall time.Duration
	// ChunkDelay is the pause between stream deltas.
	ChunkDelay time.Duration
	// StreamError, if set, is sent after the chunks as an in-stream error
	// event, data: {"error":{"message":...}}, instead of finishing.
	StreamError string
	// Header holds extra response headers, e.g. Retry-After.
	Header map[string]string
}

// tokenCap is the cap the server applies: max_completion_tokens when sent,
// as OpenAI does, or else max_tokens; 0 means none.
func (r ChatRequest) tokenCap() int {
	if r.MaxCompletionTokens > 0 {
		return r.MaxCompletionTokens
	}
	return r.MaxTokens
}

// capTokens cuts reply to limit tokens, as a real server stops at the
// request's cap: a token is a stream delta (one word unless Chunks are
// scripted), and a reply that had more ends with finish reason "length".
// A limit of 0 means none.
func capTokens(reply Reply, limit int) Reply {
	tokens := reply.Chunks
	if tokens == nil {
		tokens = SplitWords(reply.Content)
	}
	if limit <= 0 || len(tokens) <= limit {
		return reply
	}
	reply.Chunks = tokens[:limit:limit]
	reply.Content = strings.Join(reply.Chunks, "")
	reply.FinishReason = "length"
	return reply
}

// OpenAIError returns an error body as OpenAI sends it:
// {"error":{"message":...,"type":...,"param":null,"code":...}}.
func OpenAIError(msg string) string {
	return mustJSON(map[string]any{"error": map[string]any{
		"message": msg, "type": "invalid_request_error", "param": nil, "code": "llmtest_error",
	}})
}

// OllamaError returns an error body as Ollama sends it: {"error":"..."}.
func OllamaError(msg string) string {
	return mustJSON(map[string]any{"error": msg})
}

// VLLMError returns an error body as vLLM sends it:
// {"object":"error","message":...,"type":"BadRequestError","code":400}.
func VLLMError(msg string) string {
	return mustJSON(map[string]any{"object": "error", "message": msg, "type": "BadRequestError", "param": nil, "code": 400})
}

// HTMLError returns the HTML page an nginx proxy sends with a 502.
func HTMLError() string {
	return "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
		"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with literal maps of strings and numbers
	}
	return string(b)
}

// NoAnswer is the default reply when a prompt holds no numbered passage.
const NoAnswer = "I can't find that in the passages."

// passageOpen matches the line that opens a fenced passage,
// <passage id="1" title="..." published="...">, or a passage without text
// that closes itself with "/>".
var passageOpen = regexp.MustCompile(`^\s*<passage\s+id="(\d+)"([^>]*?)(/?)>\s*$`)

// titleAttr finds the title among a passage's attributes.
var titleAttr = regexp.MustCompile(`\btitle="([^"]*)"`)

// unescape undoes the escaping of the prompts package, so that quotes
// match the article text.
var unescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`)

// DefaultReply is the server's chat reply when nothing is scripted. It
// quotes the first sentence of the first fenced passage of the user
// messages, with its citation: a prompt holding
//
//	<passage id="1" title="Evacuation" published="2014-02-07">
//	Civilians left Homs on Friday. More followed.
//	</passage>
//
// gets "Civilians left Homs on Friday. [1]". Without a passage it replies
// NoAnswer.
func DefaultReply(req ChatRequest) Reply {
	for _, m := range req.Messages {
		if m.Role != "user" {
			continue
		}
		if n, text, ok := firstPassage(m.Content); ok {
			return Reply{Content: firstSentence(text) + " [" + n + "]"}
		}
	}
	return Reply{Content: NoAnswer}
}

// firstPassage finds the first passage with some text and returns its id
// and its text: the lines of its first paragraph (up to a blank line or
// "</passage>"), joined by spaces, or else its title (for a passage without
// text).
func firstPassage(prompt string) (n, text string, ok bool) {
	lines := strings.Split(prompt, "\n")
	for i, line := range lines {
		m := passageOpen.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var body []string
		if m[3] == "" {
			for _, l := range lines[i+1:] {
				l = strings.TrimSpace(l)
				if l == "</passage>" || (l == "" && len(body) > 0) {
					break
				}
				if l != "" {
					body = append(body, l)
				}
			}
		}
		if len(body) == 0 {
			if t := titleAttr.FindStringSubmatch(m[2]); t != nil {
				body = []string{strings.TrimSpace(t[1])}
			}
		}
		text = unescape.Replace(strings.Join(body, " "))
		if text == "" {
			continue
		}
		return m[1], text, true
	}
	return "", "", false
}

// firstSentence returns text up to and including the first '.', '!' or '?'
// followed by a space or the end, or all of text if there is none.
func firstSentence(text string) string {
	for i, r := range text {
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		if i+1 == len(text) || text[i+1] == ' ' {
			return text[:i+1]
		}
	}
	return text
}
