//! The escaper functions that escaping appends to pipelines (Go's `_html_template_*`), byte for
//! byte as Go's.

use super::attr::{ContentType, attr_type};
use super::css::{decode_css, is_css_nmchar, is_css_space, is_hex};
use super::js::is_js_ident_part;
use crate::funcs::{Func, FuncMap};
use crate::gofmt::format_float;
use crate::print::sprint;
use crate::value::Value;

/// What unsafe values are replaced with.
pub(crate) const FAILSAFE: &str = "ZgotmplZ";

/// The content type of a safe string (`template.HTML`...), or `None` for other values.
fn safe_content(v: &Value) -> Option<(ContentType, String)> {
    let Value::Object(o) = v else { return None };
    let t = match o.type_name() {
        "template.HTML" => ContentType::Html,
        "template.HTMLAttr" => ContentType::HtmlAttr,
        "template.URL" => ContentType::Url,
        "template.JS" => ContentType::Js,
        "template.JSStr" => ContentType::JsStr,
        "template.CSS" => ContentType::Css,
        "template.Srcset" => ContentType::Srcset,
        _ => return None,
    };
    match o.underlying() {
        Some(Value::String(s)) => Some((t, s.to_string())),
        _ => None,
    }
}

/// Go's `stringify`: the text of the arguments and its content type. Nil arguments are
/// skipped (so a missing value prints as nothing).
pub(crate) fn stringify(args: &[Value]) -> (String, ContentType) {
    if let [one] = args {
        if let Value::String(s) = one {
            return (s.to_string(), ContentType::Plain);
        }
        if let Some((t, s)) = safe_content(one) {
            return (s, t);
        }
    }
    let kept: Vec<Value> = args.iter().filter(|a| !matches!(a, Value::Nil)).cloned().collect();
    (sprint(&kept), ContentType::Plain)
}

/// The escaper functions by name, for a template set in HTML mode.
pub(crate) fn escaper_funcs() -> FuncMap {
    let f = |g: fn(&[Value]) -> String| Func::any(move |a| Ok(Value::from(g(a))));
    FuncMap::new()
        .with("_html_template_attrescaper", f(attr_escaper))
        .with("_html_template_commentescaper", f(|_| String::new()))
        .with("_html_template_cssescaper", f(css_escaper))
        .with("_html_template_cssvaluefilter", f(css_value_filter))
        .with("_html_template_htmlnamefilter", f(html_name_filter))
        .with("_html_template_htmlescaper", f(html_escaper))
        .with("_html_template_jsregexpescaper", f(js_regexp_escaper))
        .with("_html_template_jsstrescaper", f(js_str_escaper))
        .with("_html_template_jstmpllitescaper", f(js_tmpl_lit_escaper))
        .with("_html_template_jsvalescaper", f(js_val_escaper))
        .with("_html_template_nospaceescaper", f(nospace_escaper))
        .with("_html_template_rcdataescaper", f(rcdata_escaper))
        .with("_html_template_srcsetescaper", f(srcset_escaper))
        .with("_html_template_urlescaper", f(|a| url_processor(false, a)))
        .with("_html_template_urlfilter", f(url_filter))
        .with("_html_template_urlnormalizer", f(|a| url_processor(true, a)))
        .with("_eval_args_", f(eval_args))
}

/// Go's `evalArgs` of `html/template`: `fmt.Sprint`, nil included (as `<nil>`).
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    sprint(args)
}

// --- HTML ---

#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    /// Text and quoted attributes.
    Html,
    /// The same without `&`, for HTML content whose entities are kept.
    HtmlNorm,
    /// Unquoted attributes.
    Nospace,
    NospaceNorm,
}

fn html_replacement(t: Table, c: char) -> Option<&'static str> {
    let nospace = matches!(t, Table::Nospace | Table::NospaceNorm);
    let norm = matches!(t, Table::HtmlNorm | Table::NospaceNorm);
    Some(match c {
        '\0' if nospace => "&#xfffd;",
        '\0' => "\u{FFFD}",
        '"' => "&#34;",
        '&' if !norm => "&amp;",
        '\'' => "&#39;",
        '+' => "&#43;",
        '<' => "&lt;",
        '>' => "&gt;",
        '\t' if nospace => "&#9;",
        '\n' if nospace => "&#10;",
        '\x0b' if nospace => "&#11;",
        '\x0c' if nospace => "&#12;",
        '\r' if nospace => "&#13;",
        ' ' if nospace => "&#32;",
        '=' if nospace => "&#61;",
        '`' if nospace => "&#96;",
        _ => return None,
    })
}

