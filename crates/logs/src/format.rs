//! Log line formats: nginx `log_format` strings (the named `combined` and `main` are such
//! strings) compiled into literal/variable segments, and JSON lines. Parsing borrows every
//! value from the line; only a JSON string with escapes is copied.

use std::borrow::Cow;

/// The most variables one format may have (a fixed array holds a line's values, so parsing
/// allocates nothing).
pub const MAX_VARS: usize = 32;

/// nginx's predefined `combined` format.
pub const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;

/// nginx's `main` with the response times the tutorials add; plain `main` lines (ending after
/// `"$http_x_forwarded_for"`) and `combined` lines parse too.
pub const MAIN: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $request_time $upstream_response_time"#;

/// nginx's stock `main` (no times).
const MAIN_PLAIN: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#;

/// How a job's lines are written, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatSpec {
    Combined,
    Main,
    Json,
    /// An nginx `log_format` string.
    Custom(String),
}

impl FormatSpec {
    /// `combined`, `main`, `json`, or a `log_format` string (anything with a `$`).
    pub fn from_config(s: &str) -> Result<FormatSpec, String> {
        match s {
            "combined" => Ok(FormatSpec::Combined),
            "main" => Ok(FormatSpec::Main),
            "json" => Ok(FormatSpec::Json),
            s if s.contains('$') => Ok(FormatSpec::Custom(s.to_string())),
            s => Err(format!(
                "unknown log format {s:?}: expected combined, main, json or an nginx log_format string with $variables"
            )),
        }
    }

    /// The compiled format, or what is wrong with a custom string.
    pub fn compile(&self) -> Result<Format, String> {
        match self {
            FormatSpec::Combined => Format::text(&[COMBINED]),
            FormatSpec::Main => Format::text(&[MAIN, MAIN_PLAIN, COMBINED]),
            FormatSpec::Json => Ok(Format { kind: Kind::Json, vars: Vec::new() }),
            FormatSpec::Custom(s) => Format::text(&[s]),
        }
    }
}

impl std::fmt::Display for FormatSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatSpec::Combined => f.write_str("combined"),
            FormatSpec::Main => f.write_str("main"),
            FormatSpec::Json => f.write_str("json"),
            FormatSpec::Custom(s) => f.write_str(s),
        }
    }
}

/// A compiled format: what [`Format::parse`] runs.
#[derive(Debug, Clone)]
pub struct Format {
    kind: Kind,
    /// Variable names; a line's values are at the same indexes.
    vars: Vec<String>,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Alternatives tried in order (`main` accepts shorter lines).
    Text(Vec<Vec<Seg>>),
    /// Top-level keys named in `vars` are read; others are skipped.
    Json,
}

#[derive(Debug, Clone)]
enum Seg {
    Lit(String),
    Var(usize),
}

/// One line's values, by variable index.
#[derive(Debug)]
pub struct Fields<'a> {
    vals: [Option<Cow<'a, str>>; MAX_VARS],
}

impl Default for Fields<'_> {
    fn default() -> Self {
        Fields { vals: [const { None }; MAX_VARS] }
    }
}

impl<'a> Fields<'a> {
    /// The value of variable `i` on this line, if the line had it.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.vals.get(i).and_then(|v| v.as_deref())
    }

    fn set(&mut self, i: usize, v: Cow<'a, str>) {
        if let Some(slot) = self.vals.get_mut(i) {
            *slot = Some(v);
        }
    }
}

impl Format {
    fn text(alternatives: &[&str]) -> Result<Format, String> {
        let mut vars: Vec<String> = Vec::new();
        let mut alts = Vec::with_capacity(alternatives.len());
        for s in alternatives {
            alts.push(compile_text(s, &mut vars)?);
        }
        Ok(Format { kind: Kind::Text(alts), vars })
    }

    /// Whether lines are JSON objects (any key can be a field).
    pub fn is_json(&self) -> bool {
        matches!(self.kind, Kind::Json)
    }

    /// The variable index of `name`: for text formats only variables of the format; for
    /// JSON any key, registered here so parsing reads it.
    pub fn resolve(&mut self, name: &str) -> Option<usize> {
        if let Some(i) = self.vars.iter().position(|v| v == name) {
            return Some(i);
        }
        if self.is_json() && self.vars.len() < MAX_VARS {
            self.vars.push(name.to_string());
            return Some(self.vars.len() - 1);
        }
        None
    }

    /// Whether the format has variable `name` (JSON: always).
    pub fn has(&self, name: &str) -> bool {
        self.is_json() || self.vars.iter().any(|v| v == name)
    }

