//! Floats printed as OpenMetrics (and Prometheus' `FormatOpenMetricsFloat`) print them.

use std::borrow::Cow;

/// `f` as Go's `strconv.FormatFloat(f, 'g', -1, 64)` with `.0` added to integers, and
/// `NaN`, `+Inf`, `-Inf`: `1.0`, `0.25`, `1e-05`, `1.5e+06`, `100000.0`.
pub fn format_openmetrics_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        // Go prints -0 as "-0"; Prometheus special-cases 0 (both zeros compare equal).
        return "0.0".to_string();
    }
    // Shortest round-trip digits and the decimal exponent.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut out = if !(-4..6).contains(&exp) {
        // Go's exponent form: at least two exponent digits, always signed.
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    };
    if !out.contains(['.', 'e']) {
        out.push_str(".0");
    }
    out
}

/// A `le` / `quantile` value in OpenMetrics float form, if it parses as a float.
pub(crate) fn normalise_label_value(v: &str) -> Cow<'_, str> {
    if v.bytes().any(|b| matches!(b, b'_' | b'x' | b'X' | b'p' | b'P')) {
        return Cow::Borrowed(v);
    }
    match v.parse::<f64>() {
        Ok(f) => {
            let s = format_openmetrics_float(f);
            if s == v { Cow::Borrowed(v) } else { Cow::Owned(s) }
        }
        Err(_) => Cow::Borrowed(v),
    }
}
