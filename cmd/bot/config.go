package main

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/feeds"
	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/retrieval"
)

// maxChatTokens bounds CHAT_MAX_TOKENS: no answer or summary needs more,
// and a larger value is more likely a typo than a wish.
const maxChatTokens = 32768

// config is everything the bot reads from its environment. .env.example
// lists exactly these variables.
type config struct {
	CorpusDir     string         // CORPUS_DIR, default ./corpus
	DataDir       string         // DATA_DIR, default ./data
	APIKey        string         // OPENAI_API_KEY
	BaseURL       string         // OPENAI_BASE_URL
	ChatModel     string         // CHAT_MODEL
	EmbedBaseURL  string         // EMBEDDING_BASE_URL, default OPENAI_BASE_URL
	EmbedAPIKey   string         // EMBEDDING_API_KEY, default OPENAI_API_KEY
	EmbedModel    string         // EMBEDDING_MODEL
	EmbedDims     int            // EMBEDDING_DIMENSIONS
	LLMTimeout    time.Duration  // LLM_TIMEOUT, default 60s
	ChatMaxTokens int            // CHAT_MAX_TOKENS, default 800
	RetrievalMode retrieval.Mode // RETRIEVAL_MODE, default hybrid
	TopK          int            // TOP_K, default 5
	LogLevel      slog.Level     // LOG_LEVEL, default info
	LogJSON       bool           // LOG_FORMAT=json (default text)

	DiscordToken   string   // DISCORD_TOKEN: run the Discord bot
	DiscordGuildID string   // DISCORD_GUILD_ID: register commands in this guild only
	DiscordAPIURL  string   // DISCORD_API_URL: send REST traffic elsewhere
	ModeratorRoles []string // MODERATOR_ROLE_IDS, comma-separated
	AsksPerMinute  int      // ASK_RATE_PER_MINUTE, default 5
	MaxConcurrent  int      // MAX_CONCURRENT_ANSWERS, default 4

	MaxArticleBytes int64 // MAX_ARTICLE_BYTES, default corpus.DefaultMaxArticleBytes
	AllowRemovals   bool  // --allow-removals (ingest): accept a sync that removes most articles
	// guardRemovals is set by the commands that keep a corpus for long
	// (ingest, the Discord bot): for them a load that would remove more
	// than half of the indexed articles is refused unless AllowRemovals.
	// One-shot commands (ask, eval) follow the folder they are pointed at.
	guardRemovals bool
	// service is set by the Discord bot: it logs at LOG_LEVEL, where the
	// other commands, which report on stdout, log warnings and errors
	// unless LOG_LEVEL=debug (see newLogger).
	service          bool
	RefreshInterval  time.Duration // REFRESH_INTERVAL: re-scan CORPUS_DIR this often (Discord bot); 0 means never
	AllowPrivateURLs bool          // ALLOW_PRIVATE_URLS: let add and feeds fetch private addresses (tests, intranets)
	Feeds            []string      // FEEDS and the lines of FEEDS_FILE: news feeds to follow
	FeedInterval     time.Duration // FEED_INTERVAL, default 15m: how often the Discord bot polls the feeds
	AnnounceChannel  string        // ANNOUNCE_CHANNEL_ID: where the Discord bot announces articles added from feeds
	MetricsAddr      string        // METRICS_ADDR: serve /healthz and /metrics here (Discord bot); "" means not at all

	ShardCount     int           // SHARD_COUNT, default 1: gateway shards, one process each
	ShardID        int           // SHARD_ID, default 0: this process's shard, 0 ≤ SHARD_ID < SHARD_COUNT
	Role           string        // ROLE: writer, reader or auto (default: the writer is shard 0)
	ReloadInterval time.Duration // RELOAD_INTERVAL, default 2s: how often a reader checks the writer's snapshot
}

// The roles of a Discord bot process (ROLE).
const (
	roleAuto   = "auto"
	roleWriter = "writer"
	roleReader = "reader"
)

// defaultReloadInterval is how often a reader checks the writer's
// snapshot: a refresh on the writer is served by the readers within this
// and one sync.
const defaultReloadInterval = 2 * time.Second

// writer reports whether this process writes: refreshes, adds, polls the
// feeds and saves the corpus and the snapshot. Exactly one process of a
// sharded bot does: shard 0, unless ROLE says otherwise.
func (c config) writer() bool {
	return c.Role == roleWriter || c.Role == roleAuto && c.ShardID == 0
}

// reader reports whether this process is a Discord bot that reads what
// another writes: its index is read-only (see retrieval.OpenReadOnly).
func (c config) reader() bool { return c.service && !c.writer() }

// ownDataDir is where this process keeps the files no other process
// writes (feedback, the summary cache): DATA_DIR, or for a reader its own
// folder in it, DATA_DIR/shard-N, so that readers never write the
// writer's files.
func (c config) ownDataDir() string {
	if !c.reader() || c.DataDir == "" {
		return c.DataDir
	}
	return filepath.Join(c.DataDir, "shard-"+strconv.Itoa(c.ShardID))
}

