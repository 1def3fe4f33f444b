package retrieval

import (
	"errors"
	"io/fs"
	"log/slog"
)

// A read-only index serves from a snapshot another process writes (the
// writer of a sharded bot) and never writes in its folder: it is opened
// without persistence, so Sync writes neither snapshot nor journal nor
// sweeps temporary files, and the writer's vectors are merged in by
// LoadSnapshot, so that Sync embeds only the chunks the snapshot lacks.

// OpenReadOnly returns an index for emb that takes its vectors from the
// snapshot of emb in dataDir, as far as there is one, and writes nothing
// there. A missing or damaged snapshot is logged: the index then embeds
// what it needs in memory, and a later LoadSnapshot picks up the writer's.
func OpenReadOnly(lg *slog.Logger, emb Embedder, dataDir string, opt Options) *Index {
	ix := Open(lg, emb, "", opt)
	if dataDir == "" {
		return ix
	}
	path := SnapshotPath(dataDir, ix.id)
	switch n, err := ix.LoadSnapshot(path); {
	case errors.Is(err, fs.ErrNotExist):
		lg.Info("no embedding snapshot yet; reading it when the writer saves one", "path", path)
	case err != nil:
		lg.Warn("ignoring embedding snapshot until the writer saves a good one", "path", path, "err", err)
	default:
		lg.Debug("embedding snapshot loaded, read-only", "path", path, "vectors", n)
	}
	return ix
}

// SnapshotPath is the file in which an index of the embedder id keeps its
// snapshot in dataDir: a reader watches it for the writer's changes.
func SnapshotPath(dataDir string, id Identity) string { return snapshotPath(dataDir, id) }

// LoadSnapshot adds the vectors of the snapshot file at path to those the
// index holds, and returns how many it read. It changes nothing that is
// served: the next Sync uses them instead of embedding, and drops those no
// chunk needs. It writes nothing. A missing file returns an error wrapping
// fs.ErrNotExist; a damaged one, or one of another embedder, an error
// wrapping ErrCorruptSnapshot.
func (ix *Index) LoadSnapshot(path string) (int, error) {
	snap, err := readSnapshot(path, ix.id)
	if err != nil {
		return 0, err
	}
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	// The file's vectors replace those of the same chunks (the same
	// vectors), so that the next Sync can scan its rows in place.
	for h, v := range snap.Vectors {
		ix.vectors[h] = v
	}
	ix.rows = snap.Rows
	// The writer's chunks too, so that a reader does not split again
	// what the writer has split.
	if snap.reusableChunks(ix.opt.Split) {
		if ix.split == nil {
			ix.split = map[string]articleChunks{}
		}
		for id, c := range snap.Chunks {
			ix.split[id] = c
		}
	}
	return len(snap.Vectors), nil
}
