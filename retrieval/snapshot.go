package retrieval

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrCorruptSnapshot means a snapshot file exists but cannot be trusted.
var ErrCorruptSnapshot = errors.New("corrupt embedding snapshot")

// snapshot is what is persisted in DATA_DIR: the embedder's identity, the
// article hashes that were indexed, the chunks of those articles as Split
// cut them, and the vector of every chunk text by content hash. It is a
// cache: losing it costs re-splitting and re-embedding, nothing else.
type snapshot struct {
	Identity Identity
	Split    SplitOptions // the options the chunks were cut with
	// SplitVersion is the version of Split that cut them (splitVersion
	// when written): a release that changes how Split cuts re-splits.
	SplitVersion int
	Articles     map[string]string        // article ID → corpus.Article.Hash
	Chunks       map[string]articleChunks // article ID → its indexed version's chunks; may lack some of Articles
	Vectors      map[string][]float32     // Chunk.Hash → vector

	// Order, when writing, lists hashes whose vectors are written first,
	// in its order (the chunks of the state served); the others follow,
	// sorted. Rows, when read, holds the vectors in the order written:
	// each of Vectors is a row of it (see Index.build, which scans Rows
	// in place when they are the chunks' vectors in chunk order).
	Order []string
	Rows  []float32

	// Older, when read, says the file is of an older format, to be
	// rewritten by the next Sync.
	Older bool
}

// splitVersion is the version of Split's rules. Bump it whenever Split
// would cut an unchanged article differently: snapshots keep chunks only
// for the version that cut them.
const splitVersion = 1

// reusableChunks reports whether the snapshot's chunks are what Split
// would cut now with opt.
func (s *snapshot) reusableChunks(opt SplitOptions) bool {
	return s.Split == opt && s.SplitVersion == splitVersion
}

// snapshotPath names the snapshot of one embedder identity, so that
// switching embedders back and forth reuses each one's vectors and never
// mixes them.
func snapshotPath(dir string, id Identity) string {
	return filepath.Join(dir, snapshotPrefix(id.Kind, id.Model)+strconv.Itoa(id.Dims)+snapshotExt)
}

// snapshotPrefix is the start of the snapshot names of an embedder kind and
// model, before the dimensions.
func snapshotPrefix(kind, model string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
				return r
			}
			return '_'
		}, s)
	}
	return "embeddings-" + clean(kind) + "-" + clean(model) + "-"
}

const snapshotExt = ".snap"

// snapshotGlob matches every snapshot name, for sweeping the temporary
// files of killed writes.
const snapshotGlob = "embeddings-*" + snapshotExt

// staleTemp is the age past which a temporary snapshot file is taken for
// the leftover of a killed write and removed (see atomicfile.RemoveStale):
// a write in progress, even in another process sharing DATA_DIR, touches
// its file far more often.
const staleTemp = time.Minute

// FindSnapshot returns the identity of the snapshot in dataDir for the
// embedder kind and model, whatever its dimensions; the most recently
// written if there are several. It lets a remote embedder whose endpoint
// cannot be reached learn its dimensions, and so serve the stored vectors.
// It reads only names; Open checks the content.
func FindSnapshot(dataDir, kind, model string) (Identity, bool) {
	prefix := snapshotPrefix(kind, model)
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return Identity{}, false
	}
	var best Identity
	var newest time.Time
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		digits, ok = strings.CutSuffix(digits, snapshotExt)
		dims, err := strconv.Atoi(digits)
		if !ok || err != nil || dims <= 0 || strconv.Itoa(dims) != digits || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if best.Dims == 0 || info.ModTime().After(newest) {
			best, newest = Identity{Kind: kind, Model: model, Dims: dims}, info.ModTime()
		}
	}
	return best, best.Dims > 0
}
