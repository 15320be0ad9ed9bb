package logging

import (
	"context"
	"errors"
	"log/slog"
	"strings"
)

// fanout sends every record to each handler that accepts its level.
type fanout struct {
	handlers []slog.Handler
}

func (f *fanout) Enabled(ctx context.Context, level slog.Level) bool {
	for _, h := range f.handlers {
		if h.Enabled(ctx, level) {
			return true
		}
	}
	return false
}

func (f *fanout) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range f.handlers {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (f *fanout) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := make([]slog.Handler, len(f.handlers))
	for i, h := range f.handlers {
		next[i] = h.WithAttrs(attrs)
	}
	return &fanout{handlers: next}
}

func (f *fanout) WithGroup(name string) slog.Handler {
	next := make([]slog.Handler, len(f.handlers))
	for i, h := range f.handlers {
		next[i] = h.WithGroup(name)
	}
	return &fanout{handlers: next}
}

// ringHandler turns records into Records in a Ring. Group names prefix
// attribute keys with dots, as the JSON handler nests them.
type ringHandler struct {
	ring   *Ring
	level  slog.Leveler
	attrs  map[string]any
	prefix string
}

func (h *ringHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

func (h *ringHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := make(map[string]any, len(h.attrs)+r.NumAttrs())
	for k, v := range h.attrs {
		attrs[k] = v
	}
	r.Attrs(func(a slog.Attr) bool {
		addAttr(attrs, h.prefix, a)
		return true
	})
	if len(attrs) == 0 {
		attrs = nil
	}
	h.ring.Append(Record{Time: r.Time, Level: r.Level.String(), Message: strings.Clone(r.Message), Attrs: attrs})
	return nil
}

func (h *ringHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := *h
	next.attrs = make(map[string]any, len(h.attrs)+len(attrs))
	for k, v := range h.attrs {
		next.attrs[k] = v
	}
	for _, a := range attrs {
		addAttr(next.attrs, h.prefix, a)
	}
	return &next
}

func (h *ringHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	next := *h
	next.prefix = h.prefix + name + "."
	return &next
}

// addAttr stores a resolved attribute under its prefixed key, flattening groups.
func addAttr(into map[string]any, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		groupPrefix := prefix
		if a.Key != "" {
			groupPrefix = prefix + a.Key + "."
		}
		for _, inner := range v.Group() {
			addAttr(into, groupPrefix, inner)
		}
		return
	}
	if a.Key == "" {
		return
	}
	into[prefix+a.Key] = plainValue(v)
}

// plainValue converts a resolved slog value into something encoding/json
// renders readably.
func plainValue(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		// The ring outlives the call, and fiber hands out strings that share
		// a request buffer it reuses, so keep a private copy.
		return strings.Clone(v.String())
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		return v.Float64()
	case slog.KindBool:
		return v.Bool()
	case slog.KindDuration:
		return v.Duration().String()
	case slog.KindTime:
		return v.Time()
	}
	if err, ok := v.Any().(error); ok {
		return err.Error()
	}
	return v.String()
}
