package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/mmcdole/gofeed"
)

// ErrNotFeed is the error of a feed URL whose answer is not RSS, Atom or
// JSON Feed: a web page, say.
var ErrNotFeed = errors.New("not a feed")

// ErrTooLarge is the error of a feed whose body is longer than
// Config.MaxBytes.
var ErrTooLarge = errors.New("feed too large")

// StatusError is the error of a feed URL that answered with an HTTP status
// other than 200-299 or 304.
type StatusError struct {
	Code   int
	Status string // as the server gave it: "503 Service Unavailable"
}

func (e *StatusError) Error() string { return "HTTP " + e.Status }

// userAgent names the bot to feed servers.
const userAgent = "situationbot-feeds/1 (+https://github.com/situationbot/bot)"

// accept asks for a feed, in any of the three formats.
const accept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"

// validators are a feed's HTTP cache validators, sent back on the next
// request so that an unchanged feed costs a 304 and no body.
type validators struct {
	ETag         string
	LastModified string
}

// document is a feed as downloaded.
type document struct {
	feed        *gofeed.Feed
	base        *url.URL // the URL the feed came from, after redirects: links are resolved against it
	valid       validators
	notModified bool
}

// download gets the feed at rawURL, conditionally when v holds validators,
// reading at most maxBytes of body, and parses it. The caller's ctx carries
// the deadline.
func download(ctx context.Context, client *http.Client, rawURL string, v validators, maxBytes int64) (document, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return document{}, err
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", accept)
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return document{}, err
	}
	defer resp.Body.Close()

	conditional := v != validators{}
	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		return document{notModified: true, valid: v}, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return document{}, &StatusError{Code: resp.StatusCode, Status: resp.Status}
	}
	if resp.ContentLength > maxBytes {
		return document{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return document{}, fmt.Errorf("read feed: %w", err)
	}
	if int64(len(body)) > maxBytes {
		return document{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return document{}, fmt.Errorf("%w (Content-Type %q)", ErrNotFeed, ct)
		}
		return document{}, fmt.Errorf("%w: %v", ErrNotFeed, err)
	}
	return document{
		feed: feed,
		base: resp.Request.URL,
		valid: validators{
			ETag:         resp.Header.Get("ETag"),
			LastModified: resp.Header.Get("Last-Modified"),
		},
	}, nil
}
