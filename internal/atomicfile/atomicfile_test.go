package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.json")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "one"); return err }); err != nil {
		t.Fatal(err)
	}
	// A failing writer leaves the old content and no temporary file.
	boom := errors.New("boom")
	if err := Write(path, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("Write with a failing writer: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Errorf("content after a failed write = %q, want the old one", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

// TestRemoveStale: the temporary files of a killed Write are removed once
// old enough; a fresh one (a Write in progress elsewhere), the targets and
// other files are kept.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	// A real temporary file name, from a Write that fails before its rename.
	var tmp string
	Write(filepath.Join(dir, "a.snap"), func(w io.Writer) error {
		matches, _ := filepath.Glob(filepath.Join(dir, ".a.snap.*.tmp"))
		if len(matches) == 1 {
			tmp = matches[0]
		}
		return errors.New("stop")
	})
	if tmp == "" {
		t.Fatal("Write's temporary file does not match .a.snap.*.tmp")
	}
	old := time.Now().Add(-time.Hour)
	files := map[string]time.Time{
		".a.snap.123.tmp": old,        // killed write: removed
		".b.snap.456.tmp": old,        // killed write: removed
		".c.snap.789.tmp": time.Now(), // being written: kept
		"a.snap":          old,        // a target: kept
		".other.123.tmp":  old,        // not a target of the glob: kept
		"notes.txt":       old,
	}
	for name, mtime := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStale(dir, "*.snap", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Errorf("removed %v, want the two old temporary files", removed)
	}
	for name := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		gone := errors.Is(err, os.ErrNotExist)
		if want := name == ".a.snap.123.tmp" || name == ".b.snap.456.tmp"; gone != want {
			t.Errorf("%s: removed = %t, want %t", name, gone, want)
		}
	}
	if removed, err := RemoveStale(filepath.Join(dir, "missing"), "*.snap", 0); err != nil || len(removed) != 0 {
		t.Errorf("RemoveStale of a missing directory = %v, %v; want nothing", removed, err)
	}
}
