package corpus

import (
	"errors"
	"os"
	"testing"
	"testing/fstest"
	"time"
)

func TestLoadSkipsBadFiles(t *testing.T) {
	good := "---\ntitle: \"Good\"\npublished: 2014-02-07\nurl: https://example.com/g\n---\n\nBody text.\n"
	fsys := fstest.MapFS{
		"good.md":       {Data: []byte(good)},
		"crlf.md":       {Data: []byte("---\r\ntitle: CRLF\r\npublished: 2014-01-26\r\n---\r\n\r\nLine one.\r\n")},
		"nofront.md":    {Data: []byte("Just a body.\n")},
		"unclosed.md":   {Data: []byte("---\ntitle: x\npublished: 2014-02-07\nbody without end\n")},
		"baddate.md":    {Data: []byte("---\ntitle: x\npublished: 7 Feb 2014\n---\nBody.\n")},
		"nodate.md":     {Data: []byte("---\ntitle: x\n---\nBody.\n")},
		"notitle.md":    {Data: []byte("---\npublished: 2014-02-07\n---\nBody.\n")},
		"empty.md":      {Data: []byte("---\ntitle: x\npublished: 2014-02-07\n---\n  \n\n")},
		"latin1.md":     {Data: []byte("---\ntitle: caf\xe9\npublished: 2014-02-07\n---\nBody.\n")},
		"badyaml.md":    {Data: []byte("---\ntitle: [unclosed\npublished: 2014-02-07\n---\nBody.\n")},
		"notes.txt":     {Data: []byte("ignored")},
		"sub/nested.md": {Data: []byte(good)},
	}
	arts, errs, err := Load(fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(arts) != 2 || arts[0].ID != "crlf" || arts[1].ID != "good" {
		t.Fatalf("Load articles = %+v, want crlf then good (sorted by date)", arts)
	}
	if arts[1].URL != "https://example.com/g" || arts[1].Body != "Body text." || arts[1].Hash == "" {
		t.Errorf("good article = %+v", arts[1])
	}
	if arts[0].Body != "Line one." {
		t.Errorf("CRLF body = %q, want %q", arts[0].Body, "Line one.")
	}
	want := map[string]error{
		"nofront.md":  ErrFrontMatter,
		"unclosed.md": ErrFrontMatter,
		"baddate.md":  ErrDate,
		"nodate.md":   ErrDate,
		"notitle.md":  ErrTitle,
		"empty.md":    ErrEmptyBody,
		"latin1.md":   ErrEncoding,
		"badyaml.md":  ErrFrontMatter,
	}
	if len(errs) != len(want) {
		t.Fatalf("Load errors = %v, want %d", errs, len(want))
	}
	for _, e := range errs {
		var fe *FileError
		if !errors.As(e, &fe) {
			t.Fatalf("error %v is not a *FileError", e)
		}
		if w, ok := want[fe.File]; !ok || !errors.Is(e, w) {
			t.Errorf("error for %s = %v, want %v", fe.File, e, w)
		}
	}
}

func TestHumanDate(t *testing.T) {
	d := time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC)
	if got := HumanDate(d); got != "7 Feb 2014" {
		t.Errorf("HumanDate(%v) = %q, want 7 Feb 2014", d, got)
	}
}

func TestLoadMissingDir(t *testing.T) {
	if _, _, err := Load(os.DirFS("testdata/does-not-exist")); err == nil {
		t.Fatal("Load of a missing directory: want error")
	}
}

func TestLoadShippedCorpus(t *testing.T) {
	arts, errs, err := Load(os.DirFS("."))
	if err != nil || len(errs) != 0 {
		t.Fatalf("Load(corpus) err=%v errs=%v", err, errs)
	}
	if len(arts) < 2 {
		t.Fatalf("got %d articles, want at least 2", len(arts))
	}
	newest := Newest(arts)
	for _, a := range arts {
		if a.Published.After(newest) {
			t.Errorf("Newest = %v, but %s is newer", newest, a.ID)
		}
		if a.Published.Location() != time.UTC || a.Title == "" {
			t.Errorf("article %s: %+v", a.ID, a)
		}
	}
}
