// Package fetch is the fetcher of web articles: it downloads a news page
// safely (public addresses only, bounded in time and size, HTML only),
// extracts the article (title, date, site, text), and adds it to the corpus
// directory as a Markdown file, refusing duplicates.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Defaults for Config fields left zero.
const (
	DefaultTimeout   = 20 * time.Second
	DefaultMaxBytes  = 5 << 20
	DefaultUserAgent = "situationbot/1 (+https://github.com/situationbot/bot)"
	maxRedirects     = 5
)

// Config sets the limits of a Client. The zero value is ready to use.
type Config struct {
	Timeout      time.Duration // whole request, body included; default 20s
	MaxBytes     int64         // largest body accepted; default 5 MiB
	AllowPrivate bool          // allow loopback and private addresses (tests only)
	UserAgent    string        // default DefaultUserAgent
}

// Client fetches web pages within the limits of its Config. It is safe for
// concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
}

// Document is a fetched HTML page.
type Document struct {
	URL         *url.URL // final URL, after redirects
	HTML        []byte   // the page, converted to UTF-8
	ContentType string   // media type, e.g. "text/html"
}

// New returns a Client. Its transport uses no proxy (a proxy would be the
// only address dialled and defeat the address check) and checks every
// address it dials unless cfg.AllowPrivate.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !cfg.AllowPrivate {
		d.Control = dialControl
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        10,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	hc := &http.Client{Transport: tr, CheckRedirect: checkRedirect}
	return &Client{cfg: cfg, hc: hc}
}

// HTTPClient is an http.Client with the same safety (addresses checked
// when dialled, at most 5 redirects, http and https only, no proxy) and the
// Timeout, for fetching other things than articles, such as feeds. Bodies
// are the caller's to limit.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{Transport: c.hc.Transport, CheckRedirect: c.hc.CheckRedirect, Timeout: c.cfg.Timeout}
}

// checkRedirect allows at most maxRedirects redirects, to http or https
// only. The address check applies to each hop when it is dialled.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("%w (more than %d; a redirect loop?)", ErrTooManyRedirects, maxRedirects)
	}
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("%w: redirected to %s:", ErrScheme, s)
	}
	return nil
}

// ParseURL checks that raw is an absolute http or https URL with a host.
func ParseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("%w: %q", ErrBadURL, raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return nil, fmt.Errorf("%w, not %s:", ErrScheme, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q has no host", ErrBadURL, raw)
	}
	return u, nil
}

// Get fetches rawURL and returns the page as UTF-8 HTML. The whole exchange,
// body included, must finish within Config.Timeout; the body may not exceed
// Config.MaxBytes; the response must be a success and HTML (text/html or
// application/xhtml+xml). The page is decoded from the charset its
// Content-Type or <meta> declares.
func (c *Client) Get(ctx context.Context, rawURL string) (*Document, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.explain(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Code: resp.StatusCode, URL: resp.Request.URL.String()}
	}
	if resp.ContentLength > c.cfg.MaxBytes {
		return nil, tooLarge(c.cfg.MaxBytes)
	}
	ctype := resp.Header.Get("Content-Type")
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBytes+1))
	if err != nil {
		return nil, c.explain(ctx, err)
	}
	if int64(len(body)) > c.cfg.MaxBytes {
		return nil, tooLarge(c.cfg.MaxBytes)
	}
	if ctype == "" {
		ctype = http.DetectContentType(body)
	}
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = ctype
	}
	if mt != "text/html" && mt != "application/xhtml+xml" {
		return nil, fmt.Errorf("%w: the link points to %s, and only HTML articles can be added", ErrNotHTML, describeType(mt))
	}
	enc, _, _ := charset.DetermineEncoding(body, ctype)
	utf, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot decode its text: %v", ErrNotHTML, err)
	}
	return &Document{URL: resp.Request.URL, HTML: utf, ContentType: mt}, nil
}

// explain turns a transport error into one of the package's errors, keeping
// the cause.
func (c *Client) explain(ctx context.Context, err error) error {
	var addrErr *AddressError
	if errors.As(err, &addrErr) {
		return addrErr
	}
	if errors.Is(err, ErrTooManyRedirects) || errors.Is(err, ErrScheme) {
		return errors.Unwrap(err) // checkRedirect's error without the *url.Error prefix
	}
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("%w (%s)", ErrTimeout, c.cfg.Timeout)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return fmt.Errorf("%w: no such host %s", ErrUnreachable, dnsErr.Name)
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}

// describeType names a media type for a moderator.
func describeType(mt string) string {
	switch {
	case mt == "application/pdf":
		return "a PDF"
	case strings.HasPrefix(mt, "image/"):
		return "an image (" + mt + ")"
	case strings.HasPrefix(mt, "video/"), strings.HasPrefix(mt, "audio/"):
		return "a media file (" + mt + ")"
	case mt == "application/octet-stream":
		return "a binary file"
	case mt == "":
		return "content of unknown type"
	}
	return mt + " content"
}
