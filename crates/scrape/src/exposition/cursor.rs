//! A byte cursor over one line, with the lexical pieces both formats share.

use std::borrow::Cow;

use super::LineError;

#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    line: &'a [u8],
    pos: usize,
}

/// Which escapes a quoted or free text understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// Label values and quoted names: `\\`, `\"`, `\n`.
    LabelValue,
    /// Text-format HELP: `\\` and `\n` only.
    Help,
}

impl<'a> Cursor<'a> {
    pub fn new(line: &'a [u8]) -> Self {
        Cursor { line, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Moves back (or forward) to `pos`, clamped to the line.
    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.line.len());
    }

    pub fn line(&self) -> &'a [u8] {
        self.line
    }

    pub fn peek(&self) -> Option<u8> {
        self.line.get(self.pos).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.line.len()
    }

    pub fn bump(&mut self) {
        if self.pos < self.line.len() {
            self.pos += 1;
        }
    }

    /// Consumes `b` if it is next.
    pub fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `s` if the rest starts with it.
    pub fn eat_str(&mut self, s: &[u8]) -> bool {
        if self.line[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Skips spaces and tabs; returns how many.
    pub fn skip_blanks(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// The rest of the line, consumed.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.line[self.pos..];
        self.pos = self.line.len();
        r
    }

    /// Consumes bytes while `keep` holds.
    pub fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        &self.line[start..self.pos]
    }

    pub fn error(&self, message: impl Into<String>) -> LineError {
        LineError { offset: self.pos, message: message.into() }
    }

    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> LineError {
        LineError { offset, message: message.into() }
    }

    /// A description of what is next, for "expected X, got Y" messages.
    pub fn got(&self) -> String {
        match self.peek() {
            None => "end of line".to_string(),
            Some(_) => {
                let rest = &self.line[self.pos..];
                let end = rest.iter().position(|&b| b == b' ' || b == b'\t').unwrap_or(rest.len());
                let shown = &rest[..end.clamp(1, 20)];
                format!("{:?}", String::from_utf8_lossy(shown))
            }
        }
    }

    /// A legacy metric name `[a-zA-Z_:][a-zA-Z0-9_:]*`, if one starts here.
    pub fn metric_name(&mut self) -> Option<&'a str> {
        if !self.peek().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':') {
            return None;
        }
        let name = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
        // ASCII by construction.
        std::str::from_utf8(name).ok()
    }

    /// A legacy label name `[a-zA-Z_][a-zA-Z0-9_]*`, if one starts here.
    pub fn label_name(&mut self) -> Option<&'a str> {
        if !self.peek().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') {
            return None;
        }
        let name = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
        std::str::from_utf8(name).ok()
    }

    /// A double-quoted string starting at the cursor, unescaped; `what` names it in errors.
    pub fn quoted(&mut self, what: &str) -> Result<Cow<'a, str>, LineError> {
        let open = self.pos;
        if !self.eat(b'"') {
            return Err(self.error(format!("expected {what}, got {}", self.got())));
        }
        let start = self.pos;
        let mut escaped = false;
        loop {
            match self.peek() {
                None => {
                    return Err(self.error_at(open, format!("unterminated quoted {what}")));
                }
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 1;
                    if self.at_end() {
                        return Err(self.error_at(open, format!("unterminated quoted {what}")));
                    }
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
        let raw = &self.line[start..self.pos];
        self.pos += 1;
        let Ok(s) = std::str::from_utf8(raw) else {
            return Err(self.error_at(start, format!("invalid UTF-8 in {what}")));
        };
        Ok(if escaped { Cow::Owned(unescape(s, Escapes::LabelValue)) } else { Cow::Borrowed(s) })
    }
}

/// Replaces the escapes of `kind`; any other backslash sequence stays as written, as
/// Prometheus' replacers leave it.
pub(crate) fn unescape(s: &str, kind: Escapes) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if kind == Escapes::LabelValue => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Unescapes `s` only when it has a backslash.
pub(crate) fn unescape_cow(s: &str, kind: Escapes) -> Cow<'_, str> {
    if s.contains('\\') { Cow::Owned(unescape(s, kind)) } else { Cow::Borrowed(s) }
}

/// A sample value in Go's float syntax as Prometheus accepts it (no hex, no `_`); any NaN
/// becomes the normal NaN.
pub(crate) fn parse_value(tok: &[u8]) -> Option<f64> {
    if let Some(v) = simple_decimal(tok) {
        return Some(v);
    }
    if tok.iter().any(|&b| matches!(b, b'p' | b'P' | b'_' | b'x' | b'X')) {
        return None;
    }
    let s = std::str::from_utf8(tok).ok()?;
    let v: f64 = s.parse().ok()?;
    Some(if v.is_nan() { f64::from_bits(super::NORMAL_NAN_BITS) } else { v })
}

/// Powers of ten that are exact doubles.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The common values (`42`, `-3`, `0.25`, `1234.5678`) without the general parser: an
/// optional sign, digits with at most one `.`, at most 2^53 as an integer mantissa. The
/// mantissa and the power of ten are then exact doubles and one division rounds correctly,
/// so the result is the one Go's `ParseFloat` (and Rust's) gives. `None`: use the general
/// parser.
fn simple_decimal(tok: &[u8]) -> Option<f64> {
    let (negative, digits) = match tok.first()? {
        b'-' => (true, &tok[1..]),
        b'+' => (false, &tok[1..]),
        _ => (false, tok),
    };
    // 19 bytes hold at most 19 digits: no u64 overflow.
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut seen_digit = false;
    let mut dot: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                seen_digit = true;
            }
            b'.' if dot.is_none() => dot = Some(i),
            _ => return None,
        }
    }
    if !seen_digit || mantissa > 1 << 53 {
        return None;
    }
    let scale = dot.map_or(0, |d| digits.len() - d - 1);
    let v = mantissa as f64 / *EXACT_POW10.get(scale)?;
    Some(if negative { -v } else { v })
}

#[cfg(test)]
mod float_tests {
    use super::*;

    #[test]
    fn simple_decimals_match_the_general_parser_bit_for_bit() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "+0",
            "1",
            "-1",
            "+7",
            "1.",
            ".5",
            "-.5",
            "0.1",
            "0.2",
            "0.3",
            "1234.5678",
            "9007199254740992",
            "9007199254740993",
            "123456789012345678",
            "1.7976931348623157",
            "0.000000000000000000001",
            "50.23",
            "99.99",
            "3.14159265358979",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Pseudo-random decimals of every scale.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 10_000_000_000_000_000) as u128;
            let s = digits.to_string();
            let cut = (x >> 60) as usize % (s.len() + 1);
            cases.push(format!("{}.{}", &s[..cut], &s[cut..]));
            cases.push(s);
        }
        for c in &cases {
            let want: f64 = c.parse().unwrap();
            let got = parse_value(c.as_bytes()).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{c}");
        }
        for bad in ["", ".", "-", "+", "1..2", "1.2.3", "--1", "1e", "0x10", "1_0"] {
            assert!(simple_decimal(bad.as_bytes()).is_none(), "{bad}");
        }
        assert!(parse_value(b".").is_none());
        assert_eq!(parse_value(b"1e3"), Some(1000.0));
    }
}
