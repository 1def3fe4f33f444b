package feeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/situationbot/bot/internal/atomicfile"
)

// stateFile is the follower's memory, in DATA_DIR.
const stateFile = "feeds.json"

// stateVersion is written in the file; a file of another version is read as
// empty, like a damaged one.
const stateVersion = 1

// state is what feeds.json holds: per feed URL, what the follower knows.
type state struct {
	Version int                   `json:"version"`
	Feeds   map[string]*feedState `json:"feeds"`
}

// feedState is what the follower remembers of one feed. A feed with no
// entry has never been read successfully: its next good read is its first
// sight, when Config.Backfill applies.
type feedState struct {
	Title        string    `json:"title,omitempty"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	Added        int       `json:"added,omitempty"` // articles added from this feed, ever

	// Seen maps an entry's key (its GUID, else its link) to when it was
	// first seen. A seen entry is never handed to Add again.
	Seen map[string]time.Time `json:"seen"`
	// Pending maps the key of an entry whose Add failed transiently to the
	// number of rounds it has failed.
	Pending map[string]int `json:"pending,omitempty"`
}

// newFeedState is the state of a feed seen for the first time.
func newFeedState() *feedState {
	return &feedState{Seen: make(map[string]time.Time), Pending: make(map[string]int)}
}

// loadState reads dir/feeds.json. A missing file is an empty state. A file
// that cannot be read or parsed is an empty state too, with a warning: the
// feeds are then seen for the first time again, and the entries Backfill adds
// anew come back from the AddFunc as ErrAlreadyThere. A damaged file is moved
// aside to feeds.json.bad so that the next save does not destroy the evidence.
func loadState(lg *slog.Logger, dir string) *state {
	path := filepath.Join(dir, stateFile)
	st := &state{Version: stateVersion, Feeds: make(map[string]*feedState)}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st
	}
	if err != nil {
		lg.Warn("feed state unreadable, starting afresh", "path", path, "err", err)
		return st
	}
	var got state
	if err := json.Unmarshal(data, &got); err != nil || got.Version != stateVersion {
		if err == nil {
			err = fmt.Errorf("version %d, want %d", got.Version, stateVersion)
		}
		bad := path + ".bad"
		if rerr := os.Rename(path, bad); rerr != nil {
			bad = ""
		}
		lg.Warn("feed state damaged, starting afresh", "path", path, "moved_to", bad, "err", err)
		return st
	}
	for u, fst := range got.Feeds {
		if fst == nil {
			continue
		}
		if fst.Seen == nil {
			fst.Seen = make(map[string]time.Time)
		}
		if fst.Pending == nil {
			fst.Pending = make(map[string]int)
		}
		st.Feeds[u] = fst
	}
	return st
}

// save writes the state to dir/feeds.json atomically.
func (st *state) save(dir string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode feed state: %w", err)
	}
	data = append(data, '\n')
	err = atomicfile.Write(filepath.Join(dir, stateFile), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("save feed state: %w", err)
	}
	return nil
}
