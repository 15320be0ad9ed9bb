package auth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// OriginPolicy decides which browser origins may open a WebSocket: the
// gateway's own origin plus an allow list. It stops a page on another site
// from opening a session stream with a token it got hold of.
type OriginPolicy struct {
	allowed map[string]bool
}

// ParseAllowedOrigins parses origins of the form scheme://host[:port] with
// scheme http or https. The error names the first invalid entry.
func ParseAllowedOrigins(entries []string) (OriginPolicy, error) {
	p := OriginPolicy{allowed: make(map[string]bool)}
	for _, entry := range entries {
		origin, ok := normalizeOrigin(strings.TrimSpace(entry))
		if !ok {
			return OriginPolicy{}, fmt.Errorf("%q is not an origin; want scheme://host[:port] with scheme http or https and no path", entry)
		}
		p.allowed[origin] = true
	}
	return p, nil
}

// OriginRequest is the part of a WebSocket handshake that the policy looks at.
type OriginRequest struct {
	// Origin is the Origin header; empty when absent.
	Origin string
	// Host is the Host header.
	Host string
	// ForwardedHost and ForwardedProto are the X-Forwarded-Host and
	// X-Forwarded-Proto headers, set only when the peer is a trusted proxy.
	ForwardedHost  string
	ForwardedProto string
}

// Allows reports whether r may proceed. A request without Origin comes
// from a client that is not a browser (the CLI, a mobile app) and is
// allowed. An Origin that matches the allow list, or the gateway's own
// origin as the (forwarded) host and scheme describe it, is allowed.
//
// When no trusted proxy states the scheme, the gateway cannot know whether
// the browser used http or https, so the host and port are compared under
// the Origin's scheme.
func (p OriginPolicy) Allows(r OriginRequest) bool {
	if r.Origin == "" {
		return true
	}
	origin, ok := normalizeOrigin(r.Origin)
	if !ok {
		return false
	}
	if p.allowed[origin] {
		return true
	}

	host := firstListValue(r.ForwardedHost)
	if host == "" {
		host = r.Host
	}
	scheme := strings.ToLower(firstListValue(r.ForwardedProto))
	if scheme != "http" && scheme != "https" {
		scheme, _, _ = strings.Cut(origin, "://")
	}
	self, ok := normalizeOrigin(scheme + "://" + host)
	return ok && self == origin
}

// normalizeOrigin returns scheme://host:port in lower case with the default
// port made explicit, or false when raw is not an http(s) origin.
func normalizeOrigin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	if u.Path != "" && u.Path != "/" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch {
	case scheme == "http" && port == "":
		port = "80"
	case scheme == "https" && port == "":
		port = "443"
	case scheme != "http" && scheme != "https":
		return "", false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return "", false
	}
	return scheme + "://" + net.JoinHostPort(host, port), true
}

func firstListValue(header string) string {
	first, _, _ := strings.Cut(header, ",")
	return strings.TrimSpace(first)
}
