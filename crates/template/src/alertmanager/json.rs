//! Go's `json.Marshal` of template values, for `toJson`: struct fields under their JSON tags
//! (`template.Data`, `template.Alert`), maps with sorted keys, times as RFC 3339 with
//! nanoseconds, durations as integers, and Go's escaping of `<`, `>`, `&`, U+2028 and U+2029.

use super::data::{ALERT_JSON, DATA_JSON};
use crate::gofmt::{GoTime, append_float};
use crate::value::Value;

/// The JSON text of `v`, or Go's error.
pub(crate) fn marshal(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    encode(v, &mut out, 0)?;
    Ok(out)
}

fn encode(v: &Value, out: &mut String, depth: usize) -> Result<(), String> {
    if depth > 1000 {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    match v {
        Value::Nil | Value::Func(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(u) => out.push_str(&u.to_string()),
        Value::Float(f) => float(*f, out)?,
        Value::String(s) => string(s, out),
        Value::Duration(d) => out.push_str(&d.as_nanos().to_string()),
        Value::Time(t) => time(t, out)?,
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                encode(item, out, depth + 1)?;
            }
            out.push('}');
        }
        Value::Object(o) => {
            if let Some(u) = o.underlying() {
                return encode(&u, out, depth + 1);
            }
            let tags: Option<&[&str]> = match o.type_name() {
                "template.Data" => Some(&DATA_JSON),
                "template.Alert" => Some(&ALERT_JSON),
                _ => None,
            };
            out.push('{');
            let mut first = true;
            for (i, (name, field)) in o.fields().into_iter().enumerate() {
                // Unexported fields are not encoded.
                if !name.starts_with(|c: char| c.is_uppercase()) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                string(tags.and_then(|t| t.get(i).copied()).unwrap_or(name), out);
                out.push(':');
                encode(&field, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn float(f: f64, out: &mut String) -> Result<(), String> {
    if f.is_nan() || f.is_infinite() {
        let s = if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "+Inf"
        } else {
            "-Inf"
        };
        return Err(format!("json: unsupported value: {s}"));
    }
    let abs = f.abs();
    let fmt = if abs != 0.0 && !(1e-6..1e21).contains(&abs) { b'e' } else { b'f' };
    let start = out.len();
    append_float(out, f, fmt, -1, 64);
    if fmt == b'e' {
        // Go writes e-07 as e-7.
        let b = &out.as_bytes()[start..];
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            let last = out.pop().unwrap_or('0');
            out.pop();
            out.push(last);
        }
    }
    Ok(())
}

fn time(t: &GoTime, out: &mut String) -> Result<(), String> {
    if !(0..=9999).contains(&t.year()) {
        return Err("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]".into());
    }
    out.push('"');
    t.append_format(out, crate::gofmt::layout::RFC3339_NANO);
    out.push('"');
    Ok(())
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A JSON string as Go's encoder writes it (`SetEscapeHTML(true)`, the default).
pub(crate) fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let b = c as u32;
                out.push_str("\\u00");
                out.push(char::from(HEX[(b >> 4) as usize]));
                out.push(char::from(HEX[(b & 15) as usize]));
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out.push('"');
}
