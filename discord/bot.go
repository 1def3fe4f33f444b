// Package discord is the one place that talks to Discord: the session and
// its intents, the slash commands and their handlers, mentions and thread
// follow-ups, rendering answers into messages, rate limits, permissions and
// shutdown. It reaches the answer pipeline through the small interfaces it
// declares here.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/retrieval"
)

// Answerer is what the bot needs of the answer pipeline.
type Answerer interface {
	Ask(ctx context.Context, question string, onDelta func(string)) (answer.Answer, error)
	Condense(ctx context.Context, history []answer.Turn, followUp string) (string, error)
	Summarize(ctx context.Context, opt answer.OverviewOptions) (answer.Summary, error)
	Timeline(ctx context.Context, opt answer.OverviewOptions) (answer.Timeline, error)
}

// Library tells what the corpus holds.
type Library interface {
	Articles() []corpus.Article
}

// RefreshFunc syncs the index with the corpus directory and reports what
// changed and which files were skipped. A refresh that would remove more
// than half of the articles returns an error wrapping
// corpus.ErrTooManyRemovals unless force.
type RefreshFunc func(ctx context.Context, force bool) (retrieval.Report, []error, error)

// Config configures the bot.
type Config struct {
	Token          string   // bot token, without the "Bot " prefix
	GuildID        string   // register commands in this guild only (instant, for development); "" means globally
	APIURL         string   // send all REST traffic to this base URL instead of Discord's (a proxy or a test server)
	ModeratorRoles []string // role IDs allowed to /refresh besides members with Manage Server
	AsksPerMinute  int      // questions per user per minute, and the burst allowed; 0 means 5, negative means no limit
	MaxConcurrent  int      // questions being answered at once (condensing, answering, overviews); the rest queue; 0 means 4
	DataDir        string   // feedback.jsonl goes here
	// QuestionTimeout is the one deadline of a question, from its arrival:
	// the wait for a place among MaxConcurrent, condensing a follow-up,
	// retrieval and the answer (or the overview). 0 means ModelTimeout + 2 s
	// when ModelTimeout is set, else 3 minutes; it is never more than 12
	// minutes, so that an interaction's answer or apology comes within its
	// token's 15-minute life.
	QuestionTimeout time.Duration
	// ModelTimeout is the deadline of one model call (LLM_TIMEOUT), from
	// which QuestionTimeout's default is derived.
	ModelTimeout  time.Duration
	ShutdownGrace time.Duration // how long answers in flight may take to finish at shutdown
	EditInterval  time.Duration // least time between two edits of a streamed answer
	RESTTimeout   time.Duration // deadline of one attempt of a Discord REST call
	// DeliveryTimeout bounds the delivery of one message, all its retries
	// included; 0 means 1 minute. RetryBackoff is the wait before the first
	// retry, doubled before each next one; 0 means 500 ms.
	DeliveryTimeout time.Duration
	RetryBackoff    time.Duration
	// Metrics receives a report of each question and of the gateway's
	// state; nil means none.
	Metrics Reporter
	// Add adds an article by link (/add); nil: /add says it is not enabled.
	Add AddFunc
	// Feeds lists the followed feeds (/feeds); nil or empty: none.
	Feeds func() []FeedStatus
	// ShardID and ShardCount shard the gateway connection, one process per
	// shard: this one receives the events of the servers whose
	// (guild_id >> 22) % ShardCount is ShardID, and direct messages when
	// ShardID is 0. ShardCount 0 or 1 means a single connection for all.
	// Only shard 0 registers the slash commands, which are the
	// application's, not a shard's.
	ShardID, ShardCount int
	// Writer, when not empty, makes this process a reader: another process,
	// which Writer names ("shard 0"), refreshes, adds articles and follows
	// the feeds, and /refresh, /add and /feeds here say so.
	Writer string
}

// defaultRESTTimeout is the deadline of one Discord REST call unless
// Config.RESTTimeout says otherwise.
const defaultRESTTimeout = 15 * time.Second

// questionMargin is what a question may take beyond one model call: the
// wait for a place, retrieval and an extractive fallback.
const questionMargin = 2 * time.Second

