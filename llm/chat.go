package llm

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Stream sends a streaming chat completion and calls onDelta (which may be
// nil) with each piece of content as it arrives, on the caller's goroutine;
// it returns the full text.
//
// The whole call is bounded by Config.Timeout on top of ctx. Failures before
// the stream starts (429, 5xx, connection errors) are retried with backoff;
// once the server has answered 200, nothing is retried. If the stream ends
// before the model finished (closed early without a finish reason, or a
// finish reason of "length" or "content_filter"), Stream returns the partial
// text and an error wrapping ErrTruncated; on any other failure mid-stream it
// also returns the text received so far.
func (c *Client) Stream(ctx context.Context, msgs []Message, onDelta func(string)) (string, error) {
	const op = "chat stream"
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	start := time.Now()

	st, err := c.api.CreateChatCompletionStream(ctx, c.chatRequest(msgs))
	if err != nil {
		return "", c.classify(ctx, op, err)
	}
	defer st.Close()

	var text strings.Builder
	var finish openai.FinishReason
	chunks := 0
	for {
		resp, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e := c.classify(ctx, op, err)
			if errors.Is(err, io.ErrUnexpectedEOF) && e.Err == ErrBadResponse {
				e.Err = ErrTruncated
			}
			return text.String(), e
		}
		chunks++
		for _, ch := range resp.Choices {
			if ch.Index != 0 {
				continue
			}
			if d := ch.Delta.Content; d != "" {
				text.WriteString(d)
				if onDelta != nil {
					onDelta(d)
				}
			}
			if ch.FinishReason != "" && ch.FinishReason != openai.FinishReasonNull {
				finish = ch.FinishReason
			}
		}
	}

	out := text.String()
	if chunks == 0 {
		// Not a single event: most likely not an API at all (an HTML page
		// served with 200 by a wrong BaseURL), or a server that hung up.
		return "", &Error{Op: op, Err: ErrBadResponse, Message: "stream held no events"}
	}
	if err := truncation(op, finish, true); err != nil {
		c.lg.Warn("llm reply truncated", "op", op, "model", c.cfg.ChatModel, "finish_reason", string(finish), "chars", len(out))
		return out, err
	}
	c.lg.Debug("llm chat done", "op", op, "model", c.cfg.ChatModel, "chars", len(out), "duration", time.Since(start))
	return out, nil
}

// Complete sends a non-streaming chat completion and returns the reply's
// text, with the same deadline and retries as Stream. A reply cut by
// "length" or "content_filter" is returned with an error wrapping
// ErrTruncated.
func (c *Client) Complete(ctx context.Context, msgs []Message) (string, error) {
	const op = "chat"
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	start := time.Now()

	resp, err := c.api.CreateChatCompletion(ctx, c.chatRequest(msgs))
	if err != nil {
		return "", c.classify(ctx, op, err)
	}
	var choice *openai.ChatCompletionChoice
	for i := range resp.Choices {
		if resp.Choices[i].Index == 0 {
			choice = &resp.Choices[i]
			break
		}
	}
	if choice == nil {
		return "", &Error{Op: op, Err: ErrBadResponse, Message: "no choices in reply"}
	}
	out := choice.Message.Content
	// A missing finish reason is not a truncation here: the body was
	// complete JSON, and some servers leave it out.
	if err := truncation(op, choice.FinishReason, false); err != nil {
		c.lg.Warn("llm reply truncated", "op", op, "model", c.cfg.ChatModel, "finish_reason", string(choice.FinishReason), "chars", len(out))
		return out, err
	}
	c.lg.Debug("llm chat done", "op", op, "model", c.cfg.ChatModel, "chars", len(out), "duration", time.Since(start))
	return out, nil
}

// truncation returns an ErrTruncated error unless finish says the model
// ended its reply normally. For streams, no finish reason at all means the
// server closed the stream early.
func truncation(op string, finish openai.FinishReason, stream bool) error {
	switch finish {
	case openai.FinishReasonStop, "eos", "eos_token", "end_turn", "stop_sequence":
		return nil
	case "", openai.FinishReasonNull:
		if !stream {
			return nil
		}
		return &Error{Op: op, Err: ErrTruncated, Message: "stream ended without a finish reason"}
	}
	return &Error{Op: op, Err: ErrTruncated, Message: "finish reason " + string(finish)}
}

// chatRequest builds the request for msgs from the configuration. Stream
// and Complete (answers, follow-up condensing, summaries, timelines) both
// build their requests here, so every chat call carries the token cap.
//
// The cap is sent as "max_tokens", which OpenAI has deprecated but still
// honours for its chat models, and which is the field Ollama, vLLM,
// llama.cpp's server and OpenRouter all read. "max_completion_tokens" is
// not a safe default: Ollama silently ignores it (ollama/ollama#7125) and
// llama.cpp's server only learned it in 2026 (ggml-org/llama.cpp#19831),
// so the reply would run unbounded. The one exception is OpenAI's reasoning
// models (o1, o3, o4, gpt-5...), which reject max_tokens and which
// go-openai refuses to send it to: they get max_completion_tokens instead.
// Never both at once, so that no server sees two caps to reconcile.
func (c *Client) chatRequest(msgs []Message) openai.ChatCompletionRequest {
	conv := make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		conv[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	temp := c.cfg.Temperature
	if temp == 0 {
		// go-openai omits a zero temperature, which lets the server
		// default (often 0.7-1.0) apply.
		temp = math.SmallestNonzeroFloat32
	}
	req := openai.ChatCompletionRequest{
		Model:       c.cfg.ChatModel,
		Messages:    conv,
		MaxTokens:   c.cfg.MaxTokens, // never 0: withDefaults set it
		Temperature: temp,
	}
	if openai.NewReasoningValidator().Validate(req) != nil {
		// OpenAI reasoning models reject max_tokens and any temperature but
		// their own; go-openai refuses to send them.
		req.MaxCompletionTokens, req.MaxTokens = req.MaxTokens, 0
		req.Temperature = 0
	}
	return req
}
