//! Durations in the two syntaxes upstream uses.
//!
//! - [`Duration`]: Prometheus' `model.Duration` (`1y2w3d4h5m6s7ms`, units from largest to
//!   smallest, each at most once, `y` = 365d, `w` = 7d, `0` alone). It is what config files, rule
//!   files and most flags take, in Prometheus and Alertmanager alike.
//! - [`GoDuration`]: Go's `time.Duration` strings (`1.5h`, `300ms`, `-2m`, `µs`; no `d`), which
//!   some Alertmanager flags (`--cluster.*`, `--alerts.gc-interval`) and templates use.
//!
//! Both keep nanoseconds in an `i64`, as Go does, so values and overflow limits agree with
//! upstream, and both print exactly as upstream prints them.

use std::fmt;
use std::str::FromStr;

use crate::gostr::quote;

const NS_PER_MS: u64 = 1_000_000;
const NS_PER_SEC: u64 = 1_000 * NS_PER_MS;

/// A duration string that upstream would reject, with upstream's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DurationError {
    /// The message, worded as Prometheus (`not a valid duration string: "1x"`) or Go's `time`
    /// package (`time: invalid duration "x"`) words it.
    pub message: String,
}

impl DurationError {
    fn new(message: String) -> Self {
        DurationError { message }
    }
}

/// A Prometheus duration (`model.Duration`): `5m`, `1h30m`, `2w`, `0`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i64,
}

impl Duration {
    /// The zero duration.
    pub const ZERO: Duration = Duration { nanos: 0 };

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: i64) -> Self {
        Duration { nanos: ms.saturating_mul(NS_PER_MS as i64) }
    }

    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Duration { nanos: secs.saturating_mul(NS_PER_SEC as i64) }
    }

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration { nanos }
    }

    /// Whole milliseconds (truncated towards zero).
    pub const fn as_millis(self) -> i64 {
        self.nanos / NS_PER_MS as i64
    }

    /// Nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// Seconds as a float, as PromQL and templates see durations.
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / NS_PER_SEC as f64
    }

    /// Whether this is the zero duration.
    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// The duration for timers, or `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos).ok().map(std::time::Duration::from_nanos)
    }

    /// Parses a non-negative Prometheus duration, with Prometheus' error messages.
    pub fn parse(s: &str) -> Result<Self, DurationError> {
        match s {
            "0" => return Ok(Duration::ZERO),
            "" => return Err(DurationError::new("empty duration string".into())),
            _ => {}
        }
        let invalid = || DurationError::new(format!("not a valid duration string: {}", quote(s)));
        let mut rest = s.as_bytes();
        let mut total: u64 = 0;
        let mut last_pos = 0;
        while !rest.is_empty() {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 {
                return Err(invalid());
            }
            let value = parse_u64(&rest[..digits]).ok_or_else(invalid)?;
            rest = &rest[digits..];
            let unit_len = rest.iter().take_while(|b| !b.is_ascii_digit()).count();
            if unit_len == 0 {
                return Err(invalid());
            }
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let (pos, mult) = prom_unit(unit).ok_or_else(|| {
                DurationError::new(format!(
                    "unknown unit {} in duration {}",
                    quote(&String::from_utf8_lossy(unit)),
                    quote(s)
                ))
            })?;
            // Units must go from largest to smallest, so that "1m1d" is not read as a month.
            if pos <= last_pos {
                return Err(invalid());
            }
            last_pos = pos;
            if value > (1u64 << 63) / mult {
                return Err(DurationError::new("duration out of range".into()));
            }
            total += value * mult;
            if total > i64::MAX as u64 {
                return Err(DurationError::new("duration out of range".into()));
            }
        }
        Ok(Duration { nanos: total as i64 })
    }

    /// Like [`Duration::parse`] but a leading `-` makes it negative
    /// (Prometheus' `ParseDurationAllowNegative`).
    pub fn parse_allow_negative(s: &str) -> Result<Self, DurationError> {
        match s.strip_prefix('-') {
            Some(rest) => Duration::parse(rest).map(|d| Duration { nanos: -d.nanos }),
            None => Duration::parse(s),
        }
    }
}

