package feeds

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&logs, nil))
	if st := loadState(lg, dir); len(st.Feeds) != 0 {
		t.Fatalf("loadState(empty dir) = %d feeds, want none", len(st.Feeds))
	}
	when := time.Date(2014, 2, 10, 9, 30, 0, 0, time.UTC)
	st := &state{Version: stateVersion, Feeds: map[string]*feedState{
		"https://a.example/rss": {
			Title: "A", ETag: `"v1"`, LastModified: "Mon, 10 Feb 2014 09:30:00 GMT",
			LastPoll: when, LastSuccess: when, Added: 3,
			Seen:    map[string]time.Time{"guid-1": when, "https://a.example/2": when},
			Pending: map[string]int{"guid-3": 2},
		},
	}}
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	got := loadState(lg, dir)
	if !reflect.DeepEqual(got, st) {
		t.Errorf("loadState after save = %+v, want %+v", got.Feeds["https://a.example/rss"], st.Feeds["https://a.example/rss"])
	}
	if logs.Len() != 0 {
		t.Errorf("warnings for a good file: %s", logs.String())
	}
}

func TestStateDamaged(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"garbage", "not json at all"},
		{"truncated", `{"version":1,"feeds":{"https://a.example/rss":{"seen":{"g`},
		{"other version", `{"version":99,"feeds":{}}`},
		{"wrong shape", `{"version":1,"feeds":["https://a.example/rss"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, stateFile)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			st := loadState(slog.New(slog.NewTextHandler(&logs, nil)), dir)
			if len(st.Feeds) != 0 {
				t.Errorf("loadState(%q) = %d feeds, want none", tc.content, len(st.Feeds))
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "feed state damaged") {
				t.Errorf("loadState(%q) logged %q, want a warning", tc.content, logs.String())
			}
			if b, err := os.ReadFile(path + ".bad"); err != nil || string(b) != tc.content {
				t.Errorf("damaged file not moved aside: %q, %v", b, err)
			}
			// The state is usable: it saves and loads again.
			st.Feeds["https://b.example/"] = newFeedState()
			if err := st.save(dir); err != nil {
				t.Fatal(err)
			}
			if got := loadState(slog.New(slog.DiscardHandler), dir); len(got.Feeds) != 1 {
				t.Errorf("after save, loadState = %d feeds, want 1", len(got.Feeds))
			}
		})
	}
}
