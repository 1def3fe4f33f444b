package fetch

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// testServer serves the fault cases and the test pages:
//
//	/article, /nodate, /nav, /latin1   testdata/*.html as text/html
//	/latin1-header                     latin1.html, charset only in the header
//	/pdf, /png, /binary, /nosniff      other content types
//	/404, /500                         errors
//	/stall                             never answers (until the client gives up)
//	/trickle                           sends headers, then a few bytes now and then
//	/endless                           streams HTML forever
//	/huge-declared                     declares a Content-Length over the limit
//	/loop                              redirects to itself
//	/hop/N                             redirects N times, then to /article
//	/to-ftp                            redirects to ftp://
//
// and the extra handlers given.
func testServer(t *testing.T, extra ...map[string]http.HandlerFunc) *httptest.Server {
	t.Helper()
	page := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name + ".html")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mux := http.NewServeMux()
	for _, name := range []string{"article", "nodate", "nav"} {
		b := page(name)
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(b)
		})
	}
	latin1 := page("latin1")
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(latin1)
	})
	mux.HandleFunc("/latin1-header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=ISO-8859-1")
		w.Write(bytes.Replace(latin1, []byte("charset=iso-8859-1"), []byte("x"), 1))
	})
	typed := map[string]string{"/pdf": "application/pdf", "/png": "image/png", "/binary": "application/octet-stream", "/json": "application/json"}
	for path, ctype := range typed {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write([]byte("%PDF-1.4 \x00\x01\x02 not html"))
		})
	}
	mux.HandleFunc("/nosniff", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // no header: the body is sniffed
		w.Write([]byte("\x00\x01\x02\x03 binary"))
	})
	mux.HandleFunc("/404", http.NotFound)
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the client hangs up at its deadline
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		for r.Context().Err() == nil {
			if _, err := w.Write([]byte("<p>")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
		}
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>"))
		chunk := bytes.Repeat([]byte("<p>more words, forever and ever</p>\n"), 100)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/huge-declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "999999999")
		w.Write([]byte("<html>"))
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		n := strings.TrimPrefix(r.URL.Path, "/hop/")
		if n == "0" {
			http.Redirect(w, r, "/article", http.StatusMovedPermanently)
			return
		}
		http.Redirect(w, r, "/hop/"+string(rune(n[0]-1)), http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/file", http.StatusFound)
	})
	for _, handlers := range extra {
		for path, h := range handlers {
			mux.HandleFunc(path, h)
		}
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// testClient allows the loopback test server, with small limits.
func testClient() *Client {
	return New(Config{AllowPrivate: true, Timeout: 2 * time.Second, MaxBytes: 256 << 10})
}

func TestGetRefuses(t *testing.T) {
	srv := testServer(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name     string
		client   *Client
		url      string
		want     error
		contains string // in the message shown to the moderator
	}{
		{"not a URL", testClient(), "homs siege", ErrBadURL, "not a web address"},
		{"no scheme", testClient(), "example.com/news", ErrBadURL, "not a web address"},
		{"scheme-relative", testClient(), "//example.com/news", ErrBadURL, "not a web address"},
		{"ftp", testClient(), "ftp://example.com/a.html", ErrScheme, "only http and https"},
		{"javascript", testClient(), "javascript:alert(1)", ErrScheme, "only http and https"},
		{"no host", testClient(), "https:///path", ErrBadURL, "no host"},
		{"404", testClient(), srv.URL + "/404", ErrStatus, "404 Not Found"},
		{"500", testClient(), srv.URL + "/500", ErrStatus, "500 Internal Server Error"},
		{"stalls", New(Config{AllowPrivate: true, Timeout: 300 * time.Millisecond}), srv.URL + "/stall", ErrTimeout, "did not answer in time"},
		{"body trickles", New(Config{AllowPrivate: true, Timeout: 300 * time.Millisecond}), srv.URL + "/trickle", ErrTimeout, "did not answer in time"},
		{"connection refused", testClient(), closed.URL + "/article", ErrUnreachable, "cannot reach the site"},
		{"pdf", testClient(), srv.URL + "/pdf", ErrNotHTML, "a PDF"},
		{"image", testClient(), srv.URL + "/png", ErrNotHTML, "an image"},
		{"octet-stream", testClient(), srv.URL + "/binary", ErrNotHTML, "a binary file"},
		{"json", testClient(), srv.URL + "/json", ErrNotHTML, "application/json"},
		{"sniffed binary", testClient(), srv.URL + "/nosniff", ErrNotHTML, "only HTML articles"},
		{"endless body", testClient(), srv.URL + "/endless", ErrTooLarge, "page larger than 256 KB"},
		{"declared too large", testClient(), srv.URL + "/huge-declared", ErrTooLarge, "page larger than 256 KB"},
		{"redirect loop", testClient(), srv.URL + "/loop", ErrTooManyRedirects, "too many redirects"},
		{"six redirects", testClient(), srv.URL + "/hop/5", ErrTooManyRedirects, "more than 5"},
		{"redirect to ftp", testClient(), srv.URL + "/to-ftp", ErrScheme, "only http and https"},
		{"loopback without AllowPrivate", New(Config{Timeout: 2 * time.Second}), srv.URL + "/article", ErrPrivateAddress, "refusing to connect to 127.0.0.1"},
		{"localhost without AllowPrivate", New(Config{Timeout: 2 * time.Second}), strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/article", ErrPrivateAddress, "not on the public internet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := tc.client.Get(context.Background(), tc.url)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Get(%s) = %v, %v; want %v", tc.url, doc, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("Get(%s) error %q does not say %q", tc.url, err, tc.contains)
			}
		})
	}
}

func TestGetStatusError(t *testing.T) {
	srv := testServer(t)
	_, err := testClient().Get(context.Background(), srv.URL+"/404")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 404 || se.URL != srv.URL+"/404" {
		t.Errorf("Get(/404) error = %#v, want a *StatusError with code 404", err)
	}
}

func TestGetCancelledContext(t *testing.T) {
	srv := testServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := testClient().Get(ctx, srv.URL+"/article"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestGetDecodesAndFollows(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		name, path, finalPath, contains string
	}{
		{"utf-8", "/article", "/article", "Aid convoy reaches"},
		{"five redirects", "/hop/4", "/article", "Aid convoy reaches"},
		{"latin-1 declared in meta", "/latin1", "/latin1", "Les négociations reprennent à Genève"},
		{"latin-1 declared in header", "/latin1-header", "/latin1-header", "délégations du gouvernement"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := testClient().Get(context.Background(), srv.URL+tc.path)
			if err != nil {
				t.Fatalf("Get(%s): %v", tc.path, err)
			}
			if doc.URL.Path != tc.finalPath {
				t.Errorf("final URL = %s, want path %s", doc.URL, tc.finalPath)
			}
			if !bytes.Contains(doc.HTML, []byte(tc.contains)) {
				t.Errorf("Get(%s) HTML does not contain %q", tc.path, tc.contains)
			}
			if doc.ContentType != "text/html" {
				t.Errorf("content type = %q, want text/html", doc.ContentType)
			}
		})
	}
}