/// Position (for the ordering rule) and length in nanoseconds of each Prometheus unit.
fn prom_unit(unit: &[u8]) -> Option<(u8, u64)> {
    const DAY: u64 = 24 * 3600 * NS_PER_SEC;
    Some(match unit {
        b"y" => (1, 365 * DAY),
        b"w" => (2, 7 * DAY),
        b"d" => (3, DAY),
        b"h" => (4, 3600 * NS_PER_SEC),
        b"m" => (5, 60 * NS_PER_SEC),
        b"s" => (6, NS_PER_SEC),
        b"ms" => (7, NS_PER_MS),
        _ => return None,
    })
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

impl fmt::Display for Duration {
    /// Prints as Prometheus does: `0s`, `1h30m`, `90d` (weeks and years only when exact).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = (self.nanos / NS_PER_MS as i64).unsigned_abs();
        if ms == 0 {
            return f.write_str("0s");
        }
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        const DAY_MS: u64 = 24 * 3600 * 1000;
        let units: [(&str, u64, bool); 7] = [
            ("y", 365 * DAY_MS, true),
            ("w", 7 * DAY_MS, true),
            ("d", DAY_MS, false),
            ("h", 3600 * 1000, false),
            ("m", 60 * 1000, false),
            ("s", 1000, false),
            ("ms", 1, false),
        ];
        for (unit, mult, exact_only) in units {
            // "90d" reads better than "12w6d", so years and weeks appear only when exact.
            if exact_only && !ms.is_multiple_of(mult) {
                continue;
            }
            let v = ms / mult;
            if v > 0 {
                write!(f, "{v}{unit}")?;
                ms -= v * mult;
            }
        }
        Ok(())
    }
}

impl FromStr for Duration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse(s)
    }
}

/// A Go `time.Duration`: `1.5h`, `300ms`, `-2m30s`, `0`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration {
    nanos: i64,
}

impl GoDuration {
    /// The zero duration.
    pub const ZERO: GoDuration = GoDuration { nanos: 0 };

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        GoDuration { nanos }
    }

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: i64) -> Self {
        GoDuration { nanos: ms.saturating_mul(NS_PER_MS as i64) }
    }

    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: i64) -> Self {
        GoDuration { nanos: secs.saturating_mul(NS_PER_SEC as i64) }
    }

    /// Nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// Seconds as a float (Go's `Duration.Seconds()`).
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / NS_PER_SEC as f64
    }

    /// The duration for timers, or `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos).ok().map(std::time::Duration::from_nanos)
    }

    /// Parses like Go's `time.ParseDuration`, with its error messages.
    pub fn parse(s: &str) -> Result<Self, DurationError> {
        let err = |what: &str| DurationError::new(format!("time: {what} {}", time_quote(s)));
        let mut rest = s.as_bytes();
        let mut neg = false;
        if let Some((&c, tail)) = rest.split_first()
            && (c == b'-' || c == b'+')
        {
            neg = c == b'-';
            rest = tail;
        }
        if rest == b"0" {
            return Ok(GoDuration::ZERO);
        }
        if rest.is_empty() {
            return Err(err("invalid duration"));
        }
        const LIMIT: u64 = 1 << 63;
        let mut total: u64 = 0;
        while !rest.is_empty() {
            if !(rest[0] == b'.' || rest[0].is_ascii_digit()) {
                return Err(err("invalid duration"));
            }
            let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            let mut v: u64 = 0;
            for &d in &rest[..int_len] {
                if v > LIMIT / 10 {
                    return Err(err("invalid duration"));
                }
                v = v * 10 + u64::from(d - b'0');
                if v > LIMIT {
                    return Err(err("invalid duration"));
                }
            }
            rest = &rest[int_len..];
            let mut frac: u64 = 0;
            let mut scale: f64 = 1.0;
            let mut frac_len = 0;
            if rest.first() == Some(&b'.') {
                rest = &rest[1..];
                frac_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                // Past 63 bits the fraction only loses precision, as in Go.
                let mut overflow = false;
                for &d in &rest[..frac_len] {
                    if overflow {
                        continue;
                    }
                    if frac > (LIMIT - 1) / 10 {
                        overflow = true;
                        continue;
                    }
                    let y = frac * 10 + u64::from(d - b'0');
                    if y > LIMIT {
                        overflow = true;
                        continue;
                    }
                    frac = y;
                    scale *= 10.0;
                }
                rest = &rest[frac_len..];
            }
            if int_len == 0 && frac_len == 0 {
                return Err(err("invalid duration"));
            }
            let unit_len = rest.iter().take_while(|&&b| !(b == b'.' || b.is_ascii_digit())).count();
            if unit_len == 0 {
                return Err(err("missing unit in duration"));
            }
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let Some(mult) = go_unit(unit) else {
                let name = time_quote(&String::from_utf8_lossy(unit));
                return Err(err(&format!("unknown unit {name} in duration")));
            };
            if v > LIMIT / mult {
                return Err(err("invalid duration"));
            }
            v *= mult;
            if frac > 0 {
                v += (frac as f64 * (mult as f64 / scale)) as u64;
                if v > LIMIT {
                    return Err(err("invalid duration"));
                }
            }
            total += v;
            if total > LIMIT {
                return Err(err("invalid duration"));
            }
        }
        if neg {
            // -(1<<63) is representable; wrapping_neg keeps it exact.
            return Ok(GoDuration { nanos: (total as i64).wrapping_neg() });
        }
        if total > LIMIT - 1 {
            return Err(err("invalid duration"));
        }
        Ok(GoDuration { nanos: total as i64 })
    }
}