// maxQuestionTimeout keeps a question well inside the 15-minute life of an
// interaction token, leaving time for the answer's delivery.
const maxQuestionTimeout = 12 * time.Minute

func (c *Config) defaults() {
	if c.AsksPerMinute == 0 {
		c.AsksPerMinute = 5
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = 4
	}
	if c.QuestionTimeout <= 0 {
		c.QuestionTimeout = 3 * time.Minute
		if c.ModelTimeout > 0 {
			c.QuestionTimeout = c.ModelTimeout + questionMargin
		}
	}
	c.QuestionTimeout = min(c.QuestionTimeout, maxQuestionTimeout)
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 30 * time.Second
	}
	if c.EditInterval <= 0 {
		c.EditInterval = time.Second
	}
	if c.RESTTimeout <= 0 {
		c.RESTTimeout = defaultRESTTimeout
	}
	if c.DeliveryTimeout <= 0 {
		c.DeliveryTimeout = time.Minute
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 500 * time.Millisecond
	}
	if c.Metrics == nil {
		c.Metrics = noReport{}
	}
}

// Bot is a running Discord bot.
type Bot struct {
	lg      *slog.Logger
	cfg     Config
	ans     Answerer
	lib     Library
	refresh RefreshFunc

	s      *discordgo.Session
	botID  string // set once, before any handler is added
	appID  string
	limit  *rateLimiter
	gate   gate
	fb     *feedbackLog
	recent *answerCache
	pages  *pageCache
	convs  *conversations   // the bot's threads
	dms    *dmConversations // direct-message channels' recent turns

	refreshing sync.Mutex // held while a /refresh runs

	mu       sync.Mutex // guards closing and the Add side of inflight
	closing  bool
	inflight sync.WaitGroup
	work     context.Context // answers run under this; cancelled when the shutdown grace runs out
	stopWork context.CancelFunc
	ready    chan struct{} // closed once the bot handles events
}

// New returns a bot; Run connects it.
func New(lg *slog.Logger, cfg Config, ans Answerer, lib Library, refresh RefreshFunc) (*Bot, error) {
	cfg.defaults()
	if cfg.ShardCount < 0 || cfg.ShardID < 0 || (cfg.ShardID > 0 && cfg.ShardID >= cfg.ShardCount) {
		return nil, fmt.Errorf("discord: shard %d of %d: want 0 ≤ shard < count", cfg.ShardID, cfg.ShardCount)
	}
	s, err := newSession(cfg.Token, cfg.APIURL, cfg.RESTTimeout)
	if err != nil {
		return nil, err
	}
	if cfg.ShardCount > 1 { // discordgo sends a shard in IDENTIFY only then
		s.ShardID, s.ShardCount = cfg.ShardID, cfg.ShardCount
	}
	// Message content is a privileged intent: without it, mentions still
	// carry their text, but thread follow-ups would arrive empty.
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent
	work, stop := context.WithCancel(context.Background())
	return &Bot{
		lg:       lg,
		cfg:      cfg,
		ans:      ans,
		lib:      lib,
		refresh:  refresh,
		s:        s,
		limit:    newRateLimiter(cfg.AsksPerMinute, time.Minute, maxLimitedUsers),
		gate:     newGate(cfg.MaxConcurrent),
		fb:       newFeedbackLog(cfg.DataDir, maxFeedbackBytes),
		recent:   newAnswerCache(answerTTL, maxAnswers),
		pages:    newPageCache(30*time.Minute, 500),
		convs:    newConversations(maxThreads),
		dms:      newDMConversations(maxDMs, dmMaxAge),
		work:     work,
		stopWork: stop,
		ready:    make(chan struct{}),
	}, nil
}

// newSession returns a session, not opened, whose REST calls each have
// timeout and go to apiURL when it is set.
func newSession(token, apiURL string, timeout time.Duration) (*discordgo.Session, error) {
	if token == "" {
		return nil, errors.New("discord: no token")
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	s.Client = &http.Client{Timeout: timeout}
	if apiURL != "" {
		rt, err := newRewriteTransport(apiURL, http.DefaultTransport)
		if err != nil {
			return nil, err
		}
		s.Client.Transport = rt
	}
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: timeout}
	s.LogLevel = discordgo.LogError
	return s, nil
}

