package session

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits for CSI parameters passed to the emulator. vt10x loops once per
// count for tab movement (ESC[999999999I runs for seconds while it holds
// its lock) and indexes slices with negative counts (ESC[-1@ panics), so
// counts are bounded by the largest screen size opendray accepts. Mode
// numbers (ESC[?1049h) and SGR values keep a wider bound because they are
// identifiers, not counts.
const (
	maxCSICount = 1000
	maxCSIValue = 65535
	// maxCSILength matches vt10x, which ends a CSI sequence after 256
	// bytes even without a final byte.
	maxCSILength = 256
)

// csiNoop is a complete CSI sequence that vt10x ignores (device
// attributes with no parameter). It replaces a sequence that is dropped,
// so the emulator leaves its escape state exactly as it would have.
const csiNoop = "\x1b[c"

type filterState int

const (
	stateGround    filterState = iota
	stateEscape                // after ESC, which is withheld until the next rune decides
	stateCSI                   // after ESC [, collecting the sequence
	stateString                // inside DCS, OSC, APC, PM or an old-style title
	stateStringEnd             // after ESC inside a string
	stateOneRune               // after ESC ( or ESC #, which take one more rune
)

// inputFilter prepares PTY output for vt10x. It passes only whole UTF-8
// characters, because vt10x drops a character split across two writes with
// a short write and a nil error. The bytes of a split character wait for
// the next call. Invalid bytes are dropped, as vt10x ignores them too.
// Every CSI sequence is rewritten into a canonical form with bounded
// counts.
//
// The state machine mirrors the vt10x parser closely enough to find every
// CSI sequence that vt10x would act on. C0 control codes act in every
// state but inside strings. A multi-byte rune inside a CSI sequence counts
// as its low byte, because vt10x stores it that way.
type inputFilter struct {
	state   filterState
	partial []byte // the start of a split UTF-8 character
	csi     []byte
}

// Filter appends the filtered form of p to dst and returns it.
func (f *inputFilter) Filter(dst, p []byte) []byte {
	if pending := len(f.partial); pending > 0 {
		take := min(utf8.UTFMax-pending, len(p))
		joined := append(f.partial, p[:take]...)
		consumed := f.filterRunes(&dst, joined)
		if consumed < pending {
			// p was too short to complete the held character.
			f.partial = joined
			return dst
		}
		f.partial = f.partial[:0]
		p = p[consumed-pending:]
	}
	n := f.filterRunes(&dst, p)
	f.partial = append(f.partial[:0], p[n:]...)
	return dst
}

// filterRunes filters whole runes of p into dst and returns how many bytes
// it consumed; the rest is the start of a split character.
func (f *inputFilter) filterRunes(dst *[]byte, p []byte) int {
	i := 0
	for i < len(p) {
		if p[i] < utf8.RuneSelf {
			f.put(dst, rune(p[i]))
			i++
			continue
		}
		if !utf8.FullRune(p[i:]) {
			return i
		}
		r, size := utf8.DecodeRune(p[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			continue
		}
		f.put(dst, r)
	}
	return i
}

// Reset discards any pending escape sequence and split character, as for a
// fresh emulator.
func (f *inputFilter) Reset() {
	f.state = stateGround
	f.partial = f.partial[:0]
	f.csi = f.csi[:0]
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (f *inputFilter) put(dst *[]byte, r rune) {
	switch f.state {
	case stateGround:
		if r == 0x1b {
			f.state = stateEscape
			return
		}
		*dst = utf8.AppendRune(*dst, r)

	case stateEscape:
		switch {
		case r == 0x1b:
			// A second ESC restarts the sequence; the first had no effect.
		case isControl(r):
			*dst = utf8.AppendRune(*dst, r)
		case r == '[':
			f.state = stateCSI
			f.csi = f.csi[:0]
		default:
			*dst = append(*dst, 0x1b)
			*dst = utf8.AppendRune(*dst, r)
			switch r {
			case 'P', '_', '^', ']', 'k':
				f.state = stateString
			case '(', '#':
				f.state = stateOneRune
			default:
				f.state = stateGround
			}
		}

	case stateCSI:
		switch {
		case r == 0x1b:
			f.state = stateEscape
		case r == 0x18 || r == 0x1a:
			// CAN and SUB clear the collected bytes but vt10x stays in
			// the CSI state.
			f.csi = f.csi[:0]
			*dst = append(*dst, byte(r))
		case isControl(r):
			*dst = append(*dst, byte(r))
		default:
			b := byte(r)
			f.csi = append(f.csi, b)
			if (b >= 0x40 && b <= 0x7e) || len(f.csi) >= maxCSILength {
				*dst = appendSafeCSI(*dst, f.csi)
				f.state = stateGround
			}
		}

	case stateString:
		*dst = utf8.AppendRune(*dst, r)
		switch r {
		case 0x1b:
			f.state = stateStringEnd
		case 0x07:
			f.state = stateGround
		}

	case stateStringEnd, stateOneRune:
		// Both take one more rune; C0 controls act without consuming it.
		switch {
		case r == 0x1b:
			f.state = stateEscape
		case isControl(r):
			*dst = utf8.AppendRune(*dst, r)
		default:
			*dst = utf8.AppendRune(*dst, r)
			f.state = stateGround
		}
	}
}

// appendSafeCSI parses seq (the bytes after ESC [) the way vt10x does and
// appends an equivalent sequence with bounded parameters, or csiNoop when
// vt10x would do nothing useful with it or could be harmed by it.
func appendSafeCSI(dst []byte, seq []byte) []byte {
	final := seq[len(seq)-1]
	if final < 0x40 || final > 0x7e {
		// Cut off by the length limit: vt10x treats the last byte as the
		// final byte, and no handled final byte lies outside this range.
		return append(dst, csiNoop...)
	}

	var args []int
	private := false
	if len(seq) > 1 {
		params := string(seq[:len(seq)-1])
		if strings.HasPrefix(params, "?") {
			private = true
			params = params[1:]
		}
		for _, field := range strings.Split(params, ";") {
			n, err := strconv.Atoi(field)
			if err != nil {
				break
			}
			args = append(args, n)
		}
	}

	for _, n := range args {
		if n < 0 {
			// A negative count has no meaning, and xterm ignores such a
			// sequence too.
			return append(dst, csiNoop...)
		}
	}

	limit := maxCSICount
	if final == 'h' || final == 'l' || final == 'm' {
		limit = maxCSIValue
	}
	dst = append(dst, 0x1b, '[')
	if private {
		dst = append(dst, '?')
	}
	for i, n := range args {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = strconv.AppendInt(dst, int64(min(n, limit)), 10)
	}
	return append(dst, final)
}
