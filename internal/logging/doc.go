// Package logging builds opendray's slog logger: one handler that fans each
// record out to the console (text or JSON on stdout), an optional rotating
// file (10 MB per file, 5 archives, through lumberjack), and an in-memory
// Ring of recent records with sequence numbers that the admin reads and
// live-tails.
//
// Attributes whose key names a secret (password, token, secret,
// authorization, ...) are replaced by "[redacted]" in every output, and the
// Secret type redacts itself wherever it is logged, so a careless call site
// cannot leak a credential.
package logging
