package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

const okArticle = "---\ntitle: A\npublished: 2014-02-07\n---\n\nBody.\n"

// TestLoadDirSkipsWhatIsNotAnArticleFile: FIFOs, devices, directories,
// links out of the folder and oversized files are skipped with a reason,
// never opened or read whole; a link inside the folder is followed.
func TestLoadDirSkipsWhatIsNotAnArticleFile(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside.md")
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.md", okArticle)
	if err := os.WriteFile(outside, []byte(okArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(syscall.Mkfifo(filepath.Join(dir, "fifo.md"), 0o644))
	must(os.Symlink("/dev/zero", filepath.Join(dir, "zero.md")))
	must(os.Symlink(outside, filepath.Join(dir, "outside.md")))
	must(os.Symlink("good.md", filepath.Join(dir, "alias.md")))
	must(os.Mkdir(filepath.Join(dir, "folder.md"), 0o755))
	write("big.md", okArticle+strings.Repeat("word ", 400))

	arts, errs, err := LoadDir(dir, Options{MaxBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	if !reflect.DeepEqual(ids, []string{"alias", "good"}) {
		t.Errorf("loaded %v, want the article and the link to it inside the folder", ids)
	}
	want := map[string]error{"fifo.md": ErrNotRegular, "zero.md": ErrNotRegular, "outside.md": ErrNotRegular, "folder.md": ErrNotRegular, "big.md": ErrTooLarge}
	got := map[string]error{}
	for _, e := range errs {
		var fe *FileError
		if !errors.As(e, &fe) {
			t.Fatalf("error %v is not a *FileError", e)
		}
		got[fe.File] = fe
	}
	for file, sentinel := range want {
		if !errors.Is(got[file], sentinel) {
			t.Errorf("%s: error %v, want %v", file, got[file], sentinel)
		}
	}
	if len(got) != len(want) {
		t.Errorf("skipped %v, want exactly %v", got, want)
	}
}

func art(id string) Article {
	return Article{ID: id, Title: id, Published: time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC), Body: "Body of " + id}
}

func TestReconcile(t *testing.T) {
	broken := &FileError{File: "b.md", Err: ErrFrontMatter}
	tests := []struct {
		name        string
		indexed     []string
		previous    []Article
		loaded      []Article
		errs        []error
		force       bool
		wantIDs     []string
		wantKept    []string
		wantRemoved []string
		refused     bool
	}{
		{name: "unchanged", indexed: []string{"a", "b"}, previous: []Article{art("a"), art("b")}, loaded: []Article{art("a"), art("b")}, wantIDs: []string{"a", "b"}},
		{name: "a broken file keeps its previous version", indexed: []string{"a", "b", "c"}, previous: []Article{art("a"), art("b"), art("c")},
			loaded: []Article{art("a"), art("c")}, errs: []error{broken}, wantIDs: []string{"a", "b", "c"}, wantKept: []string{"b"}},
		{name: "one of three removed", indexed: []string{"a", "b", "c"}, previous: []Article{art("a"), art("b"), art("c")},
			loaded: []Article{art("a"), art("b")}, wantIDs: []string{"a", "b"}, wantRemoved: []string{"c"}},
		{name: "an empty folder is refused", indexed: []string{"a", "b"}, loaded: nil, wantRemoved: []string{"a", "b"}, refused: true},
		{name: "more than half removed is refused", indexed: []string{"a", "b", "c"}, loaded: []Article{art("a")}, wantIDs: []string{"a"}, wantRemoved: []string{"b", "c"}, refused: true},
		{name: "forced", indexed: []string{"a", "b", "c"}, loaded: []Article{art("a")}, force: true, wantIDs: []string{"a"}, wantRemoved: []string{"b", "c"}},
		{name: "the first load", indexed: nil, loaded: []Article{art("a")}, wantIDs: []string{"a"}},
		{name: "half removed is allowed", indexed: []string{"a", "b"}, previous: []Article{art("a"), art("b")}, loaded: []Article{art("a")}, wantIDs: []string{"a"}, wantRemoved: []string{"b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Reconcile(tc.indexed, tc.previous, tc.loaded, tc.errs, tc.force)
			if tc.refused != errors.Is(err, ErrTooManyRemovals) {
				t.Fatalf("err = %v, refused want %t", err, tc.refused)
			}
			var ids []string
			for _, a := range r.Articles {
				ids = append(ids, a.ID)
			}
			if !tc.refused && !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("articles %v, want %v", ids, tc.wantIDs)
			}
			if !reflect.DeepEqual(r.Kept, tc.wantKept) || !reflect.DeepEqual(r.Removed, tc.wantRemoved) {
				t.Errorf("kept %v removed %v, want %v %v", r.Kept, r.Removed, tc.wantKept, tc.wantRemoved)
			}
		})
	}
}
