//! The times `klaxon rules backtest` accepts and prints.

use model::duration::Duration;

/// Parses `--from`/`--to`: RFC3339 (`2026-11-22T10:00:00Z`), Unix seconds (`1700000000`,
/// `1700000000.5`), `now`, or relative to now (`-2h`, `now-2h`, `now+30m`). `now_ms` is
/// the current time.
pub fn parse_time(s: &str, now_ms: i64) -> Result<i64, String> {
    let s = s.trim();
    if s == "now" {
        return Ok(now_ms);
    }
    let relative = s.strip_prefix("now").unwrap_or(s);
    if let Some(d) = relative.strip_prefix('-') {
        return Ok(now_ms - duration_ms(d, s)?);
    }
    if let Some(d) = relative.strip_prefix('+') {
        return Ok(now_ms + duration_ms(d, s)?);
    }
    if let Ok(secs) = s.parse::<f64>()
        && secs.is_finite()
    {
        return Ok((secs * 1000.0).round() as i64);
    }
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => Ok(t.as_millisecond()),
        Err(_) => Err(format!(
            "invalid time {s:?}: want RFC3339, Unix seconds, `now` or a relative time such as `-2h`"
        )),
    }
}

fn duration_ms(d: &str, whole: &str) -> Result<i64, String> {
    Duration::parse(d)
        .map(|d| d.as_millis())
        .map_err(|e| format!("invalid relative time {whole:?}: {e}"))
}

/// `t_ms` as RFC3339 in UTC (`2026-11-22T10:00:00Z`, fractions only when present).
pub fn format_time(t_ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(t_ms) {
        Ok(t) => t.to_string(),
        Err(_) => format!("@{t_ms}ms"),
    }
}

/// A span of milliseconds as a Prometheus duration (`1h30m`).
pub fn format_span(ms: i64) -> String {
    Duration::from_millis(ms).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn forms() {
        assert_eq!(parse_time("now", NOW), Ok(NOW));
        assert_eq!(parse_time("-2h", NOW), Ok(NOW - 7_200_000));
        assert_eq!(parse_time("now-1h30m", NOW), Ok(NOW - 5_400_000));
        assert_eq!(parse_time("now+5m", NOW), Ok(NOW + 300_000));
        assert_eq!(parse_time("1700000000", NOW), Ok(NOW));
        assert_eq!(parse_time("1700000000.25", NOW), Ok(NOW + 250));
        assert_eq!(parse_time("2023-11-14T22:13:20Z", NOW), Ok(NOW));
        assert_eq!(parse_time("2023-11-14T23:13:20+01:00", NOW), Ok(NOW));
        assert!(parse_time("yesterday", NOW).is_err());
        assert!(parse_time("-2x", NOW).unwrap_err().contains("relative"));
    }

    #[test]
    fn printing() {
        assert_eq!(format_time(NOW), "2023-11-14T22:13:20Z");
        assert_eq!(format_time(NOW + 500), "2023-11-14T22:13:20.5Z");
        assert_eq!(format_span(5_400_000), "1h30m");
    }
}
