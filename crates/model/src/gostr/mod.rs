//! Go string literals: quoting as `strconv.Quote` does and unquoting as `strconv.Unquote` does.
//!
//! Upstream prints label values, matchers and error messages with `%q`, and parses quoted
//! matcher values with `strconv.Unquote`. To be a drop-in, klaxon must produce and accept the
//! same bytes, which depends on Go's idea of a printable rune. The character tables here
//! (`printable.rs`, `alnum.rs`) are generated from Go itself (`scripts/oracle/gotables/`), so
//! they follow Go's Unicode version, not Rust's.

mod alnum;
mod printable;

/// Whether Go's `strconv.IsPrint` holds for `c`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space.
pub fn is_print(c: char) -> bool {
    in_table(printable::PRINTABLE, c)
}

/// Whether Go's `unicode.IsLetter(c) || unicode.IsDigit(c)` holds (what Go's template lexer
/// accepts in identifiers, besides `_`).
pub fn is_letter_or_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    in_table(alnum::LETTER_OR_DIGIT, c)
}

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `strconv.Quote`: a double-quoted Go string literal, printable runes kept as they are.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, '"', false);
    out
}

/// `strconv.QuoteToASCII`: like [`quote`] but every non-ASCII rune is escaped.
pub fn quote_to_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, '"', true);
    out
}

/// `strconv.QuoteRune`: a single-quoted Go rune literal.
pub fn quote_rune(c: char) -> String {
    let mut out = String::with_capacity(4);
    let mut buf = [0u8; 4];
    append_quoted(&mut out, c.encode_utf8(&mut buf), '\'', false);
    out
}

/// Appends `s` quoted with `quote_char` to `out`, as Go's `appendQuotedWith`.
pub fn append_quoted(out: &mut String, s: &str, quote_char: char, ascii_only: bool) {
    out.push(quote_char);
    for c in s.chars() {
        append_escaped_rune(out, c, quote_char, ascii_only);
    }
    out.push(quote_char);
}

fn append_escaped_rune(out: &mut String, c: char, quote_char: char, ascii_only: bool) {
    use std::fmt::Write as _;
    if c == quote_char || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    let keep = if ascii_only { c.is_ascii() && is_print(c) } else { is_print(c) };
    if keep {
        out.push(c);
        return;
    }
    let escaped = match c {
        '\x07' => "\\a",
        '\x08' => "\\b",
        '\x0c' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\x0b' => "\\v",
        _ => "",
    };
    if !escaped.is_empty() {
        out.push_str(escaped);
        return;
    }
    let n = c as u32;
    // Writing to a String cannot fail.
    let _ = if n < 0x20 || n == 0x7f {
        write!(out, "\\x{n:02x}")
    } else if n < 0x10000 {
        write!(out, "\\u{n:04x}")
    } else {
        write!(out, "\\U{n:08x}")
    };
}

/// Why [`unquote`] refused its input (Go's `strconv.ErrSyntax`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid syntax")]
pub struct UnquoteError;

/// `strconv.Unquote`: the value of a Go string literal (`"..."`, `` `...` ``) or rune literal
/// (`'x'`). Returns bytes, because `\xNN` escapes may produce invalid UTF-8; callers that need
/// text check it (as Alertmanager does, with its own error).
pub fn unquote(s: &str) -> Result<Vec<u8>, UnquoteError> {
    let bytes = s.as_bytes();
    if bytes.len() < 2 {
        return Err(UnquoteError);
    }
    let q = bytes[0];
    if q != bytes[bytes.len() - 1] {
        return Err(UnquoteError);
    }
    let body = &s[1..s.len() - 1];
    match q {
        b'`' => {
            if body.contains('`') {
                return Err(UnquoteError);
            }
            // Raw strings drop carriage returns.
            Ok(body.bytes().filter(|&b| b != b'\r').collect())
        }
        b'"' | b'\'' => {
            let mut out = Vec::with_capacity(body.len());
            let mut rest = body;
            let mut runes = 0usize;
            while !rest.is_empty() {
                let c = rest.chars().next().ok_or(UnquoteError)?;
                if c == q as char || (q == b'"' && c == '\n') || (q == b'\'' && c == '\n') {
                    return Err(UnquoteError);
                }
                if c != '\\' {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    rest = &rest[c.len_utf8()..];
                } else {
                    rest = unescape(&rest[1..], q, &mut out)?;
                }
                runes += 1;
            }
            if q == b'\'' && runes != 1 {
                return Err(UnquoteError);
            }
            Ok(out)
        }
        _ => Err(UnquoteError),
    }
}

