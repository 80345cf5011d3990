//! Alertmanager's template functions (Go's `template.DefaultFuncs`), with Go's signatures,
//! argument orders, results and error texts.

use std::sync::Arc;

use model::duration::GoDuration;
use model::regex::{Anchoring, GoRegex};

use super::json;
use crate::funcs::{ArgType, Func, FuncMap, Signature};
use crate::gofmt::{FmtArg, GoLocation, GoTime, sprintf};
use crate::safe::SafeKind;
use crate::title::title;
use crate::value::{Elem, Map, Value};

use ArgType::{Any, String as Str, StringList, Time};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn t(v: &Value) -> GoTime {
    match v {
        Value::Time(t) => t.clone(),
        _ => GoTime::zero(),
    }
}

fn string_fn(f: impl Fn(&str) -> String + Send + Sync + 'static) -> Func {
    Func::new(Signature::fixed(&[Str]).returning(Str, false), move |a| Ok(Value::from(f(s(&a[0])))))
}

/// The function set Alertmanager gives every template: `toUpper toLower title trimSpace join
/// match safeHtml safeUrl urlUnescape reReplaceAll stringSlice routeLabels date tz now since
/// humanizeDuration toDate mustToDate toJson base64encode base64decode list append dict`.
///
/// `routeLabels` here is the placeholder upstream registers so that templates using it parse;
/// [`super::Templates`] replaces it for each execution. `now` and `since` read the system clock;
/// [`funcs_with_clock`] takes a clock instead.
pub fn funcs() -> FuncMap {
    funcs_with_clock(Arc::new(|| GoTime::from_system_time(std::time::SystemTime::now()).local()))
}

/// A clock for `now` and `since`.
pub type Clock = Arc<dyn Fn() -> GoTime + Send + Sync>;

