package corpus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/internal/atomicfile"
	"golang.org/x/text/unicode/norm"
)

// maxSlug is the longest slug Slug returns, in bytes.
const maxSlug = 60

// Write stores a as a new article file in dir and returns its path. The file
// is named after a.ID when set, else "<published>-<Slug(title)>", adding -2,
// -3… when that name is taken; an existing file is never replaced. Write
// produces front matter that Load and Parse read back to the same Title,
// Published, Source, URL, Place and Body: the title is trimmed, the body
// trimmed with line endings normalised, and every string is YAML
// double-quoted, so quotes, colons and newlines survive.
//
// The file appears whole or not at all: it is written to a temporary file
// in dir, synced, then linked to its final name (which fails rather than
// overwrite), and the directory is synced.
func Write(dir string, a Article) (string, error) {
	a.Title = strings.TrimSpace(a.Title)
	a.Body = strings.TrimSpace(strings.ReplaceAll(a.Body, "\r\n", "\n"))
	switch {
	case a.Title == "":
		return "", ErrTitle
	case a.Published.IsZero():
		return "", ErrDate
	case a.Body == "":
		return "", ErrEmptyBody
	}
	for _, s := range []string{a.Title, a.Source, a.URL, a.Place, a.Body, a.ID} {
		if !utf8.ValidString(s) {
			return "", ErrEncoding
		}
	}
	data := Format(a)

	f, err := os.CreateTemp(dir, ".new-article-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write article: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful link the name is gone already
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", fmt.Errorf("write article: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write article: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write article: %w", err)
	}

	base, explicit := a.ID, a.ID != ""
	if !explicit {
		base = a.Published.Format(DateLayout) + "-" + Slug(a.Title)
	} else if strings.ContainsAny(base, `/\`) || base == "." || base == ".." {
		return "", fmt.Errorf("write article: invalid ID %q", a.ID)
	}
	for n := 1; n <= 1000; n++ {
		name := base + ".md"
		if n > 1 {
			name = base + "-" + strconv.Itoa(n) + ".md"
		}
		path := filepath.Join(dir, name)
		err := place(tmp, path)
		if err == nil {
			atomicfile.SyncDir(dir)
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("write article: %w", err)
		}
		if explicit {
			return "", fmt.Errorf("write article: %s: %w", name, fs.ErrExist)
		}
	}
	return "", fmt.Errorf("write article: too many files named %s-*.md", base)
}

// place gives the finished temporary file tmp its final name path, failing
// with fs.ErrExist if path exists. A hard link makes the check and the
// naming one atomic step; on file systems without hard links it falls back
// to a check then a rename.
func place(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(path); serr == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, path)
}

// Format renders a as an article file: front matter, a blank line, the body.
// Optional fields are left out when empty. Write uses it; it is exported so
// that callers can show what would be written.
func Format(a Article) []byte {
	var b strings.Builder
	b.WriteString("---\n")
	field := func(key, val string) {
		if val != "" {
			b.WriteString(key + ": " + quoteYAML(val) + "\n")
		}
	}
	field("title", strings.TrimSpace(a.Title))
	b.WriteString("published: " + a.Published.Format(DateLayout) + "\n")
	field("source", strings.TrimSpace(a.Source))
	field("url", strings.TrimSpace(a.URL))
	field("place", strings.TrimSpace(a.Place))
	b.WriteString("---\n\n")
	b.WriteString(strings.TrimSpace(strings.ReplaceAll(a.Body, "\r\n", "\n")))
	b.WriteString("\n")
	return []byte(b.String())
}

// quoteYAML returns s as a one-line YAML double-quoted scalar. Printable
// characters stay as they are; quotes and backslashes are escaped, and so is
// everything YAML could fold or refuse: line breaks (including U+0085,
// U+2028, U+2029), tabs, other controls and the byte-order mark.
func quoteYAML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || !unicode.IsPrint(r):
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// asciiFold spells letters that do not decompose into a base letter and
// accents.
var asciiFold = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d",
	'ł': "l", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŋ': "ng",
}

// Slug turns a title into a file-name slug: lower-case ASCII words joined by
// '-', accents folded ("Café déjà vu" → "cafe-deja-vu"), apostrophes dropped
// inside words ("Obama's" → "obamas"), at most 60 bytes cut at a word
// boundary. A title with no Latin letters or digits gives "article".
func Slug(title string) string {
	var words []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			words = append(words, w.String())
			w.Reset()
		}
	}
	for _, r := range norm.NFKD.String(strings.ToLower(title)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			w.WriteRune(r)
		case asciiFold[r] != "":
			w.WriteString(asciiFold[r])
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == 'ʼ':
			// accents and apostrophes join the letters around them
		default:
			flush()
		}
	}
	flush()
	var s string
	for _, word := range words {
		next := word
		if s != "" {
			next = s + "-" + word
		}
		if len(next) > maxSlug {
			if s == "" {
				s = word[:maxSlug]
			}
			break
		}
		s = next
	}
	if s == "" {
		return "article"
	}
	return s
}
