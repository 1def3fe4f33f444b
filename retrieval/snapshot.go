package retrieval

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/situationbot/bot/internal/atomicfile"
)

// snapshotMagic starts every snapshot file; bump the version when the
// layout changes, and old snapshots are rebuilt.
const snapshotMagic = "situationbot-embeddings-v1\n"

// ErrCorruptSnapshot means a snapshot file exists but cannot be trusted.
var ErrCorruptSnapshot = errors.New("corrupt embedding snapshot")

// snapshot is what is persisted in DATA_DIR: the embedder's identity, the
// article hashes that were indexed, and the vector of every chunk text by
// content hash. It is a cache: losing it costs re-embedding, nothing else.
type snapshot struct {
	Identity Identity
	Articles map[string]string    // article ID → corpus.Article.Hash
	Vectors  map[string][]float32 // Chunk.Hash → vector
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

// readSnapshot loads the snapshot at path. A missing file returns
// os.ErrNotExist; a damaged one, one of another identity, or one holding a
// vector of the wrong length or with NaN or infinite components, returns
// an error wrapping ErrCorruptSnapshot.
func readSnapshot(path string, want Identity) (*snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte(snapshotMagic)) || len(data) < len(snapshotMagic)+sha256.Size {
		return nil, fmt.Errorf("%w: %s: bad header", ErrCorruptSnapshot, path)
	}
	body := data[len(snapshotMagic) : len(data)-sha256.Size]
	sum := sha256.Sum256(body)
	if !bytes.Equal(sum[:], data[len(data)-sha256.Size:]) {
		return nil, fmt.Errorf("%w: %s: checksum mismatch", ErrCorruptSnapshot, path)
	}
	var s snapshot
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, path, err)
	}
	if s.Identity != want {
		return nil, fmt.Errorf("%w: %s: embedder %s, want %s", ErrCorruptSnapshot, path, s.Identity, want)
	}
	for h, v := range s.Vectors {
		if len(v) != want.Dims {
			return nil, fmt.Errorf("%w: %s: vector %s has %d dimensions, want %d", ErrCorruptSnapshot, path, h, len(v), want.Dims)
		}
		if !finite(v) {
			return nil, fmt.Errorf("%w: %s: vector %s is not finite (NaN or infinity)", ErrCorruptSnapshot, path, h)
		}
	}
	return &s, nil
}

// writeSnapshot writes s to path atomically (see internal/atomicfile): a
// crash leaves either the old snapshot or the new one, never a mix.
func writeSnapshot(path string, s *snapshot) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, snapshotMagic); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
		h := sha256.New()
		if err := gob.NewEncoder(io.MultiWriter(w, h)).Encode(s); err != nil {
			return fmt.Errorf("encode snapshot: %w", err)
		}
		if _, err := w.Write(h.Sum(nil)); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
		return nil
	})
}
