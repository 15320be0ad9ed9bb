package auth

import (
	"fmt"
	"log/slog"
)

// redacted replaces a secret wherever it would be printed.
const redacted = "[redacted]"

// Secret is a string that must never reach a log, an error message or an
// encoded document: a password or a bearer token. Formatting it with fmt,
// logging it with slog, or encoding it as JSON or TOML yields [redacted].
// Reveal returns the plaintext for the code that compares or sends it.
//
// Decoding into a Secret (JSON, TOML) sets the plaintext as for a string.
type Secret string

// Reveal returns the plaintext.
func (s Secret) Reveal() string { return string(s) }

// LogValue redacts the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Format redacts the secret for every fmt verb, %#v included.
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, redacted) }

// MarshalText redacts the secret in JSON, TOML and other text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
