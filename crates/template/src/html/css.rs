//! CSS helpers for the transitions and escapers (Go's `css.go`).

/// Whether `b` ends with the identifier `kw` (lower case), case-insensitively.
pub(crate) fn ends_with_css_keyword(b: &[u8], kw: &str) -> bool {
    let Some(i) = b.len().checked_sub(kw.len()) else {
        return false;
    };
    if i != 0 {
        let before = String::from_utf8_lossy(&b[..i]);
        if before.chars().next_back().is_some_and(is_css_nmchar) {
            return false;
        }
    }
    b[i..].eq_ignore_ascii_case(kw.as_bytes())
}

/// Whether `r` may appear anywhere in a CSS identifier.
pub(crate) fn is_css_nmchar(r: char) -> bool {
    let r = r as u32;
    (u32::from(b'a')..=u32::from(b'z')).contains(&r)
        || (u32::from(b'A')..=u32::from(b'Z')).contains(&r)
        || (u32::from(b'0')..=u32::from(b'9')).contains(&r)
        || r == u32::from(b'-')
        || r == u32::from(b'_')
        || (0x80..=0xd7ff).contains(&r)
        || (0xe000..=0xfffd).contains(&r)
        || (0x10000..=0x10ffff).contains(&r)
}

pub(crate) fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// Decodes CSS3 escapes (`\26`, `\"`).
pub(crate) fn decode_css(s: &[u8]) -> Vec<u8> {
    if !s.contains(&b'\\') {
        return s.to_vec();
    }
    let mut b = Vec::with_capacity(s.len());
    let mut s = s;
    while !s.is_empty() {
        let i = s.iter().position(|&c| c == b'\\').unwrap_or(s.len());
        b.extend_from_slice(&s[..i]);
        s = &s[i..];
        if s.len() < 2 {
            break;
        }
        if is_hex(s[1]) {
            let mut j = 2;
            while j < s.len() && j < 7 && is_hex(s[j]) {
                j += 1;
            }
            let mut r =
                s[1..j].iter().fold(0u32, |n, &c| n * 16 + char::from(c).to_digit(16).unwrap_or(0));
            if r > 0x10ffff {
                r /= 16;
                j -= 1;
            }
            let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
            let mut buf = [0u8; 4];
            b.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            s = skip_css_space(&s[j..]);
        } else {
            let rest = String::from_utf8_lossy(&s[1..]);
            let n = rest.chars().next().map_or(1, char::len_utf8).min(s.len() - 1);
            b.extend_from_slice(&s[1..1 + n]);
            s = &s[1 + n..];
        }
    }
    b
}

fn skip_css_space(c: &[u8]) -> &[u8] {
    match c.first() {
        Some(b'\t' | b'\n' | 0x0c | b' ') => &c[1..],
        Some(b'\r') => {
            if c.get(1) == Some(&b'\n') {
                &c[2..]
            } else {
                &c[1..]
            }
        }
        _ => c,
    }
}

pub(crate) fn is_css_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}
