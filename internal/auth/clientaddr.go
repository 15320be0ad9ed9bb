package auth

import (
	"fmt"
	"net/netip"
	"strings"
)

// TrustedProxies is a parsed list of reverse-proxy addresses and prefixes.
// The zero value trusts nothing.
type TrustedProxies struct {
	prefixes []netip.Prefix
}

// ParseTrustedProxies parses IP addresses ("10.0.0.5", "::1") and CIDR
// prefixes ("10.0.0.0/8"). The error names the first invalid entry.
func ParseTrustedProxies(entries []string) (TrustedProxies, error) {
	var t TrustedProxies
	for _, entry := range entries {
		entry = strings.TrimSpace(entry)
		if strings.Contains(entry, "/") {
			prefix, err := netip.ParsePrefix(entry)
			if err != nil {
				return TrustedProxies{}, fmt.Errorf("%q is not an IP address or CIDR prefix", entry)
			}
			t.prefixes = append(t.prefixes, prefix.Masked())
			continue
		}
		addr, err := netip.ParseAddr(entry)
		if err != nil || addr.Zone() != "" {
			return TrustedProxies{}, fmt.Errorf("%q is not an IP address or CIDR prefix", entry)
		}
		addr = addr.Unmap()
		t.prefixes = append(t.prefixes, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return t, nil
}

// Trusts reports whether addr is one of the trusted proxies.
func (t TrustedProxies) Trusts(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("")
	for _, prefix := range t.prefixes {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// ClientAddr returns the address of the client behind a request from peer
// that carries the X-Forwarded-For values forwardedFor (one element per
// header line). Unless peer is a trusted proxy, the header is ignored and
// peer is the client. Otherwise the hops are read from the right: the
// first hop that is not a trusted proxy is the client, since every hop to
// its left was written by a party that is not trusted. When every hop is
// trusted the left-most one is the client, and an unparsable hop stops the
// walk at the last trusted address.
func (t TrustedProxies) ClientAddr(peer netip.Addr, forwardedFor []string) netip.Addr {
	peer = peer.Unmap().WithZone("")
	if !peer.IsValid() || !t.Trusts(peer) {
		return peer
	}
	var hops []string
	for _, line := range forwardedFor {
		hops = append(hops, strings.Split(line, ",")...)
	}

	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseForwardedHop(hops[i])
		if !ok {
			return client
		}
		client = hop
		if !t.Trusts(hop) {
			return hop
		}
	}
	return client
}

// parseForwardedHop parses one X-Forwarded-For element: an address, with or
// without a port, IPv6 with or without brackets.
func parseForwardedHop(raw string) (netip.Addr, bool) {
	raw = strings.TrimSpace(raw)
	if addr, err := netip.ParseAddr(raw); err == nil {
		return addr.Unmap().WithZone(""), true
	}
	if addrPort, err := netip.ParseAddrPort(raw); err == nil {
		return addrPort.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(raw, "[") && strings.HasSuffix(raw, "]") {
		if addr, err := netip.ParseAddr(raw[1 : len(raw)-1]); err == nil {
			return addr.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}
