//go:build race

package retrieval

// raceEnabled: the race detector slows the embedder about tenfold, so the
// reference comparison embeds fewer texts under it.
const raceEnabled = true
