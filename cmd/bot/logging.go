package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// newLogger is the program's logger, on w (stderr): text lines, or one
// JSON object a line with LOG_FORMAT=json, at LOG_LEVEL (default info).
//
// At info the Discord bot, a service, logs what it does: that it is
// ready, one line per question. The other commands report what they did
// on stdout, so at info they log only warnings and errors, and their info
// lines (the index being built, a feed polled) are shown at debug; nor do
// they log the failures of calls the user cancelled (Ctrl-C in the
// console).
func newLogger(cfg config, w io.Writer) *slog.Logger {
	level := cfg.LogLevel
	if !cfg.service && level > slog.LevelDebug {
		level = max(level, slog.LevelWarn)
	}
	opt := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opt)
	if cfg.LogJSON {
		h = slog.NewJSONHandler(w, opt)
	}
	if !cfg.service {
		h = skipCanceled{h}
	}
	return slog.New(h)
}

// skipCanceled drops the records whose error is a cancellation.
type skipCanceled struct{ slog.Handler }

func (h skipCanceled) Handle(ctx context.Context, r slog.Record) error {
	canceled := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && errors.Is(err, context.Canceled) {
			canceled = true
		}
		return !canceled
	})
	if canceled {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h skipCanceled) WithAttrs(as []slog.Attr) slog.Handler {
	return skipCanceled{h.Handler.WithAttrs(as)}
}

func (h skipCanceled) WithGroup(name string) slog.Handler {
	return skipCanceled{h.Handler.WithGroup(name)}
}
