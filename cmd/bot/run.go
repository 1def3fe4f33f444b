package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/retrieval"
)

// errSilent is returned when the failure has already been reported to the
// user; main exits 1 without printing it again.
var errSilent = errors.New("failed")

const usage = `Usage: bot [flags] [command] [args]

Commands:
  ask [--json] QUESTION         answer one question, with numbered sources
  summary [--topic T] [--since YYYY-MM-DD] [--json]
                                an overview of the situation, newest first, every sentence cited
  timeline [--topic T] [--json] dated events in order, one line each, each cited
  ingest [--allow-removals]     sync the index with the corpus and report what changed
  add URL [--published YYYY-MM-DD] [--json]
                                fetch a news article by link into the corpus and index it
  poll [--json]                 one round over the feeds (FEEDS, FEEDS_FILE): add new articles
  eval --questions FILE [--k N] [--json]
                                measure retrieval, answers and citations on a question set
  train --set CORPUS=QUESTIONS... [--exclude-docs IDS] [--out FILE]
                                fit the answer/refuse model on labelled questions
  console                       interactive console: one question per line
  discord                       the Discord bot, a service (needs DISCORD_TOKEN)
  version                       print the version and exit
  help [COMMAND]                print this help, or a command's
  (none)                        the Discord bot when DISCORD_TOKEN is set, else the console
                                when stdin is a terminal, else an error

Flags (each overrides its environment variable; every command takes them too):
  --corpus DIR   article directory (CORPUS_DIR, default ./corpus)
  --data DIR     index snapshot directory (DATA_DIR, default ./data)
  --version      print the version and exit

Run 'bot COMMAND -h' for a command's flags. Configuration is read from the
environment and from .env when present; see .env.example.
`

