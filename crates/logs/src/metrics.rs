//! A job's counters and histograms: lines in, exposition text out.
//!
//! The hot path per line: parse (borrowing), join the label fields' raw values into a
//! reused key buffer, look the key up in a cache that maps raw values to a series (or to
//! "dropped by relabelling"), bump numbers. Relabelling and building `Labels` happen only the
//! first time a raw value combination is seen.

use std::collections::HashMap;
use std::fmt::Write as _;

use model::labels::Labels;
use model::relabel::{RelabelConfig, relabel};
use serde::{Deserialize, Serialize};

use crate::config::JobConfig;
use crate::fields::Field;
use crate::format::{Fields, Format};

/// Distinct raw label-value combinations remembered; beyond it the cache starts over (the
/// series stay), so unbounded raw values (IDs in paths) cost relabelling, not memory.
const CACHE_LIMIT: usize = 50_000;

/// Series one job may have: a label field with unbounded values (paths with IDs, not
/// collapsed by relabelling) must not exhaust memory here and in the TSDB. Lines that would
/// make more are counted in `<prefix>_log_lines_over_series_limit_total`.
pub const MAX_SERIES: usize = 10_000;

/// What a raw label-value combination maps to.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Series(usize),
    /// `drop`ped by relabelling.
    Dropped,
    /// A new series beyond [`MAX_SERIES`] (not cached: it may fit after a restart with
    /// better relabelling, and the count must go on).
    OverLimit,
}

/// Counters of one job.
#[derive(Debug)]
pub struct Store {
    format: Format,
    prefix: String,
    label_names: Vec<String>,
    label_fields: Vec<Field>,
    relabel: Vec<RelabelConfig>,
    buckets: Vec<f64>,
    size: Option<Field>,
    time: Option<Field>,
    upstream: Option<Field>,
    key: String,
    cache: HashMap<Box<str>, Slot>,
    index: HashMap<Labels, usize>,
    series: Vec<Series>,
    parse_errors: u64,
    over_limit: u64,
    lines: u64,
}

/// One label set's numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Series {
    labels: Vec<(String, String)>,
    count: u64,
    bytes: f64,
    time: Hist,
    upstream: Hist,
}

/// A classic histogram: per-bucket (not cumulative) counts, the last one above every bound.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Hist {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Hist {
    fn observe(&mut self, buckets: &[f64], v: f64) {
        if self.counts.len() != buckets.len() + 1 {
            self.counts = vec![0; buckets.len() + 1];
        }
        let i = buckets.partition_point(|b| *b < v);
        self.counts[i] += 1;
        self.sum += v;
        self.count += 1;
    }
}

/// A histogram family to render: its field, name suffix, help, and where a series keeps it.
type HistFamily<'a> = (&'a Option<Field>, &'a str, &'a str, fn(&Series) -> &Hist);

/// The counters as saved beside the offsets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Saved {
    pub(crate) series: Vec<Series>,
    pub(crate) parse_errors: u64,
    #[serde(default)]
    pub(crate) over_limit: u64,
}

impl Store {
    /// The store for `cfg`; fails when the format does not compile or cannot provide a label
    /// field (the config loader checks both first, with positions).
    pub fn new(cfg: &JobConfig) -> Result<Store, String> {
        let mut format = cfg.format.compile()?;
        let mut label_fields = Vec::with_capacity(cfg.label_fields.len());
        for name in &cfg.label_fields {
            let f = Field::resolve(&mut format, name)
                .ok_or_else(|| format!("log format {} has no field {name:?}", cfg.format))?;
            label_fields.push(f);
        }
        let size = Field::resolve(&mut format, "body_bytes_sent")
            .or_else(|| Field::resolve(&mut format, "bytes_sent"));
        let time = Field::resolve(&mut format, "request_time");
        let upstream = Field::resolve(&mut format, "upstream_response_time");
        Ok(Store {
            format,
            prefix: cfg.metric_prefix.clone(),
            label_names: cfg.label_fields.clone(),
            label_fields,
            relabel: cfg.relabel_configs.clone(),
            buckets: cfg.buckets.clone(),
            size,
            time,
            upstream,
            key: String::new(),
            cache: HashMap::new(),
            index: HashMap::new(),
            series: Vec::new(),
            parse_errors: 0,
            over_limit: 0,
            lines: 0,
        })
    }

