package telegram

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/opendray/opendray/actors/notify"
)

var (
	entityPattern = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]+);`)
	tagPattern    = regexp.MustCompile(`^</?(b|pre|a)( href="[^"<>]*")?>`)
)

// checkTelegramHTML fails the test unless text fits Telegram's limit, is
// valid UTF-8, and every entity and tag is whole and the tags nest.
func checkTelegramHTML(t *testing.T, text string) {
	t.Helper()
	if n := utf16Len(text); n > messageLimit {
		t.Errorf("text is %d UTF-16 units; want at most %d", n, messageLimit)
	}
	if !utf8.ValidString(text) {
		t.Error("text is not valid UTF-8: a character was split")
	}

	var open []string
	for i := 0; i < len(text); {
		switch text[i] {
		case '&':
			entity := entityPattern.FindString(text[i:])
			if entity == "" {
				t.Errorf("broken entity at byte %d: %q", i, text[i:min(i+12, len(text))])
				return
			}
			i += len(entity)
		case '<':
			tag := tagPattern.FindStringSubmatch(text[i:])
			if tag == nil {
				t.Errorf("broken or unknown tag at byte %d: %q", i, text[i:min(i+20, len(text))])
				return
			}
			if strings.HasPrefix(tag[0], "</") {
				if len(open) == 0 || open[len(open)-1] != tag[1] {
					t.Errorf("closing tag %q at byte %d does not match the open tags %q", tag[0], i, open)
					return
				}
				open = open[:len(open)-1]
			} else {
				open = append(open, tag[1])
			}
			i += len(tag[0])
		case '>':
			t.Errorf("unescaped '>' at byte %d", i)
			return
		default:
			i++
		}
	}
	if len(open) > 0 {
		t.Errorf("tags left open: %q", open)
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"é", 1},
		{"日本", 2},
		{"😀", 2},
		{"a😀b", 4},
	}
	for _, tt := range tests {
		if got := utf16Len(tt.s); got != tt.want {
			t.Errorf("utf16Len(%q) = %d; want %d", tt.s, got, tt.want)
		}
	}
}

func TestRenderHTMLShortMessage(t *testing.T) {
	m := notify.Message{
		Title:  "build <x> (claude)",
		Text:   []string{"Waiting: no output for 31 s.", `a "quote" & more`},
		Screen: []string{"line 1", "<prompt>"},
	}
	got := renderHTML(m, `https://example.test/admin/sessions/a"b`)

	want := "<b>build &lt;x&gt; (claude)</b>\n" +
		"Waiting: no output for 31 s.\n" +
		"a \"quote\" &amp; more\n" +
		"<pre>line 1\n&lt;prompt&gt;</pre>\n" +
		`<a href="https://example.test/admin/sessions/a&quot;b">Open in the web admin</a>`
	if got != want {
		t.Errorf("renderHTML =\n%s\nwant\n%s", got, want)
	}
	checkTelegramHTML(t, got)
}

func TestRenderHTMLKeepsScreenEnd(t *testing.T) {
	var screen []string
	for i := 0; i < 200; i++ {
		screen = append(screen, strings.Repeat("&<😀日x", 5))
	}
	screen = append(screen, "the question?")
	m := notify.Message{Title: "build (claude)", Text: []string{"Waiting."}, Screen: screen}

	got := renderHTML(m, "https://example.test/admin/sessions/s1")

	checkTelegramHTML(t, got)
	if !strings.Contains(got, "<pre>…\n") {
		t.Error("the cut screen does not start with an ellipsis line")
	}
	if !strings.HasSuffix(got, "the question?</pre>\n<a href=\"https://example.test/admin/sessions/s1\">Open in the web admin</a>") {
		t.Errorf("the end of the screen or the link is missing: ...%s", got[len(got)-120:])
	}
	if n := utf16Len(got); n < messageLimit-100 {
		t.Errorf("text is %d UTF-16 units; want the screen to use most of the %d", n, messageLimit)
	}
}

