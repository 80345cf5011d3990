//! Series descriptions: `metric{l="v"} 1 2 _ stale 0+10x10 _x4 {{...}}`, the lines of `load`
//! blocks and the expected elements of `eval` bodies, plus the `@st` start-timestamp lines.
//!
//! Native histograms (`{{...}}`) are recognised and counted but not decoded: the runner skips
//! what depends on them, so it only needs to know where they are.

use model::duration::Duration;
use model::gostr::unquote;
use model::labels::Labels;
use model::storage::stale_nan;

/// One position of a value sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeqValue {
    /// `_`: no sample at this step.
    Omitted,
    Float(f64),
    /// A native histogram, not decoded.
    Histogram,
}

/// Parses a whole series line: the metric, whitespace, then the values.
pub fn parse_series_line(line: &str) -> Result<(Labels, Vec<SeqValue>), String> {
    let (metric, rest) = parse_metric(line)?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return Err(format!("unexpected {:?} after the metric in series description", rest));
    }
    Ok((metric, parse_values(rest)?))
}

/// Parses the metric at the start of `s` (`name`, `name{...}`, `{...}`), returning its labels
/// and the text after it. Labels with empty values are dropped, as storage drops them.
pub fn parse_metric(s: &str) -> Result<(Labels, &str), String> {
    let s = s.trim_start();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let name_len = s.find(|c: char| !is_metric_char(c)).unwrap_or(s.len());
    let mut rest = &s[name_len..];
    if name_len > 0 {
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("invalid metric name in series description: {s:?}"));
        }
        pairs.push(("__name__".into(), s[..name_len].into()));
    }
    if let Some(body) = rest.strip_prefix('{') {
        rest = parse_label_set(body, &mut pairs)?;
    } else if name_len == 0 {
        return Err(format!("expected a metric name or '{{' in series description, got {s:?}"));
    }
    pairs.retain(|(_, v)| !v.is_empty());
    Ok((Labels::from_pairs(pairs), rest))
}

fn is_metric_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Parses `l="v", "l2"='v2', "metric.name"}` (after the opening brace) into `pairs`, returning
/// the text after the closing brace.
fn parse_label_set<'a>(
    mut s: &'a str,
    pairs: &mut Vec<(String, String)>,
) -> Result<&'a str, String> {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix('}') {
            return Ok(rest);
        }
        let (name, quoted, rest) = if s.starts_with(['"', '\'', '`']) {
            let (text, rest) = take_string(s)?;
            (text, true, rest)
        } else {
            let len = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
            if len == 0 {
                return Err(format!("unexpected {:?} in label set", first_char(s)));
            }
            (s[..len].to_string(), false, &s[len..])
        };
        s = rest.trim_start();
        if let Some(rest) = s.strip_prefix('=') {
            let (value, rest) = take_string(rest.trim_start())?;
            pairs.push((name, value));
            s = rest;
        } else if quoted {
            // A lone quoted string names the metric (`{"my.metric", l="v"}`).
            pairs.push(("__name__".into(), name));
        } else {
            return Err(format!("expected '=' after label name {name:?}"));
        }
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix(',') {
            s = rest;
        } else if !s.starts_with('}') {
            return Err(format!(
                "unexpected {:?} in label set, expected ',' or '}}'",
                first_char(s)
            ));
        }
    }
}

fn first_char(s: &str) -> String {
    s.chars().next().map_or_else(|| "end of line".to_string(), String::from)
}

