package logging

import (
	"context"
	"log/slog"
)

// WithMinLevel returns a logger that drops records below min before they
// reach l's handler. opendray gives it to libraries whose info lines are
// noise to an operator (protoactor logs every dead letter at info).
func WithMinLevel(l *slog.Logger, min slog.Leveler) *slog.Logger {
	return slog.New(&minLevel{next: l.Handler(), min: min})
}

type minLevel struct {
	next slog.Handler
	min  slog.Leveler
}

func (h *minLevel) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min.Level() && h.next.Enabled(ctx, level)
}

func (h *minLevel) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, r)
}

func (h *minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &minLevel{next: h.next.WithAttrs(attrs), min: h.min}
}

func (h *minLevel) WithGroup(name string) slog.Handler {
	return &minLevel{next: h.next.WithGroup(name), min: h.min}
}
