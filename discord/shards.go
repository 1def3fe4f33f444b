package discord

import (
	"fmt"
	"strconv"
)

// readerText is what a reader (Config.Writer set) answers to a command
// only the writer runs: who runs it, and that the writer's work reaches
// this server by itself. what is the work, in the passive ("Refreshes are
// run").
func (b *Bot) readerText(what string) string {
	here := "this process"
	if b.cfg.ShardCount > 1 {
		here = "shard " + strconv.Itoa(b.cfg.ShardID)
	}
	return fmt.Sprintf("%s by %s, the bot's writer. This server is served by %s, a read-only copy "+
		"that picks up the writer's articles within seconds. Use the command in a server served by %s, or ask the bot's operator.",
		what, b.cfg.Writer, here, b.cfg.Writer)
}