func TestRenderHTMLCutsOneLongLine(t *testing.T) {
	line := strings.Repeat("&é😀<", 1500) + "END"
	m := notify.Message{Title: "t", Screen: []string{line}}

	got := renderHTML(m, "")

	checkTelegramHTML(t, got)
	if !strings.Contains(got, "<pre>…") || !strings.Contains(got, "END</pre>") {
		t.Errorf("want the end of the line after an ellipsis: %s...%s", got[:40], got[len(got)-40:])
	}
}

func TestRenderHTMLLongTextTruncated(t *testing.T) {
	var text []string
	for i := 0; i < 400; i++ {
		text = append(text, "build (claude): idle, id 0123456789 & <more>")
	}
	m := notify.Message{Title: "Sessions", Text: text, Screen: []string{"x"}}

	got := renderHTML(m, "https://example.test/admin/sessions/s1")

	checkTelegramHTML(t, got)
	if !strings.HasPrefix(got, "<b>Sessions</b>") {
		t.Errorf("the title is missing: %s", got[:40])
	}
}

func TestTruncateHTMLClosesTags(t *testing.T) {
	s := "<b>title</b>\n<pre>" + strings.Repeat("a&amp;", 20) + "</pre>"

	for limit := 1; limit < utf16Len(s); limit++ {
		got := truncateHTML(s, limit)
		if n := utf16Len(got); n > limit {
			t.Errorf("limit %d: result is %d units: %q", limit, n, got)
		}
		checkTelegramHTML(t, got)
	}
	if got := truncateHTML(s, utf16Len(s)); got != s {
		t.Errorf("truncateHTML changed a string within the limit: %q", got)
	}
}

func TestRenderPlainWithinLimit(t *testing.T) {
	var screen []string
	for i := 0; i < 300; i++ {
		screen = append(screen, strings.Repeat("😀<&>", 8))
	}
	m := notify.Message{Title: "build", Text: []string{"Waiting."}, Screen: screen}

	got := renderPlain(m, "https://example.test/admin/sessions/s1")

	if n := utf16Len(got); n > messageLimit {
		t.Errorf("plain text is %d UTF-16 units; want at most %d", n, messageLimit)
	}
	if !utf8.ValidString(got) {
		t.Error("plain text is not valid UTF-8")
	}
	if !strings.HasSuffix(got, "Open in the web admin: https://example.test/admin/sessions/s1") {
		t.Errorf("the link is missing: ...%s", got[len(got)-80:])
	}
}

func TestTruncatePlainSplitsNoCharacter(t *testing.T) {
	s := strings.Repeat("😀", 10)
	for limit := 1; limit <= 20; limit++ {
		got := truncatePlain(s, limit)
		if n := utf16Len(got); n > limit {
			t.Errorf("limit %d: result is %d units", limit, n)
		}
		if !utf8.ValidString(got) {
			t.Errorf("limit %d: result %q is not valid UTF-8", limit, got)
		}
	}
}

func TestFitScreenDropsTopLines(t *testing.T) {
	got := fitScreen([]string{"one", "two", "three"}, 12, escapeHTML)
	want := "…\ntwo\nthree"
	if got != want {
		t.Errorf("fitScreen = %q; want %q", got, want)
	}
	if got := fitScreen([]string{"a", "b"}, 100, escapeHTML); got != "a\nb" {
		t.Errorf("fitScreen = %q; want all lines when they fit", got)
	}
	if got := fitScreen([]string{"a"}, 0, escapeHTML); got != "" {
		t.Errorf("fitScreen with no budget = %q; want empty", got)
	}
	if got := slices.Collect(strings.Lines(fitScreen([]string{"<<<<"}, 9, escapeHTML))); len(got) != 1 || got[0] != "…&lt;&lt;" {
		t.Errorf("fitScreen of a long line = %q; want the ellipsis and whole entities", got)
	}
}
