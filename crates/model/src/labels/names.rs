//! What makes a metric or label name valid, and how names are escaped for legacy consumers.
//!
//! Prometheus 3 accepts any non-empty UTF-8 name by default (`utf8`); the `legacy` scheme keeps
//! the old character sets. Where a legacy consumer needs an old-style name, the exposition
//! formats and the HTTP API escape it by one of the [`EscapingScheme`]s.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Legacy label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_valid_legacy_label_name(name: &str) -> bool {
    is_legacy(name, false)
}

/// Legacy metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_valid_legacy_metric_name(name: &str) -> bool {
    is_legacy(name, true)
}

fn is_legacy(name: &str, colon: bool) -> bool {
    !name.is_empty() && name.bytes().enumerate().all(|(i, b)| is_legacy_byte(b, i, colon))
}

fn is_legacy_byte(b: u8, i: usize, colon: bool) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || (colon && b == b':') || (i > 0 && b.is_ascii_digit())
}

/// Whether `name` starts with `__`, the prefix reserved for Prometheus' own labels (`__name__`,
/// `__address__`, `__meta_*`, ...), which users may not set in alerting and recording rules.
pub fn is_reserved_label_name(name: &str) -> bool {
    name.starts_with(super::RESERVED_PREFIX)
}

/// Whether raw bytes are a valid label value: valid UTF-8 (every `&str` is).
pub fn is_valid_label_value(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
}

/// Which metric and label names are accepted (`metric_name_validation_scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ValidationScheme {
    /// Any non-empty UTF-8 string (Prometheus 3's default).
    #[default]
    Utf8,
    /// The Prometheus 2 character sets (see [`is_valid_legacy_metric_name`] and
    /// [`is_valid_legacy_label_name`]).
    Legacy,
}

impl ValidationScheme {
    /// Whether `name` is a valid label name under this scheme.
    pub fn is_valid_label_name(self, name: &str) -> bool {
        match self {
            ValidationScheme::Utf8 => !name.is_empty(),
            ValidationScheme::Legacy => is_valid_legacy_label_name(name),
        }
    }

    /// Whether `name` is a valid metric name under this scheme.
    pub fn is_valid_metric_name(self, name: &str) -> bool {
        match self {
            ValidationScheme::Utf8 => !name.is_empty(),
            ValidationScheme::Legacy => is_valid_legacy_metric_name(name),
        }
    }

    /// The configuration spelling: `utf8` or `legacy`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationScheme::Utf8 => "utf8",
            ValidationScheme::Legacy => "legacy",
        }
    }
}

impl fmt::Display for ValidationScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown validation or escaping scheme name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognized {kind}: {input:?}")]
pub struct ParseSchemeError {
    kind: &'static str,
    input: String,
}

impl FromStr for ValidationScheme {
    type Err = ParseSchemeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "utf8" => Ok(ValidationScheme::Utf8),
            "legacy" => Ok(ValidationScheme::Legacy),
            _ => Err(ParseSchemeError { kind: "ValidationScheme", input: s.to_owned() }),
        }
    }
}

/// How names that are not legacy-valid are rewritten for consumers that only know legacy names
/// (the `escaping` parameter of scrape `Accept` headers; `U__` names in the HTTP API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EscapingScheme {
    /// `allow-utf-8`: names pass unchanged.
    None,
    /// `underscores`: each invalid character becomes `_` (not reversible).
    Underscores,
    /// `dots`: `.` becomes `_dot_`, `_` becomes `__`, other invalid characters `__`.
    Dots,
    /// `values`: `U__` prefix, `_` doubled, other invalid characters `_<hex code point>_`.
    Values,
}

impl EscapingScheme {
    /// The header spelling: `allow-utf-8`, `underscores`, `dots`, `values`.
    pub fn as_str(self) -> &'static str {
        match self {
            EscapingScheme::None => "allow-utf-8",
            EscapingScheme::Underscores => "underscores",
            EscapingScheme::Dots => "dots",
            EscapingScheme::Values => "values",
        }
    }
}