// writerName names the writer for a reader's messages.
func (c config) writerName() string {
	if c.Role == roleAuto {
		return "shard 0"
	}
	return "the process run with ROLE=writer"
}

// chatEnabled reports whether answers are written by a model.
func (c config) chatEnabled() bool { return c.ChatModel != "" }

// loadConfig reads the configuration through getenv and reports every
// missing or malformed variable at once.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		CorpusDir:     "./corpus",
		DataDir:       "./data",
		LLMTimeout:    60 * time.Second,
		ChatMaxTokens: llm.DefaultMaxTokens,
		RetrievalMode: retrieval.Hybrid,
		TopK:          5,
		LogLevel:      slog.LevelInfo,
	}
	var errs []error
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("CORPUS_DIR", &c.CorpusDir)
	str("DATA_DIR", &c.DataDir)
	str("OPENAI_API_KEY", &c.APIKey)
	str("OPENAI_BASE_URL", &c.BaseURL)
	str("CHAT_MODEL", &c.ChatModel)
	str("EMBEDDING_BASE_URL", &c.EmbedBaseURL)
	str("EMBEDDING_API_KEY", &c.EmbedAPIKey)
	str("EMBEDDING_MODEL", &c.EmbedModel)
	if v := strings.TrimSpace(getenv("EMBEDDING_DIMENSIONS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("EMBEDDING_DIMENSIONS=%q: want a positive whole number", v))
		}
		c.EmbedDims = n
	}
	if v := strings.TrimSpace(getenv("LLM_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("LLM_TIMEOUT=%q: want a positive duration such as 30s or 2m", v))
		}
		c.LLMTimeout = d
	}
	if v := strings.TrimSpace(getenv("CHAT_MAX_TOKENS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxChatTokens {
			errs = append(errs, fmt.Errorf("CHAT_MAX_TOKENS=%q: want a whole number from 1 to %d", v, maxChatTokens))
		}
		c.ChatMaxTokens = n
	}
	if v := strings.TrimSpace(getenv("RETRIEVAL_MODE")); v != "" {
		m, err := retrieval.ParseMode(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("RETRIEVAL_MODE: %w", err))
		}
		c.RetrievalMode = m
	}
	if v := strings.TrimSpace(getenv("TOP_K")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			errs = append(errs, fmt.Errorf("TOP_K=%q: want a whole number from 1 to 50", v))
		}
		c.TopK = n
	}
	str("DISCORD_TOKEN", &c.DiscordToken)
	str("DISCORD_GUILD_ID", &c.DiscordGuildID)
	str("DISCORD_API_URL", &c.DiscordAPIURL)
	if v := strings.TrimSpace(getenv("MODERATOR_ROLE_IDS")); v != "" {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				c.ModeratorRoles = append(c.ModeratorRoles, id)
			}
		}
	}
	positive := func(name string, dst *int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				errs = append(errs, fmt.Errorf("%s=%q: want a positive whole number", name, v))
			}
			*dst = n
		}
	}
	c.AsksPerMinute, c.MaxConcurrent = 5, 4
	positive("ASK_RATE_PER_MINUTE", &c.AsksPerMinute)
	positive("MAX_CONCURRENT_ANSWERS", &c.MaxConcurrent)
	c.MaxArticleBytes = corpus.DefaultMaxArticleBytes
	if v := strings.TrimSpace(getenv("MAX_ARTICLE_BYTES")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			errs = append(errs, fmt.Errorf("MAX_ARTICLE_BYTES=%q: want a whole number of bytes from 1024 to 1073741824", v))
		}
		c.MaxArticleBytes = n
	}
	if v := strings.TrimSpace(getenv("REFRESH_INTERVAL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || (d != 0 && d < time.Minute) {
			errs = append(errs, fmt.Errorf("REFRESH_INTERVAL=%q: want 0 (never) or a duration of at least 1m, such as 15m", v))
		}
		c.RefreshInterval = d
	}
	if v := strings.TrimSpace(getenv("ALLOW_PRIVATE_URLS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ALLOW_PRIVATE_URLS=%q: want true or false", v))
		}
		c.AllowPrivateURLs = b
	}
	if v := strings.TrimSpace(getenv("FEEDS")); v != "" {
		fs, err := feeds.ParseFeeds(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FEEDS: %w", err))
		}
		c.Feeds = append(c.Feeds, fs...)
	}
	if v := strings.TrimSpace(getenv("FEEDS_FILE")); v != "" {
		fs, err := feeds.ReadFeedsFile(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FEEDS_FILE: %w", err))
		}
		c.Feeds = append(c.Feeds, fs...)
	}
	c.FeedInterval = feeds.DefaultInterval
	if v := strings.TrimSpace(getenv("FEED_INTERVAL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			errs = append(errs, fmt.Errorf("FEED_INTERVAL=%q: want a duration of at least 1m, such as 15m", v))
		}
		c.FeedInterval = d
	}
	str("ANNOUNCE_CHANNEL_ID", &c.AnnounceChannel)
	str("METRICS_ADDR", &c.MetricsAddr)
	errs = append(errs, c.loadShards(getenv)...)
	if v := strings.TrimSpace(getenv("LOG_LEVEL")); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("LOG_LEVEL=%q: want debug, info, warn or error", v))
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("LOG_FORMAT"))); v {
	case "", "text":
	case "json":
		c.LogJSON = true
	default:
		errs = append(errs, fmt.Errorf("LOG_FORMAT=%q: want text or json", v))
	}
	errs = append(errs, c.checkEndpoints()...)
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("configuration:\n%w", err)
	}
	return c, nil
}

