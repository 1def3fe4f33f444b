package feeds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// notFound is an error type of another package that says it is permanent
// without importing this one.
type notFound struct{ permanent bool }

func (e notFound) Error() string   { return "HTTP 404 Not Found" }
func (e notFound) Permanent() bool { return e.permanent }

func TestIsPermanent(t *testing.T) {
	base := errors.New("no article text")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", base, false},
		{"deadline", fmt.Errorf("fetch: %w", context.DeadlineExceeded), false},
		{"already there", fmt.Errorf("%w: duplicate", ErrAlreadyThere), false},
		{"Permanent", Permanent(base), true},
		{"wrapped Permanent", fmt.Errorf("add: %w", Permanent(base)), true},
		{"own type, permanent", fmt.Errorf("fetch: %w", notFound{true}), true},
		{"own type, not permanent", notFound{false}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsPermanent(tc.err); got != tc.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if err := Permanent(base); !errors.Is(err, base) || err.Error() != base.Error() {
		t.Errorf("Permanent(%v) = %v, does not wrap it", base, err)
	}
}

func TestNewConfigErrors(t *testing.T) {
	add := func(context.Context, Item) (string, error) { return "", nil }
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"fine", Config{DataDir: "d", Add: add, Feeds: []string{"https://a.example/rss"}}, nil},
		{"no feeds is fine", Config{DataDir: "d", Add: add}, nil},
		{"everything wrong", Config{Timeout: -1, Feeds: []string{"file:///etc/passwd", "https://ok.example/"}},
			[]string{"no Add function", "no data directory", "negative Timeout", `"file:///etc/passwd": want an http or https URL`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			checkErr(t, err, tc.want)
			if err != nil && strings.Contains(err.Error(), "ok.example") {
				t.Errorf("New: error names a good URL: %v", err)
			}
		})
	}
}
