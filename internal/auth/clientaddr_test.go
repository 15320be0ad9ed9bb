package auth

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{"untrusted peer ignores header", "203.0.113.9", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer without header", "127.0.0.1", nil, "127.0.0.1"},
		{"trusted peer with one hop", "127.0.0.1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"right-most untrusted hop wins", "127.0.0.1", []string{"6.6.6.6, 198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"several header lines", "127.0.0.1", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		{"all hops trusted", "127.0.0.1", []string{"10.0.0.9, 10.0.0.8"}, "10.0.0.9"},
		{"garbage stops at last trusted", "127.0.0.1", []string{"198.51.100.1, not-an-ip, 10.0.0.8"}, "10.0.0.8"},
		{"garbage right after peer", "127.0.0.1", []string{"nonsense"}, "127.0.0.1"},
		{"hop with port", "127.0.0.1", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"IPv6 hop in brackets with port", "::1", []string{"[2001:db8::5]:443"}, "2001:db8::5"},
		{"IPv6 hop in brackets", "::1", []string{"[2001:db8::5]"}, "2001:db8::5"},
		{"IPv4-mapped peer", "::ffff:127.0.0.1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped hop", "127.0.0.1", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"empty entries", "127.0.0.1", []string{" , "}, "127.0.0.1"},
	}
	for _, tc := range cases {
		peer := netip.MustParseAddr(tc.peer)
		got := trusted.ClientAddr(peer, tc.xff)
		if got.String() != tc.want {
			t.Errorf("%s: ClientAddr(%s, %q) = %s; want %s", tc.name, tc.peer, tc.xff, got, tc.want)
		}
	}
}

func TestClientAddrTrustsNothingByDefault(t *testing.T) {
	var none TrustedProxies
	got := none.ClientAddr(netip.MustParseAddr("127.0.0.1"), []string{"198.51.100.1"})
	if got.String() != "127.0.0.1" {
		t.Errorf("ClientAddr = %s; want the peer", got)
	}
}

func TestParseTrustedProxiesRejectsBadEntries(t *testing.T) {
	for _, entry := range []string{"", "localhost", "10.0.0.1/40", "fe80::1%eth0", "1.2.3.4:80"} {
		if _, err := ParseTrustedProxies([]string{entry}); err == nil {
			t.Errorf("ParseTrustedProxies(%q) succeeded; want an error", entry)
		}
	}
}