impl fmt::Display for EscapingScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EscapingScheme {
    type Err = ParseSchemeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow-utf-8" => Ok(EscapingScheme::None),
            "underscores" => Ok(EscapingScheme::Underscores),
            "dots" => Ok(EscapingScheme::Dots),
            "values" => Ok(EscapingScheme::Values),
            _ => Err(ParseSchemeError { kind: "escaping scheme", input: s.to_owned() }),
        }
    }
}

/// Escapes `name` by `scheme` (prometheus/common's `EscapeName`). The name is not validated.
pub fn escape_name(name: &str, scheme: EscapingScheme) -> Cow<'_, str> {
    let legacy = |i: usize, c: char| c.is_ascii() && is_legacy_byte(c as u8, i, true);
    match scheme {
        EscapingScheme::None => Cow::Borrowed(name),
        _ if name.is_empty() => Cow::Borrowed(name),
        EscapingScheme::Underscores => {
            if is_valid_legacy_metric_name(name) {
                return Cow::Borrowed(name);
            }
            name.char_indices().map(|(i, c)| if legacy(i, c) { c } else { '_' }).collect()
        }
        EscapingScheme::Dots => {
            // Always rewritten, since underscores are doubled.
            let mut out = String::with_capacity(name.len() + 8);
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    '.' => out.push_str("_dot_"),
                    c if legacy(i, c) => out.push(c),
                    _ => out.push_str("__"),
                }
            }
            Cow::Owned(out)
        }
        EscapingScheme::Values => {
            if is_valid_legacy_metric_name(name) {
                return Cow::Borrowed(name);
            }
            let mut out = String::with_capacity(name.len() + 16);
            out.push_str("U__");
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    c if legacy(i, c) => out.push(c),
                    c => {
                        use fmt::Write as _;
                        // Writing to a String cannot fail.
                        let _ = write!(out, "_{:x}_", u32::from(c));
                    }
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Reverses [`escape_name`] where possible (prometheus/common's `UnescapeName`): `dots` and
/// `values` are reversed, `underscores` cannot be. Malformed `values` input comes back unchanged.
///
/// Upstream's quirks are kept so that names resolve alike: a `values` code point has at most five
/// hex digits (so `U+100000` and above, which escape to six, do not unescape), and hex digits are
/// compared after setting bit `0x20`, so bytes `0x10..=0x19` count as `0`..`9`.
pub fn unescape_name(name: &str, scheme: EscapingScheme) -> Cow<'_, str> {
    match scheme {
        EscapingScheme::None | EscapingScheme::Underscores => Cow::Borrowed(name),
        EscapingScheme::Dots => {
            if !name.contains('_') {
                return Cow::Borrowed(name);
            }
            Cow::Owned(name.replace("_dot_", ".").replace("__", "_"))
        }
        EscapingScheme::Values => match unescape_values(name) {
            Some(s) => Cow::Owned(s),
            None => Cow::Borrowed(name),
        },
    }
}

fn unescape_values(name: &str) -> Option<String> {
    let body = name.strip_prefix("U__")?.as_bytes();
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'_' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        i += 1;
        match body.get(i)? {
            b'_' => {
                out.push(b'_');
                i += 1;
            }
            _ => {
                let mut code: u32 = 0;
                let mut digits = 0;
                loop {
                    let b = *body.get(i)?;
                    if b == b'_' {
                        break;
                    }
                    if digits == 5 {
                        return None;
                    }
                    let d = match b | 0x20 {
                        d @ b'0'..=b'9' => d - b'0',
                        d @ b'a'..=b'f' => d - b'a' + 10,
                        _ => return None,
                    };
                    code = code * 16 + u32::from(d);
                    digits += 1;
                    i += 1;
                }
                let c = char::from_u32(code)?;
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 1; // the closing underscore
            }
        }
    }
    // Only whole characters are copied or decoded, so this is valid UTF-8.
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names() {
        for ok in ["a", "_", "__name__", "A_9", "abc_DEF_123"] {
            assert!(is_valid_legacy_label_name(ok), "{ok}");
            assert!(is_valid_legacy_metric_name(ok), "{ok}");
        }
        for bad in ["", "9a", "a-b", "a.b", "ä", "a b"] {
            assert!(!is_valid_legacy_label_name(bad), "{bad}");
            assert!(!is_valid_legacy_metric_name(bad), "{bad}");
        }
        assert!(is_valid_legacy_metric_name("job:rate5m:sum"));
        assert!(is_valid_legacy_metric_name(":a"));
        assert!(!is_valid_legacy_label_name("job:rate5m"));
    }

    #[test]
    fn schemes() {
        let u = ValidationScheme::default();
        assert_eq!(u, ValidationScheme::Utf8);
        assert!(u.is_valid_label_name("a.b ü 😀"));
        assert!(u.is_valid_metric_name("{weird}"));
        assert!(!u.is_valid_label_name(""));
        let l: ValidationScheme = "legacy".parse().unwrap();
        assert!(!l.is_valid_label_name("a.b"));
        assert!(l.is_valid_metric_name("a:b"));
        assert!(!l.is_valid_label_name("a:b"));
        assert_eq!(l.to_string(), "legacy");
        assert!("UTF8".parse::<ValidationScheme>().is_err());
        assert!(is_reserved_label_name("__address__"));
        assert!(!is_reserved_label_name("_a"));
        assert!(is_valid_label_value("ü".as_bytes()));
        assert!(!is_valid_label_value(b"\xff"));
        for s in ["allow-utf-8", "underscores", "dots", "values"] {
            assert_eq!(s.parse::<EscapingScheme>().unwrap().to_string(), s);
        }
        assert!("".parse::<EscapingScheme>().is_err());
    }

    #[test]
    fn escaping() {
        use EscapingScheme::*;
        let cases: &[(&str, EscapingScheme, &str)] = &[
            ("", Values, ""),
            ("ok_name:x", Underscores, "ok_name:x"),
            ("ok_name", Values, "ok_name"),
            ("ok_name", Dots, "ok__name"),
            ("my.metric-x", Underscores, "my_metric_x"),
            ("1a", Underscores, "_a"),
            ("my.metric", Dots, "my_dot_metric"),
            ("a-b_c.d", Dots, "a__b__c_dot_d"),
            ("9x", Dots, "__x"),
            ("my.metric", Values, "U__my_2e_metric"),
            ("a_b.ü😀", Values, "U__a__b_2e__fc__1f600_"),
            ("1", Values, "U___31_"),
            ("x.y", None, "x.y"),
        ];
        for (name, scheme, want) in cases {
            assert_eq!(escape_name(name, *scheme), *want, "{name} {scheme}");
        }
    }

    #[test]
    fn unescaping() {
        use EscapingScheme::*;
        let cases: &[(&str, EscapingScheme, &str)] = &[
            ("my_dot_metric", Dots, "my.metric"),
            ("a__b__c_dot_d", Dots, "a_b_c.d"),
            ("U__my_2e_metric", Values, "my.metric"),
            ("U__a__b_2e__fc__1f600_", Values, "a_b.ü😀"),
            ("U___31_", Values, "1"),
            ("U__A_2E_", Values, "A."),
            // Malformed: returned unchanged.
            ("U__a_2e", Values, "U__a_2e"),
            ("U__a_", Values, "U__a_"),
            ("U__a_zz_", Values, "U__a_zz_"),
            ("U__a_d800_", Values, "U__a_d800_"),
            ("U__a_10ffff_", Values, "U__a_10ffff_"),
            ("U__a_0010f_", Values, "a\u{10f}"),
            ("no_prefix_2e_", Values, "no_prefix_2e_"),
            ("my.metric", Underscores, "my.metric"),
            // Bytes 0x10..=0x19 read as digits, as upstream's `c | 0x20` does.
            ("U__a_\u{12}e_", Values, "a."),
        ];
        for (name, scheme, want) in cases {
            assert_eq!(unescape_name(name, *scheme), *want, "{name:?} {scheme}");
        }
        // `values` reverses any name; `dots` only names of legacy characters, dots, underscores.
        let round_trips = [
            (Values, &["a.b", "x-y_z", "ü", "_a", "a__b", "😀.x", "a_dot_b"][..]),
            (Dots, &["a.b", "_a", "a__b", "x.y_z"][..]),
        ];
        for (scheme, names) in round_trips {
            for name in names {
                let e = escape_name(name, scheme);
                assert_eq!(unescape_name(&e, scheme), *name, "{name} via {e}");
            }
        }
    }
}