    /// Counts one line (without its newline).
    pub fn line(&mut self, line: &str) {
        self.lines += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut f = Fields::default();
        if !self.format.parse(line, &mut f) {
            self.parse_errors += 1;
            return;
        }
        self.key.clear();
        for field in &self.label_fields {
            self.key.push_str(field.get(&f).unwrap_or(""));
            self.key.push('\u{1}');
        }
        let slot = match self.cache.get(self.key.as_str()) {
            Some(slot) => *slot,
            None => self.new_key(&f),
        };
        let id = match slot {
            Slot::Series(id) => id,
            Slot::Dropped => return,
            Slot::OverLimit => {
                self.over_limit += 1;
                return;
            }
        };
        let s = &mut self.series[id];
        s.count += 1;
        if let Some(v) = self.size.as_ref().and_then(|x| x.get(&f)).and_then(number) {
            s.bytes += v;
        }
        if let Some(v) = self.time.as_ref().and_then(|x| x.get(&f)).and_then(number) {
            s.time.observe(&self.buckets, v);
        }
        if let Some(v) = self.upstream.as_ref().and_then(|x| x.get(&f)).and_then(upstream_sum) {
            s.upstream.observe(&self.buckets, v);
        }
    }

    /// A raw value combination seen for the first time (since the cache last filled):
    /// relabel it and find or add its series.
    fn new_key(&mut self, f: &Fields<'_>) -> Slot {
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        let raw = Labels::from_pairs(
            self.label_names
                .iter()
                .zip(&self.label_fields)
                .map(|(n, field)| (n.as_str(), field.get(f).unwrap_or(""))),
        );
        let Some(l) = relabel(&raw, &self.relabel) else {
            self.cache.insert(self.key.as_str().into(), Slot::Dropped);
            return Slot::Dropped;
        };
        let l = l.filter(|l| !l.value.is_empty() && !l.name.starts_with("__"));
        let id = match self.index.get(&l) {
            Some(id) => *id,
            None if self.series.len() >= MAX_SERIES => {
                if self.over_limit == 0 {
                    tracing::warn!(
                        labels = %l,
                        limit = MAX_SERIES,
                        "log_metrics job has too many series: collapse values with relabel_configs"
                    );
                }
                return Slot::OverLimit;
            }
            None => {
                let id = self.series.len();
                self.series.push(Series {
                    labels: l.iter().map(|l| (l.name.to_string(), l.value.to_string())).collect(),
                    count: 0,
                    bytes: 0.0,
                    time: Hist::default(),
                    upstream: Hist::default(),
                });
                self.index.insert(l, id);
                id
            }
        };
        self.cache.insert(self.key.as_str().into(), Slot::Series(id));
        Slot::Series(id)
    }

    /// Parsed lines not counted because their series would exceed [`MAX_SERIES`].
    pub fn over_limit(&self) -> u64 {
        self.over_limit
    }

    /// Lines seen (parsed or not) since the store was made.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Lines that did not match the format.
    pub fn parse_errors(&self) -> u64 {
        self.parse_errors
    }

    /// Lines counted into some series (parsed and not dropped by relabelling).
    pub fn responses(&self) -> u64 {
        self.series.iter().map(|s| s.count).sum()
    }

    pub(crate) fn saved(&self) -> Saved {
        Saved {
            series: self.series.clone(),
            parse_errors: self.parse_errors,
            over_limit: self.over_limit,
        }
    }

    /// Continues from saved counters (same fingerprint checked by the caller).
    pub(crate) fn restore(&mut self, saved: Saved) {
        self.cache.clear();
        self.index.clear();
        self.series = saved.series;
        for (i, s) in self.series.iter().enumerate() {
            self.index.insert(
                Labels::from_pairs(s.labels.iter().map(|(a, b)| (a.as_str(), b.as_str()))),
                i,
            );
        }
        self.parse_errors = saved.parse_errors;
        self.over_limit = saved.over_limit;
    }

