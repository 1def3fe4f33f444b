package discord

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// rewriteTransport sends every request to another base URL (DISCORD_API_URL):
// a REST proxy, or a test server. The gateway URL then comes from that
// server's answer to GET /gateway, as it would from Discord.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

// newRewriteTransport accepts a base URL with or without the API path:
// http://host:port, http://host:port/api or http://host:port/api/v9 all
// mean the same server.
func newRewriteTransport(base string, next http.RoundTripper) (*rewriteTransport, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("DISCORD_API_URL=%q: want an http:// or https:// URL", base)
	}
	return &rewriteTransport{base: u, next: next}, nil
}

// RoundTrip rewrites the request's scheme, host and path prefix.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.Host = t.base.Host
	prefix := strings.TrimSuffix(t.base.Path, "/")
	path := req.URL.Path
	switch {
	case strings.HasSuffix(prefix, "/api"):
		path = strings.TrimPrefix(path, "/api")
	case hasVersionSuffix(prefix):
		path = strings.TrimPrefix(path, "/api")
		if i := strings.Index(path[1:], "/"); i >= 0 && strings.HasPrefix(path, "/v") {
			path = path[i+1:]
		}
	}
	r.URL.Path = prefix + path
	r.URL.RawPath = ""
	return t.next.RoundTrip(r)
}

// hasVersionSuffix reports whether p ends in /api/vN.
func hasVersionSuffix(p string) bool {
	i := strings.LastIndex(p, "/api/v")
	return i >= 0 && i+len("/api/v") < len(p) && !strings.Contains(p[i+len("/api/v"):], "/")
}
