package auth

import "testing"

func TestOriginPolicy(t *testing.T) {
	policy, err := ParseAllowedOrigins([]string{"https://app.example.com", "http://localhost:5173"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		req  OriginRequest
		want bool
	}{
		{"no origin", OriginRequest{Host: "gw.example.com"}, true},
		{"same host over http", OriginRequest{Origin: "http://127.0.0.1:8770", Host: "127.0.0.1:8770"}, true},
		{"same host, scheme unknown, https origin", OriginRequest{Origin: "https://gw.example.com", Host: "gw.example.com"}, true},
		{"same host, upper case", OriginRequest{Origin: "https://GW.example.com", Host: "gw.example.com"}, true},
		{"other site", OriginRequest{Origin: "https://evil.example.net", Host: "gw.example.com"}, false},
		{"other port", OriginRequest{Origin: "http://127.0.0.1:9999", Host: "127.0.0.1:8770"}, false},
		{"suffix trick", OriginRequest{Origin: "https://gw.example.com.evil.net", Host: "gw.example.com"}, false},
		{"allow list", OriginRequest{Origin: "http://localhost:5173", Host: "gw.example.com"}, true},
		{"allow list, default port spelled out", OriginRequest{Origin: "https://app.example.com:443", Host: "gw.example.com"}, true},
		{"allow list needs exact scheme", OriginRequest{Origin: "http://app.example.com", Host: "gw.example.com"}, false},
		{"null origin", OriginRequest{Origin: "null", Host: "gw.example.com"}, false},
		{"file origin", OriginRequest{Origin: "file://", Host: "gw.example.com"}, false},
		{"forwarded host and proto", OriginRequest{Origin: "https://public.example.com", Host: "127.0.0.1:8770", ForwardedHost: "public.example.com", ForwardedProto: "https"}, true},
		{"forwarded proto mismatch", OriginRequest{Origin: "http://public.example.com", Host: "127.0.0.1:8770", ForwardedHost: "public.example.com", ForwardedProto: "https"}, false},
		{"forwarded host list", OriginRequest{Origin: "https://public.example.com", Host: "127.0.0.1:8770", ForwardedHost: "public.example.com, 127.0.0.1", ForwardedProto: "https"}, true},
		{"forwarded host replaces Host", OriginRequest{Origin: "http://127.0.0.1:8770", Host: "127.0.0.1:8770", ForwardedHost: "public.example.com", ForwardedProto: "https"}, false},
		{"IPv6 host", OriginRequest{Origin: "http://[::1]:8770", Host: "[::1]:8770"}, true},
	}
	for _, tc := range cases {
		if got := policy.Allows(tc.req); got != tc.want {
			t.Errorf("%s: Allows(%+v) = %v; want %v", tc.name, tc.req, got, tc.want)
		}
	}
}