/// [`funcs`] with `now` and `since` reading `clock`.
pub fn funcs_with_clock(clock: Clock) -> FuncMap {
    let clock2 = clock.clone();
    FuncMap::new()
        .with("toUpper", string_fn(go_to_upper))
        .with("toLower", string_fn(go_to_lower))
        .with("title", string_fn(|x| title(x, false)))
        .with("trimSpace", string_fn(|x| x.trim().to_string()))
        .with(
            "join",
            Func::new(Signature::fixed(&[Str, StringList]).returning(Str, false), |a| {
                Ok(Value::from(string_items(&a[1]).join(s(&a[0]))))
            }),
        )
        .with(
            "match",
            Func::new(Signature::fixed(&[Str, Str]).returning(ArgType::Bool, true), |a| {
                let re =
                    GoRegex::new(s(&a[0]), Anchoring::Unanchored).map_err(|e| e.to_string())?;
                Ok(Value::Bool(re.is_match(s(&a[1]))))
            }),
        )
        .with(
            "safeHtml",
            Func::new(Signature::fixed(&[Str]), |a| Ok(Value::safe(SafeKind::Html, s(&a[0])))),
        )
        .with(
            "safeUrl",
            Func::new(Signature::fixed(&[Str]), |a| Ok(Value::safe(SafeKind::Url, s(&a[0])))),
        )
        .with(
            "urlUnescape",
            Func::new(Signature::fixed(&[Str]).returning(Str, true), |a| {
                query_unescape(s(&a[0])).map(Value::from)
            }),
        )
        .with(
            "reReplaceAll",
            Func::new(Signature::fixed(&[Str, Str, Str]).returning(Str, false), |a| {
                let pattern = s(&a[0]);
                // Upstream uses MustCompile; text/template turns the panic into this error.
                let re = GoRegex::new(pattern, Anchoring::Unanchored).map_err(|e| {
                    format!("regexp: Compile({}): {e}", backquote_or_quote(pattern))
                })?;
                Ok(Value::from(re.replace_all(s(&a[2]), s(&a[1])).into_owned()))
            }),
        )
        .with(
            "stringSlice",
            Func::new(Signature::variadic(&[], Str).returning(StringList, false), |a| {
                Ok(Value::string_list(a.iter().map(s)))
            }),
        )
        .with(
            "routeLabels",
            Func::new(Signature::fixed(&[Str]).returning(Str, true), |_| Ok(Value::from(""))),
        )
        .with(
            "date",
            Func::new(Signature::fixed(&[Str, Time]).returning(Str, false), |a| {
                Ok(Value::from(t(&a[1]).format(s(&a[0]))))
            }),
        )
        .with(
            "tz",
            Func::new(Signature::fixed(&[Str, Time]).returning(Time, true), |a| {
                let loc = GoLocation::load(s(&a[0])).map_err(|e| e.to_string())?;
                Ok(Value::Time(t(&a[1]).in_location(&loc)))
            }),
        )
        .with(
            "now",
            Func::new(Signature::fixed(&[]).returning(Time, false), move |_| {
                Ok(Value::Time(clock()))
            }),
        )
        .with(
            "since",
            Func::new(Signature::fixed(&[Time]).returning(ArgType::Duration, false), move |a| {
                Ok(Value::Duration(clock2().sub(&t(&a[0]))))
            }),
        )
        .with(
            "humanizeDuration",
            Func::new(Signature::fixed(&[Any]).returning(Str, true), |a| {
                humanize_duration(&a[0]).map(Value::from)
            }),
        )
        .with(
            "toDate",
            Func::new(Signature::fixed(&[Str, Str]).returning(Time, false), |a| {
                let parsed = GoTime::parse_in_location(s(&a[0]), s(&a[1]), &GoLocation::utc());
                Ok(Value::Time(parsed.unwrap_or_default()))
            }),
        )
        .with(
            "mustToDate",
            Func::new(Signature::fixed(&[Str, Str]).returning(Time, true), |a| {
                GoTime::parse_in_location(s(&a[0]), s(&a[1]), &GoLocation::utc())
                    .map(Value::Time)
                    .map_err(|e| e.to_string())
            }),
        )
        .with(
            "toJson",
            Func::new(Signature::fixed(&[Any]).returning(Str, true), |a| {
                json::marshal(&a[0]).map(Value::from)
            }),
        )
        .with(
            "base64encode",
            Func::new(Signature::fixed(&[Str]).returning(Str, false), |a| {
                Ok(Value::from(base64_encode(s(&a[0]).as_bytes())))
            }),
        )
        .with(
            "base64decode",
            Func::new(Signature::fixed(&[Str]).returning(Str, true), |a| {
                let bytes = base64_decode(s(&a[0]))?;
                Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()))
            }),
        )
        .with(
            "list",
            Func::new(Signature::variadic(&[], Any), |a| Ok(Value::list(a.iter().cloned()))),
        )
        .with(
            "append",
            Func::new(Signature::variadic(&[Any], Any), |a| {
                let mut items = match a[0].resolved().as_ref() {
                    Value::List(l) if l.elem == Elem::Any => l.items.clone(),
                    Value::Nil => Vec::new(),
                    other => {
                        return Err(format!(
                            "wrong type for value; expected []interface {{}}; got {}",
                            other.type_name()
                        ));
                    }
                };
                items.extend(a[1..].iter().cloned());
                Ok(Value::list(items))
            }),
        )
        .with(
            "dict",
            Func::new(Signature::variadic(&[], Any), |a| {
                if a.len() % 2 != 0 {
                    return Err("dict requires an even number of arguments".into());
                }
                let mut entries = std::collections::BTreeMap::new();
                for kv in a.chunks(2) {
                    let Value::String(k) = &kv[0] else {
                        return Err("dict keys must be strings".into());
                    };
                    entries.insert(k.to_string(), kv[1].clone());
                }
                Ok(Value::Map(Arc::new(Map { elem: Elem::Any, entries })))
            }),
        )
}

