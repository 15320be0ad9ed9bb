package main

import "testing"

func TestParseLoopbackURL(t *testing.T) {
	for _, raw := range []string{"http://127.0.0.1:8770", "http://127.0.0.1:8770/", "http://[::1]:8770"} {
		if _, err := parseLoopbackURL(raw); err != nil {
			t.Errorf("parseLoopbackURL(%q): %v", raw, err)
		}
	}
	for _, raw := range []string{
		"http://10.0.0.5:8770",
		"http://localhost:8770",
		"http://example.com:8770",
		"https://127.0.0.1:8770",
		"http://127.0.0.1",
		"http://127.0.0.1:8770/api",
	} {
		if _, err := parseLoopbackURL(raw); err == nil {
			t.Errorf("parseLoopbackURL(%q) returned no error", raw)
		}
	}
}
