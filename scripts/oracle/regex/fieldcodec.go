package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// decode reads a field: \t, \n, \r, \\ and \u{HEX} are escapes, any other backslash is
// itself (so `\d` is a backslash and a d). crates/model/tests/regex_go_oracle.rs reads the
// same way.
func decode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 'u':
			if i+2 < len(s) && s[i+2] == '{' {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return "", fmt.Errorf("unterminated \\u{ in %q", s)
				}
				v, err := strconv.ParseUint(s[i+3:i+end], 16, 32)
				if err != nil {
					return "", fmt.Errorf("bad \\u{} in %q: %v", s, err)
				}
				b.WriteRune(rune(v))
				i += end
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// encode writes a field so that decode gives s back, escaping only what needs it: tabs and
// line breaks, invisible characters, and a backslash that would otherwise start an escape.
func encode(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			next, size := utf8.DecodeRuneInString(s[i+1:])
			if size == 0 || plain(next) && !strings.ContainsRune(`\tnru`, next) {
				b.WriteByte('\\')
			} else {
				b.WriteString(`\\`)
			}
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case plain(r):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\u{%X}`, r)
		}
	}
	return b.String()
}

// plain reports whether r is written as itself.
func plain(r rune) bool {
	return r == ' ' || unicode.IsPrint(r) && !unicode.IsSpace(r)
}
