// Package corpus owns the news articles the bot answers from: Markdown files
// with YAML front matter, and Load, which parses a directory of them.
//
// An article file looks like this:
//
//	---
//	title: "Civilians evacuated from besieged Homs"
//	published: 2014-02-07
//	source: "Example News"            # optional
//	url: "https://example.com/a"     # optional
//	place: "Homs"                     # optional
//	---
//
//	Body text, in paragraphs separated by blank lines.
//
// The article ID is the file name without ".md".
package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// DateLayout is the layout of the published field and of dates shown to users
// in machine-readable form.
const DateLayout = "2006-01-02"

// Sentinel errors describing why a file was skipped. FileError wraps one of them.
var (
	ErrFrontMatter = errors.New("missing or malformed front matter")
	ErrTitle       = errors.New("missing title")
	ErrDate        = errors.New("missing or invalid published date (want YYYY-MM-DD)")
	ErrEmptyBody   = errors.New("empty body")
	ErrEncoding    = errors.New("not valid UTF-8")
	ErrNotRegular  = errors.New("not a regular file (a FIFO, device or directory) or a link that leaves the corpus folder: skipped")
	ErrTooLarge    = errors.New("larger than the article size limit (MAX_ARTICLE_BYTES): skipped")
)

// DefaultMaxArticleBytes is the largest article file read when no limit is
// given: far above any news article, far below what would hurt.
const DefaultMaxArticleBytes = 4 << 20

// Options tunes loading.
type Options struct {
	MaxBytes int64 // largest file read; 0 means DefaultMaxArticleBytes
}

// Article is one news article of the corpus.
type Article struct {
	ID        string    // file name without .md
	Title     string    // front matter title
	Published time.Time // front matter published date, UTC midnight
	Source    string    // optional publisher
	URL       string    // optional link to the original
	Place     string    // optional dateline
	Body      string    // Markdown body, front matter removed, line endings normalised
	Hash      string    // hex SHA-256 of the whole file, to detect changes
}

// FileError reports a file that could not be loaded, and why.
type FileError struct {
	File string // path inside the corpus directory
	Err  error  // wraps one of the sentinel errors
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// frontMatter is the YAML header of an article. Published is read as a
// string so that the date format can be checked strictly.
type frontMatter struct {
	Title     string `yaml:"title"`
	Published string `yaml:"published"`
	Source    string `yaml:"source"`
	URL       string `yaml:"url"`
	Place     string `yaml:"place"`
}

// LoadDir is Load on the directory dir, opened as an os.Root so that no
// symbolic link leads out of it: a link to a file elsewhere, or to
// /dev/zero, is skipped like any file that is not regular.
func LoadDir(dir string, opt Options) ([]Article, []error, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open corpus: %w", err)
	}
	defer root.Close()
	return load(root.FS(), opt, func(name string, max int64) ([]byte, error) { return readRooted(root, name, max) })
}

// Load is LoadWith and the default options.
func Load(fsys fs.FS) ([]Article, []error, error) { return LoadWith(fsys, Options{}) }

// LoadWith reads every *.md file at the top of fsys and returns the valid
// articles sorted by publication date, then ID. Files that cannot be parsed
// are skipped, each with a *FileError naming the file and the problem; the
// other files still load. Only regular files are read (a FIFO or a device
// is never opened, so it cannot hang or flood the load), each through
// opt.MaxBytes. The error is non-nil only when the directory itself cannot
// be read.
func LoadWith(fsys fs.FS, opt Options) ([]Article, []error, error) {
	return load(fsys, opt, func(name string, max int64) ([]byte, error) { return readArticle(fsys, name, max) })
}