// run is the whole program: main only adds the process around it, so tests
// call run directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	getenv, err := withDotenv(getenv, ".env")
	if err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	// Global flags may come before the command.
	global := flag.NewFlagSet("bot", flag.ContinueOnError)
	global.Usage = func() { fmt.Fprint(global.Output(), usage) }
	commonFlags(global, &cfg)
	showVersion := global.Bool("version", false, "print the version and exit")
	var out bytes.Buffer
	global.SetOutput(&out)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			stdout.Write(out.Bytes())
			return nil
		}
		stderr.Write(out.Bytes())
		return errSilent
	}
	if *showVersion {
		fmt.Fprintln(stdout, versionString())
		return nil
	}
	args = global.Args()
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	err = dispatch(ctx, cfg, cmd, args, stdin, stdout, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// dispatch runs the command cmd with its arguments.
func dispatch(ctx context.Context, cfg config, cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch cmd {
	case "ask":
		return cmdAsk(ctx, cfg, args, stdout, stderr)
	case "ingest":
		return cmdIngest(ctx, cfg, args, stdout, stderr)
	case "add":
		return cmdAdd(ctx, cfg, args, stdout, stderr)
	case "poll":
		return cmdPoll(ctx, cfg, args, stdout, stderr)
	case "eval":
		return cmdEval(ctx, cfg, args, stdout, stderr)
	case "train":
		return cmdTrain(ctx, cfg, args, stdout, stderr)
	case "summary":
		return cmdSummary(ctx, cfg, args, stdout, stderr)
	case "timeline":
		return cmdTimeline(ctx, cfg, args, stdout, stderr)
	case "console":
		return cmdConsole(ctx, cfg, args, stdin, stdout, stderr)
	case "discord":
		return cmdDiscord(ctx, cfg, args, stdout, stderr)
	case "":
		switch {
		case cfg.DiscordToken != "":
			return cmdDiscord(ctx, cfg, args, stdout, stderr)
		case isTerminal(stdin):
			return cmdConsole(ctx, cfg, args, stdin, stdout, stderr)
		}
		return errors.New("no command, no DISCORD_TOKEN, and stdin is not a terminal: " +
			"run `bot discord` with DISCORD_TOKEN set for the Discord bot (as a service: Docker, systemd), " +
			"or `bot console` to answer questions read from stdin, one a line")
	case "version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help":
		if len(args) > 0 && args[0] != "help" && args[0] != "" {
			return dispatch(ctx, cfg, args[0], []string{"-h"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errSilent
}

// commonFlags adds the flags every command accepts.
func commonFlags(fs *flag.FlagSet, cfg *config) {
	fs.StringVar(&cfg.CorpusDir, "corpus", cfg.CorpusDir, "article `directory` (CORPUS_DIR)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "index snapshot `directory` (DATA_DIR)")
}

// app is the wired program: the index over the corpus and the answer engine.
type app struct {
	refresher *refresher
	lg        *slog.Logger
	index     *retrieval.Index
	engine    *answer.Engine
	report    retrieval.Report
	fileErrs  []error
}

// setup loads the corpus, opens and syncs the index, and builds the engine.
// Articles the embedder could not embed (its endpoint is down, say) are
// left pending with a warning, in a.report.Pending, as long as some article
// is indexed; a snapshot that could not be saved is a.report.SaveErr, also
// logged. Each command decides whether those are failures.
func setup(ctx context.Context, cfg config, stderr io.Writer, progress retrieval.Progress) (*app, error) {
	lg := newLogger(cfg, stderr)
	var client *llm.Client
	if cfg.chatEndpoint() || (cfg.EmbedModel != "" && cfg.embedEndpoint()) {
		client = llm.New(lg, cfg.llmConfig())
	}
	var emb retrieval.Embedder = retrieval.NewLocalEmbedder(0)
	if cfg.EmbedModel != "" {
		var err error
		emb, err = remoteEmbedder(ctx, lg, client, cfg)
		if err != nil {
			return nil, err
		}
	}
	var ix *retrieval.Index
	if cfg.reader() {
		ix = retrieval.OpenReadOnly(lg, emb, indexDir(cfg), retrieval.Options{Mode: cfg.RetrievalMode})
	} else {
		ix = retrieval.Open(lg, emb, indexDir(cfg), retrieval.Options{Mode: cfg.RetrievalMode})
	}
	ref := &refresher{lg: lg, cfg: cfg, ix: ix, one: newTurn()}
	done, err := ref.refresh(ctx, !cfg.guardRemovals || cfg.AllowRemovals, progress)
	switch {
	case errors.Is(err, corpus.ErrTooManyRemovals):
		return nil, fmt.Errorf("%w; if that is meant, run `bot ingest --allow-removals`", err)
	case errors.Is(err, retrieval.ErrPending) && len(ix.Articles()) > 0:
		lg.Warn("some articles are not indexed yet; the next refresh or ingest adds them", "pending", len(done.Report.Pending), "indexed", len(ix.Articles()), "err", err)
	case err != nil:
		return nil, fmt.Errorf("index the corpus: %w", err)
	}
	var chat answer.Chat
	if cfg.chatEnabled() {
		chat = client
	}
	eng := answer.New(lg, ix, chat, answer.Options{K: cfg.TopK, DataDir: cfg.ownDataDir()})
	return &app{lg: lg, index: ix, engine: eng, report: done.Report, fileErrs: done.Skipped, refresher: ref}, nil
}

// remoteEmbedder wraps the endpoint's embeddings as a retrieval.Embedder.
// With no EMBEDDING_DIMENSIONS it asks the model once for its dimensions,
// which become part of the index identity. When the endpoint cannot answer,
// the dimensions of the model's snapshot in DATA_DIR are used instead, so
// that the stored vectors serve until it is back; with no snapshot either,
// the start fails.
func remoteEmbedder(ctx context.Context, lg *slog.Logger, client *llm.Client, cfg config) (retrieval.Embedder, error) {
	dims := cfg.EmbedDims
	if dims == 0 {
		v, err := client.Embed(ctx, []string{"dimension probe"})
		switch {
		case err == nil:
			dims = len(v[0])
		case ctx.Err() != nil:
			return nil, err
		case errors.Is(err, llm.ErrModelNotFound):
			// Not an outage: no snapshot would make it come back.
			return nil, fmt.Errorf("EMBEDDING_MODEL=%s is not on the embeddings endpoint (pull it, or correct the name): %w", cfg.EmbedModel, err)
		default:
			id, ok := retrieval.FindSnapshot(indexDir(cfg), "openai", cfg.EmbedModel)
			if !ok {
				return nil, fmt.Errorf("embedding endpoint (EMBEDDING_MODEL=%s): %w", cfg.EmbedModel, err)
			}
			lg.Warn("embedding endpoint unavailable; using the dimensions of the stored snapshot", "model", cfg.EmbedModel, "dims", id.Dims, "err", err)
			dims = id.Dims
		}
	}
	return retrieval.EmbedFunc{
		ID: retrieval.Identity{Kind: "openai", Model: cfg.EmbedModel, Dims: dims},
		Fn: client.Embed,
	}, nil
}

// setupWarn is setup for the commands that print the skipped articles as
// warnings on stderr before their own output. Embedding progress is shown
// on stderr when there is more than a few batches to embed (an unindexed
// corpus).
func setupWarn(ctx context.Context, cfg config, stderr io.Writer) (*app, error) {
	bar := newProgress(stderr, quietEmbedding)
	a, err := setup(ctx, cfg, stderr, bar.update)
	bar.end()
	if err != nil {
		return nil, err
	}
	warnFileErrors(stderr, a.fileErrs)
	return a, nil
}

// warnFileErrors prints the articles that were skipped.
func warnFileErrors(w io.Writer, errs []error) {
	for _, e := range errs {
		fmt.Fprintf(w, "warning: skipped %v\n", e)
	}
}

// oneLine shortens s to at most n runes on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