    /// Splits `line` (no trailing newline) into `out`; false when it does not match.
    pub fn parse<'a>(&self, line: &'a str, out: &mut Fields<'a>) -> bool {
        match &self.kind {
            Kind::Text(alts) => alts.iter().enumerate().any(|(i, segs)| {
                if i > 0 {
                    // A failed alternative may have set some values.
                    *out = Fields::default();
                }
                parse_text(segs, line, out)
            }),
            Kind::Json => parse_json(&self.vars, line, out),
        }
    }
}

/// Compiles one `log_format` string, adding its variables to `vars`.
fn compile_text(s: &str, vars: &mut Vec<String>) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        lit.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (name, after) = if let Some(braced) = rest.strip_prefix('{') {
            let end =
                braced.find('}').ok_or_else(|| format!("unclosed ${{ in log format {s:?}"))?;
            (&braced[..end], &braced[end + 1..])
        } else {
            let end =
                rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("invalid variable name {:?} in log format {s:?}", name));
        }
        if !lit.is_empty() {
            segs.push(Seg::Lit(std::mem::take(&mut lit)));
        } else if let Some(Seg::Var(prev)) = segs.last() {
            return Err(format!(
                "variables ${} and ${name} need text between them in log format {s:?}",
                vars[*prev]
            ));
        }
        let idx = match vars.iter().position(|v| v == name) {
            Some(i) if segs.iter().any(|g| matches!(g, Seg::Var(j) if *j == i)) => {
                return Err(format!("variable ${name} appears twice in log format {s:?}"));
            }
            Some(i) => i,
            None => {
                if vars.len() >= MAX_VARS {
                    return Err(format!("log format {s:?} has more than {MAX_VARS} variables"));
                }
                vars.push(name.to_string());
                vars.len() - 1
            }
        };
        segs.push(Seg::Var(idx));
        rest = after;
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        segs.push(Seg::Lit(lit));
    }
    if !segs.iter().any(|g| matches!(g, Seg::Var(_))) {
        return Err(format!("log format {s:?} has no $variables"));
    }
    Ok(segs)
}

/// A variable's value runs to the next literal (nginx escapes quotes inside values); the
/// last one runs to the end of the line.
fn parse_text<'a>(segs: &[Seg], line: &'a str, out: &mut Fields<'a>) -> bool {
    let mut pos = 0;
    let mut i = 0;
    while i < segs.len() {
        let rest = &line[pos..];
        match &segs[i] {
            Seg::Lit(l) => {
                if !rest.starts_with(l.as_str()) {
                    return false;
                }
                pos += l.len();
            }
            Seg::Var(v) => {
                let end = match segs.get(i + 1) {
                    Some(Seg::Lit(next)) => match find(rest, next) {
                        Some(e) => e,
                        None => return false,
                    },
                    _ => rest.len(),
                };
                out.set(*v, Cow::Borrowed(&rest[..end]));
                pos += end;
            }
        }
        i += 1;
    }
    pos == line.len()
}

/// `str::find`, with the one-byte case (the common separators) as a byte scan.
fn find(hay: &str, needle: &str) -> Option<usize> {
    match needle.as_bytes() {
        [b] => hay.bytes().position(|c| c == *b),
        _ => hay.find(needle),
    }
}

/// Reads the keys named in `vars` from a JSON object; strings without escapes are borrowed,
/// numbers and booleans are their text, null and nested values are absent.
fn parse_json<'a>(vars: &[String], line: &'a str, out: &mut Fields<'a>) -> bool {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    use serde_json::value::RawValue;

    struct Obj<'v, 'a> {
        vars: &'v [String],
        out: &'v mut Fields<'a>,
    }
    impl<'de, 'v> Visitor<'de> for Obj<'v, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                let Some(i) = self.vars.iter().position(|v| *v == *key) else {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                };
                let raw: &'de RawValue = map.next_value()?;
                if let Some(v) = scalar(raw.get()) {
                    self.out.set(i, v);
                }
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(line);
    de.deserialize_map(Obj { vars, out }).is_ok() && de.end().is_ok()
}

