//! Sample lines, shared by both formats: `name{labels} value [timestamp] [# exemplar]`.

use std::borrow::Cow;

use super::cursor::{Cursor, parse_value};
use super::{Format, Label, LineError, Parsed};

/// Parses a sample line from the cursor (at its first non-blank byte) into `labels` (cleared
/// first) and the returned entry.
pub(crate) fn parse<'a>(
    cur: &mut Cursor<'a>,
    format: Format,
    labels: &mut Vec<Label<'a>>,
    defer: bool,
) -> Result<Parsed<'a>, LineError> {
    labels.clear();
    if defer {
        let start = cur.pos();
        if let Some(p) = deferred(cur, format) {
            return Ok(p);
        }
        // Whatever is wrong, the full parse reports it as it always does.
        cur.set_pos(start);
    }
    let start = cur.pos();
    let text = format == Format::PrometheusText;

    let mut name: Option<Cow<'a, str>> = match cur.peek() {
        Some(b'{') => None,
        _ => match cur.metric_name() {
            Some(n) => Some(Cow::Borrowed(n)),
            None => {
                return Err(cur.error(format!("expected a metric name, got {}", cur.got())));
            }
        },
    };
    let mut raw_end = cur.pos();
    if text {
        let before = cur.pos();
        cur.skip_blanks();
        if cur.peek() != Some(b'{') {
            // Those blanks separate the value: leave them for it.
            cur.set_pos(before);
        }
    }
    if cur.peek() == Some(b'{') {
        label_set(cur, format, false, &mut name, |n, v, at| {
            if labels.iter().any(|(seen, _)| *seen == n) {
                return Err(LineError {
                    offset: at,
                    message: format!("duplicate label name {n:?}"),
                });
            }
            labels.push((n, v));
            Ok(())
        })?;
        raw_end = cur.pos();
    }
    let Some(name) = name else {
        return Err(cur.error_at(start, "metric name not set"));
    };
    let raw = &cur.line()[start..raw_end];

    let value = value_token(cur, format, "value")?;
    let Some(value) = parse_value(value.1) else {
        return Err(cur.error_at(value.0, format!("invalid value {:?}", lossy(value.1))));
    };

    let timestamp = match format {
        Format::PrometheusText => text_timestamp(cur)?,
        Format::OpenMetrics => om_suffix(cur)?,
    };
    Ok(Parsed::Series { name, value, timestamp, raw, deferred: None })
}

/// A sample line without its labels parsed: the series text is only delimited (a scan for
/// the closing brace outside quotes, which ends where the full parse ends for any text the
/// full parse accepts), then the value and timestamp are parsed as usual. `None` on any
/// doubt or error: the caller parses the line fully instead.
fn deferred<'a>(cur: &mut Cursor<'a>, format: Format) -> Option<Parsed<'a>> {
    let line = cur.line();
    let start = cur.pos();
    let first = *line.get(start)?;
    let mut pos = start;
    if first != b'{' {
        if !(first.is_ascii_alphabetic() || first == b'_' || first == b':') {
            return None;
        }
        while line.get(pos).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
            pos += 1;
        }
    }
    let name_end = pos;
    if format == Format::PrometheusText {
        while matches!(line.get(pos), Some(b' ' | b'\t')) {
            pos += 1;
        }
    }
    let raw_end = if line.get(pos) == Some(&b'{') {
        let mut quoted = false;
        pos += 1;
        loop {
            match *line.get(pos)? {
                b'\\' if quoted => pos += 1,
                b'"' => quoted = !quoted,
                b'}' if !quoted => break pos + 1,
                _ => {}
            }
            pos += 1;
        }
    } else if name_end > start {
        name_end
    } else {
        return None;
    };
    cur.set_pos(raw_end);
    let (_, tok) = value_token(cur, format, "value").ok()?;
    let value = parse_value(tok)?;
    let timestamp = match format {
        Format::PrometheusText => text_timestamp(cur).ok()?,
        Format::OpenMetrics => om_suffix(cur).ok()?,
    };
    let name = std::str::from_utf8(&line[start..name_end]).ok()?;
    Some(Parsed::Series {
        name: Cow::Borrowed(name),
        value,
        timestamp,
        raw: &line[start..raw_end],
        deferred: Some((line, start)),
    })
}

