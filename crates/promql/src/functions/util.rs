//! Helpers the function implementations share: Go's float semantics, Kahan summation,
//! argument access and the annotation texts.

use model::labels::Labels;

use super::{ArgValue, StepCall};
use crate::engine::QueryError;
use crate::value::Sample;

pub(crate) use crate::stats::kahan_inc;

/// Go's `math.Min`: NaN wins, and -0 is smaller than +0.
pub(crate) fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == 0.0 && b == 0.0 {
        return if a.is_sign_negative() { a } else { b };
    }
    if a < b { a } else { b }
}

/// Go's `math.Max`: NaN wins, and +0 is larger than -0.
pub(crate) fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == 0.0 && b == 0.0 {
        return if a.is_sign_negative() { b } else { a };
    }
    if a > b { a } else { b }
}

/// A float as Go's `%g` prints it: the shortest representation, in exponent form when the
/// decimal exponent is below -4 or at least 6 (`strconv`'s rule for the shortest precision).
pub(crate) fn go_fmt_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits as `d.ddde<exp>`.
    let sci = format!("{:e}", f);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// A float as Go's `%f` prints it (six decimals; `NaN`, `+Inf`, `-Inf`).
pub(crate) fn go_fmt_f(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{f:.6}")
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms a `le` label takes: `Inf`,
/// `+Inf`, `-Inf`, `Infinity`, `NaN` in any case, and decimal numbers. Out-of-range values
/// fail, as in Go. (Hexadecimal floats are not accepted.)
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(sign * f64::INFINITY);
    }
    if body.eq_ignore_ascii_case("nan") {
        // Go accepts no sign before NaN.
        return if body.len() == s.len() { Some(f64::NAN) } else { None };
    }
    let plain = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !plain {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    if v.is_infinite() {
        return None;
    }
    Some(sign * v)
}

/// The metric name of a label set, `""` if none.
pub(crate) fn metric_name(metric: &Labels) -> &str {
    metric.get_or_empty(model::labels::METRIC_NAME)
}

/// The error for an argument of a type the signature does not allow (the parser's type
/// checker should have stopped it).
pub(crate) fn bad_arg(func: &str, i: usize) -> QueryError {
    QueryError::Execution(format!("unexpected type for argument {} of {func}()", i + 1))
}

/// Argument `i` as a vector.
pub(crate) fn vector_arg<'a>(
    call: &StepCall<'a>,
    func: &str,
    i: usize,
) -> Result<&'a [Sample], QueryError> {
    match call.args.get(i) {
        Some(ArgValue::Vector(v)) => Ok(v),
        _ => Err(bad_arg(func, i)),
    }
}

/// Argument `i` as a scalar.
pub(crate) fn scalar_arg(call: &StepCall<'_>, func: &str, i: usize) -> Result<f64, QueryError> {
    match call.args.get(i) {
        Some(ArgValue::Scalar(f)) => Ok(*f),
        _ => Err(bad_arg(func, i)),
    }
}

/// Argument `i` as a string.
pub(crate) fn string_arg<'a>(
    call: &StepCall<'a>,
    func: &str,
    i: usize,
) -> Result<&'a str, QueryError> {
    match call.args.get(i) {
        Some(ArgValue::String(s)) => Ok(s),
        _ => Err(bad_arg(func, i)),
    }
}

/// Applies `f` to every float sample of a vector; the results are flagged to lose `__name__`,
/// histogram samples are left out.
pub(crate) fn map_floats(input: &[Sample], t: i64, f: impl Fn(f64) -> f64) -> Vec<Sample> {
    input
        .iter()
        .filter(|s| s.h.is_none())
        .map(|s| Sample { metric: s.metric.clone(), t, f: f(s.f), h: None, drop_name: true })
        .collect()
}

/// A computed float sample with the given labels.
pub(crate) fn sample(metric: Labels, t: i64, f: f64, drop_name: bool) -> Sample {
    Sample { metric, t, f, h: None, drop_name }
}

/// Annotation texts, worded as Prometheus' `util/annotations`, without the ` (line:col)`
/// suffix, which [`crate::value::Annotations::warn_at`] adds.
pub(crate) mod annot {
    /// `quantile value should be between 0 and 1` (warning).
    pub(crate) fn invalid_quantile(q: f64) -> String {
        format!(
            "PromQL warning: quantile value should be between 0 and 1, got {}",
            super::go_fmt_g(q)
        )
    }

    /// Appends Prometheus' ` for metric name "<name>"` when there is a name.
    fn with_metric_name(mut s: String, name: &str) -> String {
        if !name.is_empty() {
            s.push_str(" for metric name ");
            s.push_str(&model::gostr::quote(name));
        }
        s
    }

    /// A classic-histogram bucket without a parseable `le` (warning).
    pub(crate) fn bad_bucket_label(name: &str, le: &str) -> String {
        with_metric_name(
            format!(
                "PromQL warning: bucket label \"le\" is missing or has a malformed value of {}",
                model::gostr::quote(le)
            ),
            name,
        )
    }

    /// Classic buckets and a native histogram for the same series (warning).
    pub(crate) fn mixed_classic_native(name: &str) -> String {
        with_metric_name(
            "PromQL warning: vector contains a mix of classic and native histograms".into(),
            name,
        )
    }

    /// Classic buckets that had to be made monotonic (info). Prometheus adds the buckets,
    /// the largest difference and the time span of all such fixes at the end of the query;
    /// that summary needs the whole query and is not given here.
    pub(crate) fn forced_monotonicity(name: &str) -> String {
        with_metric_name(
            "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)".into(),
            name,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmt_g_matches_go() {
        assert_eq!(go_fmt_g(0.5), "0.5");
        assert_eq!(go_fmt_g(-1.0), "-1");
        assert_eq!(go_fmt_g(2.0), "2");
        assert_eq!(go_fmt_g(123456.0), "123456");
        assert_eq!(go_fmt_g(1234567.0), "1.234567e+06");
        assert_eq!(go_fmt_g(1e6), "1e+06");
        assert_eq!(go_fmt_g(0.0001), "0.0001");
        assert_eq!(go_fmt_g(0.00001), "1e-05");
        assert_eq!(go_fmt_g(1e100), "1e+100");
        assert_eq!(go_fmt_g(f64::NAN), "NaN");
        assert_eq!(go_fmt_g(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_fmt_g(1.5e-7), "1.5e-07");
    }

    #[test]
    fn go_min_max_propagate_nan_and_order_zeros() {
        assert!(go_min(f64::NAN, 1.0).is_nan());
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert!(go_min(0.0, -0.0).is_sign_negative());
        assert!(go_max(-0.0, 0.0).is_sign_positive());
        assert_eq!(go_min(3.0, 5.0), 3.0);
        assert_eq!(go_max(3.0, 5.0), 5.0);
    }

    #[test]
    fn parse_go_float_forms() {
        assert_eq!(parse_go_float("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_go_float("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_go_float("0.25"), Some(0.25));
        assert_eq!(parse_go_float("1e3"), Some(1000.0));
        assert!(parse_go_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_go_float("+NaN"), None);
        assert_eq!(parse_go_float(""), None);
        assert_eq!(parse_go_float("Hello World"), None);
        assert_eq!(parse_go_float("1e400"), None);
    }

    #[test]
    fn kahan_keeps_small_terms() {
        let (mut s, mut c) = (0.0, 0.0);
        for v in [1e100, 1.0, -1e100] {
            (s, c) = kahan_inc(v, s, c);
        }
        assert_eq!(s + c, 1.0);
    }
}