    /// The Prometheus text format (0.0.4) of every series, sorted by labels.
    pub fn render(&self, out: &mut String) {
        let mut order: Vec<&Series> = self.series.iter().collect();
        order.sort_by(|a, b| a.labels.cmp(&b.labels));
        let p = &self.prefix;
        family(out, &format!("{p}_http_response_count_total"), "counter", "Responses logged.");
        for s in &order {
            sample(out, &format!("{p}_http_response_count_total"), &s.labels, None, s.count as f64);
        }
        if self.size.is_some() {
            let name = format!("{p}_http_response_size_bytes");
            family(out, &name, "counter", "Response body bytes logged ($body_bytes_sent).");
            for s in &order {
                sample(out, &name, &s.labels, None, s.bytes);
            }
        }
        let hists: [HistFamily<'_>; 2] = [
            (&self.time, "response_time_seconds", "Request times logged ($request_time).", |s| {
                &s.time
            }),
            (
                &self.upstream,
                "upstream_time_seconds",
                "Upstream response times logged ($upstream_response_time; summed when several).",
                |s| &s.upstream,
            ),
        ];
        for (field, suffix, help, get) in hists {
            if field.is_none() {
                continue;
            }
            let name = format!("{p}_http_{suffix}");
            family(out, &name, "histogram", help);
            for s in &order {
                let h = get(s);
                let mut cum = 0u64;
                for (i, b) in self.buckets.iter().enumerate() {
                    cum += h.counts.get(i).copied().unwrap_or(0);
                    sample(
                        out,
                        &format!("{name}_bucket"),
                        &s.labels,
                        Some(&fmt_f64(*b)),
                        cum as f64,
                    );
                }
                sample(out, &format!("{name}_bucket"), &s.labels, Some("+Inf"), h.count as f64);
                sample(out, &format!("{name}_sum"), &s.labels, None, h.sum);
                sample(out, &format!("{name}_count"), &s.labels, None, h.count as f64);
            }
        }
        let name = format!("{p}_parse_errors_total");
        family(out, &name, "counter", "Log lines that did not match the format.");
        sample(out, &name, &[], None, self.parse_errors as f64);
        let name = format!("{p}_log_lines_over_series_limit_total");
        family(
            out,
            &name,
            "counter",
            "Log lines not counted: their label set would exceed the job's series limit.",
        );
        sample(out, &name, &[], None, self.over_limit as f64);
    }
}