/// Reads a Go string literal at the start of `s`.
fn take_string(s: &str) -> Result<(String, &str), String> {
    let quote = s.chars().next().ok_or("expected a quoted string, got end of line")?;
    if !matches!(quote, '"' | '\'' | '`') {
        return Err(format!("expected a quoted string, got {:?}", first_char(s)));
    }
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' && quote != '`' {
            escaped = true;
        } else if c == quote {
            let literal = &s[..i + 1];
            // Go's Unquote takes single-quoted text as a rune literal; PromQL allows strings.
            let bytes = if quote == '\'' {
                let inner = literal[1..literal.len() - 1].replace("\\'", "'").replace('"', "\\\"");
                unquote(&format!("\"{inner}\""))
            } else {
                unquote(literal)
            }
            .map_err(|_| format!("invalid string literal {literal}"))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("invalid UTF-8 in string literal {literal}"))?;
            return Ok((text, &s[i + 1..]));
        }
    }
    Err(format!("unterminated string {s}"))
}

/// Parses a whitespace-separated value sequence.
pub fn parse_values(s: &str) -> Result<Vec<SeqValue>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let end = if rest.starts_with("{{") {
            histogram_item_end(rest)?
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        let item = &rest[..end];
        if item.starts_with("{{") {
            parse_histogram_item(item, &mut out)?;
        } else {
            parse_float_item(item, &mut out)?;
        }
        rest = rest[end..].trim_start();
    }
    Ok(out)
}

/// The length of a histogram item: `{{...}}`, optionally followed by `xN` or `(+|-){{...}}xN`.
fn histogram_item_end(s: &str) -> Result<usize, String> {
    let close = |from: usize| {
        s[from..]
            .find("}}")
            .map(|i| from + i + 2)
            .ok_or_else(|| format!("unterminated histogram {s:?}"))
    };
    let mut end = close(0)?;
    if s[end..].starts_with("+{{") || s[end..].starts_with("-{{") {
        end = close(end + 1)?;
    }
    Ok(end + s[end..].find(char::is_whitespace).unwrap_or(s.len() - end))
}

fn parse_histogram_item(item: &str, out: &mut Vec<SeqValue>) -> Result<(), String> {
    let last = item.rfind("}}").map_or(item.len(), |i| i + 2);
    let suffix = &item[last..];
    let copies = if suffix.is_empty() {
        if item[2..].contains("{{") {
            return Err(format!("histogram series {item:?} needs a repetition count"));
        }
        1
    } else {
        let n = suffix
            .strip_prefix('x')
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| format!("invalid histogram repetition {suffix:?}"))?;
        n.saturating_add(1)
    };
    push_n(out, SeqValue::Histogram, copies)
}

/// Guards against `1x100000000000` exhausting memory.
const MAX_SEQUENCE: u64 = 10_000_000;

fn push_n(out: &mut Vec<SeqValue>, v: SeqValue, n: u64) -> Result<(), String> {
    if n > MAX_SEQUENCE || out.len() as u64 + n > MAX_SEQUENCE {
        return Err(format!("series sequence longer than {MAX_SEQUENCE} values"));
    }
    out.extend(std::iter::repeat_n(v, n as usize));
    Ok(())
}

/// Splits a trailing `x<digits>` repetition off an item.
fn split_times(item: &str) -> Result<(&str, Option<u64>), String> {
    match item.rfind('x') {
        Some(i)
            if i > 0 && i + 1 < item.len() && item[i + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            let n = item[i + 1..]
                .parse::<u64>()
                .map_err(|e| format!("invalid repetition in series values: {e}"))?;
            Ok((&item[..i], Some(n)))
        }
        _ => Ok((item, None)),
    }
}

fn parse_float_item(item: &str, out: &mut Vec<SeqValue>) -> Result<(), String> {
    let (body, times) = split_times(item)?;
    if body == "_" {
        return match times {
            None => push_n(out, SeqValue::Omitted, 1),
            Some(n) => push_n(out, SeqValue::Omitted, n),
        };
    }
    let (start, delta) = match delta_split(body) {
        Some(i) => (&body[..i], Some(&body[i..])),
        None => (body, None),
    };
    let mut value = parse_series_value(start)?;
    match (delta, times) {
        (None, None) => push_n(out, SeqValue::Float(value), 1),
        (None, Some(n)) => push_n(out, SeqValue::Float(value), n.saturating_add(1)),
        (Some(delta), Some(n)) => {
            let delta = parse_series_value(delta)?;
            if n >= MAX_SEQUENCE {
                return Err(format!("series sequence longer than {MAX_SEQUENCE} values"));
            }
            // Accumulated, as upstream does, so rounding matches theirs.
            for _ in 0..=n {
                push_n(out, SeqValue::Float(value), 1)?;
                value += delta;
            }
            Ok(())
        }
        (Some(_), None) => Err(format!("series value {item:?} has a step but no repetition count")),
    }
}

/// Where the `+delta`/`-delta` of `a+bxN` starts: the first sign after the start that is not an
/// exponent's sign.
fn delta_split(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    (1..bytes.len()).find(|&i| {
        matches!(bytes[i], b'+' | b'-')
            && (!matches!(bytes[i - 1], b'e' | b'E') || body[..i].eq_ignore_ascii_case("stale"))
    })
}

/// One value: a number (PromQL float syntax, no hex), `Inf`, `NaN`, a duration (as seconds) or
/// `stale`, with an optional sign.
fn parse_series_value(s: &str) -> Result<f64, String> {
    if s == "stale" {
        return Ok(stale_nan());
    }
    let (neg, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = parse_unsigned_value(unsigned)
        .ok_or_else(|| format!("invalid series value {s:?}, expected a number or \"stale\""))?;
    Ok(if neg { -v } else { v })
}

fn parse_unsigned_value(s: &str) -> Option<f64> {
    if s.eq_ignore_ascii_case("inf") {
        return Some(f64::INFINITY);
    }
    if s.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if s.bytes().any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E')) {
        // A duration such as `1m` is a number of seconds in series values.
        return Duration::parse(s).ok().map(Duration::as_secs_f64);
    }
    let digits: String = s.chars().filter(|&c| c != '_').collect();
    digits.parse::<f64>().ok()
}

/// Parses a bare number line (a scalar expectation) as Go's `ParseInt(s, 0, 64)` then
/// `ParseFloat(s, 64)` would.
pub fn parse_number(s: &str) -> Option<f64> {
    if let Some(i) = parse_go_int(s) {
        return Some(i as f64);
    }
    parse_go_float(s)
}

fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    // Go allows underscores only between digits and only with a base prefix or leading 0.
    let digits = if radix != 10 { digits.replace('_', "") } else { digits.to_string() };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let v = i64::from_str_radix(&digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    let v = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => {
            if !lower.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'))
            {
                return None;
            }
            lower.parse::<f64>().ok()?
        }
    };
    Some(if s.starts_with('-') { -v } else { v })
}

/// Whether a `load` line is a start-timestamp line: its first word ends in `@st`.
pub fn is_st_line(line: &str) -> bool {
    line.split_whitespace().next().is_some_and(|w| w.ends_with("@st"))
}

/// Parses `metric@st <offsets>`; each value is an offset in ms relative to its sample (or
/// `None` for `_`).
pub fn parse_st_line(line: &str) -> Result<(Labels, Vec<Option<i64>>), String> {
    let line = line.trim();
    let split = line.find(char::is_whitespace).ok_or("invalid @st line: missing value sequence")?;
    let metric_text = line[..split].strip_suffix("@st").unwrap_or(&line[..split]);
    let (metric, rest) = parse_metric(metric_text)
        .map_err(|e| format!("invalid @st line metric {metric_text:?}: {e}"))?;
    if !rest.trim().is_empty() {
        return Err(format!("invalid @st line metric {metric_text:?}"));
    }
    let mut out = Vec::new();
    for item in line[split..].split_whitespace() {
        parse_st_item(item, &mut out)
            .map_err(|e| format!("invalid @st sequence: invalid ST item {item:?}: {e}"))?;
    }
    Ok((metric, out))
}

fn parse_st_item(item: &str, out: &mut Vec<Option<i64>>) -> Result<(), String> {
    let too_long = || format!("sequence longer than {MAX_SEQUENCE} values");
    if item == "_" {
        out.push(None);
        return Ok(());
    }
    if let Some(n) = item.strip_prefix("_x") {
        let n: u64 = n.parse().map_err(|_| "invalid repeat count")?;
        if n == 0 {
            return Err("invalid repeat count".into());
        }
        if n > MAX_SEQUENCE {
            return Err(too_long());
        }
        out.extend(std::iter::repeat_n(None, n as usize));
        return Ok(());
    }
    let (body, times) = split_times(item)?;
    let (base, delta) = match delta_split(body) {
        Some(i) => (signed_duration(&body[..i])?, Some(signed_duration(&body[i..])?)),
        None => (signed_duration(body)?, None),
    };
    let n = match (delta, times) {
        (Some(_), None) => return Err("expected 'x<count>' after step duration".into()),
        (_, None) => 0,
        (_, Some(n)) => n,
    };
    if n >= MAX_SEQUENCE {
        return Err(too_long());
    }
    let mut offset = base;
    for _ in 0..=n {
        out.push(Some(offset));
        offset = offset.saturating_add(delta.unwrap_or(0));
    }
    Ok(())
}

fn signed_duration(s: &str) -> Result<i64, String> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let ms = Duration::parse(body).map_err(|e| e.to_string())?.as_millis();
    Ok(if neg { -ms } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::storage::is_stale_nan;

    fn floats(vals: &[SeqValue]) -> Vec<Option<f64>> {
        vals.iter()
            .map(|v| match v {
                SeqValue::Float(f) => Some(*f),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn metric_forms() {
        let (l, rest) = parse_metric(r#"http_requests{job="api", instance="0"} 1"#).unwrap();
        assert_eq!(
            l,
            Labels::from_pairs([("__name__", "http_requests"), ("job", "api"), ("instance", "0")])
        );
        assert_eq!(rest, " 1");
        let (l, _) = parse_metric(r#"{"my.metric", 'l'="a\"b", `x`=`c\d`,}"#).unwrap();
        assert_eq!(
            l,
            Labels::from_pairs([("__name__", "my.metric"), ("l", "a\"b"), ("x", "c\\d")])
        );
        let (l, rest) = parse_metric("{} 3").unwrap();
        assert!(l.is_empty());
        assert_eq!(rest, " 3");
        let (l, _) = parse_metric(r#"foo{a="", b="x"}"#).unwrap();
        assert_eq!(l, Labels::from_pairs([("__name__", "foo"), ("b", "x")]));
        let (l, _) = parse_metric(r#"{__name__="up"}"#).unwrap();
        assert_eq!(l.metric_name(), Some("up"));
    }

    #[test]
    fn metric_errors() {
        assert!(parse_metric(r#"foo{a="b""#).is_err());
        assert!(parse_metric(r#"foo{a}"#).is_err());
        assert!(parse_metric(r#"foo{a="b" c="d"}"#).is_err());
        assert!(parse_metric("1foo").is_err());
        assert!(parse_series_line(r#"foo{a="b"}1"#).is_err());
    }

    #[test]
    fn value_notation() {
        let (_, v) = parse_series_line("m 1 2 _ 0+10x3 5-1x2 _x2 1x2 -3 +4 1e3 1.5E+2").unwrap();
        let want = [
            Some(1.0),
            Some(2.0),
            None,
            Some(0.0),
            Some(10.0),
            Some(20.0),
            Some(30.0),
            Some(5.0),
            Some(4.0),
            Some(3.0),
            None,
            None,
            Some(1.0),
            Some(1.0),
            Some(1.0),
            Some(-3.0),
            Some(4.0),
            Some(1000.0),
            Some(150.0),
        ];
        assert_eq!(floats(&v), want);
        assert_eq!(v[2], SeqValue::Omitted);
    }

    #[test]
    fn signed_starts_and_exponent_steps() {
        let (_, v) = parse_series_line("m -1-1x2 1e-1+1e-1x1 -2e+1x1").unwrap();
        assert_eq!(
            floats(&v),
            [Some(-1.0), Some(-2.0), Some(-3.0), Some(0.1), Some(0.2), Some(-20.0), Some(-20.0)]
        );
    }

    #[test]
    fn special_values() {
        let (_, v) = parse_series_line("m Inf -Inf NaN inf stale 1m").unwrap();
        assert_eq!(v[0], SeqValue::Float(f64::INFINITY));
        assert_eq!(v[1], SeqValue::Float(f64::NEG_INFINITY));
        assert!(matches!(v[2], SeqValue::Float(f) if f.is_nan() && !is_stale_nan(f)));
        assert_eq!(v[3], SeqValue::Float(f64::INFINITY));
        assert!(matches!(v[4], SeqValue::Float(f) if is_stale_nan(f)));
        assert_eq!(v[5], SeqValue::Float(60.0));
    }

    #[test]
    fn steps_accumulate_like_upstream() {
        let (_, v) = parse_series_line("m 0+0.1x3").unwrap();
        // Each step adds the delta to the previous value (not start + i * delta).
        let mut acc = 0.0;
        for (i, got) in floats(&v).into_iter().enumerate() {
            assert_eq!(got, Some(acc), "position {i}");
            acc += 0.1;
        }
    }

    #[test]
    fn bad_values() {
        assert!(parse_series_line("m 1+1").is_err());
        assert!(parse_series_line("m foo").is_err());
        assert!(parse_series_line("m 1xfoo").is_err());
        assert!(parse_series_line("m 1x99999999999").is_err());
        assert!(parse_series_line("m {{schema:0").is_err());
    }

    #[test]
    fn histograms_are_counted() {
        let (_, v) = parse_series_line(
            "m {{schema:0 sum:5 count:4 buckets:[1 2 1]}} {{sum:1}}x2 {{count:1}}+{{count:2}}x3 1",
        )
        .unwrap();
        assert_eq!(v.len(), 1 + 3 + 4 + 1);
        assert!(v[..8].iter().all(|x| *x == SeqValue::Histogram));
        assert_eq!(v[8], SeqValue::Float(1.0));
    }

    #[test]
    fn metric_only_line_has_no_values() {
        let (l, v) = parse_series_line(r#"foo{a="b"}"#).unwrap();
        assert_eq!(l.get("a"), Some("b"));
        assert!(v.is_empty());
    }

    #[test]
    fn numbers_like_go() {
        assert_eq!(parse_number("3"), Some(3.0));
        assert_eq!(parse_number("-3.5"), Some(-3.5));
        assert_eq!(parse_number("0x10"), Some(16.0));
        assert_eq!(parse_number("010"), Some(8.0));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_number("-inf"), Some(f64::NEG_INFINITY));
        assert!(parse_number("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_number("foo"), None);
        assert_eq!(parse_number("{} 1"), None);
        assert_eq!(parse_number("1 2"), None);
    }

    #[test]
    fn st_lines() {
        assert!(is_st_line("foo@st 0 -1s"));
        assert!(!is_st_line("foo 0 1"));
        let (l, v) = parse_st_line(r#"foo{a="b"}@st _ -1s 0x1 -10s+5sx2 _x2"#).unwrap();
        assert_eq!(l.get("a"), Some("b"));
        assert_eq!(
            v,
            [None, Some(-1000), Some(0), Some(0), Some(-10000), Some(-5000), Some(0), None, None]
        );
        assert!(parse_st_line("foo@st _x0").is_err());
        assert!(parse_st_line("foo@st 1s+1s").is_err());
    }
}