/// The name and labels of a series text delimited by [`deferred`], which starts at `at` in
/// `line`: the full parse's code, so errors (offsets in the line) are the full parse's.
pub(crate) fn parse_deferred<'a>(
    line: &'a [u8],
    at: usize,
    format: Format,
    labels: &mut Vec<Label<'a>>,
) -> Result<Cow<'a, str>, LineError> {
    labels.clear();
    let mut cur = Cursor::new(line);
    cur.set_pos(at);
    let mut name: Option<Cow<'a, str>> = match cur.peek() {
        Some(b'{') => None,
        _ => match cur.metric_name() {
            Some(n) => Some(Cow::Borrowed(n)),
            None => {
                return Err(cur.error(format!("expected a metric name, got {}", cur.got())));
            }
        },
    };
    if format == Format::PrometheusText {
        cur.skip_blanks();
    }
    if cur.peek() == Some(b'{') {
        label_set(&mut cur, format, false, &mut name, |n, v, at| {
            if labels.iter().any(|(seen, _)| *seen == n) {
                return Err(LineError {
                    offset: at,
                    message: format!("duplicate label name {n:?}"),
                });
            }
            labels.push((n, v));
            Ok(())
        })?;
    }
    name.ok_or_else(|| cur.error_at(at, "metric name not set"))
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// The separator then a token; returns the token's offset and bytes.
fn value_token<'a>(
    cur: &mut Cursor<'a>,
    format: Format,
    what: &str,
) -> Result<(usize, &'a [u8]), LineError> {
    let separated = match format {
        // Prometheus' text lexer also takes a value glued to the closing brace (`m{}1`).
        Format::PrometheusText => {
            let after_brace = cur.pos() > 0 && cur.line()[cur.pos() - 1] == b'}';
            cur.skip_blanks() > 0 || after_brace
        }
        Format::OpenMetrics => cur.eat(b' '),
    };
    if !separated || cur.at_end() || (format == Format::OpenMetrics && cur.peek() == Some(b' ')) {
        return Err(cur.error(format!("expected {what}, got {}", cur.got())));
    }
    let at = cur.pos();
    let tok = match format {
        Format::PrometheusText => cur.take_while(|b| !matches!(b, b' ' | b'\t' | b'{')),
        Format::OpenMetrics => cur.take_while(|b| b != b' '),
    };
    if tok.is_empty() {
        return Err(cur.error(format!("expected {what}, got {}", cur.got())));
    }
    Ok((at, tok))
}

/// Text format: optional integer-millisecond timestamp, then only blanks.
fn text_timestamp(cur: &mut Cursor<'_>) -> Result<Option<i64>, LineError> {
    if cur.skip_blanks() == 0 || cur.at_end() {
        return if cur.at_end() {
            Ok(None)
        } else {
            Err(cur.error(format!("expected timestamp or new record, got {}", cur.got())))
        };
    }
    let at = cur.pos();
    let tok = cur.take_while(|b| !matches!(b, b' ' | b'\t'));
    let ts = std::str::from_utf8(tok).ok().and_then(|s| s.parse::<i64>().ok());
    let Some(ts) = ts else {
        return Err(cur.error_at(at, format!("invalid timestamp {:?}", lossy(tok))));
    };
    cur.skip_blanks();
    if !cur.at_end() {
        return Err(cur.error(format!("expected next entry after timestamp, got {}", cur.got())));
    }
    Ok(Some(ts))
}

/// OpenMetrics: optional float-seconds timestamp, optional exemplar.
fn om_suffix(cur: &mut Cursor<'_>) -> Result<Option<i64>, LineError> {
    if cur.at_end() {
        return Ok(None);
    }
    if cur.eat_str(b" # ") {
        exemplar(cur)?;
        return Ok(None);
    }
    let (at, tok) = value_token(cur, Format::OpenMetrics, "timestamp or exemplar")?;
    let ts = om_timestamp(cur, at, tok)?;
    if cur.at_end() {
        return Ok(Some(ts));
    }
    if cur.eat_str(b" # ") {
        exemplar(cur)?;
        return Ok(Some(ts));
    }
    Err(cur.error(format!("expected next entry after timestamp, got {}", cur.got())))
}

