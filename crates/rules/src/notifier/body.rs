//! The request body: Alertmanager API v2 `PostableAlerts`, byte for byte as Prometheus
//! writes it (Go's `encoding/json` of the generated OpenAPI model).
//!
//! That means: keys in the order `annotations`, `endsAt`, `startsAt`, `generatorURL`, `labels`;
//! label maps sorted by name; `annotations` and `generatorURL` left out when empty; times as
//! RFC 3339 in UTC with exactly three fractional digits; and `<`, `>`, `&`, U+2028, U+2029
//! escaped as `\u003c` and so on, as Go escapes them.

use std::fmt::Write as _;

use model::labels::Labels;

use crate::seams::Alert;

/// The JSON array of `alerts`.
pub fn encode_alerts(alerts: &[Alert]) -> String {
    let mut out = String::with_capacity(alerts.len() * 256);
    out.push('[');
    for (i, alert) in alerts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        encode_alert(&mut out, alert);
    }
    out.push(']');
    out
}

fn encode_alert(out: &mut String, alert: &Alert) {
    out.push('{');
    if !alert.annotations.is_empty() {
        out.push_str("\"annotations\":");
        encode_label_set(out, &alert.annotations);
        out.push(',');
    }
    out.push_str("\"endsAt\":\"");
    out.push_str(&format_rfc3339_millis(alert.ends_at_ms));
    out.push_str("\",\"startsAt\":\"");
    out.push_str(&format_rfc3339_millis(alert.starts_at_ms));
    out.push_str("\",");
    if !alert.generator_url.is_empty() {
        out.push_str("\"generatorURL\":");
        encode_string(out, &alert.generator_url);
        out.push(',');
    }
    out.push_str("\"labels\":");
    encode_label_set(out, &alert.labels);
    out.push('}');
}

/// A label set as a JSON object; `Labels` iterate sorted by name, as Go sorts map keys.
fn encode_label_set(out: &mut String, labels: &Labels) {
    out.push('{');
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        encode_string(out, l.name);
        out.push(':');
        encode_string(out, l.value);
    }
    out.push('}');
}

/// A JSON string with Go's escaping (HTML-safe, short escapes for `\b \f \n \r \t`).
fn encode_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `ms` since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (Go's `strfmt.DateTime` format).
pub fn format_rfc3339_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, rest) = (in_day / 3_600_000, in_day % 3_600_000);
    let (min, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); H. Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_three_fractional_digits() {
        assert_eq!(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339_millis(1_714_557_600_000), "2024-05-01T10:00:00.000Z");
        assert_eq!(format_rfc3339_millis(1_709_164_800_123), "2024-02-29T00:00:00.123Z");
        assert_eq!(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn body_matches_go_encoding() {
        let alert = Alert {
            labels: Labels::from_pairs([("b", "x<y"), ("a", "1")]),
            annotations: Labels::default(),
            starts_at_ms: 1_714_557_600_000,
            ends_at_ms: 1_714_557_840_500,
            generator_url: String::new(),
        };
        assert_eq!(
            encode_alerts(&[alert]),
            r#"[{"endsAt":"2024-05-01T10:04:00.500Z","startsAt":"2024-05-01T10:00:00.000Z","labels":{"a":"1","b":"x\u003cy"}}]"#
        );
    }
}