/// Decodes one escape (after its backslash) into `out`; returns the rest of the input.
fn unescape<'a>(s: &'a str, quote: u8, out: &mut Vec<u8>) -> Result<&'a str, UnquoteError> {
    let b = *s.as_bytes().first().ok_or(UnquoteError)?;
    let simple = match b {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'\'' | b'"' if b == quote => Some(b),
        _ => None,
    };
    if let Some(v) = simple {
        out.push(v);
        return Ok(&s[1..]);
    }
    let hex_digits = |n: usize| -> Result<u32, UnquoteError> {
        let digits = s.get(1..1 + n).ok_or(UnquoteError)?;
        if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
            return Err(UnquoteError);
        }
        u32::from_str_radix(digits, 16).map_err(|_| UnquoteError)
    };
    match b {
        b'x' => {
            let v = hex_digits(2)?;
            // A byte, not a rune: `\xff` is one (possibly invalid UTF-8) byte.
            out.push(v as u8);
            Ok(&s[3..])
        }
        b'u' | b'U' => {
            let n = if b == b'u' { 4 } else { 8 };
            let v = hex_digits(n)?;
            let c = char::from_u32(v).ok_or(UnquoteError)?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            Ok(&s[1 + n..])
        }
        b'0'..=b'7' => {
            let digits = s.get(..3).ok_or(UnquoteError)?;
            if !digits.bytes().all(|d| (b'0'..=b'7').contains(&d)) {
                return Err(UnquoteError);
            }
            let v = u32::from_str_radix(digits, 8).map_err(|_| UnquoteError)?;
            if v > 255 {
                return Err(UnquoteError);
            }
            out.push(v as u8);
            Ok(&s[3..])
        }
        _ => Err(UnquoteError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        // Expected values as Go 1.27's strconv.Quote prints them.
        let cases: &[(&str, &str)] = &[
            ("", r#""""#),
            ("abc", r#""abc""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("line\nnext\ttab\r", r#""line\nnext\ttab\r""#),
            ("\x07\x08\x0c\x0b", r#""\a\b\f\v""#),
            ("\x00\x01\x1f\x7f", r#""\x00\x01\x1f\x7f""#),
            ("héllo ☺", "\"héllo ☺\""),
            ("\u{a0}", r#""\u00a0""#),
            ("\u{ad}", r#""\u00ad""#),
            ("\u{85}", r#""\u0085""#),
            ("\u{2028}", r#""\u2028""#),
            ("\u{feff}", r#""\ufeff""#),
            ("\u{1F600}", "\"\u{1F600}\""),
            ("\u{E0001}", r#""\U000e0001""#),
            ("\u{10FFFF}", r#""\U0010ffff""#),
            ("'", r#""'""#),
        ];
        for &(input, want) in cases {
            assert_eq!(quote(input), want, "{input:?}");
        }
        assert_eq!(quote_to_ascii("héllo ☺"), r#""h\u00e9llo \u263a""#);
        assert_eq!(quote_rune('\''), r"'\''");
        assert_eq!(quote_rune('"'), r#"'"'"#);
    }

    #[test]
    fn unquote_matches_go() {
        let ok: &[(&str, &[u8])] = &[
            (r#""""#, b""),
            (r#""a\"b""#, b"a\"b"),
            (r#""\a\b\f\n\r\t\v\\""#, b"\x07\x08\x0c\n\r\t\x0b\\"),
            (r#""\x41\101\u0041\U00000041""#, b"AAAA"),
            (r#""\xff""#, b"\xff"),
            (r#""\u263a""#, "☺".as_bytes()),
            ("`raw\\n`", b"raw\\n"),
            ("`a\rb`", b"ab"),
            ("'a'", b"a"),
            (r"'\''", b"'"),
            ("'☺'", "☺".as_bytes()),
        ];
        for &(input, want) in ok {
            assert_eq!(unquote(input).as_deref(), Ok(want), "{input}");
        }
        let bad = [
            "",
            "\"",
            "\"a",
            "a\"",
            r#""\'""#,
            r#""\q""#,
            r#""\x4""#,
            r#""\400""#,
            r#""\ud800""#,
            "'ab'",
            "''",
            "'\\\"'",
            "\"a\nb\"",
            "`a`b`",
            r#""a"b""#,
        ];
        for input in bad {
            assert_eq!(unquote(input), Err(UnquoteError), "{input:?}");
        }
    }

    #[test]
    fn quote_then_unquote_round_trips() {
        for s in ["", "plain", "quo\"te", "back\\slash", "nl\n", "\u{a0}\u{10FFFF}\u{0}", "☺"] {
            assert_eq!(unquote(&quote(s)).as_deref(), Ok(s.as_bytes()), "{s:?}");
            assert_eq!(unquote(&quote_to_ascii(s)).as_deref(), Ok(s.as_bytes()), "{s:?}");
        }
    }

    #[test]
    fn is_print_agrees_with_go_on_samples() {
        for c in ['a', ' ', '~', 'é', '☺', '\u{1F600}', '\u{300}'] {
            assert!(is_print(c), "{c:?}");
        }
        for c in ['\0', '\t', '\u{7f}', '\u{85}', '\u{a0}', '\u{ad}', '\u{2028}', '\u{e000}'] {
            assert!(!is_print(c), "{c:?}");
        }
        for c in ['a', 'Z', '0', 'é', 'ß', 'Ж', '中', '٣', '\u{1D7CE}'] {
            assert!(is_letter_or_digit(c), "{c:?}");
        }
        for c in ['_', ' ', '-', '☺', '\u{300}', '²', 'Ⅻ'] {
            assert!(!is_letter_or_digit(c), "{c:?}");
        }
    }
}
