//! The small pieces of Go's syntax: escapes (`\x41`, `\123`, `\n`), Unicode classes
//! (`\pL`, `\p{^Greek}`) and counted repetitions (`{2,5}`), read exactly as Go reads them.

use super::RegexError;
use super::ast::ClassItem;
use super::classes::UnicodeProp;
use super::parse::{code, error};

/// The character starting at byte `i` of `s` (`i` must be a boundary inside `s`).
pub(super) fn next_char(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or('\u{FFFD}')
}

/// A single class character or escape at `t`; at the end of the pattern the class is
/// unterminated.
pub(super) fn class_char(s: &str, t: usize, whole: &str) -> Result<(u32, usize), RegexError> {
    match s.as_bytes().get(t) {
        None => Err(error(code::MISSING_BRACKET, whole)),
        Some(b'\\') => parse_escape(s, t),
        Some(_) => {
            let c = next_char(s, t);
            Ok((c as u32, t + c.len_utf8()))
        }
    }
}

/// An escape that stands for one character (`\n`, `\x41`, `\123`, `\*`), at byte `i` (the
/// backslash). Returns the code point and where parsing continues.
pub(super) fn parse_escape(s: &str, i: usize) -> Result<(u32, usize), RegexError> {
    let b = s.as_bytes();
    let mut t = i + 1;
    if t >= b.len() {
        return Err(error(code::TRAILING_BACKSLASH, ""));
    }
    let c = next_char(s, t);
    t += c.len_utf8();
    let octal = |t: usize| b.get(t).is_some_and(|d| (b'0'..=b'7').contains(d));
    let invalid = |t: usize| Err(error(code::INVALID_ESCAPE, &s[i..t]));
    match c {
        '1'..='7' if !octal(t) => invalid(t),
        '0'..='7' => {
            // Up to three octal digits in all.
            let mut r = c as u32 - '0' as u32;
            for _ in 1..3 {
                if !octal(t) {
                    break;
                }
                r = r * 8 + u32::from(b[t] - b'0');
                t += 1;
            }
            Ok((r, t))
        }
        'x' => {
            if t >= b.len() {
                return invalid(t);
            }
            let c = next_char(s, t);
            t += c.len_utf8();
            if c == '{' {
                let mut r: u32 = 0;
                let mut digits = 0;
                loop {
                    if t >= b.len() {
                        return invalid(t);
                    }
                    let c = next_char(s, t);
                    t += c.len_utf8();
                    if c == '}' {
                        break;
                    }
                    let Some(v) = c.to_digit(16) else { return invalid(t) };
                    r = r * 16 + v;
                    if r > char::MAX as u32 {
                        return invalid(t);
                    }
                    digits += 1;
                }
                if digits == 0 {
                    return invalid(t);
                }
                return Ok((r, t));
            }
            // Exactly two hex digits; the second is consumed even when the first is bad.
            let hi = c.to_digit(16);
            let lo = if t < b.len() {
                let c = next_char(s, t);
                t += c.len_utf8();
                c.to_digit(16)
            } else {
                None
            };
            match (hi, lo) {
                (Some(hi), Some(lo)) => Ok((hi * 16 + lo, t)),
                _ => invalid(t),
            }
        }
        'a' => Ok((0x07, t)),
        'f' => Ok((0x0c, t)),
        'n' => Ok((0x0a, t)),
        'r' => Ok((0x0d, t)),
        't' => Ok((0x09, t)),
        'v' => Ok((0x0b, t)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c as u32, t)),
        _ => invalid(t),
    }
}

/// `\pN`, `\p{Name}`, `\PN`, `\P{^Name}` at byte `i` (the backslash).
pub(super) fn unicode_class(s: &str, i: usize) -> Result<(ClassItem, usize), RegexError> {
    let b = s.as_bytes();
    let mut negated = b[i + 1] == b'P';
    let t = i + 2;
    let (seq, name, next) = match s[t..].chars().next() {
        Some('{') => {
            let Some(end) = s[i..].find('}') else {
                return Err(error(code::INVALID_CHAR_RANGE, &s[i..]));
            };
            (&s[i..i + end + 1], &s[i + 3..i + end], i + end + 1)
        }
        Some(c) => (&s[i..t + c.len_utf8()], &s[t..t + c.len_utf8()], t + c.len_utf8()),
        None => (&s[i..t], "", t),
    };
    let name = match name.strip_prefix('^') {
        Some(rest) => {
            negated = !negated;
            rest
        }
        None => name,
    };
    let Some(prop) = UnicodeProp::lookup(name) else {
        return Err(error(code::INVALID_CHAR_RANGE, seq));
    };
    Ok((ClassItem::Unicode { prop, negated }, next))
}

/// Go's `parseRepeat` on `{min}`, `{min,}` or `{min,max}` at byte `i`: `None` when it is not
/// one (then `{` is a literal); a bound of `-1` when a number is too big; `max` is `-1` for
/// `{min,}`. Also returns where the repetition ends.
pub(super) fn parse_repeat(s: &str, i: usize) -> Option<(i64, i64, usize)> {
    let b = s.as_bytes();
    let mut t = i + 1;
    let (mut min, next) = parse_int(b, t)?;
    t = next;
    let max;
    match b.get(t)? {
        b',' => {
            t += 1;
            if *b.get(t)? == b'}' {
                max = -1;
            } else {
                let (m, next) = parse_int(b, t)?;
                t = next;
                max = m;
                if m < 0 {
                    min = -1;
                }
            }
        }
        _ => max = min,
    }
    if *b.get(t)? != b'}' {
        return None;
    }
    Some((min, max, t + 1))
}

/// A decimal number without leading zeros; `-1` when it is 10^8 or more.
fn parse_int(b: &[u8], start: usize) -> Option<(i64, usize)> {
    let digits = b[start.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || (digits >= 2 && b[start] == b'0') {
        return None;
    }
    let mut n: i64 = 0;
    for &d in &b[start..start + digits] {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some((n, start + digits))
}