// Ready is closed once the bot is connected, its commands registered and
// its handlers listening.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// Run connects to Discord, registers the commands and serves until ctx is
// done; then it stops taking questions, lets answers in flight finish
// within the shutdown grace, closes the session and returns nil.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.s.Open(); err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code == 4014 {
			b.lg.Error("discord refused the Message Content intent: enable it under Bot → Privileged Gateway Intents in the Developer Portal", "code", ce.Code)
		}
		return fmt.Errorf("connect to Discord: %w", err)
	}
	b.botID = b.s.State.User.ID
	b.appID = b.botID
	if b.s.State.Application != nil && b.s.State.Application.ID != "" {
		b.appID = b.s.State.Application.ID
	}
	// Handlers are added only now, so they see botID and appID set, and
	// before the commands exist, so that none of them goes unanswered.
	b.s.AddHandler(b.onInteraction)
	b.s.AddHandler(b.onMessage)
	b.s.AddHandler(func(s *discordgo.Session, _ *discordgo.Disconnect) {
		// Handlers run in goroutines of their own, so this one may run
		// after the reconnection's: a session ready again is not down.
		s.RLock()
		up := s.DataReady
		s.RUnlock()
		if !up {
			b.cfg.Metrics.GatewayConnected(false)
		}
		b.mu.Lock()
		closing := b.closing
		b.mu.Unlock()
		if !closing {
			b.lg.Warn("discord gateway disconnected; reconnecting")
		}
	})
	b.s.AddHandler(func(*discordgo.Session, *discordgo.Ready) { // a new session after a reconnection
		b.cfg.Metrics.GatewayConnected(true)
		b.lg.Info("discord gateway connected again")
	})
	b.s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) {
		b.cfg.Metrics.GatewayConnected(true)
		b.lg.Info("discord gateway resumed")
	})
	if b.cfg.ShardID == 0 {
		if err := b.registerCommands(ctx); err != nil {
			b.s.Close()
			return err
		}
	}
	b.cfg.Metrics.GatewayConnected(true)
	b.logReady()
	close(b.ready)

	<-ctx.Done()
	b.shutdown()
	return nil
}

// shutdown stops new questions, waits for those in flight, then closes.
func (b *Bot) shutdown() {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	b.lg.Info("shutting down: finishing answers in flight", "grace", b.cfg.ShutdownGrace)
	done := make(chan struct{})
	go func() { b.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.cfg.ShutdownGrace):
		b.lg.Warn("shutdown grace over, cancelling answers in flight")
		b.stopWork()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	b.stopWork()
	b.cfg.Metrics.GatewayConnected(false)
	if err := b.s.Close(); err != nil {
		b.lg.Warn("closing the discord session", "err", err)
	}
}

// begin registers a question in flight; false means the bot is shutting
// down and takes no more.
func (b *Bot) begin() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return false
	}
	b.inflight.Add(1)
	return true
}

func (b *Bot) end() { b.inflight.Done() }

// rest returns the options of one REST call, or of one attempt of a call
// retried (see retry), which give it its deadline; call cancel when the
// call is done.
func (b *Bot) rest(ctx context.Context) (opts []discordgo.RequestOption, cancel context.CancelFunc) {
	ctx, cancel = context.WithTimeout(ctx, b.cfg.RESTTimeout)
	return []discordgo.RequestOption{discordgo.WithContext(ctx)}, cancel
}

// noMentions is attached to everything the bot sends: text from articles,
// models and users must never ping @everyone, a role or a member.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// recovered logs a panic in a handler with what it was handling; the
// caller then tells the user something went wrong.
func (b *Bot) recovered(r any, kind, id string) {
	b.lg.Error("handler panic", "kind", kind, "id", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}

// Texts shown to users.
const (
	textFailed     = "Sorry, something went wrong while answering. Please try again."
	textRestarting = "I'm restarting right now; please ask again in a minute."
	textBusy       = "Sorry, that took too long. Please try again."
)