// checkEndpoints checks that each model has an endpoint to call. Chat
// needs OPENAI_BASE_URL or OPENAI_API_KEY (alone: OpenAI itself);
// embeddings take either of those, or their own EMBEDDING_BASE_URL and
// EMBEDDING_API_KEY, each defaulting to the chat one.
func (c config) checkEndpoints() []error {
	var errs []error
	if c.ChatModel != "" && !c.chatEndpoint() {
		errs = append(errs, errors.New("CHAT_MODEL is set but no endpoint: set OPENAI_BASE_URL (Ollama, vLLM, llama.cpp, OpenRouter…) or OPENAI_API_KEY (OpenAI)"))
	}
	if c.EmbedModel != "" && !c.embedEndpoint() {
		errs = append(errs, errors.New("EMBEDDING_MODEL is set but no embeddings endpoint: set EMBEDDING_BASE_URL or OPENAI_BASE_URL (Ollama, vLLM, llama.cpp…), or EMBEDDING_API_KEY or OPENAI_API_KEY (OpenAI)"))
	}
	if c.EmbedModel == "" {
		for name, set := range map[string]bool{"EMBEDDING_DIMENSIONS": c.EmbedDims > 0, "EMBEDDING_BASE_URL": c.EmbedBaseURL != "", "EMBEDDING_API_KEY": c.EmbedAPIKey != ""} {
			if set {
				errs = append(errs, fmt.Errorf("%s needs EMBEDDING_MODEL (without it, the local embedder is used)", name))
			}
		}
	}
	for _, v := range []struct{ name, value string }{{"OPENAI_BASE_URL", c.BaseURL}, {"EMBEDDING_BASE_URL", c.EmbedBaseURL}} {
		if v.value != "" && !strings.HasPrefix(v.value, "http://") && !strings.HasPrefix(v.value, "https://") {
			errs = append(errs, fmt.Errorf("%s=%q: want an http:// or https:// URL ending in /v1", v.name, v.value))
		}
	}
	return errs
}

// chatEndpoint reports whether a chat endpoint is configured.
func (c config) chatEndpoint() bool { return c.APIKey != "" || c.BaseURL != "" }

// embedEndpoint reports whether an embeddings endpoint is configured: its
// own, or the chat one.
func (c config) embedEndpoint() bool {
	return c.chatEndpoint() || c.EmbedBaseURL != "" || c.EmbedAPIKey != ""
}

// llmConfig is the model client's configuration.
func (c config) llmConfig() llm.Config {
	return llm.Config{
		BaseURL:      c.BaseURL,
		APIKey:       c.APIKey,
		EmbedBaseURL: c.EmbedBaseURL,
		EmbedAPIKey:  c.EmbedAPIKey,
		ChatModel:    c.ChatModel,
		EmbedModel:   c.EmbedModel,
		EmbedDims:    c.EmbedDims,
		Timeout:      c.LLMTimeout,
		MaxTokens:    c.ChatMaxTokens,
	}
}

// loadShards reads SHARD_COUNT, SHARD_ID, ROLE and RELOAD_INTERVAL.
func (c *config) loadShards(getenv func(string) string) []error {
	var errs []error
	c.ShardCount, c.Role, c.ReloadInterval = 1, roleAuto, defaultReloadInterval
	countOK := true
	if v := strings.TrimSpace(getenv("SHARD_COUNT")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("SHARD_COUNT=%q: want a positive whole number (1: no sharding)", v))
			countOK = false
		}
		c.ShardCount = n
	}
	if v := strings.TrimSpace(getenv("SHARD_ID")); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 0:
			errs = append(errs, fmt.Errorf("SHARD_ID=%q: want a whole number from 0 to SHARD_COUNT-1", v))
		case countOK && n >= c.ShardCount:
			errs = append(errs, fmt.Errorf("SHARD_ID=%d: want a whole number from 0 to %d (SHARD_COUNT=%d)", n, c.ShardCount-1, c.ShardCount))
		}
		c.ShardID = n
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("ROLE"))); v {
	case "":
	case roleAuto, roleWriter, roleReader:
		c.Role = v
	default:
		errs = append(errs, fmt.Errorf("ROLE=%q: want writer, reader or auto (the writer is shard 0)", v))
	}
	if v := strings.TrimSpace(getenv("RELOAD_INTERVAL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			errs = append(errs, fmt.Errorf("RELOAD_INTERVAL=%q: want a duration of at least 100ms, such as 2s", v))
		}
		c.ReloadInterval = d
	}
	return errs
}
