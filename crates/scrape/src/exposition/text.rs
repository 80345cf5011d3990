//! The Prometheus text format (0.0.4): blank lines skipped, blanks allowed between tokens,
//! `# HELP` / `# TYPE` metadata, any other `#` line a comment.

use std::borrow::Cow;

use super::cursor::{Cursor, Escapes, unescape_cow};
use super::{Format, Label, LineResult, MetricType, Parsed, series};

pub(crate) fn parse_line<'a>(
    line: &'a [u8],
    labels: &mut Vec<Label<'a>>,
    defer: bool,
) -> LineResult<'a> {
    let mut cur = Cursor::new(line);
    cur.skip_blanks();
    match cur.peek() {
        None => Ok(None),
        Some(b'#') => comment(&mut cur).map(Some),
        Some(_) => series::parse(&mut cur, Format::PrometheusText, labels, defer).map(Some),
    }
}

fn comment<'a>(cur: &mut Cursor<'a>) -> Result<Parsed<'a>, super::LineError> {
    let hash = cur.pos();
    cur.bump();
    let as_comment = |cur: &mut Cursor<'a>| {
        cur.set_pos(hash);
        Parsed::Comment(String::from_utf8_lossy(cur.rest()))
    };
    if cur.skip_blanks() == 0 {
        return Ok(as_comment(cur));
    }
    let is_help = cur.eat_str(b"HELP");
    let is_type = !is_help && cur.eat_str(b"TYPE");
    if !(is_help || is_type) || cur.skip_blanks() == 0 {
        return Ok(as_comment(cur));
    }
    let keyword = if is_help { "HELP" } else { "TYPE" };
    let name = super::openmetrics::meta_name(cur, keyword)?;
    // One blank separates the name from the text; the rest of the line is the text.
    let text: &'a [u8] = if cur.at_end() {
        &[]
    } else if matches!(cur.peek(), Some(b' ' | b'\t')) {
        cur.bump();
        cur.rest()
    } else {
        return Err(cur.error(format!("expected text in {keyword}, got {}", cur.got())));
    };
    let text_at = cur.pos() - text.len();
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(cur.error_at(text_at, format!("{keyword} text is not valid UTF-8")));
    };
    if is_help {
        return Ok(Parsed::Help { name, help: unescape_cow(text, Escapes::Help) });
    }
    let kind = match text {
        "counter" => MetricType::Counter,
        "gauge" => MetricType::Gauge,
        "histogram" => MetricType::Histogram,
        "summary" => MetricType::Summary,
        "untyped" => MetricType::Unknown,
        other => {
            return Err(cur.error_at(text_at, format!("invalid metric type {other:?}")));
        }
    };
    Ok(Parsed::Type { name, kind })
}

/// A borrowed or unescaped name, for metadata lines.
pub(crate) type Name<'a> = Cow<'a, str>;