fn go_unit(unit: &[u8]) -> Option<u64> {
    Some(match unit {
        b"ns" => 1,
        // "µs" is U+00B5 (micro sign), "μs" U+03BC (Greek mu): Go accepts both.
        b"us" | [0xc2, 0xb5, b's'] | [0xce, 0xbc, b's'] => 1_000,
        b"ms" => NS_PER_MS,
        b"s" => NS_PER_SEC,
        b"m" => 60 * NS_PER_SEC,
        b"h" => 3600 * NS_PER_SEC,
        _ => return None,
    })
}

impl fmt::Display for GoDuration {
    /// Prints as Go's `Duration.String()`: `1h30m0s`, `1.5s`, `300ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.nanos.unsigned_abs();
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        if u == 0 {
            return f.write_str("0s");
        }
        if u < NS_PER_SEC {
            let (prec, unit) = if u < 1_000 {
                (0, "ns")
            } else if u < NS_PER_MS {
                (3, "µs")
            } else {
                (6, "ms")
            };
            let (int, frac) = split_frac(u, prec);
            return write!(f, "{int}{frac}{unit}");
        }
        let (secs, frac) = split_frac(u, 9);
        let (mins, s) = (secs / 60, secs % 60);
        let (hours, m) = (mins / 60, mins % 60);
        if hours > 0 {
            write!(f, "{hours}h{m}m")?;
        } else if mins > 0 {
            write!(f, "{m}m")?;
        }
        write!(f, "{s}{frac}s")
    }
}

/// Splits `v` into `v / 10^prec` and the fraction as ".ddd" without trailing zeros ("" if zero).
fn split_frac(v: u64, prec: u32) -> (u64, String) {
    let div = 10u64.pow(prec);
    let frac = v % div;
    if frac == 0 {
        return (v / div, String::new());
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (v / div, format!(".{}", digits.trim_end_matches('0')))
}

impl FromStr for GoDuration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GoDuration::parse(s)
    }
}

impl From<Duration> for GoDuration {
    fn from(d: Duration) -> Self {
        GoDuration { nanos: d.nanos }
    }
}

impl From<GoDuration> for Duration {
    fn from(d: GoDuration) -> Self {
        Duration { nanos: d.nanos }
    }
}

