package corpus

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteRoundTrip(t *testing.T) {
	day := time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   Article
	}{
		{"plain", Article{Title: "Civilians evacuated from Homs", Published: day, Body: "One.\n\nTwo."}},
		{"all fields", Article{Title: "Talks resume", Published: day, Source: "Example News", URL: "https://example.com/a?b=c&d=e#f", Place: "Geneva", Body: "Body."}},
		{"quotes and colons", Article{Title: `Assad: "no deal" — 'never' \ ever`, Published: day, Source: `O'Brien: "Daily"`, Body: "Body."}},
		{"newlines and tabs", Article{Title: "Line one\nLine two\r\n\tthree", Published: day, Body: "Body."}},
		{"yaml lookalikes", Article{Title: "--- # not a comment: [x] {y} &a *b !tag | > % @ `", Published: day, Source: "yes", URL: "null", Place: "2014-02-07", Body: "Body."}},
		{"unicode breaks and controls", Article{Title: "a\u0085b\u2028c\u2029d\ufeffe\u0007f\u00a0g 😀", Published: day, Body: "Body."}},
		{"body with a front matter fence", Article{Title: "Fences", Published: day, Body: "Before.\n---\ntitle: fake\n---\nAfter."}},
		{"crlf body and padded title", Article{Title: "  Padded  ", Published: day, Body: "\r\nOne.\r\n\r\nTwo.\r\n"}},
		{"accented title", Article{Title: "Le projet de loi sur le renseignement approuvé à l'Assemblée", Published: day, Source: "Le Monde.fr", Body: "Texte."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path, err := Write(dir, tc.in)
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			arts, errs, err := Load(os.DirFS(dir))
			if err != nil || len(errs) != 0 || len(arts) != 1 {
				t.Fatalf("Load after Write: arts=%d errs=%v err=%v\n%s", len(arts), errs, err, Format(tc.in))
			}
			got := arts[0]
			want := tc.in
			want.Title = strings.TrimSpace(want.Title)
			want.Body = strings.TrimSpace(strings.ReplaceAll(want.Body, "\r\n", "\n"))
			want.ID = strings.TrimSuffix(filepath.Base(path), ".md")
			want.Hash = got.Hash
			if got != want {
				t.Errorf("Load(Write(a)) = %+v\nwant %+v\nfile:\n%s", got, want, Format(tc.in))
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("files in dir = %v, want only the article", entries)
			}
		})
	}
}

func TestWriteNamesAndRefusals(t *testing.T) {
	dir := t.TempDir()
	a := Article{Title: "Syria talks: day two", Published: time.Date(2014, 1, 26, 0, 0, 0, 0, time.UTC), Body: "Text."}
	var names []string
	for range 3 {
		path, err := Write(dir, a)
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		names = append(names, filepath.Base(path))
	}
	want := []string{"2014-01-26-syria-talks-day-two.md", "2014-01-26-syria-talks-day-two-2.md", "2014-01-26-syria-talks-day-two-3.md"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("names = %v, want %v", names, want)
	}

	withID := a
	withID.ID = "2014-01-26-syria-talks-day-two"
	if _, err := Write(dir, withID); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Write with a taken ID: err = %v, want fs.ErrExist", err)
	}
	bad := []struct {
		name string
		a    Article
		want error
	}{
		{"no title", Article{Title: "  ", Published: a.Published, Body: "x"}, ErrTitle},
		{"no date", Article{Title: "t", Body: "x"}, ErrDate},
		{"no body", Article{Title: "t", Published: a.Published, Body: " \n "}, ErrEmptyBody},
		{"bad utf-8", Article{Title: "caf\xe9", Published: a.Published, Body: "x"}, ErrEncoding},
	}
	for _, tc := range bad {
		if _, err := Write(dir, tc.a); !errors.Is(err, tc.want) {
			t.Errorf("Write(%s): err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := Write(dir, Article{ID: "../escape", Title: "t", Published: a.Published, Body: "x"}); err == nil {
		t.Error("Write with ID ../escape: want error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("files = %v, want the 3 articles and no temporary file", entries)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Civilians evacuated from besieged Homs", "civilians-evacuated-from-besieged-homs"},
		{"Obama admits US gun laws are his 'biggest frustration'", "obama-admits-us-gun-laws-are-his-biggest-frustration"},
		{"Apple’s Vision Pro hands-on: the Retina display moment", "apples-vision-pro-hands-on-the-retina-display-moment"},
		{"Le projet de loi approuvé à l'Assemblée", "le-projet-de-loi-approuve-a-lassemblee"},
		{"Straße, Æsir, Łódź, Øresund", "strasse-aesir-lodz-oresund"},
		{"Lupita Nyong'o's $150K Pearl Oscar Dress -- STOLEN!!!", "lupita-nyongos-150k-pearl-oscar-dress-stolen"},
		{"  --  ", "article"},
		{"حمص", "article"},
		{"One two three four five six seven eight nine ten eleven twelve thirteen", "one-two-three-four-five-six-seven-eight-nine-ten-eleven"},
		{strings.Repeat("x", 80), strings.Repeat("x", 60)},
	}
	for _, tc := range tests {
		if got := Slug(tc.in); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Slug(tc.in); len(got) > maxSlug {
			t.Errorf("Slug(%q) is %d bytes, want at most %d", tc.in, len(got), maxSlug)
		}
	}
}
