package feeds

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseFeeds(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr []string // substrings of the error, one per bad URL
	}{
		{name: "empty", in: "  ", want: nil},
		{name: "one", in: "https://example.com/feed.xml", want: []string{"https://example.com/feed.xml"}},
		{
			name: "commas and spaces",
			in:   "https://a.example/rss, http://b.example/atom.xml\n\thttps://c.example/feed.json,,",
			want: []string{"https://a.example/rss", "http://b.example/atom.xml", "https://c.example/feed.json"},
		},
		{name: "repeats dropped", in: "https://a.example/rss https://a.example/rss", want: []string{"https://a.example/rss"}},
		{
			name:    "every bad one reported",
			in:      "ftp://a.example/rss https://ok.example/ example.com/feed http:// http://[::1",
			want:    []string{"https://ok.example/"},
			wantErr: []string{`"ftp://a.example/rss": want an http or https URL`, `"example.com/feed": want an http`, `"http://": no host`, `"http://[::1": missing ']'`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFeeds(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseFeeds(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkErr(t, err, tc.wantErr)
		})
	}
}

func TestReadFeedsFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
		wantErr []string
	}{
		{
			name:    "comments and blank lines",
			content: "# news\nhttps://a.example/rss\n\n   # indented comment\nhttps://b.example/atom # heise\nhttps://a.example/rss\n",
			want:    []string{"https://a.example/rss", "https://b.example/atom"},
		},
		{
			name:    "bad lines by number",
			content: "https://a.example/rss\nhttps://b.example/ https://c.example/\nmailto:x@example.com\n",
			want:    []string{"https://a.example/rss"},
			wantErr: []string{"line 2: want one URL a line", `line 3: feed "mailto:x@example.com": want an http`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "feeds.txt")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadFeedsFile(path)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadFeedsFile = %q, want %q", got, tc.want)
			}
			checkErr(t, err, tc.wantErr)
		})
	}
	if _, err := ReadFeedsFile(filepath.Join(t.TempDir(), "missing.txt")); err == nil {
		t.Error("ReadFeedsFile(missing file) = nil error")
	}
}

// checkErr fails unless err holds every one of want, or is nil when want is.
func checkErr(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Errorf("error = %v, want none", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("error = nil, want one saying %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error = %v, want it to say %q", err, w)
		}
	}
}
