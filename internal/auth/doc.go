// Package auth owns admin authentication. It loads the admin credentials by
// precedence and rotates the bcrypt keyfile atomically. It issues in-memory
// bearer tokens, throttles failed logins, resolves the client address
// behind trusted proxies, checks the Origin of WebSocket upgrades, and
// redacts secrets in logs.
//
// It is plain Go with no HTTP or actor code, so the gateway and tests can use
// it directly. New builds a Service from a Config at start; it fails when the
// credentials cannot be loaded, and the process must not start then. A
// Service lives as long as the process. Tokens exist only in its memory, so
// a restart logs every client out.
//
// Credential precedence, first match wins:
//
//  1. OPENDRAY_ADMIN_KEY_FILE is set: that keyfile is authoritative, and a
//     missing, unreadable or malformed file is an error.
//  2. $HOME/.opendray/secrets/admin.key exists: it is used.
//  3. Otherwise admin.user and admin.password from the configuration, which
//     only bootstrap the first login. Without a password New fails.
package auth
