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
    if tok.iter().any(|&b| matches!(b, b'p' | b'P' | b'_' | b'x' | b'X')) {
        return None;
    }
    let s = std::str::from_utf8(tok).ok()?;
    let v: f64 = s.parse().ok()?;
    Some(if v.is_nan() { f64::from_bits(super::NORMAL_NAN_BITS) } else { v })
}
