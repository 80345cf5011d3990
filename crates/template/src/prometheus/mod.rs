//! Prometheus' template functions and alert-annotation expansion, as Prometheus 3 defines them
//! (`template/template.go`, with helpers from `prometheus/common`).
//!
//! - [`funcs`] builds the function map (`query first label value strvalue sortByLabel humanize
//!   humanize1024 humanizeDuration humanizePercentage humanizeTimestamp toTime toDuration
//!   parseDuration now title toUpper toLower match reReplaceAll safeHtml graphLink tableLink
//!   pathPrefix externalURL args stripPort stripDomain urlQueryEscape`) over a [`FuncContext`]:
//!   the query callback ([`QueryFn`]), the evaluation time and the external URL.
//! - [`Expander`] expands one text as the rules engine does: a template named
//!   `__alert_<alertname>`, the `$labels`/`$externalLabels`/`$externalURL`/`$value` prelude,
//!   `missingkey=zero`, data [`AnnotationData`], errors worded as upstream's
//!   (`error executing template __alert_X: template: ...`).
//!
//! ```
//! use template::prometheus::{AnnotationData, Expander, FuncContext};
//!
//! let data = AnnotationData::example();
//! let text = "{{ $labels.instance }} is at {{ $value | humanizePercentage }}";
//! let out = Expander::alert("HighLoad", text, &data, &FuncContext::default()).expand().unwrap();
//! assert_eq!(out, "localhost:9090 is at 100%");
//! ```
//!
//! Tested against Go: `tests/data/prometheus/cases.txt` (written by
//! `scripts/oracle/promtemplate/gen_cases.py`) holds over a thousand cases, every function with
//! edge values and argument types and real-world annotations, with what Go's `text/template` and
//! the same functions produce in `expected.txt` (`scripts/oracle/promtemplate/regen.sh`);
//! `scripts/interop/promtool-annotations.sh` checks those outputs against Debian's `promtool`.
//! `title` runs on tables derived from `golang.org/x/text` itself (`src/title_table.rs`, see
//! `scripts/oracle/promtemplate/xtext/`).
//!
//! Known differences from upstream:
//! - `tmpl` exists upstream only for console templates (HTML mode), not for annotations; it is
//!   not defined here either.
//! - A query result holds float samples only: no native histograms (upstream's `Value` may be a
//!   `*histogram.FloatHistogram`).
//! - `printf "%v"` of a query sample prints `{map[...] 1}` where Go prints the pointer as
//!   `&{map[...] 1}` (printing it in an action, `{{ . }}`, is the same in both).
//! - `externalURL` prints the URL as given; Go re-serializes the parsed `url.URL`, which can
//!   differ for unusual URLs (unescaped spaces, an upper-case scheme).
//! - `title` uses x/text's tables (checked on every rune), `toUpper`/`toLower` Rust's (equal
//!   to Go 1.27's on every rune): a future Unicode version may move them apart.

mod convert;
mod expand;
mod humanize;
mod pointer;
mod query;
mod text;

use std::fmt;
use std::sync::Arc;

use model::regex::{Anchoring, GoRegex};

pub use expand::{AnnotationData, Expander};
pub use humanize::{
    float_to_time, humanize, humanize_duration, humanize_percentage, humanize_timestamp,
    humanize1024, parse_duration, to_duration,
};
pub use query::{QueryFn, QuerySample};
pub use text::{graph_link, strip_domain, strip_port, table_link, title};

use crate::escape::query_escape;
use crate::funcs::{ArgType, Func, FuncMap, Signature};
use crate::safe::SafeKind;
use crate::value::Value;
use humanize::float_arg;

/// What the functions need from the caller: the query engine, the evaluation time (for
/// `now`) and the external URL (for `externalURL` and `pathPrefix`).
#[derive(Clone)]
pub struct FuncContext {
    /// Runs `query`; `None` makes every query fail with `no query engine`.
    pub query: Option<QueryFn>,
    /// The evaluation time in milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// The external URL, as Go's `url.URL.String()` prints it.
    pub external_url: String,
}

impl Default for FuncContext {
    fn default() -> Self {
        FuncContext { query: None, timestamp_ms: 0, external_url: "http://localhost:9090".into() }
    }
}