// load is LoadWith with the function that reads one file.
func load(fsys fs.FS, opt Options, read func(name string, max int64) ([]byte, error)) ([]Article, []error, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxArticleBytes
	}
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, nil, fmt.Errorf("list corpus: %w", err)
	}
	if _, err := fs.Stat(fsys, "."); err != nil {
		return nil, nil, fmt.Errorf("open corpus: %w", err)
	}
	var arts []Article
	var errs []error
	for _, name := range names {
		if strings.EqualFold(name, "README.md") {
			continue
		}
		data, err := read(name, opt.MaxBytes)
		if err != nil {
			errs = append(errs, &FileError{File: name, Err: err})
			continue
		}
		a, err := Parse(strings.TrimSuffix(path.Base(name), ".md"), data)
		if err != nil {
			errs = append(errs, &FileError{File: name, Err: err})
			continue
		}
		arts = append(arts, a)
	}
	sortArticles(arts)
	return arts, errs, nil
}

// sortArticles orders articles by publication date, then ID.
func sortArticles(arts []Article) {
	sort.Slice(arts, func(i, j int) bool {
		if !arts[i].Published.Equal(arts[j].Published) {
			return arts[i].Published.Before(arts[j].Published)
		}
		return arts[i].ID < arts[j].ID
	})
}

// readArticle reads one file of the corpus: a regular file (a link is
// followed, inside fsys only), of at most max bytes.
func readArticle(fsys fs.FS, name string, max int64) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (%v)", ErrNotRegular, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, info.Mode().Type())
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, info.Size(), max)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpen(f, max)
}

// readRooted reads one file of a corpus folder opened as an os.Root. The
// file is opened without blocking (a FIFO put in place of a file after
// the listing does not hang the open) and its type checked on the open
// file itself, so nothing but a regular file is ever read.
func readRooted(root *os.Root, name string, max int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (%v)", ErrNotRegular, err)
	}
	defer f.Close()
	return readOpen(f, max)
}

// readOpen reads an open file: a regular file, of at most max bytes.
func readOpen(f fs.File, max int64) ([]byte, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, info.Mode().Type())
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, info.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max { // it grew since Stat
		return nil, fmt.Errorf("%w (over %d bytes)", ErrTooLarge, max)
	}
	return data, nil
}

// Parse parses one article file. id becomes the article ID.
func Parse(id string, data []byte) (Article, error) {
	if !utf8.Valid(data) {
		return Article{}, ErrEncoding
	}
	sum := sha256.Sum256(data)
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\ufeff"))), "\r\n", "\n")
	head, body, ok := splitFrontMatter(text)
	if !ok {
		return Article{}, ErrFrontMatter
	}
	var fm frontMatter
	if err := yaml.Unmarshal([]byte(head), &fm); err != nil {
		return Article{}, fmt.Errorf("%w: %v", ErrFrontMatter, err)
	}
	fm.Title = strings.TrimSpace(fm.Title)
	if fm.Title == "" {
		return Article{}, ErrTitle
	}
	pub, err := time.Parse(DateLayout, strings.TrimSpace(fm.Published))
	if err != nil {
		return Article{}, fmt.Errorf("%w: %q", ErrDate, fm.Published)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Article{}, ErrEmptyBody
	}
	return Article{
		ID:        id,
		Title:     fm.Title,
		Published: pub,
		Source:    strings.TrimSpace(fm.Source),
		URL:       strings.TrimSpace(fm.URL),
		Place:     strings.TrimSpace(fm.Place),
		Body:      body,
		Hash:      hex.EncodeToString(sum[:]),
	}, nil
}

// splitFrontMatter splits "---\nYAML\n---\nbody" into its two parts.
func splitFrontMatter(text string) (head, body string, ok bool) {
	rest, found := strings.CutPrefix(text, "---\n")
	if !found {
		return "", "", false
	}
	if strings.HasPrefix(rest, "---\n") {
		return "", rest[4:], true
	}
	i := strings.Index(rest, "\n---\n")
	if i < 0 {
		if strings.HasSuffix(rest, "\n---") {
			return rest[:len(rest)-4], "", true
		}
		return "", "", false
	}
	return rest[:i], rest[i+5:], true
}

// Newest returns the latest publication date among arts, or the zero time.
func Newest(arts []Article) time.Time {
	var t time.Time
	for _, a := range arts {
		if a.Published.After(t) {
			t = a.Published
		}
	}
	return t
}

// HumanDate formats t the way answers show dates: "7 Feb 2014".
func HumanDate(t time.Time) string { return t.Format("2 Jan 2006") }
