package main

import "testing"

func TestBuildStreamURL(t *testing.T) {
	cases := []struct{ base, want string }{
		{"http://127.0.0.1:8770", "ws://127.0.0.1:8770/api/v1/sessions/abc/stream?since=7&token=t"},
		{"http://127.0.0.1:8770/admin/", "ws://127.0.0.1:8770/api/v1/sessions/abc/stream?since=7&token=t"},
		{"https://agents.example.com/opendray/", "wss://agents.example.com/opendray/api/v1/sessions/abc/stream?since=7&token=t"},
	}
	for _, tc := range cases {
		got, err := buildStreamURL(tc.base, "abc", "t", "7")
		if err != nil || got != tc.want {
			t.Errorf("buildStreamURL(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
	}
	for _, bad := range []string{"ftp://host", "not a url", "127.0.0.1:8770"} {
		if _, err := buildStreamURL(bad, "abc", "t", ""); err == nil {
			t.Errorf("buildStreamURL(%q) succeeded; want an error", bad)
		}
	}
}