/// A JSON scalar's text: a string unquoted (unescaped only when it has escapes), a number or
/// boolean as written; `None` for null, objects and arrays.
fn scalar(raw: &str) -> Option<Cow<'_, str>> {
    let raw = raw.trim();
    match raw.as_bytes().first()? {
        b'"' => {
            let inner = raw.get(1..raw.len() - 1)?;
            if inner.contains('\\') {
                serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
            } else {
                Some(Cow::Borrowed(inner))
            }
        }
        b'{' | b'[' | b'n' => None,
        _ => Some(Cow::Borrowed(raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(f: &Format, line: &str) -> Option<Vec<(String, String)>> {
        let mut out = Fields::default();
        if !f.parse(line, &mut out) {
            return None;
        }
        Some(
            f.vars
                .iter()
                .enumerate()
                .filter_map(|(i, n)| out.get(i).map(|v| (n.clone(), v.to_string())))
                .collect(),
        )
    }

    fn val(f: &Format, line: &str, name: &str) -> Option<String> {
        parse_all(f, line)?.into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    const LINE: &str = r#"10.0.0.1 - - [22/Nov/2026:11:00:00 +0000] "GET /api/users/42?x=1 HTTP/1.1" 404 153 "-" "curl/8.5.0""#;

    #[test]
    fn combined() {
        let f = FormatSpec::Combined.compile().unwrap();
        let got = parse_all(&f, LINE).unwrap();
        let want = [
            ("remote_addr", "10.0.0.1"),
            ("remote_user", "-"),
            ("time_local", "22/Nov/2026:11:00:00 +0000"),
            ("request", "GET /api/users/42?x=1 HTTP/1.1"),
            ("status", "404"),
            ("body_bytes_sent", "153"),
            ("http_referer", "-"),
            ("http_user_agent", "curl/8.5.0"),
        ];
        assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
        assert!(parse_all(&f, "garbage").is_none());
        assert!(parse_all(&f, &LINE[..LINE.len() - 1]).is_none(), "missing closing quote");
        assert!(parse_all(&f, &format!("{LINE} extra")).is_none(), "trailing text");
    }

    #[test]
    fn main_with_and_without_times() {
        let f = FormatSpec::Main.compile().unwrap();
        let full = format!(r#"{LINE} "-" 0.123 0.100, 0.020"#);
        assert_eq!(val(&f, &full, "request_time").as_deref(), Some("0.123"));
        assert_eq!(val(&f, &full, "upstream_response_time").as_deref(), Some("0.100, 0.020"));
        let plain = format!(r#"{LINE} "1.2.3.4""#);
        assert_eq!(val(&f, &plain, "http_x_forwarded_for").as_deref(), Some("1.2.3.4"));
        assert_eq!(val(&f, &plain, "request_time"), None);
        assert_eq!(val(&f, LINE, "status").as_deref(), Some("404"));
    }

    #[test]
    fn custom_formats() {
        let spec =
            FormatSpec::from_config(r#"${host} $status [$request_time] "$request""#).unwrap();
        let f = spec.compile().unwrap();
        let line = r#"example.org 503 [1.5] "POST /x HTTP/2.0""#;
        assert_eq!(val(&f, line, "host").as_deref(), Some("example.org"));
        assert_eq!(val(&f, line, "request_time").as_deref(), Some("1.5"));
        assert_eq!(val(&f, line, "request").as_deref(), Some("POST /x HTTP/2.0"));
        assert!(!f.has("body_bytes_sent"));
    }

    #[test]
    fn format_errors() {
        for (s, want) in [
            ("$a$b", "need text between"),
            ("no variables", "unknown log format"),
            ("${a", "unclosed"),
            ("$ x", "invalid variable name"),
            ("$a $a", "appears twice"),
        ] {
            let err = FormatSpec::from_config(s).and_then(|f| f.compile()).unwrap_err();
            assert!(err.contains(want), "{s}: {err}");
        }
        let many = (0..=MAX_VARS).map(|i| format!("$v{i}")).collect::<Vec<_>>().join(" ");
        assert!(
            FormatSpec::from_config(&many).unwrap().compile().unwrap_err().contains("more than")
        );
    }

    #[test]
    fn json_lines() {
        let mut f = FormatSpec::Json.compile().unwrap();
        let s = f.resolve("status").unwrap();
        let m = f.resolve("method").unwrap();
        let t = f.resolve("request_time").unwrap();
        let u = f.resolve("uri").unwrap();
        let line = r#"{"status": 502, "method": "GET", "request_time": "0.25", "uri": "/a\"b", "nested": {"x": [1]}, "z": null}"#;
        let mut out = Fields::default();
        assert!(f.parse(line, &mut out));
        assert_eq!(out.get(s), Some("502"));
        assert_eq!(out.get(m), Some("GET"));
        assert_eq!(out.get(t), Some("0.25"));
        assert_eq!(out.get(u), Some("/a\"b"));
        for bad in ["", "[1]", "{\"status\": 1", "{} {}", "not json"] {
            assert!(!f.parse(bad, &mut Fields::default()), "{bad}");
        }
        let mut out = Fields::default();
        assert!(f.parse(r#"{"status": null}"#, &mut out));
        assert_eq!(out.get(s), None);
    }
}
