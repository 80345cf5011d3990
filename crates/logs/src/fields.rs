//! Field names a job may turn into labels or measure, and where each comes from: a variable
//! of the format, or a part of `$request` ("GET /a?b HTTP/1.1") when the format has no
//! variable of its own for it.

use crate::format::{Fields, Format};

/// Where one named field's value is found on a line; the first source with a value wins.
#[derive(Debug, Clone)]
pub struct Field {
    sources: Vec<Source>,
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Var(usize),
    /// Parts of the `$request` variable at this index.
    Method(usize),
    RequestUri(usize),
    Path(usize),
    Protocol(usize),
    /// `$request_uri` without its query.
    PathOfUri(usize),
}

impl Field {
    /// Where `name` comes from in `format`, or `None` when the format cannot provide it.
    pub fn resolve(format: &mut Format, name: &str) -> Option<Field> {
        let mut sources = Vec::new();
        let var = |format: &mut Format, n: &str, sources: &mut Vec<Source>| {
            if let Some(i) = format.resolve(n) {
                sources.push(Source::Var(i));
            }
        };
        match name {
            "method" | "request_method" => {
                var(format, "request_method", &mut sources);
                if format.is_json() {
                    var(format, "method", &mut sources);
                }
                if let Some(r) = format.resolve("request") {
                    sources.push(Source::Method(r));
                }
            }
            "request_uri" => {
                var(format, "request_uri", &mut sources);
                if let Some(r) = format.resolve("request") {
                    sources.push(Source::RequestUri(r));
                }
            }
            "path" => {
                if format.is_json() {
                    var(format, "path", &mut sources);
                }
                if let Some(u) = format.resolve("request_uri") {
                    sources.push(Source::PathOfUri(u));
                }
                var(format, "uri", &mut sources);
                if let Some(r) = format.resolve("request") {
                    sources.push(Source::Path(r));
                }
            }
            "protocol" => {
                var(format, "server_protocol", &mut sources);
                if let Some(r) = format.resolve("request") {
                    sources.push(Source::Protocol(r));
                }
            }
            _ => var(format, name, &mut sources),
        }
        (!sources.is_empty()).then_some(Field { sources })
    }

    /// The value on this line, if any.
    pub fn get<'f>(&self, f: &'f Fields<'_>) -> Option<&'f str> {
        self.sources.iter().find_map(|s| match *s {
            Source::Var(i) => f.get(i),
            Source::Method(i) => f.get(i).map(|r| split_request(r).0),
            Source::RequestUri(i) => f.get(i).and_then(|r| split_request(r).1),
            Source::Path(i) => f.get(i).and_then(|r| split_request(r).1).map(without_query),
            Source::Protocol(i) => f.get(i).and_then(|r| split_request(r).2),
            Source::PathOfUri(i) => f.get(i).map(without_query),
        })
    }
}

/// `"GET /a?b HTTP/1.1"` → method, URI, protocol. A request nginx could not parse is logged
/// as written: its first word still counts as the method.
fn split_request(r: &str) -> (&str, Option<&str>, Option<&str>) {
    let Some((method, rest)) = r.split_once(' ') else {
        return (r, None, None);
    };
    match rest.rsplit_once(' ') {
        Some((uri, proto)) => (method, Some(uri), Some(proto)),
        None => (method, Some(rest), None),
    }
}

fn without_query(uri: &str) -> &str {
    uri.split_once('?').map_or(uri, |(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FormatSpec;

    fn get(spec: FormatSpec, line: &str, name: &str) -> Option<String> {
        let mut format = spec.compile().unwrap();
        let field = Field::resolve(&mut format, name)?;
        let mut f = Fields::default();
        assert!(format.parse(line, &mut f), "{line}");
        field.get(&f).map(str::to_string)
    }

    #[test]
    fn derived_from_request() {
        let line = r#"1.2.3.4 - - [x] "GET /a/b?c=1 HTTP/1.1" 200 5 "-" "ua""#;
        let c = || FormatSpec::Combined;
        assert_eq!(get(c(), line, "method").as_deref(), Some("GET"));
        assert_eq!(get(c(), line, "request_uri").as_deref(), Some("/a/b?c=1"));
        assert_eq!(get(c(), line, "path").as_deref(), Some("/a/b"));
        assert_eq!(get(c(), line, "protocol").as_deref(), Some("HTTP/1.1"));
        assert_eq!(get(c(), line, "status").as_deref(), Some("200"));
        assert!(Field::resolve(&mut c().compile().unwrap(), "host").is_none());
        let odd = r#"1.2.3.4 - - [x] "\x16\x03" 400 0 "-" "-""#;
        assert_eq!(get(c(), odd, "method").as_deref(), Some("\\x16\\x03"));
        assert_eq!(get(c(), odd, "path"), None);
    }

    #[test]
    fn own_variables_win() {
        let spec = || FormatSpec::Custom("$request_method $request_uri $status".into());
        assert_eq!(get(spec(), "PUT /x?y 201", "method").as_deref(), Some("PUT"));
        assert_eq!(get(spec(), "PUT /x?y 201", "path").as_deref(), Some("/x"));
        let mut f = FormatSpec::Json.compile().unwrap();
        let method = Field::resolve(&mut f, "method").unwrap();
        let mut vals = Fields::default();
        assert!(f.parse(r#"{"request": "DELETE /z HTTP/1.0"}"#, &mut vals));
        assert_eq!(method.get(&vals), Some("DELETE"));
        let mut vals = Fields::default();
        assert!(f.parse(r#"{"method": "GET", "request": "DELETE /z HTTP/1.0"}"#, &mut vals));
        assert_eq!(method.get(&vals), Some("GET"));
    }
}