fn string_items(v: &Value) -> Vec<&str> {
    match v {
        Value::List(l) => l.items.iter().map(s).collect(),
        _ => Vec::new(),
    }
}

/// Go's `strings.ToUpper`: the simple (one-to-one) case mapping of every rune.
pub(crate) fn go_to_upper(x: &str) -> String {
    if x.is_ascii() {
        return x.to_ascii_uppercase();
    }
    x.chars().map(simple_upper).collect()
}

/// Go's `strings.ToLower`: the simple case mapping of every rune.
pub(crate) fn go_to_lower(x: &str) -> String {
    if x.is_ascii() {
        return x.to_ascii_lowercase();
    }
    x.chars().map(simple_lower).collect()
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// `unicode.ToUpper`. Rust gives the full mapping; where that is several runes the simple
/// mapping is the rune itself except for the Greek letters with iota subscript.
pub(crate) fn simple_upper(c: char) -> char {
    if let Some(u) = single(c.to_uppercase()) {
        return u;
    }
    let n = c as u32;
    let mapped = match n {
        0x1F80..=0x1FAF if n & 8 == 0 => n + 8,
        0x1FB3 | 0x1FC3 | 0x1FF3 => n + 9,
        _ => n,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// `unicode.ToLower`.
pub(crate) fn simple_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    single(c.to_lowercase()).unwrap_or(c)
}

/// Go's `url.QueryUnescape`.
fn query_unescape(x: &str) -> Result<String, String> {
    let b = x.as_bytes();
    // Go checks every escape first, reporting the first bad one.
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !is_hex(b[i + 1]) || !is_hex(b[i + 2]) {
                let end = (i + 3).min(b.len());
                return Err(format!("invalid URL escape {}", quote_bytes(&b[i..end])));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push(hex_val(b[i + 1]) << 4 | hex_val(b[i + 2]));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `strconv.Quote` of bytes that may end inside a UTF-8 sequence (`\xNN` for those).
fn quote_bytes(b: &[u8]) -> String {
    let valid = match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
    };
    let mut q = model::gostr::quote(valid);
    q.pop();
    for byte in &b[valid.len()..] {
        q.push_str(&format!("\\x{byte:02x}"));
    }
    q.push('"');
    q
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.wrapping_sub(b'A').wrapping_add(10),
    }
}

/// How Go's `regexp.MustCompile` quotes a pattern in its panic: backquoted when possible.
fn backquote_or_quote(p: &str) -> String {
    let can_backquote =
        p.chars().all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !c.is_control()));
    if can_backquote { format!("`{p}`") } else { model::gostr::quote(p) }
}

/// Prometheus' `HumanizeDuration` (prometheus/common `helpers/templates`).
pub(crate) fn humanize_duration(v: &Value) -> Result<String, String> {
    let v = convert_to_float(v)?;
    let g4 = |x: f64| sprintf("%.4g", &[FmtArg::Float(x)]);
    if v.is_nan() || v.is_infinite() {
        return Ok(g4(v));
    }
    if v == 0.0 {
        return Ok(format!("{}s", g4(v)));
    }
    if v.abs() >= 1.0 {
        let (sign, v) = if v < 0.0 { ("-", -v) } else { ("", v) };
        // Go's int64 conversion of an out-of-range float gives the minimum int64 on amd64.
        let d = if v < 9.223_372_036_854_776e18 { v as i64 } else { i64::MIN };
        let (secs, mins, hours, days) = (d % 60, (d / 60) % 60, (d / 3600) % 24, d / 86400);
        return Ok(if days != 0 {
            format!("{sign}{days}d {hours}h {mins}m {secs}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {mins}m {secs}s")
        } else if mins != 0 {
            format!("{sign}{mins}m {secs}s")
        } else {
            format!("{sign}{}s", g4(v))
        });
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    Ok(format!("{}{prefix}s", g4(v)))
}

/// prometheus/common's `ConvertToFloat`.
fn convert_to_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Uint(u) => Ok(*u as f64),
        Value::Duration(d) => Ok(GoDuration::as_secs_f64(*d)),
        Value::String(x) => parse_float(x),
        Value::Object(o) if matches!(o.type_name(), "int64" | "uint64" | "uint") => {
            match o.underlying() {
                Some(Value::Int(i)) => Ok(i as f64),
                Some(Value::Uint(u)) => Ok(u as f64),
                Some(Value::Float(f)) => Ok(f),
                _ => Err(format!("can't convert {} to float", v.type_name())),
            }
        }
        Value::Nil => Err("can't convert <nil> to float".into()),
        _ => Err(format!("can't convert {} to float", v.type_name())),
    }
}

