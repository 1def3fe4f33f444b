package fetch

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. Every error this package returns wraps one of them (test
// with errors.Is), and its message is phrased so that it can be shown to the
// moderator who asked for the article.
var (
	ErrBadURL           = errors.New("not a web address (want https://…)")
	ErrScheme           = errors.New("only http and https links can be added")
	ErrPrivateAddress   = errors.New("address is not on the public internet")
	ErrTooManyRedirects = errors.New("too many redirects")
	ErrUnreachable      = errors.New("cannot reach the site")
	ErrTimeout          = errors.New("the site did not answer in time")
	ErrStatus           = errors.New("the site answered with an error")
	ErrNotHTML          = errors.New("not a web page")
	ErrTooLarge         = errors.New("page too large")
	ErrNoArticle        = errors.New("no article text found on the page")
	ErrNoTitle          = errors.New("no title found on the page")
	ErrNoDate           = errors.New("no publication date found: give published:YYYY-MM-DD")
	ErrFutureDate       = errors.New("publication date is in the future")
	ErrDuplicate        = errors.New("already in the corpus")
)

// StatusError reports an HTTP response that was not a success. It wraps
// ErrStatus.
type StatusError struct {
	Code int    // HTTP status code, e.g. 404
	URL  string // the URL that answered
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("the site answered %d %s", e.Code, http.StatusText(e.Code))
}

// Unwrap returns ErrStatus.
func (e *StatusError) Unwrap() error { return ErrStatus }

// DuplicateError reports an article that is already in the corpus. It wraps
// ErrDuplicate.
type DuplicateError struct {
	ID  string // the existing article's ID (file name without .md)
	Why string // "same URL" or "same text"
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("already in the corpus as %s (%s)", e.ID, e.Why)
}

// Unwrap returns ErrDuplicate.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// tooLarge is the error for a body over limit bytes: "page larger than 5 MB".
func tooLarge(limit int64) error {
	return &msgError{msg: "page larger than " + sizeText(limit), err: ErrTooLarge}
}

// msgError is an error phrased its own way that still matches a sentinel.
type msgError struct {
	msg string
	err error
}

func (e *msgError) Error() string { return e.msg }
func (e *msgError) Unwrap() error { return e.err }

// sizeText says n bytes the way an error message should: "5 MB", "64 KB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
