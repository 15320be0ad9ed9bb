package logging

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// Redacted replaces every secret value in logs.
const Redacted = "[redacted]"

// Secret is a string that logs as [redacted], whatever its attribute key.
type Secret string

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// String keeps fmt from printing the secret too.
func (Secret) String() string { return Redacted }

// secretWords are key segments that mark an attribute as secret.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "passphrase": true, "token": true,
	"secret": true, "authorization": true, "cookie": true, "apikey": true,
}

// IsSecretKey reports whether an attribute key names a secret: one of its
// segments (split at '.', '_' and '-') is a word such as password or token.
func IsSecretKey(key string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(key), func(r rune) bool {
		return r == '.' || r == '_' || r == '-'
	}) {
		if secretWords[part] {
			return true
		}
	}
	return false
}

var tokenQuery = regexp.MustCompile(`(?i)((?:^|[?&;\s])(?:access_)?token=)[^&\s"]*`)

// RedactTokenQuery replaces the value of every token= query parameter in s.
func RedactTokenQuery(s string) string {
	if !strings.Contains(strings.ToLower(s), "token=") {
		return s
	}
	return tokenQuery.ReplaceAllString(s, "${1}"+Redacted)
}

// redactor wraps a handler and redacts secrets before the record reaches it.
type redactor struct {
	next slog.Handler
}

func (h *redactor) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *redactor) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, RedactTokenQuery(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return &redactor{next: h.next.WithAttrs(clean)}
}

func (h *redactor) WithGroup(name string) slog.Handler {
	return &redactor{next: h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, inner := range group {
			clean[i] = redactAttr(inner)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		// Counts and flags about secrets (tokens_revoked=3) are not secrets.
		return slog.Attr{Key: a.Key, Value: v}
	}
	if IsSecretKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	if v.Kind() == slog.KindString {
		return slog.String(a.Key, RedactTokenQuery(v.String()))
	}
	if err, ok := v.Any().(error); ok {
		return slog.String(a.Key, RedactTokenQuery(err.Error()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
