package ptybench

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestWriteMixedTextSize(t *testing.T) {
	var out bytes.Buffer
	if err := WriteMixedText(&out, 10000); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(out.String(), "\n")
	if out.Len() < 10000 {
		t.Errorf("wrote %d bytes; want at least 10000", out.Len())
	}
	if last := len(lines[len(lines)-2]); out.Len()-last >= 10000 {
		t.Errorf("wrote %d bytes; the last line of %d bytes was not needed to reach 10000", out.Len(), last)
	}
	if !strings.Contains(out.String(), "\x1b[1;34m") || !strings.Contains(out.String(), "déjà") {
		t.Errorf("the text lacks colour sequences or accented characters: %q", out.String()[:200])
	}
}

func TestCatPTYCountsTerminalNewlines(t *testing.T) {
	path, err := CreateMixedFile(t.TempDir(), 100000)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, elapsed, err := CatPTY(path)
	if err != nil {
		t.Fatal(err)
	}
	// The terminal turns each \n into \r\n.
	want := int64(len(data) + bytes.Count(data, []byte("\n")))
	if n != want {
		t.Errorf("CatPTY read %d bytes; want %d", n, want)
	}
	if elapsed <= 0 {
		t.Errorf("CatPTY took %v; want a positive time", elapsed)
	}
}

func TestEchoRoundTrip(t *testing.T) {
	echo, err := StartEcho(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	for range 10 {
		elapsed, err := echo.RoundTrip()
		if err != nil {
			t.Fatal(err)
		}
		if elapsed <= 0 {
			t.Errorf("round trip took %v; want a positive time", elapsed)
		}
	}
}
