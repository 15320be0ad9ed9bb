package auth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretRedactsEverywhere(t *testing.T) {
	const plain = "hunter2-very-secret"
	s := Secret(plain)
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", s),
		"%s":  fmt.Sprintf("%s", s),
		"%q":  fmt.Sprintf("%q", s),
		"%#v": fmt.Sprintf("%#v", s),
		"%x":  fmt.Sprintf("%x", s),
		"%+v": fmt.Sprintf("%+v", struct{ P Secret }{s}),
	}
	data, err := json.Marshal(struct{ Password Secret }{s})
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(data)

	logger, buf := logBuffer()
	logger.Info("login", slog.Any("password", s), "token", s)
	outputs["slog"] = buf.String()

	for name, out := range outputs {
		if strings.Contains(out, plain) {
			t.Errorf("%s output %q contains the plaintext", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s output %q lacks %s", name, out, redacted)
		}
	}
	if s.Reveal() != plain {
		t.Errorf("Reveal() = %q; want the plaintext", s.Reveal())
	}
}

func TestSecretDecodesFromJSON(t *testing.T) {
	var v struct{ Password Secret }
	if err := json.Unmarshal([]byte(`{"Password":"abc"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Password.Reveal() != "abc" {
		t.Errorf("decoded %q; want abc", v.Password.Reveal())
	}
}
