package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/discord"
	"github.com/situationbot/bot/retrieval"
)

// cmdDiscord runs the Discord bot until ctx is done (SIGINT or SIGTERM),
// then shuts down gracefully and returns nil.
func cmdDiscord(ctx context.Context, cfg config, stderr io.Writer) error {
	a, err := setup(ctx, cfg, stderr, nil)
	if err != nil {
		return err
	}
	for _, e := range a.fileErrs {
		a.lg.Warn("article skipped", "err", e)
	}
	refresh := func(ctx context.Context) (retrieval.Report, []error, error) {
		arts, fileErrs, err := corpus.Load(os.DirFS(cfg.CorpusDir))
		if err != nil {
			return retrieval.Report{}, nil, fmt.Errorf("load corpus: %w", err)
		}
		rep, err := a.index.Sync(ctx, arts, nil)
		return rep, fileErrs, err
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