fn html_replacer(s: &str, t: Table) -> String {
    let bad_runes_ok = matches!(t, Table::Html | Table::HtmlNorm);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(r) = html_replacement(t, c) {
            out.push_str(r);
        } else if !bad_runes_ok
            && ((0xfdd0..=0xfdef).contains(&(c as u32)) || (0xfff0..=0xffff).contains(&(c as u32)))
        {
            out.push_str(&format!("&#x{:x};", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn html_escaper(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    if t == ContentType::Html {
        return s;
    }
    html_replacer(&s, Table::Html)
}

fn attr_escaper(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    if t == ContentType::Html {
        return html_replacer(&super::strip::strip_tags(&s), Table::HtmlNorm);
    }
    html_replacer(&s, Table::Html)
}

fn rcdata_escaper(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    if t == ContentType::Html {
        return html_replacer(&s, Table::HtmlNorm);
    }
    html_replacer(&s, Table::Html)
}

fn nospace_escaper(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    if s.is_empty() {
        return FAILSAFE.to_string();
    }
    if t == ContentType::Html {
        return html_replacer(&super::strip::strip_tags(&s), Table::NospaceNorm);
    }
    html_replacer(&s, Table::Nospace)
}

fn html_name_filter(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    if t == ContentType::HtmlAttr {
        return s;
    }
    if s.is_empty() {
        return FAILSAFE.to_string();
    }
    let s = s.to_lowercase();
    if attr_type(&s) != ContentType::Plain {
        return FAILSAFE.to_string();
    }
    if !s.chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()) {
        return FAILSAFE.to_string();
    }
    s
}

// --- URLs ---

/// Whether `s` has no scheme or an `http`, `https` or `mailto` one.
pub(crate) fn is_safe_url(s: &str) -> bool {
    if let Some((protocol, _)) = s.split_once(':')
        && !protocol.contains('/')
    {
        return ["http", "https", "mailto"].iter().any(|p| protocol.eq_ignore_ascii_case(p));
    }
    true
}

fn url_filter(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    if t == ContentType::Url || is_safe_url(&s) {
        return s;
    }
    format!("#{FAILSAFE}")
}

fn url_processor(norm: bool, args: &[Value]) -> String {
    let (s, t) = stringify(args);
    let mut out = String::with_capacity(s.len() + 16);
    process_url_onto(&s, norm || t == ContentType::Url, &mut out);
    out
}

/// Percent-encodes what must be in a URL (with `norm`, keeps reserved characters and existing
/// `%xx` escapes). Returns whether anything changed.
fn process_url_onto(s: &str, norm: bool, out: &mut String) -> bool {
    let b = s.as_bytes();
    let mut changed = false;
    let mut written = 0;
    for (i, &c) in b.iter().enumerate() {
        let keep = match c {
            b'!' | b'#' | b'$' | b'&' | b'*' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?'
            | b'@' | b'[' | b']' => norm,
            b'-' | b'.' | b'_' | b'~' => true,
            b'%' => norm && i + 2 < b.len() && is_hex(b[i + 1]) && is_hex(b[i + 2]),
            c => c.is_ascii_alphanumeric(),
        };
        if keep {
            continue;
        }
        // Every byte kept is ASCII, every other one is encoded: the pieces are ASCII.
        out.push_str(&String::from_utf8_lossy(&b[written..i]));
        out.push_str(&format!("%{c:02x}"));
        written = i + 1;
        changed = true;
    }
    out.push_str(&String::from_utf8_lossy(&b[written..]));
    changed
}

fn srcset_escaper(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    match t {
        ContentType::Srcset => return s,
        ContentType::Url => {
            let mut out = String::new();
            process_url_onto(&s, true, &mut out);
            return out.replace(',', "%2c");
        }
        _ => {}
    }
    let mut out = String::new();
    let mut written = 0;
    for (i, c) in s.bytes().enumerate() {
        if c == b',' {
            filter_srcset_element(&s, written, i, &mut out);
            out.push(',');
            written = i + 1;
        }
    }
    filter_srcset_element(&s, written, s.len(), &mut out);
    out
}

fn is_html_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

fn filter_srcset_element(s: &str, left: usize, right: usize, out: &mut String) {
    let b = s.as_bytes();
    let mut start = left;
    while start < right && is_html_space(b[start]) {
        start += 1;
    }
    let end = (start..right).find(|&i| is_html_space(b[i])).unwrap_or(right);
    let url = &s[start..end];
    if is_safe_url(url)
        && b[end..right].iter().all(|&c| is_html_space(c) || c.is_ascii_alphanumeric())
    {
        out.push_str(&s[left..start]);
        process_url_onto(url, true, out);
        out.push_str(&s[end..right]);
        return;
    }
    out.push('#');
    out.push_str(FAILSAFE);
}

// --- CSS ---

fn css_replacement(c: char) -> Option<&'static str> {
    Some(match c {
        '\0' => "\\0",
        '\t' => "\\9",
        '\n' => "\\a",
        '\x0c' => "\\c",
        '\r' => "\\d",
        '"' => "\\22",
        '&' => "\\26",
        '\'' => "\\27",
        '(' => "\\28",
        ')' => "\\29",
        '+' => "\\2b",
        '/' => "\\2f",
        ':' => "\\3a",
        ';' => "\\3b",
        '<' => "\\3c",
        '>' => "\\3e",
        '\\' => "\\\\",
        '{' => "\\7b",
        '}' => "\\7d",
        _ => return None,
    })
}

fn css_escaper(args: &[Value]) -> String {
    let (s, _) = stringify(args);
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    for (i, c) in s.char_indices() {
        match css_replacement(c) {
            None => out.push(c),
            Some(r) => {
                out.push_str(r);
                let next = i + c.len_utf8();
                if r != "\\\\" && (next == b.len() || is_hex(b[next]) || is_css_space(b[next])) {
                    out.push(' ');
                }
            }
        }
    }
    out
}

fn css_value_filter(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    if t == ContentType::Css {
        return s;
    }
    let b = decode_css(s.as_bytes());
    let mut id = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        match c {
            0 | b'"' | b'\'' | b'(' | b')' | b'/' | b';' | b'@' | b'[' | b'\\' | b']' | b'`'
            | b'{' | b'}' | b'<' | b'>' => return FAILSAFE.to_string(),
            // `--` could start or end an HTML comment; `-` is not part of the identifier.
            b'-' if i != 0 && b[i - 1] == b'-' => return FAILSAFE.to_string(),
            b'-' => {}
            c if c < 0x80 && is_css_nmchar(c as char) => id.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    let contains = |w: &[u8]| id.windows(w.len()).any(|x| x == w);
    if contains(b"expression") || contains(b"mozbinding") {
        return FAILSAFE.to_string();
    }
    String::from_utf8_lossy(&b).into_owned()
}

// --- JS ---

fn low_unicode(c: char) -> Option<String> {
    let n = c as u32;
    if n >= 0x20 {
        return None;
    }
    Some(match c {
        '\t' => "\\t".to_string(),
        '\n' => "\\n".to_string(),
        '\x0c' => "\\f".to_string(),
        '\r' => "\\r".to_string(),
        _ => format!("\\u{n:04x}"),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsTable {
    Str,
    StrNorm,
    TmplLit,
    Regexp,
}

fn js_replacement(t: JsTable, c: char) -> Option<&'static str> {
    use JsTable::*;
    Some(match (t, c) {
        (_, '"') => "\\u0022",
        (_, '&') => "\\u0026",
        (_, '\'') => "\\u0027",
        (_, '+') => "\\u002b",
        (_, '/') => "\\/",
        (_, '<') => "\\u003c",
        (_, '>') => "\\u003e",
        (Str | TmplLit, '`') | (StrNorm, '`') => "\\u0060",
        (Str | TmplLit | Regexp, '\\') => "\\\\",
        (TmplLit, '$') => "\\u0024",
        (TmplLit, '{') => "\\u007b",
        (TmplLit, '}') => "\\u007d",
        (Regexp, '$') => "\\$",
        (Regexp, '(') => "\\(",
        (Regexp, ')') => "\\)",
        (Regexp, '*') => "\\*",
        (Regexp, '-') => "\\-",
        (Regexp, '.') => "\\.",
        (Regexp, '?') => "\\?",
        (Regexp, '[') => "\\[",
        (Regexp, ']') => "\\]",
        (Regexp, '^') => "\\^",
        (Regexp, '{') => "\\{",
        (Regexp, '|') => "\\|",
        (Regexp, '}') => "\\}",
        _ => return None,
    })
}

fn js_replace(s: &str, t: JsTable) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(r) = low_unicode(c) {
            out.push_str(&r);
        } else if let Some(r) = js_replacement(t, c) {
            out.push_str(r);
        } else if c == '\u{2028}' {
            out.push_str("\\u2028");
        } else if c == '\u{2029}' {
            out.push_str("\\u2029");
        } else {
            out.push(c);
        }
    }
    out
}

fn js_str_escaper(args: &[Value]) -> String {
    let (s, t) = stringify(args);
    js_replace(&s, if t == ContentType::JsStr { JsTable::StrNorm } else { JsTable::Str })
}

fn js_tmpl_lit_escaper(args: &[Value]) -> String {
    js_replace(&stringify(args).0, JsTable::TmplLit)
}

fn js_regexp_escaper(args: &[Value]) -> String {
    let s = js_replace(&stringify(args).0, JsTable::Regexp);
    if s.is_empty() { "(?:)".to_string() } else { s }
}

fn js_val_escaper(args: &[Value]) -> String {
    let json = match args {
        [one] => {
            if let Some((t, s)) = safe_content(one) {
                match t {
                    ContentType::Js => return s,
                    ContentType::JsStr => return format!("\"{s}\""),
                    _ => {}
                }
            }
            // A fmt.Stringer that is not a json.Marshaler is marshalled as its string (only at
            // the top: inside a list or map, json.Marshal sees the value itself).
            match one {
                Value::Duration(d) => Ok(json_string(&d.to_string())),
                Value::Object(o) if safe_content(one).is_none() && o.display().is_some() => {
                    Ok(json_string(&o.display().unwrap_or_default()))
                }
                _ => json_marshal(one),
            }
        }
        _ => Ok(json_string(&sprint(args))),
    };
    let b = match json {
        Ok(b) => b,
        Err(e) => {
            let e = e.replace("*/", "* /").replace("<!--", "\\x3C!--");
            let e = replace_script_tags(&e);
            return format!(" /* {e} */null ");
        }
    };
    if b.is_empty() {
        return " null ".to_string();
    }
    let first = b.chars().next().is_some_and(is_js_ident_part);
    let last = b.chars().next_back().is_some_and(is_js_ident_part);
    if first || last { format!(" {b} ") } else { b }
}

/// `(?i)<(/?)script` → `\x3C$1script`.
fn replace_script_tags(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (slash, tail) = match after.strip_prefix('/') {
            Some(t) => ("/", t),
            None => ("", after),
        };
        if tail.len() >= 6 && tail.as_bytes()[..6].eq_ignore_ascii_case(b"script") {
            out.push_str("\\x3C");
            out.push_str(slash);
            out.push_str(&tail[..6]);
            rest = &tail[6..];
        } else {
            out.push('<');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `encoding/json`'s encoding of a string (HTML-safe).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_float(f: f64) -> Result<String, String> {
    if f.is_nan() || f.is_infinite() {
        return Err(format!("json: unsupported value: {}", format_float(f, b'g', -1, 64)));
    }
    let abs = f.abs();
    let fmt = if abs != 0.0 && !(1e-6..1e21).contains(&abs) { b'e' } else { b'f' };
    let mut s = format_float(f, fmt, -1, 64);
    if fmt == b'e' {
        // e-09 → e-9
        let n = s.len();
        let b = s.as_bytes();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    Ok(s)
}

/// `json.Marshal` of a value, or Go's error text.
fn json_marshal(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::Nil => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Float(f) => json_float(*f)?,
        Value::String(s) => json_string(s),
        Value::List(l) => {
            let parts: Result<Vec<String>, String> = l.items.iter().map(json_marshal).collect();
            format!("[{}]", parts?.join(","))
        }
        Value::Map(m) => {
            let mut parts = Vec::with_capacity(m.entries.len());
            for (k, v) in &m.entries {
                parts.push(format!("{}:{}", json_string(k), json_marshal(v)?));
            }
            format!("{{{}}}", parts.join(","))
        }
        Value::Time(t) => json_string(&t.format("2006-01-02T15:04:05.999999999Z07:00")),
        Value::Duration(d) => d.as_nanos().to_string(),
        Value::Func(f) => return Err(format!("json: unsupported type: {}", f.type_name())),
        Value::Object(o) => {
            if let Some((_, s)) = safe_content(v) {
                return Ok(json_string(&s));
            }
            if let Some(u) = o.underlying() {
                return json_marshal(&u);
            }
            let mut parts = Vec::new();
            for (k, v) in o.fields() {
                parts.push(format!("{}:{}", json_string(k), json_marshal(&v)?));
            }
            format!("{{{}}}", parts.join(","))
        }
    })
}
