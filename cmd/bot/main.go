// Command bot answers questions about a news situation from a curated corpus
// of articles, every claim cited: as a Discord bot (bot discord, the
// service), an interactive console (bot console), or one command at a time
// (ask, summary, timeline, ingest, add, poll, eval, train). Run bot -h for
// the commands and bot COMMAND -h for each one's flags.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errSilent {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(1)
	}
}
