//! The humanizing and time functions: `humanize`, `humanize1024`, `humanizeDuration`,
//! `humanizePercentage`, `humanizeTimestamp`, `toTime`, `toDuration`, `parseDuration`.
//!
//! Each takes anything `ConvertToFloat` accepts (see [`convert_to_float`]) and formats with
//! Go's `%.4g`, so that `1234567` is `1.235M` and `0.0001` is `100u`.

use model::duration::{Duration as PromDuration, GoDuration};

use super::convert::{convert_to_float, float_v, g4, go_f64_to_i64};
use crate::gofmt::GoTime;
use crate::value::Value;

const SI_UP: [&str; 8] = ["k", "M", "G", "T", "P", "E", "Z", "Y"];
const SI_DOWN: [&str; 8] = ["m", "u", "n", "p", "f", "a", "z", "y"];
const IEC_UP: [&str; 8] = ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"];

/// Scales `v` up by 1000 through the sub-unit prefixes while `|v| < 1`; returns the prefix.
fn scale_down(v: &mut f64) -> &'static str {
    let mut prefix = "";
    for p in SI_DOWN {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        *v *= 1000.0;
    }
    prefix
}

/// `humanize`: SI prefixes, four significant digits.
pub fn humanize(v: f64) -> String {
    let mut v = v;
    if v == 0.0 || !v.is_finite() {
        return g4(v, "");
    }
    if v.abs() >= 1.0 {
        let mut prefix = "";
        for p in SI_UP {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
        return g4(v, prefix);
    }
    let prefix = scale_down(&mut v);
    g4(v, prefix)
}

/// `humanize1024`: binary prefixes (`ki`, `Mi`, ...), four significant digits.
pub fn humanize1024(v: f64) -> String {
    let mut v = v;
    if v.abs() <= 1.0 || !v.is_finite() {
        return g4(v, "");
    }
    let mut prefix = "";
    for p in IEC_UP {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    g4(v, prefix)
}

/// `humanizeDuration`: seconds as `1d 2h 3m 4s`, `1.5s`, `100ms`.
pub fn humanize_duration(v: f64) -> String {
    let mut v = v;
    if !v.is_finite() {
        return g4(v, "");
    }
    if v == 0.0 {
        return g4(v, "s");
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        v = v.abs();
        let whole = go_f64_to_i64(v);
        // Go's `%` and `/` truncate towards zero, as Rust's do.
        let seconds = whole % 60;
        let minutes = (whole / 60) % 60;
        let hours = (whole / 60 / 60) % 24;
        let days = whole / 60 / 60 / 24;
        if days != 0 {
            return format!("{sign}{days}d {hours}h {minutes}m {seconds}s");
        }
        if hours != 0 {
            return format!("{sign}{hours}h {minutes}m {seconds}s");
        }
        if minutes != 0 {
            return format!("{sign}{minutes}m {seconds}s");
        }
        // Below a minute: seconds with four significant digits.
        return format!("{sign}{}", g4(v, "s"));
    }
    let prefix = scale_down(&mut v);
    g4(v, &format!("{prefix}s"))
}

/// `humanizePercentage`: `v * 100` with four significant digits and `%`.
pub fn humanize_percentage(v: f64) -> String {
    g4(v * 100.0, "%")
}

/// Prometheus' `FloatToTime`: seconds since the epoch to a UTC time, truncated to the
/// millisecond (it goes through `model.Time`).
pub fn float_to_time(v: f64) -> Result<GoTime, String> {
    if !v.is_finite() {
        return Err("value is NaN or Inf".into());
    }
    let ns = v * 1e9;
    // Go compares against `math.MaxInt64` and `math.MinInt64` converted to float64 (±2^63).
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..=LIMIT).contains(&ns) {
        return Err(format!(
            "{} cannot be represented as a nanoseconds timestamp since it overflows int64",
            float_v(v)
        ));
    }
    let ms = go_f64_to_i64(ns) / 1_000_000;
    Ok(GoTime::from_unix_millis(ms))
}

/// `humanizeTimestamp`: Go's `time.Time.String()` in UTC; NaN and ±Inf as `%.4g`.
pub fn humanize_timestamp(v: f64) -> Result<String, String> {
    if !v.is_finite() {
        return Ok(g4(v, ""));
    }
    float_to_time(v).map(|t| t.to_string())
}

/// `toDuration`: seconds to a Go `time.Duration` (`time.Duration(v * 1e9)`).
pub fn to_duration(v: f64) -> GoDuration {
    GoDuration::from_nanos(go_f64_to_i64(v * 1e9))
}

/// `parseDuration`: a Prometheus duration (`1h30m`, `-5m`) in seconds.
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let d = PromDuration::parse_allow_negative(s).map_err(|e| e.message)?;
    Ok(d.as_nanos() as f64 / 1e9)
}

/// Wraps `f` as a template function over one `ConvertToFloat`-able argument.
pub(super) fn float_arg(args: &[Value]) -> Result<f64, String> {
    convert_to_float(args.first().unwrap_or(&Value::Nil))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_si() {
        assert_eq!(humanize(0.0), "0");
        assert_eq!(humanize(1234567.0), "1.235M");
        assert_eq!(humanize(0.0001), "100u");
        assert_eq!(humanize(-1e30), "-1e+06Y");
        assert_eq!(humanize(f64::NAN), "NaN");
        assert_eq!(humanize(f64::NEG_INFINITY), "-Inf");
        assert_eq!(humanize(999.95), "1000");
        assert_eq!(humanize1024(1025.0), "1.001ki");
        assert_eq!(humanize1024(-1.0), "-1");
    }

    #[test]
    fn durations() {
        assert_eq!(humanize_duration(0.0), "0s");
        assert_eq!(humanize_duration(59.9999), "60s");
        assert_eq!(humanize_duration(-90.5), "-1m 30s");
        assert_eq!(humanize_duration(86400.0 * 400.0), "400d 0h 0m 0s");
        assert_eq!(humanize_duration(0.00123), "1.23ms");
        assert_eq!(humanize_duration(-0.5), "-500ms");
        assert_eq!(parse_duration("-1h30m"), Ok(-5400.0));
        assert_eq!(parse_duration("1x").unwrap_err(), r#"unknown unit "x" in duration "1x""#);
    }

    #[test]
    fn timestamps() {
        assert_eq!(humanize_timestamp(1.0).as_deref(), Ok("1970-01-01 00:00:01 +0000 UTC"));
        assert_eq!(
            humanize_timestamp(1435065584.128).as_deref(),
            Ok("2015-06-23 13:19:44.128 +0000 UTC")
        );
        assert_eq!(humanize_timestamp(f64::INFINITY).as_deref(), Ok("+Inf"));
        assert_eq!(
            humanize_timestamp(1e30).unwrap_err(),
            "1e+30 cannot be represented as a nanoseconds timestamp since it overflows int64"
        );
    }
}