/// A number as logged; nginx writes `-` for none.
fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// `$upstream_response_time` lists one time per upstream tried (`0.1, 0.2` or `0.1 : 0.2`);
/// the total is what the client waited on upstreams.
fn upstream_sum(s: &str) -> Option<f64> {
    let mut total = None;
    for part in s.split([',', ':']) {
        if let Some(v) = number(part) {
            *total.get_or_insert(0.0) += v;
        }
    }
    total
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(String, String)], le: Option<&str>, v: f64) {
    out.push_str(name);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        let mut first = true;
        let pairs =
            labels.iter().map(|(a, b)| (a.as_str(), b.as_str())).chain(le.map(|l| ("le", l)));
        for (n, v) in pairs {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(n);
            out.push_str("=\"");
            for c in v.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(&fmt_f64(v));
    out.push('\n');
}

/// Floats as the text format expects them (`1`, `0.25`, `+Inf`).
fn fmt_f64(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FormatSpec;

    fn line(status: u16, method: &str, path: &str, t: &str) -> String {
        format!(
            r#"10.0.0.1 - - [22/Nov/2026:11:00:00 +0000] "{method} {path} HTTP/1.1" {status} 100 "-" "ua" "-" {t} -"#
        )
    }

    fn render(s: &Store) -> String {
        let mut out = String::new();
        s.render(&mut out);
        out
    }

    #[test]
    fn counts_by_status_and_method() {
        let mut s = Store::new(&JobConfig::new("nginx", vec![], FormatSpec::Combined)).unwrap();
        for _ in 0..3 {
            s.line(r#"1.2.3.4 - - [x] "GET / HTTP/1.1" 200 10 "-" "ua""#);
        }
        s.line(r#"1.2.3.4 - - [x] "POST /a HTTP/1.1" 500 5 "-" "ua""#);
        s.line("not a log line");
        let text = render(&s);
        assert!(
            text.contains("nginx_http_response_count_total{method=\"GET\",status=\"200\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("nginx_http_response_count_total{method=\"POST\",status=\"500\"} 1\n")
        );
        assert!(
            text.contains("nginx_http_response_size_bytes{method=\"GET\",status=\"200\"} 30\n")
        );
        assert!(text.contains("nginx_parse_errors_total 1\n"));
        assert!(text.contains("# TYPE nginx_http_response_count_total counter\n"));
        assert!(!text.contains("response_time"), "combined has no $request_time");
        assert_eq!(s.lines(), 5);
    }

    #[test]
    fn histogram_of_request_time() {
        let mut cfg = JobConfig::new("nginx", vec![], FormatSpec::Main);
        cfg.label_fields = vec!["status".into()];
        cfg.buckets = vec![0.1, 1.0];
        let mut s = Store::new(&cfg).unwrap();
        s.line(&line(200, "GET", "/", "0.05"));
        s.line(&line(200, "GET", "/", "0.1"));
        s.line(&line(200, "GET", "/", "3"));
        s.line(&line(200, "GET", "/", "-"));
        let text = render(&s);
        for want in [
            "nginx_http_response_time_seconds_bucket{status=\"200\",le=\"0.1\"} 2\n",
            "nginx_http_response_time_seconds_bucket{status=\"200\",le=\"1\"} 2\n",
            "nginx_http_response_time_seconds_bucket{status=\"200\",le=\"+Inf\"} 3\n",
            "nginx_http_response_time_seconds_sum{status=\"200\"} 3.15\n",
            "nginx_http_response_time_seconds_count{status=\"200\"} 3\n",
            "nginx_http_response_count_total{status=\"200\"} 4\n",
            "# TYPE nginx_http_upstream_time_seconds histogram\n",
        ] {
            assert!(text.contains(want), "{want} in\n{text}");
        }
        assert_eq!(upstream_sum("0.1, 0.2 : 0.3"), Some(0.6000000000000001));
        assert_eq!(upstream_sum("-"), None);
    }

    #[test]
    fn relabelling_collapses_and_drops() {
        let mut cfg = JobConfig::new("nginx", vec![], FormatSpec::Main);
        cfg.label_fields = vec!["path".into(), "status".into()];
        cfg.relabel_configs = serde_json::from_str(
            r#"[{"source_labels": ["path"], "regex": "/users/[0-9]+(/.*)?", "target_label": "path", "replacement": "/users/:id$1"},
                {"source_labels": ["path"], "regex": "/health", "action": "drop"}]"#,
        )
        .unwrap();
        let mut s = Store::new(&cfg).unwrap();
        s.line(&line(200, "GET", "/users/1/posts?x=1", "0.1"));
        s.line(&line(200, "GET", "/users/2/posts", "0.1"));
        s.line(&line(200, "GET", "/health", "0.1"));
        s.line(&line(404, "GET", "/", "0.1"));
        let text = render(&s);
        assert!(
            text.contains(
                "nginx_http_response_count_total{path=\"/users/:id/posts\",status=\"200\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.contains("nginx_http_response_count_total{path=\"/\",status=\"404\"} 1\n"));
        assert!(!text.contains("health"));
    }

    #[test]
    fn label_values_are_escaped_and_empty_ones_dropped() {
        let mut cfg = JobConfig::new("j", vec![], FormatSpec::Json);
        cfg.label_fields = vec!["status".into(), "host".into()];
        cfg.metric_prefix = "app".into();
        let mut s = Store::new(&cfg).unwrap();
        s.line(r#"{"status": 200, "host": "a\"b\\c"}"#);
        s.line(r#"{"status": 201}"#);
        let text = render(&s);
        assert!(
            text.contains(r#"app_http_response_count_total{host="a\"b\\c",status="200"} 1"#),
            "{text}"
        );
        assert!(text.contains("app_http_response_count_total{status=\"201\"} 1\n"));
    }

    #[test]
    fn series_are_limited() {
        let mut cfg = JobConfig::new("nginx", vec![], FormatSpec::Combined);
        cfg.label_fields = vec!["path".into()];
        let mut s = Store::new(&cfg).unwrap();
        for i in 0..MAX_SERIES + 5 {
            s.line(&format!(r#"1.2.3.4 - - [x] "GET /items/{i} HTTP/1.1" 200 1 "-" "ua""#));
        }
        s.line(r#"1.2.3.4 - - [x] "GET /items/0 HTTP/1.1" 200 1 "-" "ua""#);
        assert_eq!(s.series.len(), MAX_SERIES);
        assert_eq!(s.over_limit(), 5);
        assert_eq!(s.responses(), MAX_SERIES as u64 + 1, "known series still count");
        assert!(render(&s).contains("nginx_log_lines_over_series_limit_total 5\n"));
    }

    #[test]
    fn saved_counters_continue() {
        let cfg = JobConfig::new("nginx", vec![], FormatSpec::Combined);
        let mut a = Store::new(&cfg).unwrap();
        a.line(r#"1.2.3.4 - - [x] "GET / HTTP/1.1" 200 10 "-" "ua""#);
        let saved: Saved =
            serde_json::from_str(&serde_json::to_string(&a.saved()).unwrap()).unwrap();
        let mut b = Store::new(&cfg).unwrap();
        b.restore(saved);
        b.line(r#"1.2.3.4 - - [x] "GET / HTTP/1.1" 200 10 "-" "ua""#);
        assert!(render(&b).contains("{method=\"GET\",status=\"200\"} 2\n"));
        assert_eq!(b.series.len(), 1);
    }
}
