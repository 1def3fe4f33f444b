package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/situationbot/bot/discord"
	"github.com/situationbot/bot/feeds"
	"github.com/situationbot/bot/fetch"
	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/metrics"
	"github.com/situationbot/bot/retrieval"
)

// cmdDiscord runs the Discord bot until ctx is done (SIGINT or SIGTERM),
// then shuts down gracefully and returns nil. It is the service's entry
// point (Docker, systemd), so it fails at once, with a message saying
// what to set, when there is no token.
func cmdDiscord(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("discord [flags]", "Run the Discord bot until SIGINT or SIGTERM: slash commands, mentions and DMs, answered from\nthe articles of CORPUS_DIR. Needs DISCORD_TOKEN (the bot token of the Discord application).")
	commonFlags(fs, &cfg)
	clear := fs.Bool("clear-commands", false, "remove the application's slash commands (global, and DISCORD_GUILD_ID's when set), then exit; the next start registers them again")
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if err := noArgs("discord", pos); err != nil {
		return err
	}
	if cfg.DiscordToken == "" {
		return errors.New("bot discord needs DISCORD_TOKEN, the bot token of the Discord application: set it in the environment, in .env, or in the service's EnvironmentFile (see README: setting up the application)")
	}
	if *clear {
		n, err := discord.ClearCommands(ctx, cfg.DiscordToken, cfg.DiscordAPIURL, cfg.DiscordGuildID)
		if err != nil {
			return fmt.Errorf("clear commands: %w", err)
		}
		fmt.Fprintf(stdout, "removed %d slash command(s); the next start registers them again\n", n)
		return nil
	}
	// A reader follows the writer, which guards the removals.
	cfg.service = true
	cfg.guardRemovals = cfg.writer()
	started := time.Now()
	a, err := setup(ctx, cfg, stderr, nil)
	if err != nil {
		return err
	}
	a.logReady(cfg)
	for _, e := range a.fileErrs {
		a.lg.Warn("article skipped", "err", e)
	}
	refresh := func(ctx context.Context, force bool) (retrieval.Report, []error, error) {
		done, err := a.refresher.refresh(ctx, force, nil)
		return done.Report, done.Skipped, err
	}
	// Only the writer refreshes, adds and follows the feeds; a reader
	// follows the writer's snapshot.
	var addFn discord.AddFunc
	var follower *feeds.Follower
	writer := ""
	if cfg.writer() {
		if cfg.RefreshInterval > 0 {
			go a.refreshEvery(ctx, cfg.RefreshInterval)
		}
		add := newAdder(cfg, a.refresher)
		addFn = func(ctx context.Context, url string, published time.Time) (discord.Added, error) {
			added, indexErr, err := add.add(ctx, url, fetch.AddOptions{Published: published})
			art := added.Article
			out := discord.Added{ID: art.ID, Title: art.Title, Source: art.Source, URL: art.URL, FirstLine: added.FirstLine, Published: art.Published}
			if indexErr != nil {
				out.Note = "It is not searchable yet (indexing failed; the next refresh retries)."
			}
			return out, err
		}
		if len(cfg.Feeds) > 0 {
			if follower, err = newFollower(cfg, a, add); err != nil {
				return err
			}
		}
	} else {
		writer = cfg.writerName()
		go a.followWriter(ctx, cfg, started)
	}
	m := metrics.New(func() (int, int) { return len(a.index.Articles()), a.index.Len() })
	if cfg.MetricsAddr != "" {
		// Listen now: a bad address or a port in use stops the start.
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("METRICS_ADDR=%s: %w", cfg.MetricsAddr, err)
		}
		go func() {
			if err := m.Serve(ctx, ln); err != nil {
				a.lg.Error("metrics server stopped", "addr", cfg.MetricsAddr, "err", err)
			}
		}()
	}
	var modelTimeout time.Duration
	if cfg.chatEnabled() {
		modelTimeout = cfg.LLMTimeout
	}
	bot, err := discord.New(a.lg, discord.Config{
		ModelTimeout:   modelTimeout,
		Metrics:        m,
		Token:          cfg.DiscordToken,
		GuildID:        cfg.DiscordGuildID,
		APIURL:         cfg.DiscordAPIURL,
		ModeratorRoles: cfg.ModeratorRoles,
		AsksPerMinute:  cfg.AsksPerMinute,
		MaxConcurrent:  cfg.MaxConcurrent,
		DataDir:        cfg.ownDataDir(),
		Add:            addFn,
		Feeds:          func() []discord.FeedStatus { return feedStatus(follower) },
		ShardID:        cfg.ShardID,
		ShardCount:     cfg.ShardCount,
		Writer:         writer,
	}, a.engine, a.index, refresh)
	if err != nil {
		return err
	}
	if follower != nil {
		go follower.Run(ctx, cfg.FeedInterval, func(rep feeds.Report) {
			if err := bot.Announce(ctx, cfg.AnnounceChannel, announced(rep)); err != nil {
				a.lg.Warn("announcing new articles failed", "channel", cfg.AnnounceChannel, "err", err)
			}
		})
	}
	return bot.Run(ctx)
}

// feedStatus is what /feeds shows of the follower (nil: no feeds).
func feedStatus(f *feeds.Follower) []discord.FeedStatus {
	if f == nil {
		return nil
	}
	var out []discord.FeedStatus
	for _, s := range f.Status() {
		out = append(out, discord.FeedStatus{URL: s.URL, Title: s.Title, LastError: s.LastError, LastPoll: s.LastPoll,
			LastSuccess: s.LastSuccess, Added: s.Added, Pending: s.Pending})
	}
	return out
}

// announced lists the articles a round added, for the announcement.
func announced(rep feeds.Report) []discord.Announced {
	var out []discord.Announced
	for _, fr := range rep.Feeds {
		for _, ad := range fr.Added {
			out = append(out, discord.Announced{Feed: fr.Title, Title: ad.Item.Title, URL: ad.Item.Link})
		}
	}
	return out
}

// logReady logs, at info, what the service serves: the version, the
// index, and where answers and embeddings come from (never the keys).
func (a *app) logReady(cfg config) {
	r := a.report
	answers, embeddings := "extractive", a.index.Identity().String()
	if cfg.chatEnabled() {
		answers = cfg.ChatModel + " at " + orDefault(cfg.BaseURL, llm.DefaultBaseURL)
	}
	if cfg.EmbedModel != "" {
		embeddings += " at " + orDefault(cfg.EmbedBaseURL, orDefault(cfg.BaseURL, llm.DefaultBaseURL))
	}
	role := "writer"
	if cfg.reader() {
		role = "reader (read-only index)"
	}
	a.lg.Info("index ready", "version", versionString(), "corpus", cfg.CorpusDir, "data", cfg.DataDir,
		"articles", len(a.index.Articles()), "chunks", r.Chunks, "embedded", r.Embedded, "pending", len(r.Pending),
		"skipped", len(a.fileErrs), "elapsed", r.Elapsed.Round(time.Millisecond), "answers", answers, "embeddings", embeddings,
		"shard", fmt.Sprintf("%d/%d", cfg.ShardID, cfg.ShardCount), "role", role)
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