impl FuncContext {
    /// A context with the given query callback.
    pub fn with_query(
        mut self,
        f: impl Fn(&str) -> Result<Vec<QuerySample>, String> + Send + Sync + 'static,
    ) -> Self {
        self.query = Some(Arc::new(f));
        self
    }

    /// The path of the external URL (Go's `url.URL.Path`: percent-decoded).
    pub fn path_prefix(&self) -> String {
        url_path(&self.external_url)
    }
}

impl fmt::Debug for FuncContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuncContext")
            .field("query", &self.query.as_ref().map(|_| "<fn>"))
            .field("timestamp_ms", &self.timestamp_ms)
            .field("external_url", &self.external_url)
            .finish()
    }
}

/// The decoded path of an absolute or relative URL.
fn url_path(u: &str) -> String {
    let rest = match u.find("://") {
        Some(i) if u[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) => {
            let after = &u[i + 3..];
            match after.find(['/', '?', '#']) {
                Some(j) => &after[j..],
                None => "",
            }
        }
        _ => u,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    percent_decode(&rest[..end])
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn str_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

fn string_fn(f: fn(&str) -> String) -> Func {
    Func::new(Signature::fixed(&[ArgType::String]).returning(ArgType::String, false), move |args| {
        Ok(Value::from(f(str_arg(args, 0))))
    })
}

fn humanize_fn(f: fn(f64) -> String) -> Func {
    Func::new(Signature::fixed(&[ArgType::Any]).returning(ArgType::String, true), move |args| {
        Ok(Value::from(f(float_arg(args)?)))
    })
}

/// Go's `regexp.MustCompile` panic text, which `reReplaceAll` fails with.
fn must_compile(pattern: &str) -> Result<GoRegex, String> {
    GoRegex::new(pattern, Anchoring::Unanchored).map_err(|e| {
        let can_backquote = pattern
            .chars()
            .all(|c| !((c < ' ' && c != '\t') || c == '`' || c == '\u{7F}' || c == '\u{FEFF}'));
        let quoted =
            if can_backquote { format!("`{pattern}`") } else { model::gostr::quote(pattern) };
        format!("regexp: Compile({quoted}): {}", e.message)
    })
}

/// Go's `strings.ToUpper`: the simple (one-to-one) uppercase mapping of every rune.
fn to_upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars()
        .map(|c| {
            let mut it = c.to_uppercase();
            match (it.next(), it.next()) {
                (Some(u), None) => u,
                // Several runes: the full mapping; the simple one keeps the rune, except
                // for Greek letters with ypogegrammeni, which map to their titlecase.
                _ => {
                    let n = c as u32;
                    let m = match n {
                        0x1F80..=0x1FAF if n & 8 == 0 => n + 8,
                        0x1FB3 | 0x1FC3 | 0x1FF3 => n + 9,
                        _ => n,
                    };
                    char::from_u32(m).unwrap_or(c)
                }
            }
        })
        .collect()
}

/// Go's `strings.ToLower`: the simple lowercase mapping of every rune (no final sigma).
fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars()
        .map(|c| {
            if c == '\u{130}' {
                return 'i';
            }
            let mut it = c.to_lowercase();
            match (it.next(), it.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

/// The Prometheus template functions over `ctx`.
pub fn funcs(ctx: &FuncContext) -> FuncMap {
    let s = ArgType::String;
    let any = ArgType::Any;
    let mut m = FuncMap::new();

    let query_fn = ctx.query.clone();
    m.insert(
        "query",
        Func::new(
            Signature::fixed(&[s]).returning(ArgType::Named(query::RESULT_TYPE), true),
            move |args| {
                let q = str_arg(args, 0);
                let samples = match &query_fn {
                    Some(f) => f(q)?,
                    None => return Err("no query engine".into()),
                };
                Ok(Value::object(query::QueryResult::new(&samples)))
            },
        ),
    );
    let result = ArgType::Named(query::RESULT_TYPE);
    let sample = ArgType::Named(query::SAMPLE_TYPE);
    m.insert("first", Func::new(Signature::fixed(&[result]).returning(sample, true), query::first));
    m.insert("label", Func::new(Signature::fixed(&[s, sample]).returning(s, false), query::label));
    m.insert("value", Func::new(Signature::fixed(&[sample]), query::value));
    m.insert(
        "strvalue",
        Func::new(Signature::fixed(&[sample]).returning(s, false), query::strvalue),
    );
    m.insert(
        "sortByLabel",
        Func::new(Signature::fixed(&[s, result]).returning(result, false), query::sort_by_label),
    );
    m.insert(
        "args",
        Func::new(Signature::variadic(&[], any), |args| {
            Ok(Value::map(args.iter().enumerate().map(|(i, a)| (format!("arg{i}"), a.clone()))))
        }),
    );
    m.insert(
        "reReplaceAll",
        Func::new(Signature::fixed(&[s, s, s]).returning(s, false), |args| {
            let re = must_compile(str_arg(args, 0))?;
            Ok(Value::from(re.replace_all(str_arg(args, 2), str_arg(args, 1)).into_owned()))
        }),
    );
    m.insert(
        "safeHtml",
        Func::new(Signature::fixed(&[s]), |args| Ok(Value::safe(SafeKind::Html, str_arg(args, 0)))),
    );
    m.insert(
        "match",
        Func::new(Signature::fixed(&[s, s]).returning(ArgType::Bool, true), |args| {
            let re =
                GoRegex::new(str_arg(args, 0), Anchoring::Unanchored).map_err(|e| e.message)?;
            Ok(Value::Bool(re.is_match(str_arg(args, 1))))
        }),
    );
    m.insert("title", string_fn(title));
    m.insert("toUpper", string_fn(to_upper));
    m.insert("toLower", string_fn(to_lower));
    m.insert("graphLink", string_fn(graph_link));
    m.insert("tableLink", string_fn(table_link));
    m.insert("stripPort", string_fn(strip_port));
    m.insert("stripDomain", string_fn(strip_domain));
    m.insert("urlQueryEscape", string_fn(query_escape));
    m.insert("humanize", humanize_fn(humanize));
    m.insert("humanize1024", humanize_fn(humanize1024));
    m.insert("humanizeDuration", humanize_fn(humanize_duration));
    m.insert("humanizePercentage", humanize_fn(humanize_percentage));
    m.insert(
        "humanizeTimestamp",
        Func::new(Signature::fixed(&[any]).returning(s, true), |args| {
            humanize_timestamp(float_arg(args)?).map(Value::from)
        }),
    );
    m.insert(
        "toTime",
        Func::new(Signature::fixed(&[any]).returning(ArgType::Time, true), |args| {
            float_to_time(float_arg(args)?).map(|t| pointer::Pointer::to(Value::Time(t)))
        }),
    );
    m.insert(
        "toDuration",
        Func::new(Signature::fixed(&[any]).returning(ArgType::Duration, true), |args| {
            Ok(pointer::Pointer::to(Value::Duration(to_duration(float_arg(args)?))))
        }),
    );
    let now = ctx.timestamp_ms as f64 / 1000.0;
    m.insert(
        "now",
        Func::new(Signature::fixed(&[]).returning(ArgType::Float, false), move |_| {
            Ok(Value::Float(now))
        }),
    );
    let url = ctx.external_url.clone();
    m.insert(
        "externalURL",
        Func::new(Signature::fixed(&[]).returning(s, false), move |_| {
            Ok(Value::from(url.as_str()))
        }),
    );
    let prefix = ctx.path_prefix();
    m.insert(
        "pathPrefix",
        Func::new(Signature::fixed(&[]).returning(s, false), move |_| {
            Ok(Value::from(prefix.as_str()))
        }),
    );
    m.insert(
        "parseDuration",
        Func::new(Signature::fixed(&[s]).returning(ArgType::Float, true), |args| {
            parse_duration(str_arg(args, 0)).map(Value::Float)
        }),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths() {
        assert_eq!(url_path("http://localhost:9090"), "");
        assert_eq!(url_path("http://localhost:9090/prom/?x=1"), "/prom/");
        assert_eq!(url_path("https://h/a%20b#frag"), "/a b");
    }

    #[test]
    fn case_mappings() {
        assert_eq!(to_upper("straße ﬁ ᾳ"), "STRAßE ﬁ ᾼ");
        assert_eq!(to_lower("ΟΔΟΣ İ"), "οδοσ i");
    }

    #[test]
    fn must_compile_message() {
        assert_eq!(
            must_compile("(").err().as_deref(),
            Some("regexp: Compile(`(`): error parsing regexp: missing closing ): `(`")
        );
    }
}
