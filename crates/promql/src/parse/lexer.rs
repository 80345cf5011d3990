//! A small PromQL tokenizer of our own, run before the parser crate.
//!
//! The crate's tree carries no positions, so errors are placed by finding the offending token
//! here. The same pass removes `_` digit separators (the crate does not read them) and stops
//! number durations the crate cannot represent (it would panic on them).

/// What a token is, as far as error placement needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Identifiers, keywords and metric names (`foo`, `sum`, `a:b`, `Inf`).
    Ident,
    /// Numbers (`1`, `0x1f`, `1e3`, `.5`).
    Number,
    /// Duration literals (`5m`, `1h30m`).
    Duration,
    /// Quoted strings, quotes included.
    Str,
    /// Operators and punctuation (`(`, `==`, `=~`, `,`, `@`).
    Punct,
    /// Anything else (the parser reports it).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    /// Byte offset in the input.
    pub pos: usize,
    pub text: String,
}

impl Token {
    pub fn is(&self, text: &str) -> bool {
        self.text == text
    }

    pub fn is_keyword(&self, kw: &str) -> bool {
        self.kind == Kind::Ident && self.text.eq_ignore_ascii_case(kw)
    }
}

/// Splits `input` into tokens; comments and whitespace are dropped. Never fails: what it
/// does not understand becomes an [`Kind::Other`] token.
pub(crate) fn tokenize(input: &str) -> Vec<Token> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' | b'`' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\\' && c != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                Kind::Str
            }
            b'0'..=b'9' => lex_number(b, &mut i),
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => lex_number(b, &mut i),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b':' if c != b':' || out_is_ident_context(&out) => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':')
                {
                    i += 1;
                }
                Kind::Ident
            }
            _ => {
                let two = input.get(i..i + 2).unwrap_or("");
                if ["==", "!=", "<=", ">=", "=~", "!~"].contains(&two) {
                    i += 2;
                    Kind::Punct
                } else if b"(){}[],:@+-*/%^<>=".contains(&c) {
                    i += 1;
                    Kind::Punct
                } else {
                    // One whole character, so that slicing stays on char boundaries.
                    i += input[i..].chars().next().map_or(1, char::len_utf8);
                    Kind::Other
                }
            }
        };
        out.push(Token { kind, pos: start, text: input[start..i].to_string() });
    }
    out
}

/// A `:` starts an identifier (recording-rule names like `:foo`) unless it separates a
/// subquery's range and step.
fn out_is_ident_context(out: &[Token]) -> bool {
    let mut depth = 0i32;
    for t in out.iter().rev() {
        match t.text.as_str() {
            "]" => depth += 1,
            "[" if depth == 0 => return false,
            "[" => depth -= 1,
            _ => {}
        }
    }
    true
}

fn lex_number(b: &[u8], i: &mut usize) -> Kind {
    let start = *i;
    let hex = b[start] == b'0' && matches!(b.get(start + 1), Some(b'x' | b'X'));
    if hex {
        *i += 2;
        while *i < b.len() && (b[*i].is_ascii_hexdigit() || b[*i] == b'_') {
            *i += 1;
        }
        return Kind::Number;
    }
    while *i < b.len() && (b[*i].is_ascii_digit() || b[*i] == b'_' || b[*i] == b'.') {
        *i += 1;
    }
    let mut kind = Kind::Number;
    if *i < b.len() && matches!(b[*i], b'e' | b'E') {
        let mut j = *i + 1;
        if j < b.len() && matches!(b[j], b'+' | b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            *i = j;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
        }
    }
    // Duration units: y w d h m s ms, chained (`1h30m`).
    while *i < b.len() && matches!(b[*i], b'y' | b'w' | b'd' | b'h' | b'm' | b's') {
        kind = Kind::Duration;
        *i += 1;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
    }
    kind
}

/// 1-based line and column of byte offset `pos`, as Prometheus counts them (columns in bytes).
pub(crate) fn line_col(input: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(input.len());
    let before = &input.as_bytes()[..pos];
    let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
    let col = match before.iter().rposition(|&c| c == b'\n') {
        Some(nl) => pos - nl,
        None => pos + 1,
    };
    (line, col)
}

/// The value of a number token as Prometheus reads it (`Inf`/`NaN` included, `_` separators
/// allowed), or `None` when it is not a number.
pub(crate) fn number_value(text: &str) -> Option<f64> {
    let t: String = text.chars().filter(|&c| c != '_').collect();
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" => return Some(f64::INFINITY),
        "-inf" => return Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        _ => {}
    }
    if let Some(h) = lower.strip_prefix("0x") {
        return u64::from_str_radix(h, 16).ok().map(|v| v as f64);
    }
    t.parse::<f64>().ok()
}

/// Whether a number written where a duration is expected is one the crate can hold: finite,
/// not negative, and within Go's `time.Duration` range (about 292 years).
pub(crate) fn duration_number_in_range(v: f64) -> bool {
    v.is_finite() && (0.0..=9_223_372_036.0).contains(&v)
}

/// The input rewritten into what the crate reads the same way Prometheus reads the original:
/// `_` digit separators removed from numbers (the crate does not read them), and every string
/// literal unquoted with Go's rules and requoted with only the escapes the crate knows (it
/// rejects `\d` in raw backtick strings and some Go escapes). `None` when nothing changes.
pub(crate) fn rewrite_for_crate(input: &str, tokens: &[Token]) -> Option<String> {
    let mut out = String::with_capacity(input.len());
    let mut last = 0;
    let mut changed = false;
    for t in tokens {
        let replacement = match t.kind {
            Kind::Number if t.text.contains('_') => {
                Some(t.text.chars().filter(|&c| c != '_').collect::<String>())
            }
            Kind::Str => requote(&t.text).filter(|q| *q != t.text),
            _ => None,
        };
        if let Some(r) = replacement {
            out.push_str(&input[last..t.pos]);
            out.push_str(&r);
            last = t.pos + t.text.len();
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&input[last..]);
    Some(out)
}

/// A string literal requoted in the crate's dialect, or `None` to leave it to the crate (when
/// it is not a valid Go string).
fn requote(lit: &str) -> Option<String> {
    let bytes = match lit.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
        // Prometheus reads single-quoted strings as strings (Go would read a rune): the same
        // escapes, with `\'` for the quote.
        Some(inner) => {
            let mut dq = String::with_capacity(lit.len() + 2);
            dq.push('"');
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some('\'') => dq.push('\''),
                        Some(n) => {
                            dq.push('\\');
                            dq.push(n);
                        }
                        None => return None,
                    },
                    '"' => dq.push_str("\\\""),
                    c => dq.push(c),
                }
            }
            dq.push('"');
            model::gostr::unquote(&dq).ok()?
        }
        None => model::gostr::unquote(lit).ok()?,
    };
    // Go strings may hold any bytes (`"\xff"`); ours are UTF-8, so a byte that is not part of
    // a character becomes U+FFFD (the crate would read it as Latin-1 instead).
    let value = String::from_utf8_lossy(&bytes).into_owned();
    let mut q = String::with_capacity(value.len() + 2);
    q.push('"');
    for c in value.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if c.is_control() => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    Some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        tokenize(input).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn tokens_of_a_typical_expression() {
        assert_eq!(
            texts(r#"sum by (a) (rate(x{y=~"a\"b"}[5m:30s])) >= 0x1F # c"#),
            [
                "sum",
                "by",
                "(",
                "a",
                ")",
                "(",
                "rate",
                "(",
                "x",
                "{",
                "y",
                "=~",
                r#""a\"b""#,
                "}",
                "[",
                "5m",
                ":",
                "30s",
                "]",
                ")",
                ")",
                ">=",
                "0x1F"
            ]
        );
        assert_eq!(texts("a:b:c offset -1h30m"), ["a:b:c", "offset", "-", "1h30m"]);
    }

    #[test]
    fn positions_are_one_based_bytes() {
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("abc", 2), (1, 3));
        assert_eq!(line_col("a\nbc", 3), (2, 2));
    }

    #[test]
    fn numbers_and_separators() {
        assert_eq!(number_value("1_000"), Some(1000.0));
        assert_eq!(number_value("0x1f"), Some(31.0));
        assert!(number_value("NaN").is_some_and(f64::is_nan));
        let toks = tokenize("1_000 + x_1");
        assert_eq!(rewrite_for_crate("1_000 + x_1", &toks).as_deref(), Some("1000 + x_1"));
        let raw = concat!(r"f(`a\d`, 'b\'c', ", "\"\\x41\")");
        assert_eq!(
            rewrite_for_crate(raw, &tokenize(raw)).as_deref(),
            Some(r#"f("a\\d", "b'c", "A")"#)
        );
        assert_eq!(rewrite_for_crate(r#"x{a="b"}"#, &tokenize(r#"x{a="b"}"#)), None);
        assert!(!duration_number_in_range(1e30));
        assert!(duration_number_in_range(300.0));
    }
}
