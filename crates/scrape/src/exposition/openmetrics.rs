//! OpenMetrics 1.0 text: no blank lines or comments, single spaces, `# HELP` / `# TYPE` /
//! `# UNIT`, and `# EOF` as the last line.

use std::borrow::Cow;

use super::cursor::{Cursor, Escapes, unescape_cow};
use super::text::Name;
use super::{Format, Label, LineError, LineResult, MetricType, Parsed, series};

pub(crate) fn parse_line<'a>(
    line: &'a [u8],
    has_newline: bool,
    labels: &mut Vec<Label<'a>>,
    defer: bool,
) -> LineResult<'a> {
    let mut cur = Cursor::new(line);
    if line == b"# EOF" {
        return Ok(Some(Parsed::Eof));
    }
    if !has_newline {
        return Err(cur.error_at(line.len(), "data does not end with # EOF"));
    }
    match cur.peek() {
        None => Err(cur.error("empty lines are not allowed in OpenMetrics")),
        Some(b'#') => metadata(&mut cur).map(Some),
        Some(_) => series::parse(&mut cur, Format::OpenMetrics, labels, defer).map(Some),
    }
}

fn metadata<'a>(cur: &mut Cursor<'a>) -> Result<Parsed<'a>, LineError> {
    let keyword = if cur.eat_str(b"# HELP ") {
        "HELP"
    } else if cur.eat_str(b"# TYPE ") {
        "TYPE"
    } else if cur.eat_str(b"# UNIT ") {
        "UNIT"
    } else {
        return Err(cur.error("expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\""));
    };
    let name_at = cur.pos();
    let name = meta_name(cur, keyword)?;
    let text: &'a [u8] = if cur.at_end() {
        &[]
    } else if cur.eat(b' ') {
        cur.rest()
    } else {
        return Err(cur.error(format!("expected text in {keyword}, got {}", cur.got())));
    };
    let text_at = cur.pos() - text.len();
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(cur.error_at(text_at, format!("{keyword} text is not valid UTF-8")));
    };
    match keyword {
        "HELP" => Ok(Parsed::Help { name, help: unescape_cow(text, Escapes::LabelValue) }),
        "TYPE" => {
            let kind = match text {
                "counter" => MetricType::Counter,
                "gauge" => MetricType::Gauge,
                "histogram" => MetricType::Histogram,
                "gaugehistogram" => MetricType::GaugeHistogram,
                "summary" => MetricType::Summary,
                "info" => MetricType::Info,
                "stateset" => MetricType::Stateset,
                "unknown" => MetricType::Unknown,
                other => {
                    return Err(cur.error_at(text_at, format!("invalid metric type {other:?}")));
                }
            };
            Ok(Parsed::Type { name, kind })
        }
        _ => {
            // A unit must be the name's last `_`-separated part.
            let suffix_ok = text.is_empty()
                || (name.len() > text.len()
                    && name.ends_with(text)
                    && name.as_bytes()[name.len() - text.len() - 1] == b'_');
            if !suffix_ok {
                return Err(
                    cur.error_at(name_at, format!("unit {text:?} not a suffix of metric {name:?}"))
                );
            }
            Ok(Parsed::Unit { name, unit: Cow::Borrowed(text) })
        }
    }
}

/// The metric name of a metadata line: legacy or double-quoted.
pub(crate) fn meta_name<'a>(cur: &mut Cursor<'a>, keyword: &str) -> Result<Name<'a>, LineError> {
    if cur.peek() == Some(b'"') {
        return cur.quoted("metric name");
    }
    match cur.metric_name() {
        Some(n) => Ok(Cow::Borrowed(n)),
        None => Err(cur.error(format!("expected metric name after {keyword}, got {}", cur.got()))),
    }
}
