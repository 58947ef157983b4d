package strace

import "strings"

// quote renders b as a C string literal the way strace does: printable
// ASCII as is, the usual backslash escapes, and other bytes in octal with
// as few digits as possible (three when an octal digit follows). A true
// truncated adds "..." after the closing quote.
func quote(b []byte, truncated bool) string {
	var s strings.Builder
	s.Grow(len(b) + 2)
	s.WriteByte('"')
	for i, c := range b {
		switch c {
		case '"':
			s.WriteString(`\"`)
		case '\\':
			s.WriteString(`\\`)
		case '\f':
			s.WriteString(`\f`)
		case '\n':
			s.WriteString(`\n`)
		case '\r':
			s.WriteString(`\r`)
		case '\t':
			s.WriteString(`\t`)
		case '\v':
			s.WriteString(`\v`)
		default:
			if c >= 0x20 && c < 0x7f {
				s.WriteByte(c)
				continue
			}
			s.WriteByte('\\')
			nextIsOctal := i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'
			if nextIsOctal || c>>6 != 0 {
				s.WriteByte('0' + c>>6)
			}
			if nextIsOctal || c>>3 != 0 {
				s.WriteByte('0' + (c>>3)&7)
			}
			s.WriteByte('0' + c&7)
		}
	}
	s.WriteByte('"')
	if truncated {
		s.WriteString("...")
	}
	return s.String()
}

// quoteHex renders every byte of b as \xNN, as strace does for random
// data (getrandom).
func quoteHex(b []byte, truncated bool) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	s.Grow(4*len(b) + 5)
	s.WriteByte('"')
	for _, c := range b {
		s.WriteString(`\x`)
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	s.WriteByte('"')
	if truncated {
		s.WriteString("...")
	}
	return s.String()
}