/// Quotes like Go's `time` package does in its errors (not `strconv.Quote`: every non-ASCII or
/// control byte becomes `\xNN`), so our messages read exactly like Go's.
fn time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_durations_parse_and_print() {
        // (input, milliseconds, canonical form)
        let cases: &[(&str, i64, &str)] = &[
            ("0", 0, "0s"),
            ("0s", 0, "0s"),
            ("324ms", 324, "324ms"),
            ("3s", 3_000, "3s"),
            ("5m", 300_000, "5m"),
            ("1h", 3_600_000, "1h"),
            ("4d", 4 * 86_400_000, "4d"),
            ("4d1h", 4 * 86_400_000 + 3_600_000, "4d1h"),
            ("14d", 14 * 86_400_000, "2w"),
            ("3w", 21 * 86_400_000, "3w"),
            ("3w2d1h", 23 * 86_400_000 + 3_600_000, "23d1h"),
            ("10y", 3650 * 86_400_000, "10y"),
            ("1y2w3d4h5m6s7ms", 382 * 86_400_000 + 14_706_007, "382d4h5m6s7ms"),
            ("90m", 5_400_000, "1h30m"),
            ("1h30m", 5_400_000, "1h30m"),
            ("1500ms", 1_500, "1s500ms"),
            ("91d", 91 * 86_400_000, "13w"),
            ("90d", 90 * 86_400_000, "90d"),
        ];
        for &(input, ms, canonical) in cases {
            let d = Duration::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(d.as_millis(), ms, "{input}");
            assert_eq!(d.to_string(), canonical, "{input}");
            assert_eq!(Duration::parse(canonical), Ok(d), "{canonical} round trip");
        }
    }

    #[test]
    fn prometheus_duration_errors_are_upstreams() {
        let cases: &[(&str, &str)] = &[
            ("", "empty duration string"),
            ("1", r#"not a valid duration string: "1""#),
            ("-1s", r#"not a valid duration string: "-1s""#),
            ("1.5h", r#"unknown unit "." in duration "1.5h""#),
            ("1m1h", r#"not a valid duration string: "1m1h""#),
            ("1h1h", r#"not a valid duration string: "1h1h""#),
            ("1d1y", r#"not a valid duration string: "1d1y""#),
            ("5 m", r#"unknown unit " m" in duration "5 m""#),
            ("1M", r#"unknown unit "M" in duration "1M""#),
            ("3us", r#"unknown unit "us" in duration "3us""#),
            ("s", r#"not a valid duration string: "s""#),
            ("1µs", r#"unknown unit "µs" in duration "1µs""#),
            ("1\u{a0}s", r#"unknown unit "\u00a0s" in duration "1\u00a0s""#),
            ("300y", "duration out of range"),
            ("100000000000000000000s", r#"not a valid duration string: "100000000000000000000s""#),
            ("293y", "duration out of range"),
            ("292y172d", "duration out of range"),
        ];
        for &(input, msg) in cases {
            assert_eq!(
                Duration::parse(input).map_err(|e| e.message),
                Err(msg.to_string()),
                "{input}"
            );
        }
        assert_eq!(
            Duration::parse("292y171d").map(|d| d.as_millis()),
            Ok(292 * 365 * 86_400_000 + 171 * 86_400_000)
        );
    }

    #[test]
    fn prometheus_negative_durations() {
        let d = Duration::parse_allow_negative("-1h5m").unwrap();
        assert_eq!(d.as_millis(), -3_900_000);
        assert_eq!(d.to_string(), "-1h5m");
        assert_eq!(Duration::parse_allow_negative("2m").unwrap().as_millis(), 120_000);
        assert!(Duration::parse_allow_negative("--1m").is_err());
    }

    #[test]
    fn go_durations_parse() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("+0", 0),
            ("5s", 5 * NS_PER_SEC as i64),
            ("30s", 30 * NS_PER_SEC as i64),
            ("1478s", 1478 * NS_PER_SEC as i64),
            ("-5s", -5 * NS_PER_SEC as i64),
            ("+5s", 5 * NS_PER_SEC as i64),
            ("-0s", 0),
            ("5.6s", 5_600_000_000),
            ("5.s", 5 * NS_PER_SEC as i64),
            (".5s", 500_000_000),
            ("1.0s", NS_PER_SEC as i64),
            ("1.004s", 1_004_000_000),
            ("100.00100s", 100_001_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * NS_PER_SEC as i64),
            ("15m", 900 * NS_PER_SEC as i64),
            ("16h", 16 * 3600 * NS_PER_SEC as i64),
            ("3h30m", 12_600 * NS_PER_SEC as i64),
            ("10.5s4m", 250_500_000_000),
            ("-2m3.4s", -123_400_000_000),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("39h9m14.425s", 140_954_425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 1_200_000_000_000),
            ("9007199254740993ns", 9_007_199_254_740_993),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.100000000000000000000h", 360_000_000_000),
            ("0.830103483285477580700h", 2_988_372_539_827),
        ];
        for &(input, ns) in cases {
            let d = GoDuration::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(d.as_nanos(), ns, "{input}");
        }
    }

    #[test]
    fn go_duration_errors_are_gos() {
        let cases: &[(&str, &str)] = &[
            ("", r#"time: invalid duration """#),
            ("3", r#"time: missing unit in duration "3""#),
            ("-", r#"time: invalid duration "-""#),
            ("s", r#"time: invalid duration "s""#),
            (".", r#"time: invalid duration ".""#),
            ("-.", r#"time: invalid duration "-.""#),
            (".s", r#"time: invalid duration ".s""#),
            ("+.s", r#"time: invalid duration "+.s""#),
            ("1d", r#"time: unknown unit "d" in duration "1d""#),
            ("1.5y", r#"time: unknown unit "y" in duration "1.5y""#),
            ("\u{85}\u{85}", r#"time: invalid duration "\xc2\x85\xc2\x85""#),
            ("9223372036854775808ns", r#"time: invalid duration "9223372036854775808ns""#),
            ("9223372036854775.808us", r#"time: invalid duration "9223372036854775.808us""#),
            ("-9223372036854775809ns", r#"time: invalid duration "-9223372036854775809ns""#),
            ("3000000h", r#"time: invalid duration "3000000h""#),
            ("\"1s", r#"time: invalid duration "\"1s""#),
        ];
        for &(input, msg) in cases {
            assert_eq!(
                GoDuration::parse(input).map_err(|e| e.message),
                Err(msg.to_string()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn go_durations_print_as_go() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60 * NS_PER_SEC as i64 + 5 * NS_PER_SEC as i64, "4m5s"),
            (4 * 60 * NS_PER_SEC as i64 + 5_001_000_000, "4m5.001s"),
            (
                5 * 3600 * NS_PER_SEC as i64 + 6 * 60 * NS_PER_SEC as i64 + 7_001_000_000,
                "5h6m7.001s",
            ),
            (8 * 60 * NS_PER_SEC as i64 + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (3600 * NS_PER_SEC as i64, "1h0m0s"),
            (-1_500_000, "-1.5ms"),
        ];
        for &(ns, s) in cases {
            assert_eq!(GoDuration::from_nanos(ns).to_string(), s, "{ns}");
        }
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn prometheus_print_parse_round_trips(ms in 0i64..(290 * 365 * 86_400_000)) {
                let d = Duration::from_millis(ms);
                prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
            }

            #[test]
            fn go_print_parse_round_trips(ns in any::<i64>()) {
                let d = GoDuration::from_nanos(ns);
                prop_assert_eq!(GoDuration::parse(&d.to_string()), Ok(d));
            }

            #[test]
            fn parsers_never_panic(s in "\\PC{0,24}") {
                let _ = Duration::parse(&s);
                let _ = Duration::parse_allow_negative(&s);
                let _ = GoDuration::parse(&s);
            }
        }
    }
}

// Config files carry durations as strings (`5m`, `1h30m`); YAML may also give a bare `0`.
macro_rules! serde_as_string {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a duration string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        <$ty>::parse(v).map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$ty, E> {
                        <$ty>::parse(&v.to_string()).map_err(E::custom)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$ty, E> {
                        <$ty>::parse(&v.to_string()).map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

serde_as_string!(Duration);
serde_as_string!(GoDuration);

#[cfg(test)]
mod serde_tests {
    use super::*;

    #[test]
    fn durations_round_trip_as_strings() {
        let d: Duration = serde_json::from_str("\"1h30m\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1h30m\"");
        let z: Duration = serde_json::from_str("0").unwrap();
        assert_eq!(z.to_string(), "0s");
        assert!(serde_json::from_str::<Duration>("\"5x\"").unwrap_err().to_string().contains("5x"));
    }
}
