package auth

import (
	"strings"
	"testing"
)

func TestRedactTokenQuery(t *testing.T) {
	const secret = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg"
	cases := []struct{ in, want string }{
		{"/api/v1/events", "/api/v1/events"},
		{"/api/v1/events?token=" + secret, "/api/v1/events?token=[redacted]"},
		{"/s/1/stream?since=10&token=" + secret + "&flow=ack", "/s/1/stream?since=10&token=[redacted]&flow=ack"},
		{"/x?TOKEN=" + secret, "/x?TOKEN=[redacted]"},
		{"/x?%74oken=" + secret, "/x?%74oken=[redacted]"},
		{"/x?token=a&token=" + secret, "/x?token=[redacted]&token=[redacted]"},
		{"/x?token", "/x?token=[redacted]"},
		{"/x?tokens=1&mytoken=2", "/x?tokens=1&mytoken=2"},
		{"/x?token=" + secret + "#frag", "/x?token=[redacted]#frag"},
		{"/x?%zz=1&token=" + secret, "/x?%zz=1&token=[redacted]"},
	}
	for _, tc := range cases {
		got := RedactTokenQuery(tc.in)
		if got != tc.want {
			t.Errorf("RedactTokenQuery(%q) = %q; want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, secret) {
			t.Errorf("RedactTokenQuery(%q) kept the token", tc.in)
		}
	}
}
