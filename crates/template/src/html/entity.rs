//! Decoding of HTML character references inside attribute values (Go's `html.UnescapeString`),
//! so that the value's own language (URL, CSS, JS) sees `&quot;` as `"` when tracking context.

use super::entity_table::ENTITIES;

/// The longest legacy name accepted without `;` (`AElig`...`yuml`: at most 6 bytes).
const LONGEST_WITHOUT_SEMICOLON: usize = 6;

/// What the HTML spec substitutes for numeric references to C1 controls 0x80..=0x9F (their
/// Windows-1252 meaning).
const C1_REPLACEMENTS: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match decode_one(rest) {
            Some((text, n)) => {
                out.push_str(&text);
                rest = &rest[n..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn lookup(name: &str) -> Option<&'static str> {
    ENTITIES.binary_search_by(|(n, _)| n.cmp(&name)).ok().map(|i| ENTITIES[i].1)
}

/// Decodes the reference at the start of `s` (which starts with `&`): the text and the bytes
/// consumed, or `None` to leave the `&` as it is.
fn decode_one(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        if b.len() <= 3 {
            return None;
        }
        let mut i = 2;
        let hex = matches!(b[i], b'x' | b'X');
        if hex {
            i += 1;
        }
        let mut x: u32 = 0;
        while i < b.len() {
            let c = b[i];
            i += 1;
            let digit = if hex { char::from(c).to_digit(16) } else { char::from(c).to_digit(10) };
            if let Some(d) = digit {
                x = x.saturating_mul(if hex { 16 } else { 10 }).saturating_add(d);
                continue;
            }
            if c != b';' {
                i -= 1;
            }
            break;
        }
        if i <= 3 {
            return None;
        }
        let c = match x {
            0x80..=0x9F => C1_REPLACEMENTS[(x - 0x80) as usize],
            0 | 0xD800..=0xDFFF => '\u{FFFD}',
            x => char::from_u32(x).unwrap_or('\u{FFFD}'),
        };
        return Some((c.to_string(), i));
    }
    // The longest run of letters and digits, with a `;` after it if there is one.
    let mut i = 1;
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    if i < b.len() && b[i] == b';' {
        i += 1;
    }
    let name = &s[1..i];
    if name.is_empty() {
        return None;
    }
    if let Some(text) = lookup(name) {
        return Some((text.to_string(), i));
    }
    // A legacy name without `;` at the start of a longer run (`&ampx` is `&x`).
    let max = (name.len() - 1).min(LONGEST_WITHOUT_SEMICOLON);
    (2..=max).rev().find_map(|j| lookup(&name[..j]).map(|text| (text.to_string(), j + 1)))
}
