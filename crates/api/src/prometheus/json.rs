//! JSON written byte for byte as Prometheus writes it.
//!
//! Prometheus encodes responses with jsoniter in its standard-library-compatible mode, plus
//! hand-written encoders for samples. What that means for the bytes, and what this module
//! reproduces:
//! - strings escape `<`, `>`, `&` as `\u003c`..., U+2028/U+2029 as `\u2028`/`\u2029`, control
//!   characters other than `\n`, `\r`, `\t` as `\u00XX`;
//! - sample values are strings in Go's shortest form, `'f'` notation unless the magnitude is
//!   below 1e-6 or at least 1e21 (`"1e-07"`, `"+Inf"`, `"NaN"`): [`sample_value`];
//! - sample timestamps are seconds with exactly three decimals when not whole (`1.100`,
//!   `-0.001`): [`write_sample_time`];
//! - scalars and strings go through Go's `encoding/json` instead: the value always in `'f'`
//!   notation ([`go_format_f`]), the time as a plain float (`1.1`): [`write_go_float`];
//! - objects keep their fields in the order written (Go struct order); maps are sorted by key.

use std::fmt::Write as _;

/// A small JSON tree for the non-sample parts of responses (status pages, label lists).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A number already formatted.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Fields in the order they are written.
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn str(s: impl Into<String>) -> Json {
        Json::String(s.into())
    }

    pub fn int(n: impl Into<i128>) -> Json {
        Json::Number(n.into().to_string())
    }

    pub fn obj<K: Into<String>>(fields: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Json {
        Json::Array(items.into_iter().map(|s| Json::str(s.as_ref())).collect())
    }

    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_str(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// A `serde_json` value as Go writes a `map[string]any` tree: object keys sorted.
    pub fn from_serde_sorted(v: &serde_json::Value) -> Json {
        use serde_json::Value as V;
        match v {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(*b),
            V::Number(n) => Json::Number(n.to_string()),
            V::String(s) => Json::String(s.clone()),
            V::Array(items) => Json::Array(items.iter().map(Json::from_serde_sorted).collect()),
            V::Object(map) => {
                let mut fields: Vec<(String, Json)> =
                    map.iter().map(|(k, v)| (k.clone(), Json::from_serde_sorted(v))).collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Json::Object(fields)
            }
        }
    }

    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

/// Writes `s` as a JSON string with Go's (HTML-safe) escaping.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => None,
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent.
pub fn go_format_f(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        // Rust's `Display` for floats is the shortest round-trip form without exponent, which
        // is exactly Go's 'f' with precision -1 (including "-0").
        format!("{f}")
    }
}

/// Go's `strconv.FormatFloat(f, 'e', -1, 64)`: shortest digits, exponent with a sign and at
/// least two digits (`1e-07`, `1.5e+21`).
pub fn go_format_e(f: f64) -> String {
    if !f.is_finite() {
        return go_format_f(f);
    }
    let rust = format!("{f:e}");
    let (mantissa, exp) = rust.split_once('e').unwrap_or((rust.as_str(), "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    let pad = if digits.len() < 2 { "0" } else { "" };
    format!("{mantissa}e{sign}{pad}{digits}")
}

/// A sample value as Prometheus' `jsonutil.MarshalFloat` formats it (without the quotes).
pub fn sample_value(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) { go_format_e(f) } else { go_format_f(f) }
}

/// Writes a sample value as a JSON string (`"0.5"`).
pub fn write_sample_value(out: &mut String, f: f64) {
    out.push('"');
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        out.push_str(&go_format_e(f));
    } else if f.is_nan() {
        out.push_str("NaN");
    } else {
        // The common case, written in place: results hold millions of these.
        let _ = write!(out, "{f}");
    }
    out.push('"');
}

/// Writes a millisecond timestamp as Prometheus' `jsonutil.MarshalTimestamp` does: whole
/// seconds, then `.` and exactly three digits when there is a fraction.
pub fn write_sample_time(out: &mut String, t: i64) {
    let abs = t.unsigned_abs();
    if t < 0 {
        out.push('-');
    }
    let _ = write!(out, "{}", abs / 1000);
    let frac = abs % 1000;
    if frac != 0 {
        let _ = write!(out, ".{frac:03}");
    }
}

/// Writes a finite float as Go's `encoding/json` does (`'f'` unless the magnitude is below
/// 1e-6 or at least 1e21, then `'e'` with a one-digit negative exponent kept short: `1e-7`).
pub fn write_go_float(out: &mut String, f: f64) {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = go_format_e(f);
        // encoding/json turns "e-07" into "e-7".
        match s.find("e-0") {
            Some(i) if s.len() == i + 4 => {
                out.push_str(&s[..i + 2]);
                out.push_str(&s[i + 3..]);
            }
            _ => out.push_str(&s),
        }
    } else {
        out.push_str(&go_format_f(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_values_follow_marshal_float() {
        // Expected strings from Go's strconv rules, worked out by hand.
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (0.5, "0.5"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1e-7, "1e-07"),
            (1e-6, "0.000001"),
            (1.2345678e-6, "0.0000012345678"),
            (1.2345678e6, "1234567.8"),
            (1.2345678e-67, "1.2345678e-67"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (-2.5e22, "-2.5e+22"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e100, "1e+100"),
        ];
        for (f, want) in cases {
            assert_eq!(sample_value(*f), *want, "{f:e}");
            let mut quoted = String::new();
            write_sample_value(&mut quoted, *f);
            assert_eq!(quoted, format!("\"{want}\""));
        }
    }

    #[test]
    fn scalar_values_never_use_exponents() {
        assert_eq!(go_format_f(1e-7), "0.0000001");
        assert_eq!(go_format_f(1e21), "1000000000000000000000");
        assert_eq!(go_format_f(f64::INFINITY), "+Inf");
    }

    #[test]
    fn sample_times_keep_three_decimals() {
        let cases: &[(i64, &str)] = &[
            (0, "0"),
            (1, "0.001"),
            (10, "0.010"),
            (100, "0.100"),
            (1000, "1"),
            (1001, "1.001"),
            (1100, "1.100"),
            (-1, "-0.001"),
            (-1500, "-1.500"),
            (12345678123456555, "12345678123456.555"),
            (1435781451781, "1435781451.781"),
        ];
        for (t, want) in cases {
            let mut s = String::new();
            write_sample_time(&mut s, *t);
            assert_eq!(s, *want);
        }
    }

    #[test]
    fn go_json_floats() {
        let cases: &[(f64, &str)] = &[
            (1.1, "1.1"),
            (1435781451.781, "1435781451.781"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (1e21, "1e+21"),
            (0.0, "0"),
        ];
        for (f, want) in cases {
            let mut s = String::new();
            write_go_float(&mut s, *f);
            assert_eq!(s, *want);
        }
    }

    #[test]
    fn strings_are_escaped_like_go() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\n<tag>&\u{1}\u{2028}é");
        assert_eq!(s, r#""a\"b\\c\n\u003ctag\u003e\u0026\u0001\u2028é""#);
    }

    #[test]
    fn serde_trees_get_sorted_keys() {
        let v = serde_json::json!({"type": "x", "a": [1, {"z": null, "b": "<"}]});
        assert_eq!(
            Json::from_serde_sorted(&v).to_json_string(),
            r#"{"a":[1,{"b":"\u003c","z":null}],"type":"x"}"#
        );
    }

    #[test]
    fn trees_keep_field_order() {
        let j = Json::obj([("b", Json::int(1)), ("a", Json::strings(["x", "y"]))]);
        assert_eq!(j.to_json_string(), r#"{"b":1,"a":["x","y"]}"#);
    }
}
