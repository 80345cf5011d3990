//! Request parameters as Prometheus reads them: the URL query and, for form posts, the body
//! (body values first, as Go's `Request.FormValue` does), times, durations, limits and
//! `match[]` selectors, with upstream's error texts.

use axum::http::{HeaderMap, Method, Uri, header};
use model::gostr::quote;
use model::matcher::Matcher;
use promql::ParseOptions;
use promql::ast::Expr;

use super::response::ApiError;

/// `MinTime` of the API: the default start of optional time ranges, in ms.
pub const MIN_TIME: i64 = model::time::Timestamp::MIN.as_millis();
/// `MaxTime` of the API: the default end of optional time ranges, in ms.
pub const MAX_TIME: i64 = model::time::Timestamp::MAX.as_millis();
/// How Go prints [`MIN_TIME`] and [`MAX_TIME`] in RFC 3339; clients send these back.
const MIN_TIME_FORMATTED: &str = "-292273086-05-16T16:47:06Z";
const MAX_TIME_FORMATTED: &str = "292277026596-12-04T15:30:07.999999999Z";

/// The parameters of one request.
#[derive(Debug, Default, Clone)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Reads the URL query and, for POST/PUT/PATCH with a form content type, the body.
    pub fn from_request(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Form {
        let mut pairs = Vec::new();
        let is_form =
            headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|t| {
                    t.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        if is_form && (method == Method::POST || method == Method::PUT || method == Method::PATCH) {
            pairs.extend(url::form_urlencoded::parse(body).into_owned());
        }
        if let Some(q) = uri.query() {
            pairs.extend(url::form_urlencoded::parse(q.as_bytes()).into_owned());
        }
        Form { pairs }
    }

    /// A form from pairs (tests, in-process callers).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Form {
        Form { pairs: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// The first value of `name`, or "" (Go's `FormValue`).
    pub fn get(&self, name: &str) -> &str {
        self.pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// Parses a time as the API does: float Unix seconds (rounded to ms) or RFC 3339. Returns ms.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let invalid = || format!("cannot parse {} to a valid timestamp", quote(s));
    if let Some(f) = parse_go_float(s) {
        if !f.is_finite() {
            return Err(invalid());
        }
        let secs = f.trunc();
        let frac_ms = ((f - secs) * 1000.0).round();
        let ms = secs * 1000.0 + frac_ms;
        if ms >= i64::MAX as f64 || ms <= i64::MIN as f64 {
            return Err(invalid());
        }
        return Ok(ms as i64);
    }
    match s {
        MIN_TIME_FORMATTED => return Ok(MIN_TIME),
        MAX_TIME_FORMATTED => return Ok(MAX_TIME),
        _ => {}
    }
    // RFC 3339 needs a `T` and an offset; jiff alone would also take a few looser forms.
    if s.len() >= 20
        && matches!(s.as_bytes().get(10), Some(b'T'))
        && let Ok(ts) = s.parse::<jiff::Timestamp>()
    {
        return Ok(ts.as_millisecond());
    }
    Err(invalid())
}

/// Go's `strconv.ParseFloat` on the inputs people send (decimal, exponent, inf, nan).
fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let ok = !body.is_empty()
        && (body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            || ["inf", "infinity", "nan"].iter().any(|w| body.eq_ignore_ascii_case(w)));
    if !ok {
        return None;
    }
    s.parse::<f64>().ok()
}

/// A time parameter with a default when absent, errors worded as `parseTimeParam`.
pub fn time_param(form: &Form, name: &str, default: i64) -> Result<i64, ApiError> {
    let v = form.get(name);
    if v.is_empty() {
        return Ok(default);
    }
    parse_time(v)
        .map_err(|e| ApiError::invalid_param(name, format!("invalid time value for '{name}': {e}")))
}

/// Parses a duration as the API does: float seconds or a Prometheus duration (`5m`), in signed
/// milliseconds (callers check the sign: `step` must be positive).
pub fn parse_duration_ms(s: &str) -> Result<i64, String> {
    if let Some(f) = parse_go_float(s) {
        let nanos = f * 1e9;
        if nanos.is_nan() {
            return Err(format!("cannot parse {} to a valid duration", quote(s)));
        }
        if nanos > i64::MAX as f64 || nanos < i64::MIN as f64 {
            return Err(format!(
                "cannot parse {} to a valid duration. It overflows int64",
                quote(s)
            ));
        }
        return Ok((nanos as i64) / 1_000_000);
    }
    if let Ok(d) = model::duration::Duration::parse(s) {
        return Ok(d.as_millis());
    }
    Err(format!("cannot parse {} to a valid duration", quote(s)))
}

/// `limit`: absent or 0 = no limit.
pub fn limit_param(form: &Form) -> Result<usize, ApiError> {
    let s = form.get("limit");
    if s.is_empty() {
        return Ok(0);
    }
    let n = go_atoi(s).map_err(|e| ApiError::invalid_param("limit", e))?;
    if n < 0 {
        return Err(ApiError::invalid_param("limit", "limit must be non-negative"));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Go's `strconv.Atoi` with its error texts.
pub fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", quote(s)));
    }
    s.parse::<i64>().map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", quote(s)))
}

/// Parses `match[]` selectors (`up{job="x"}`, `{__name__=~"a.*"}`) into matcher sets.
pub fn parse_matchers(values: &[&str], opts: ParseOptions) -> Result<Vec<Vec<Matcher>>, String> {
    let mut sets = Vec::with_capacity(values.len());
    for v in values {
        let expr = promql::parse_with(v, opts).map_err(|e| e.to_string())?;
        let matchers = match expr {
            Expr::VectorSelector(vs) if vs.offset == 0 && vs.at.is_none() => vs.matchers,
            _ => {
                return Err(format!(
                    "parse error: {} is not a series selector such as up{{job=\"x\"}}",
                    quote(v)
                ));
            }
        };
        if matchers.iter().all(|m| m.matches("")) {
            return Err("match[] must contain at least one non-empty matcher".into());
        }
        sets.push(matchers);
    }
    Ok(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1435781451.781"), Ok(1_435_781_451_781));
        assert_eq!(parse_time("1.0006"), Ok(1001));
        assert_eq!(parse_time("-1.5"), Ok(-1500));
        assert_eq!(parse_time("1e3"), Ok(1_000_000));
        assert_eq!(parse_time("2015-07-01T20:10:51.781Z"), Ok(1_435_781_451_781));
        assert_eq!(parse_time("2015-07-01T22:10:51+02:00"), Ok(1_435_781_451_000));
        assert_eq!(parse_time(MIN_TIME_FORMATTED), Ok(MIN_TIME));
        assert_eq!(parse_time(MAX_TIME_FORMATTED), Ok(MAX_TIME));
        assert_eq!(parse_time("abc"), Err("cannot parse \"abc\" to a valid timestamp".into()));
        assert_eq!(parse_time(""), Err("cannot parse \"\" to a valid timestamp".into()));
        assert!(parse_time("2015-07-01").is_err());
        assert!(parse_time("NaN").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("15"), Ok(15_000));
        assert_eq!(parse_duration_ms("0.5"), Ok(500));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("-3"), Ok(-3000));
        assert_eq!(parse_duration_ms("0"), Ok(0));
        assert_eq!(parse_duration_ms("1x"), Err("cannot parse \"1x\" to a valid duration".into()));
        assert_eq!(
            parse_duration_ms("1e20"),
            Err("cannot parse \"1e20\" to a valid duration. It overflows int64".into())
        );
    }

    #[test]
    fn limits() {
        let f = |v: &str| limit_param(&Form::from_pairs([("limit", v)]));
        assert_eq!(f(""), Ok(0));
        assert_eq!(f("5"), Ok(5));
        assert_eq!(
            f("x").unwrap_err().message,
            "invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            f("-1").unwrap_err().message,
            "invalid parameter \"limit\": limit must be non-negative"
        );
    }

    #[test]
    fn body_values_come_first() {
        let uri: Uri = "/api/v1/query?query=a&match[]=x".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8".parse().unwrap(),
        );
        let form = Form::from_request(&Method::POST, &uri, &headers, b"query=b&match%5B%5D=y");
        assert_eq!(form.get("query"), "b");
        assert_eq!(form.all("match[]"), vec!["y", "x"]);
        let get = Form::from_request(&Method::GET, &uri, &headers, b"query=b");
        assert_eq!(get.get("query"), "a");
        assert_eq!(get.get("time"), "");
    }
}
