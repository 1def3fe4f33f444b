package main

import (
	"context"
	"io"

	"github.com/situationbot/bot/discord"
	"github.com/situationbot/bot/retrieval"
)

// cmdDiscord runs the Discord bot until ctx is done (SIGINT or SIGTERM),
// then shuts down gracefully and returns nil.
func cmdDiscord(ctx context.Context, cfg config, stderr io.Writer) error {
	cfg.guardRemovals = true
	a, err := setup(ctx, cfg, stderr, nil)
	if err != nil {
		return err
	}
	for _, e := range a.fileErrs {
		a.lg.Warn("article skipped", "err", e)
	}
	refresh := func(ctx context.Context, force bool) (retrieval.Report, []error, error) {
		done, err := a.refresher.refresh(ctx, force, nil)
		return done.Report, done.Skipped, err
	}
	if cfg.RefreshInterval > 0 {
		go a.refreshEvery(ctx, cfg.RefreshInterval)
	}
	bot, err := discord.New(a.lg, discord.Config{
		Token:          cfg.DiscordToken,
		GuildID:        cfg.DiscordGuildID,
		APIURL:         cfg.DiscordAPIURL,
		ModeratorRoles: cfg.ModeratorRoles,
		AsksPerMinute:  cfg.AsksPerMinute,
		MaxConcurrent:  cfg.MaxConcurrent,
		DataDir:        cfg.DataDir,
	}, a.engine, a.index, refresh)
	if err != nil {
		return err
	}
	return bot.Run(ctx)
}
