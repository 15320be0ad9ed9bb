package telegram

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/opendray/opendray/actors/notify"
)

// messageLimit is the Bot API's limit on a message's text: 4096
// characters after entity parsing. Telegram counts UTF-16 code units, so
// a character outside the Basic Multilingual Plane (most emoji) counts
// twice. The renderers below count the raw text, markup included, which
// can only overestimate.
const messageLimit = 4096

// ellipsis marks text that was cut.
const ellipsis = "…"

// linkText is the text of the link to the session in the web admin.
const linkText = "Open in the web admin"

// utf16Len returns the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

var (
	htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// escapeHTML escapes the three characters Telegram's HTML parse mode
// requires escaped in text.
func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

// renderHTML renders m in Telegram's HTML parse mode within messageLimit:
// the title in bold, the text lines, the screen in <pre>, then the link.
// When the screen does not fit, its first lines go and a line that is too
// long loses its start, because the end of the screen is where an agent
// shows its prompt.
func renderHTML(m notify.Message, link string) string {
	var head strings.Builder
	if m.Title != "" {
		head.WriteString("<b>" + escapeHTML(m.Title) + "</b>\n")
	}
	for _, line := range m.Text {
		head.WriteString(escapeHTML(line) + "\n")
	}

	tail := ""
	if link != "" {
		tail = `<a href="` + attrEscaper.Replace(link) + `">` + linkText + "</a>"
	}

	budget := messageLimit - utf16Len(head.String()) - utf16Len(tail) - utf16Len("<pre></pre>\n")
	screen := fitScreen(m.Screen, budget, escapeHTML)

	var out strings.Builder
	out.WriteString(head.String())
	if screen != "" {
		out.WriteString("<pre>" + screen + "</pre>\n")
	}
	out.WriteString(tail)
	return truncateHTML(strings.TrimRight(out.String(), "\n"), messageLimit)
}

// renderPlain renders m as plain text within messageLimit, for when
// Telegram rejects the HTML version.
func renderPlain(m notify.Message, link string) string {
	var head strings.Builder
	if m.Title != "" {
		head.WriteString(m.Title + "\n")
	}
	for _, line := range m.Text {
		head.WriteString(line + "\n")
	}

	tail := ""
	if link != "" {
		tail = linkText + ": " + link
	}

	budget := messageLimit - utf16Len(head.String()) - utf16Len(tail) - 1
	screen := fitScreen(m.Screen, budget, func(s string) string { return s })

	var out strings.Builder
	out.WriteString(head.String())
	if screen != "" {
		out.WriteString(screen + "\n")
	}
	out.WriteString(tail)
	return truncatePlain(strings.TrimRight(out.String(), "\n"), messageLimit)
}

// fitScreen joins the last screen lines that fit in budget UTF-16 units
// once escaped. When lines were left out at the top, the result starts with
// an ellipsis line. When even the last line does not fit, the result is an
// ellipsis and the end of that line. Lines are cut before escaping, so no
// entity is ever split.
func fitScreen(lines []string, budget int, escape func(string) string) string {
	if len(lines) == 0 || budget <= 0 {
		return ""
	}

	marker := utf16Len(ellipsis + "\n")
	var kept []string
	used := 0
	for i := len(lines) - 1; i >= 0; i-- {
		line := escape(lines[i])
		cost := utf16Len(line) + 1
		reserve := 0
		if i > 0 {
			reserve = marker
		}
		if used+cost+reserve <= budget {
			kept = append(kept, line)
			used += cost
			continue
		}

		if len(kept) == 0 {
			end := cutStart(lines[i], budget-utf16Len(ellipsis), escape)
			if end == "" {
				return ""
			}
			return ellipsis + escape(end)
		}
		slices.Reverse(kept)
		return ellipsis + "\n" + strings.Join(kept, "\n")
	}
	slices.Reverse(kept)
	return strings.Join(kept, "\n")
}

// cutStart returns the longest end of line whose escaped form fits in room
// UTF-16 units, cutting only between characters.
func cutStart(line string, room int, escape func(string) string) string {
	start := len(line)
	used := 0
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(line[:start])
		cost := utf16Len(escape(string(r)))
		if used+cost > room {
			break
		}
		used += cost
		start -= size
	}
	return line[start:]
}

// truncatePlain cuts s to at most limit UTF-16 units between characters and
// appends an ellipsis when it cut.
func truncatePlain(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}
	room := limit - utf16Len(ellipsis)
	used := 0
	for i, r := range s {
		cost := utf16Len(string(r))
		if used+cost > room {
			return s[:i] + ellipsis
		}
		used += cost
	}
	return s
}

// truncateHTML cuts s, a fragment in Telegram's HTML parse mode, to at most
// limit UTF-16 units. It cuts only between tags, entities and characters,
// appends an ellipsis and closes the tags left open, so the result still
// parses.
func truncateHTML(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}

	var out strings.Builder
	var open []string // names of the open tags, innermost last
	closing := 0      // UTF-16 length of the closing tags for open
	used := 0
	reserve := utf16Len(ellipsis)

	for i := 0; i < len(s); {
		token, kind, name := nextToken(s, i)
		cost := utf16Len(token)

		switch kind {
		case tokenClose:
			// Its length is already counted in closing.
			closing -= cost
			if n := len(open); n > 0 {
				open = open[:n-1]
			}
		case tokenOpen:
			closer := utf16Len("</" + name + ">")
			if used+cost+closing+closer+reserve > limit {
				return finishHTML(&out, open)
			}
			open = append(open, name)
			closing += closer
		default:
			if used+cost+closing+reserve > limit {
				return finishHTML(&out, open)
			}
		}

		out.WriteString(token)
		used += cost
		i += len(token)
	}
	return out.String()
}

// finishHTML appends the ellipsis and the closing tags for open.
func finishHTML(out *strings.Builder, open []string) string {
	out.WriteString(ellipsis)
	for i := len(open) - 1; i >= 0; i-- {
		out.WriteString("</" + open[i] + ">")
	}
	return out.String()
}

type tokenKind int

const (
	tokenText tokenKind = iota // one character or one entity
	tokenOpen
	tokenClose
)

// nextToken returns the token of s starting at i: a whole tag, a whole
// entity or one character. For tags it also returns the tag name.
func nextToken(s string, i int) (token string, kind tokenKind, name string) {
	switch s[i] {
	case '<':
		if end := strings.IndexByte(s[i:], '>'); end >= 0 {
			token = s[i : i+end+1]
			inner := strings.TrimPrefix(token[1:len(token)-1], "/")
			name, _, _ = strings.Cut(inner, " ")
			if strings.HasPrefix(token, "</") {
				return token, tokenClose, name
			}
			return token, tokenOpen, name
		}
	case '&':
		// This package writes entities of at most 6 bytes (&quot;). A
		// numeric entity such as &#1114111; has at most 10.
		if end := strings.IndexByte(s[i:], ';'); end > 0 && end <= 10 {
			return s[i : i+end+1], tokenText, ""
		}
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return s[i : i+size], tokenText, ""
}