/// Float seconds to milliseconds, truncated as Prometheus does (`int64(ts * 1000)`).
fn om_timestamp(cur: &Cursor<'_>, at: usize, tok: &[u8]) -> Result<i64, LineError> {
    let Some(secs) = parse_value(tok) else {
        return Err(cur.error_at(at, format!("invalid timestamp {:?}", lossy(tok))));
    };
    if !secs.is_finite() {
        return Err(cur.error_at(at, format!("invalid timestamp {:?}", lossy(tok))));
    }
    // `as` saturates on overflow instead of wrapping.
    Ok((secs * 1000.0) as i64)
}

/// ` # {labels} value [timestamp]`, after the ` # `: checked and dropped.
fn exemplar(cur: &mut Cursor<'_>) -> Result<(), LineError> {
    if cur.peek() != Some(b'{') {
        return Err(cur.error(format!("expected exemplar labels, got {}", cur.got())));
    }
    let mut no_name = None;
    label_set(cur, Format::OpenMetrics, true, &mut no_name, |_, _, _| Ok(()))?;
    let (at, tok) = value_token(cur, Format::OpenMetrics, "exemplar value")?;
    if parse_value(tok).is_none() {
        return Err(cur.error_at(at, format!("invalid exemplar value {:?}", lossy(tok))));
    }
    if cur.at_end() {
        return Ok(());
    }
    let (at, tok) = value_token(cur, Format::OpenMetrics, "exemplar timestamp")?;
    om_timestamp(cur, at, tok)?;
    if !cur.at_end() {
        return Err(
            cur.error(format!("expected next entry after exemplar timestamp, got {}", cur.got()))
        );
    }
    Ok(())
}

/// `{...}` at the cursor. A quoted string not followed by `=` is the metric name (UTF-8
/// names); `__name__="x"` sets it too. Each other label goes to `on_label(name, value,
/// offset)`. The text format allows blanks between tokens; OpenMetrics does not.
fn label_set<'a>(
    cur: &mut Cursor<'a>,
    format: Format,
    exemplar: bool,
    name: &mut Option<Cow<'a, str>>,
    mut on_label: impl FnMut(Cow<'a, str>, Cow<'a, str>, usize) -> Result<(), LineError>,
) -> Result<(), LineError> {
    let text = format == Format::PrometheusText;
    let blanks = |cur: &mut Cursor<'a>| {
        if text {
            cur.skip_blanks();
        }
    };
    cur.bump(); // '{'
    loop {
        blanks(cur);
        let at = cur.pos();
        let label: Cow<'a, str> = match cur.peek() {
            Some(b'}') => {
                cur.bump();
                return Ok(());
            }
            Some(b'"') => {
                let q = cur.quoted("label name")?;
                blanks(cur);
                if matches!(cur.peek(), Some(b',' | b'}')) {
                    if exemplar {
                        return Err(cur.error_at(at, "expected label name, got a bare string"));
                    }
                    if name.is_some() {
                        return Err(cur.error_at(at, "metric name already set"));
                    }
                    *name = Some(q);
                    cur.eat(b',');
                    continue;
                }
                q
            }
            Some(_) => match cur.label_name() {
                Some(n) => Cow::Borrowed(n),
                None => return Err(cur.error(format!("expected label name, got {}", cur.got()))),
            },
            None => return Err(cur.error("expected label name or '}', got end of line")),
        };
        blanks(cur);
        if !cur.eat(b'=') {
            return Err(cur.error(format!("expected '=' after label name, got {}", cur.got())));
        }
        blanks(cur);
        if cur.peek() != Some(b'"') {
            return Err(cur.error(format!("expected label value, got {}", cur.got())));
        }
        let value = cur.quoted("label value")?;
        if label == "__name__" && !exemplar {
            if name.is_some() {
                return Err(cur.error_at(at, "metric name already set"));
            }
            *name = Some(value);
        } else {
            on_label(label, value, at)?;
        }
        blanks(cur);
        match cur.peek() {
            Some(b',') => cur.bump(),
            Some(b'}') => {}
            _ => {
                return Err(cur.error(format!("expected ',' or '}}', got {}", cur.got())));
            }
        }
    }
}
