package template

import "strings"

// Title is cases.Title(language.AmericanEnglish, cases.NoLower).String, driven by tables that
// xtext/regen.sh derives from golang.org/x/text itself (title_table.go): the first cased rune
// of every word goes to title case, the others stay as they are. A word goes on through
// cased and other letter-like runes and through a single "mid" rune ('.', ':', '\”, ...);
// a breaking rune, or two mids in a row, ends it.
func Title(s string) string {
	var b strings.Builder
	runes := []rune(s)
	midWord := false
	for i, r := range runes {
		wasMid := inRanges(midRanges, r)
		switch {
		case inRanges(casedRanges, r):
			if !midWord {
				if t, ok := titleMap[r]; ok {
					b.WriteString(t)
				} else {
					b.WriteRune(r)
				}
				midWord = true
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
			if inRanges(breakRanges, r) {
				midWord = false
			}
		}
		if wasMid && i+1 < len(runes) && inRanges(midRanges, runes[i+1]) {
			midWord = false
		}
	}
	return b.String()
}

func inRanges(rs [][2]rune, r rune) bool {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < rs[m][0]:
			hi = m
		case r > rs[m][1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}