/// `strconv.ParseFloat(x, 64)` for decimal forms, infinities and NaN.
fn parse_float(x: &str) -> Result<f64, String> {
    let syntax =
        || format!("strconv.ParseFloat: parsing {}: invalid syntax", model::gostr::quote(x));
    let body = x.strip_prefix(['+', '-']).unwrap_or(x);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity") {
        return Ok(if x.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if lower == "nan" {
        return if body.len() == x.len() { Ok(f64::NAN) } else { Err(syntax()) };
    }
    let ok_chars =
        body.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if body.is_empty()
        || !ok_chars
        || !body.as_bytes()[0].is_ascii_digit() && body.as_bytes()[0] != b'.'
    {
        return Err(syntax());
    }
    let f: f64 = x.parse().map_err(|_| syntax())?;
    if f.is_infinite() {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            model::gostr::quote(x)
        ));
    }
    Ok(f)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `base64.URLEncoding.EncodeToString`.
fn base64_encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        let idx = |shift: u32| char::from(B64[((n >> shift) & 63) as usize]);
        out.push(idx(18));
        out.push(idx(12));
        out.push(if chunk.len() > 1 { idx(6) } else { '=' });
        out.push(if chunk.len() > 2 { idx(0) } else { '=' });
    }
    out
}

/// `base64.URLEncoding.DecodeString`: padding required, `\r` and `\n` ignored, errors as
/// Go's `illegal base64 data at input byte N`.
fn base64_decode(x: &str) -> Result<Vec<u8>, String> {
    let err = |i: usize| format!("illegal base64 data at input byte {i}");
    let val = |c: u8| B64.iter().position(|&d| d == c).map(|p| p as u32);
    let src: Vec<(usize, u8)> =
        x.bytes().enumerate().filter(|(_, c)| *c != b'\r' && *c != b'\n').collect();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut i = 0;
    while i < src.len() {
        let mut quantum = [0u32; 4];
        let mut n = 0;
        while n < 4 {
            let Some(&(pos, c)) = src.get(i) else {
                if n == 0 {
                    return Ok(out);
                }
                // Go reports the start of the incomplete quantum.
                return Err(err(x.len() - n));
            };
            if c == b'=' {
                // Padding: only in the last quantum, after two or three symbols.
                match n {
                    0 | 1 => return Err(err(pos)),
                    2 => match src.get(i + 1) {
                        Some(&(_, b'=')) => {
                            if let Some(&(p, _)) = src.get(i + 2) {
                                return Err(err(p));
                            }
                        }
                        Some(&(p, _)) => return Err(err(p)),
                        None => return Err(err(x.len())),
                    },
                    _ => {
                        if let Some(&(p, _)) = src.get(i + 1) {
                            return Err(err(p));
                        }
                    }
                }
                let v = (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6);
                out.push((v >> 16) as u8);
                if n == 3 {
                    out.push((v >> 8) as u8);
                }
                return Ok(out);
            }
            let Some(v) = val(c) else { return Err(err(pos)) };
            quantum[n] = v;
            n += 1;
            i += 1;
        }
        let v = (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6) | quantum[3];
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    Ok(out)
}
