//! Server logging in upstream's shapes: `--log.level` (debug, info, warn, error) and
//! `--log.format` (logfmt, json), written to stderr.
//!
//! The logfmt lines look like Prometheus' and Alertmanager's own
//! (`time=2026-01-02T03:04:05.678Z level=info source=alertmanager.rs:42 msg="Listening on"
//! address=127.0.0.1:9093`), because tools that drive Alertmanager binaries (its acceptance
//! harness among them) scan stderr for `Listening on` and `address=`.

use std::fmt::{self, Write as _};

use anyhow::{Result, bail};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Output format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Logfmt,
    Json,
}

/// Parses `--log.level` the way upstream does (lower-case names only).
pub fn parse_level(s: &str) -> Result<LevelFilter> {
    Ok(match s {
        "debug" => LevelFilter::DEBUG,
        "info" => LevelFilter::INFO,
        "warn" => LevelFilter::WARN,
        "error" => LevelFilter::ERROR,
        other => bail!("unrecognized log level {other:?} (want debug, info, warn or error)"),
    })
}

/// Parses `--log.format`.
pub fn parse_format(s: &str) -> Result<Format> {
    Ok(match s {
        "logfmt" => Format::Logfmt,
        "json" => Format::Json,
        other => bail!("unrecognized log format {other:?} (want logfmt or json)"),
    })
}

/// Our crates log at `level`; libraries underneath (hyper, reqwest, rustls) only from `warn` up,
/// so `--log.level debug` shows klaxon's decisions, not every socket read.
const OUR_TARGETS: &[&str] = &[
    "klaxon",
    "alertmanager",
    "api",
    "model",
    "template",
    "cluster",
    "rules",
    "scrape",
    "promql",
    "tsdb",
    "logs",
];

/// Installs the global subscriber writing to stderr. Call once, before anything logs.
pub fn init(level: &str, format: &str) -> Result<()> {
    let level = parse_level(level)?;
    let format = parse_format(format)?;
    let others = level.min(LevelFilter::WARN);
    let mut targets = Targets::new().with_default(others);
    for t in OUR_TARGETS {
        targets = targets.with_target(*t, level);
    }
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(LineFormat { format });
    tracing_subscriber::registry().with(layer.with_filter(targets)).try_init()?;
    Ok(())
}

/// Formats one event as a logfmt or JSON line.
#[derive(Debug)]
struct LineFormat {
    format: Format,
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let time = jiff::Timestamp::now().round(jiff::Unit::Millisecond).unwrap_or_default();
        let time = format!("{time:.3}");
        let source = match (meta.file(), meta.line()) {
            (Some(file), Some(line)) => {
                let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
                format!("{base}:{line}")
            }
            _ => meta.target().to_string(),
        };
        let line = match self.format {
            Format::Logfmt => logfmt_line(&time, *meta.level(), &source, &fields),
            Format::Json => json_line(&time, *meta.level(), &source, &fields),
        };
        writeln!(writer, "{line}")
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "debug",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// The event's message and key/value fields, in the order they were written.
#[derive(Debug, Default)]
struct Fields {
    msg: String,
    pairs: Vec<(String, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string());
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.msg = value;
        } else {
            // `r#type` and friends: keys without the raw-identifier prefix.
            let name = field.name().trim_start_matches("r#");
            self.pairs.push((name.to_string(), value));
        }
    }
}

fn logfmt_line(time: &str, level: Level, source: &str, fields: &Fields) -> String {
    let mut out = String::with_capacity(96);
    let _ = write!(out, "time={time} level={} source={source} msg=", level_name(level));
    push_logfmt_value(&mut out, &fields.msg);
    for (k, v) in &fields.pairs {
        let _ = write!(out, " {k}=");
        push_logfmt_value(&mut out, v);
    }
    out
}

/// logfmt quotes a value only when it must: empty, or holding spaces, `=`, quotes or controls.
fn push_logfmt_value(out: &mut String, v: &str) {
    let needs_quotes =
        v.is_empty() || v.chars().any(|c| c == ' ' || c == '=' || c == '"' || c.is_control());
    if !needs_quotes {
        out.push_str(v);
        return;
    }
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_line(time: &str, level: Level, source: &str, fields: &Fields) -> String {
    let mut map = serde_json::Map::new();
    map.insert("time".into(), time.into());
    map.insert("level".into(), level_name(level).into());
    map.insert("source".into(), source.into());
    map.insert("msg".into(), fields.msg.clone().into());
    for (k, v) in &fields.pairs {
        map.insert(k.clone(), v.clone().into());
    }
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(msg: &str, pairs: &[(&str, &str)]) -> Fields {
        Fields {
            msg: msg.into(),
            pairs: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn logfmt_matches_upstream_shape() {
        let line = logfmt_line(
            "2026-01-02T03:04:05.678Z",
            Level::INFO,
            "alertmanager.rs:42",
            &fields("Listening on", &[("address", "127.0.0.1:9093"), ("err", "a \"b\"\nc")]),
        );
        assert_eq!(
            line,
            "time=2026-01-02T03:04:05.678Z level=info source=alertmanager.rs:42 \
             msg=\"Listening on\" address=127.0.0.1:9093 err=\"a \\\"b\\\"\\nc\""
        );
    }

    #[test]
    fn json_has_the_same_keys() {
        let line = json_line("t", Level::WARN, "s:1", &fields("m", &[("k", "v")]));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["level"], "warn");
        assert_eq!(v["msg"], "m");
        assert_eq!(v["k"], "v");
        assert_eq!(v["source"], "s:1");
    }

    #[test]
    fn bad_level_and_format_are_errors() {
        assert!(parse_level("verbose").is_err());
        assert!(parse_format("text").is_err());
        assert_eq!(parse_level("warn").unwrap(), LevelFilter::WARN);
    }
}
