package feeds

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"unicode"
)

// ParseFeeds reads a list of feed URLs separated by commas or white space,
// as in the FEEDS variable. Every URL must be an absolute http or https URL
// with a host; every bad one is reported, at once. Repeats are dropped, the
// first order kept. An empty or blank list gives no URLs and no error.
func ParseFeeds(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	var urls []string
	var errs []error
	seen := make(map[string]bool)
	for _, f := range fields {
		if err := checkURL(f); err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[f] {
			seen[f] = true
			urls = append(urls, f)
		}
	}
	return urls, errors.Join(errs...)
}

// ReadFeedsFile reads feed URLs from a file, as named by FEEDS_FILE: one URL
// a line; blank lines and lines starting with # are skipped, and so is a
// comment after the URL that starts with #. Every bad line is reported, at
// once, with its number.
func ReadFeedsFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read feeds file: %w", err)
	}
	defer f.Close()
	urls, err := readFeeds(f)
	if err != nil {
		return urls, fmt.Errorf("%s: %w", path, err)
	}
	return urls, nil
}

// readFeeds is ReadFeedsFile on a reader.
func readFeeds(r io.Reader) ([]string, error) {
	var urls []string
	var errs []error
	seen := make(map[string]bool)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) > 1 && !strings.HasPrefix(fields[1], "#") {
			errs = append(errs, fmt.Errorf("line %d: want one URL a line, got %q", n, sc.Text()))
			continue
		}
		if err := checkURL(fields[0]); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		if !seen[fields[0]] {
			seen[fields[0]] = true
			urls = append(urls, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return urls, errors.Join(errs...)
}

// checkURL reports whether s is an absolute http or https URL with a host.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL
		}
		return fmt.Errorf("feed %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("feed %q: want an http or https URL", s)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("feed %q: no host", s)
	}
	return nil
}
