//! Go numeric literals as `strconv.ParseInt/ParseUint/ParseFloat` read them with base 0, and the
//! template parser's rules for which interpretations (int, uint, float) a constant has.

use crate::ast::Number;

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let b = if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') { &b[1..] } else { b };
    let mut saw = b'^';
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&c.to_ascii_lowercase())) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`.
pub(crate) fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() || !underscore_ok(s) {
        return None;
    }
    let (base, digits) = split_base(s);
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || digits.starts_with('+') || digits.starts_with('-') {
        return None;
    }
    u64::from_str_radix(&digits, base).ok()
}

/// `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(rest)?;
    if neg {
        if u <= 1u64 << 63 { Some((u as i64).wrapping_neg()) } else { None }
    } else {
        i64::try_from(u).ok()
    }
}

fn split_base(s: &str) -> (u32, &str) {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'0' {
        match b[1].to_ascii_lowercase() {
            b'x' => return (16, &s[2..]),
            b'o' => return (8, &s[2..]),
            b'b' => return (2, &s[2..]),
            _ => return (8, &s[1..]),
        }
    }
    (10, s)
}

/// `strconv.ParseFloat(s, 64)` for the forms the lexer produces; `None` on syntax error or
/// overflow (Go reports `ErrRange` there, which the template parser treats as an error).
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let v = if body.len() > 2
        && body.as_bytes()[0] == b'0'
        && matches!(body.as_bytes()[1], b'x' | b'X')
    {
        parse_hex_float(&body[2..])?
    } else {
        if body.is_empty()
            || !body
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
            || !body.bytes().any(|c| c.is_ascii_digit())
        {
            return None;
        }
        // Rust rejects a mantissa ending in '.' before an exponent ("1.e5"); Go accepts it.
        let fixed = body.replacen(".e", ".0e", 1).replacen(".E", ".0E", 1);
        let v: f64 = fixed.parse().ok()?;
        if v.is_infinite() {
            return None;
        }
        v
    };
    Some(if neg { -v } else { v })
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int_part, frac_part) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let e: i32 = match exp {
        Some(e) => e.parse().ok()?,
        // Go requires the 'p' exponent in a hex float with a fraction.
        None if mant.contains('.') => return None,
        None => 0,
    };
    let v = v * 2f64.powi(e);
    if v.is_infinite() { None } else { Some(v) }
}

/// The parser's `newNumber` for a number item (not a character constant).
pub(crate) fn new_number(pos: usize, text: &str) -> Result<Number, String> {
    let mut n = Number {
        pos,
        text: text.to_string(),
        is_int: false,
        is_uint: false,
        is_float: false,
        int: 0,
        uint: 0,
        float: 0.0,
    };
    if text.ends_with('i') {
        return Err(format!("imaginary numbers are not supported: {}", model::gostr::quote(text)));
    }
    let u = parse_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
            n.uint = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", model::gostr::quote(text)));
        }
        n.is_float = true;
        n.float = f;
        if !n.is_int && (f as i64) as f64 == f && f.abs() < 9.3e18 {
            n.is_int = true;
            n.int = f as i64;
        }
        if !n.is_uint && (f as u64) as f64 == f && (0.0..1.85e19).contains(&f) {
            n.is_uint = true;
            n.uint = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", model::gostr::quote(text)));
    }
    Ok(n)
}

/// A character constant such as `'a'` or `'\n'`.
pub(crate) fn new_char(pos: usize, text: &str) -> Result<Number, String> {
    let r = match model::gostr::unquote(text) {
        Ok(bytes) if bytes.len() == 1 => u32::from(bytes[0]),
        Ok(bytes) => match std::str::from_utf8(&bytes).ok().and_then(|s| {
            let mut it = s.chars();
            let c = it.next()?;
            it.next().is_none().then_some(c)
        }) {
            Some(c) => c as u32,
            None => return Err("invalid syntax".into()),
        },
        Err(_) => {
            let body = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
            if body.chars().count() > 1 && !body.starts_with('\\') {
                return Err(format!("malformed character constant: {text}"));
            }
            return Err("invalid syntax".into());
        }
    };
    Ok(Number {
        pos,
        text: text.to_string(),
        is_int: true,
        is_uint: true,
        is_float: true,
        int: i64::from(r),
        uint: u64::from(r),
        float: f64::from(r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_number_forms() {
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("0x_ff"), Some(255));
        assert_eq!(parse_int("0777"), Some(511));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("-0b101"), Some(-5));
        assert_eq!(parse_int("1__0"), None);
        assert_eq!(parse_int("08"), None);
        assert_eq!(parse_float("08"), Some(8.0));
        assert_eq!(parse_float("1.e5"), Some(1e5));
        assert_eq!(parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("0b101"), None);
    }
}
