// Package llm owns every conversation with a language model: chat
// completions (streamed or not) and embeddings, against any
// OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp, OpenRouter),
// the embeddings possibly from a second server with its own key.
//
// It is the only package in the project that imports go-openai. It adds what
// that library lacks: a deadline on every call, a token cap on every chat
// reply, bounded retries with backoff on 429, 5xx and connection errors
// (never once a stream has started), detection of truncated streams,
// classification of the many error shapes servers send into a few
// sentinels (see [Error]), batched and L2-normalised embeddings, and
// temperature 0 that is really sent.
package llm

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultBaseURL    = "https://api.openai.com/v1"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
	DefaultBackoff    = 500 * time.Millisecond
	DefaultEmbedBatch = 128
	DefaultMaxTokens  = 800

	// maxBackoff caps the exponential backoff (not a Retry-After asked by the server).
	maxBackoff = 10 * time.Second
)

// Config configures a [Client]. Zero values select the defaults documented
// on each field.
type Config struct {
	// BaseURL is the API root including the version, e.g.
	// http://127.0.0.1:11434/v1 for Ollama; "" means https://api.openai.com/v1.
	BaseURL string
	// APIKey is sent as a bearer token; empty means no Authorization header.
	// It is never logged nor included in errors.
	APIKey string
	// EmbedBaseURL is the API root for embeddings, when they come from
	// another server than chat (vLLM and llama.cpp serve them from a second
	// process; OpenRouter has none); "" means BaseURL.
	EmbedBaseURL string
	// EmbedAPIKey is the bearer token sent to EmbedBaseURL; "" means APIKey.
	// Like APIKey, it is never logged nor included in errors.
	EmbedAPIKey string
	// ChatModel names the model used by Stream and Complete.
	ChatModel string
	// EmbedModel names the model used by Embed.
	EmbedModel string
	// EmbedDims, when positive, is sent as "dimensions" and every returned
	// vector must have exactly that length; 0 sends nothing.
	EmbedDims int
	// Timeout bounds one whole call, all attempts and backoffs included
	// (one batch for Embed); 0 means 60s.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt on 429,
	// 5xx and connection errors; 0 means 3, negative means none.
	MaxRetries int
	// Backoff is the base delay before the first retry, doubled on each
	// retry with jitter and capped at 10s; 0 means 500ms. A Retry-After (or
	// retry-after-ms) header replaces it, but no retry is attempted when the
	// wait would end past the call's deadline.
	Backoff time.Duration
	// Temperature is the sampling temperature; 0 means deterministic and is
	// sent as math.SmallestNonzeroFloat32 (go-openai drops an exact 0).
	Temperature float32
	// MaxTokens caps the length of every chat reply, in tokens; 0 (or
	// negative) means 800. It is always sent, so that a model that rambles
	// or loops cannot run until the timeout; a reply cut by it ends with
	// finish reason "length" and is returned with ErrTruncated. OpenAI's
	// reasoning models count their hidden reasoning against it too.
	MaxTokens int
	// EmbedBatch is the number of texts per embeddings request; 0 means 128.
	EmbedBatch int
	// HTTPClient, if set, performs the requests. The default has no client
	// timeout (the call's context bounds it) but its transport has dial,
	// TLS handshake and response header timeouts.
	HTTPClient *http.Client
}

// String describes the configuration without the API key.
func (c Config) String() string {
	return fmt.Sprintf("llm.Config{BaseURL:%q APIKey:%s EmbedBaseURL:%q EmbedAPIKey:%s ChatModel:%q EmbedModel:%q EmbedDims:%d Timeout:%s MaxRetries:%d Backoff:%s Temperature:%g MaxTokens:%d EmbedBatch:%d}",
		c.BaseURL, redactedKey(c.APIKey), c.EmbedBaseURL, redactedKey(c.EmbedAPIKey), c.ChatModel, c.EmbedModel, c.EmbedDims, c.Timeout, c.MaxRetries, c.Backoff, c.Temperature, c.MaxTokens, c.EmbedBatch)
}

// GoString is like String, so that %#v does not print the API key either.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog log the configuration without the API key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("api_key", redactedKey(c.APIKey)),
		slog.String("embed_base_url", c.EmbedBaseURL),
		slog.String("embed_api_key", redactedKey(c.EmbedAPIKey)),
		slog.String("chat_model", c.ChatModel),
		slog.String("embed_model", c.EmbedModel),
		slog.Int("embed_dims", c.EmbedDims),
		slog.Duration("timeout", c.Timeout),
		slog.Int("max_retries", c.MaxRetries),
		slog.Duration("backoff", c.Backoff),
		slog.Float64("temperature", float64(c.Temperature)),
		slog.Int("max_tokens", c.MaxTokens),
		slog.Int("embed_batch", c.EmbedBatch),
	)
}

func redactedKey(key string) string {
	if key == "" {
		return "none"
	}
	return "[redacted]"
}

// withDefaults returns cfg with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.EmbedBaseURL == "" {
		c.EmbedBaseURL = c.BaseURL
	}
	if c.EmbedAPIKey == "" {
		c.EmbedAPIKey = c.APIKey
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.EmbedBatch <= 0 {
		c.EmbedBatch = DefaultEmbedBatch
	}
	if c.EmbedDims < 0 {
		c.EmbedDims = 0
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	return c
}

// Message is one turn of a chat. Role is "system", "user" or "assistant".
type Message struct {
	Role    string
	Content string
}

// Client calls an OpenAI-compatible API. It is safe for concurrent use.
type Client struct {
	lg    *slog.Logger
	cfg   Config
	api   *openai.Client // chat, at BaseURL
	embed *openai.Client // embeddings, at EmbedBaseURL
	doers []*retryDoer   // under api and embed
	redac redactor
}

// New returns a client for cfg. A nil logger discards logs.
func New(lg *slog.Logger, cfg Config) *Client {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport(cfg.Timeout)}
	}
	// Either key may come back in an error from either server (a proxy
	// echoing headers): both are redacted everywhere.
	red := redactor{keys: []string{cfg.APIKey, cfg.EmbedAPIKey}}
	c := &Client{lg: lg, cfg: cfg, redac: red}
	api := func(baseURL, key string) *openai.Client {
		doer := &retryDoer{
			lg:         lg,
			next:       hc,
			maxRetries: cfg.MaxRetries,
			backoff:    cfg.Backoff,
			redact:     red,
			sleep:      sleepCtx,
		}
		c.doers = append(c.doers, doer)
		oc := openai.DefaultConfig(key)
		oc.BaseURL = baseURL
		oc.HTTPClient = doer
		return openai.NewClientWithConfig(oc)
	}
	c.api = api(cfg.BaseURL, cfg.APIKey)
	c.embed = api(cfg.EmbedBaseURL, cfg.EmbedAPIKey)
	return c
}

// ChatModel returns the model used for chat.
func (c *Client) ChatModel() string { return c.cfg.ChatModel }

// Timeout returns the bound on one whole call (Config.Timeout).
func (c *Client) Timeout() time.Duration { return c.cfg.Timeout }

// EmbedModel returns the model used for embeddings.
func (c *Client) EmbedModel() string { return c.cfg.EmbedModel }

// EmbedDims returns the configured embedding dimensions (0 = the model's own).
func (c *Client) EmbedDims() int { return c.cfg.EmbedDims }

// newTransport returns a transport whose every phase before the response
// body has its own bound; the call's context bounds the rest.
func newTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// A non-streaming completion sends its headers only when the whole
		// reply is generated, so this cannot be shorter than a call.
		ResponseHeaderTimeout: timeout,
	}
}
