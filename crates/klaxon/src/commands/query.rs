//! `klaxon query instant|range|series|labels`: a client of any Prometheus-compatible API that
//! prints what `promtool query` prints.
//!
//! Requests are sent as client_golang sends them (form POST for queries and series, GET for
//! label values; times as float seconds), so servers see the same traffic as from promtool.
//! Output: promtool's PromQL printer (`up{job="x"} => 1 @[1700000000]`, matrices sorted as
//! `model.Matrix` sorts) or, with `-o json`, the result as one JSON line.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use api::prometheus::json::{go_format_f, write_str};
use api::prometheus::params::parse_time;
use model::gostr::quote;
use serde_json::Value as JsonValue;

use crate::cli::{QueryCommand, QueryFormat};

/// How long a request may take (promtool's 2 minutes).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

pub fn run(cmd: &QueryCommand) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("klaxon query: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(execute(cmd)) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Seconds as client_golang formats times and steps (`1700000000.5`).
fn secs(ms: i64) -> String {
    go_format_f(ms as f64 / 1000.0)
}

fn time_flag(value: &Option<String>, what: &str) -> Result<Option<i64>> {
    match value {
        None => Ok(None),
        Some(s) => parse_time(s).map(Some).map_err(|e| anyhow!("error parsing {what}: {e}")),
    }
}

/// promtool's defaults for series and label queries: 9999 hours either side of now.
fn wide_range(start: &Option<String>, end: &Option<String>) -> Result<(i64, i64)> {
    const SPAN: i64 = 9999 * 3600 * 1000;
    let now = now_ms();
    let s = time_flag(start, "start time")?.unwrap_or(now - SPAN);
    let e = time_flag(end, "end time")?.unwrap_or(now + SPAN);
    Ok((s, e))
}

async fn execute(cmd: &QueryCommand) -> Result<String> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("error creating API client")?;
    match cmd {
        QueryCommand::Instant { server, expr, time, headers, output } => {
            let t = time_flag(time, "evaluation time")?.unwrap_or_else(now_ms);
            let params = vec![("query", expr.clone()), ("time", secs(t))];
            let data = call(&client, server, "query", Call::Form(params), headers).await?.data;
            print_value(&data, output.format)
        }
        QueryCommand::Range { server, expr, start, end, step, headers, output } => {
            let end = time_flag(end, "end time")?.unwrap_or_else(now_ms);
            let start = time_flag(start, "start time")?.unwrap_or(end - 5 * 60 * 1000);
            if start >= end {
                bail!("start time is not before end time");
            }
            let step_ms = match step.and_then(|s| s.to_std()).filter(|d| !d.is_zero()) {
                Some(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
                // About 250 points, at least one second apart.
                None => ((end - start) / 1000 / 250).max(1) * 1000,
            };
            let params = vec![
                ("query", expr.clone()),
                ("start", secs(start)),
                ("end", secs(end)),
                ("step", secs(step_ms)),
            ];
            let data =
                call(&client, server, "query_range", Call::Form(params), headers).await?.data;
            print_value(&data, output.format)
        }
        QueryCommand::Series { server, matches, start, end, output } => {
            let (start, end) = wide_range(start, end)?;
            let mut params: Vec<(&str, String)> =
                matches.iter().map(|m| ("match[]", m.clone())).collect();
            params.push(("start", secs(start)));
            params.push(("end", secs(end)));
            let data = call(&client, server, "series", Call::Form(params), &[]).await?.data;
            print_series(&data, output.format)
        }
        QueryCommand::Labels { server, name, matches, start, end, output } => {
            let (start, end) = wide_range(start, end)?;
            let mut params: Vec<(&str, String)> =
                matches.iter().map(|m| ("match[]", m.clone())).collect();
            params.push(("start", secs(start)));
            params.push(("end", secs(end)));
            let path = format!("label/{}/values", url_path_escape(name));
            let reply = call(&client, server, &path, Call::Get(params), &[]).await?;
            for w in &reply.warnings {
                eprintln!("query warning: {w}");
            }
            print_label_values(&reply.data, output.format)
        }
    }
}

/// Escapes a label name for a URL path segment.
fn url_path_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

enum Call<'a> {
    /// POST as a form, falling back to GET when the server refuses POST.
    Form(Vec<(&'a str, String)>),
    Get(Vec<(&'a str, String)>),
}

/// A successful API reply.
struct Reply {
    data: JsonValue,
    warnings: Vec<String>,
}

fn endpoint_url(server: &str, endpoint: &str) -> Result<reqwest::Url> {
    let base = if server.contains("://") { server.to_string() } else { format!("http://{server}") };
    let mut url =
        reqwest::Url::parse(&base).with_context(|| format!("invalid server URL {server:?}"))?;
    let path = format!("{}/api/v1/{endpoint}", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}

async fn call(
    client: &reqwest::Client,
    server: &str,
    endpoint: &str,
    call: Call<'_>,
    headers: &[String],
) -> Result<Reply> {
    let url = endpoint_url(server, endpoint)?;
    let with_headers = |mut req: reqwest::RequestBuilder| -> Result<reqwest::RequestBuilder> {
        for h in headers {
            let (k, v) = h
                .split_once('=')
                .ok_or_else(|| anyhow!("expected NAME=VALUE for --header, got {h:?}"))?;
            req = req.header(k, v);
        }
        Ok(req)
    };
    let encode = |params: &[(&str, String)]| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            ser.append_pair(k, v);
        }
        ser.finish()
    };
    let get = |params: &[(&str, String)]| {
        let mut u = url.clone();
        u.set_query(Some(&encode(params)));
        with_headers(client.get(u))
    };
    let send = |req: reqwest::RequestBuilder| async move {
        req.send().await.map_err(|e| anyhow!("query error: {e}"))
    };
    let response = match &call {
        Call::Form(params) => {
            let post = client
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(encode(params));
            let r = send(with_headers(post)?).await?;
            if r.status() == reqwest::StatusCode::METHOD_NOT_ALLOWED {
                send(get(params)?).await?
            } else {
                r
            }
        }
        Call::Get(params) => send(get(params)?).await?,
    };
    let status = response.status();
    let body = response.bytes().await.map_err(|e| anyhow!("query error: {e}"))?;
    parse_reply(status.as_u16(), &body)
}

/// Reads the envelope; errors are worded as promtool words them (`query error: bad_data: ...`).
fn parse_reply(status: u16, body: &[u8]) -> Result<Reply> {
    let parsed: Option<JsonValue> = serde_json::from_slice(body).ok();
    let Some(JsonValue::Object(env)) = parsed else {
        if !(200..300).contains(&status) {
            bail!("query error: server_error: server error: {status}");
        }
        bail!("query error: bad_response: the server's reply is not JSON");
    };
    if env.get("status").and_then(JsonValue::as_str) != Some("success") {
        let kind = env.get("errorType").and_then(JsonValue::as_str).unwrap_or("server_error");
        let msg = env.get("error").and_then(JsonValue::as_str).unwrap_or("");
        bail!("query error: {kind}: {msg}");
    }
    let warnings = env
        .get("warnings")
        .and_then(JsonValue::as_array)
        .map(|w| w.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Ok(Reply { data: env.get("data").cloned().unwrap_or(JsonValue::Null), warnings })
}

/// A label set from a JSON object.
type LabelPairs = Vec<(String, String)>;

fn label_pairs(v: &JsonValue) -> LabelPairs {
    let mut pairs: LabelPairs = v
        .as_object()
        .map(|m| {
            m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs
}

/// `model.Metric.String()`: `name{a="b", c="d"}`, `name`, or `{}`.
fn metric_string(pairs: &LabelPairs) -> String {
    let name = pairs.iter().find(|(k, _)| k == "__name__").map(|(_, v)| v.as_str());
    let rest: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k != "__name__")
        .map(|(k, v)| format!("{k}={}", quote(v)))
        .collect();
    match (name, rest.is_empty()) {
        (Some(n), true) => n.to_string(),
        (None, true) => "{}".into(),
        (n, false) => format!("{}{{{}}}", n.unwrap_or(""), rest.join(", ")),
    }
}

/// `model.LabelSet.String()`: `{__name__="up", job="x"}`.
fn labelset_string(pairs: &LabelPairs) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", quote(v))).collect();
    format!("{{{}}}", inner.join(", "))
}

/// A `[time, "value"]` pair: time in ms, value as sent.
fn sample_pair(v: &JsonValue) -> Result<(i64, String)> {
    let arr = v.as_array().filter(|a| a.len() == 2).ok_or_else(|| anyhow!("malformed sample"))?;
    let t = arr[0].as_f64().ok_or_else(|| anyhow!("malformed sample time"))?;
    let value = match &arr[1] {
        JsonValue::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(((t * 1000.0).round() as i64, value))
}

/// A value as `model.SampleValue` prints it: Go's 'f' format.
fn value_string(raw: &str) -> String {
    match raw.parse::<f64>() {
        Ok(f) => go_format_f(f),
        Err(_) => raw.to_string(),
    }
}

/// `model.LabelSet.Before`: fewer labels first, then by the first differing name/value.
fn before(a: &LabelPairs, b: &LabelPairs) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| {
        let mut names: Vec<&str> = a.iter().chain(b.iter()).map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        for n in names {
            let av = a.iter().find(|(k, _)| k == n).map(|(_, v)| v);
            let bv = b.iter().find(|(k, _)| k == n).map(|(_, v)| v);
            match (av, bv) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(x), Some(y)) if x != y => return x.cmp(y),
                _ => {}
            }
        }
        Ordering::Equal
    })
}

fn print_value(data: &JsonValue, format: QueryFormat) -> Result<String> {
    let kind = data.get("resultType").and_then(JsonValue::as_str).unwrap_or_default();
    let result = data.get("result").cloned().unwrap_or(JsonValue::Null);
    if format == QueryFormat::Json {
        return Ok(format!("{}\n", json_value(kind, &result)?));
    }
    let mut out = String::new();
    match kind {
        "vector" => {
            let lines = result
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let (t, v) = sample_pair(s.get("value").unwrap_or(&JsonValue::Null))?;
                    let m =
                        metric_string(&label_pairs(s.get("metric").unwrap_or(&JsonValue::Null)));
                    Ok(format!("{m} => {} @[{}]", value_string(&v), secs(t)))
                })
                .collect::<Result<Vec<_>>>()?;
            out.push_str(&lines.join("\n"));
        }
        "matrix" => {
            let mut series: Vec<(LabelPairs, Vec<(i64, String)>)> = result
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let values = s
                        .get("values")
                        .and_then(JsonValue::as_array)
                        .into_iter()
                        .flatten()
                        .map(sample_pair)
                        .collect::<Result<Vec<_>>>()?;
                    Ok((label_pairs(s.get("metric").unwrap_or(&JsonValue::Null)), values))
                })
                .collect::<Result<_>>()?;
            series.sort_by(|a, b| before(&a.0, &b.0));
            let blocks: Vec<String> = series
                .iter()
                .map(|(m, values)| {
                    let points: Vec<String> = values
                        .iter()
                        .map(|(t, v)| format!("{} @[{}]", value_string(v), secs(*t)))
                        .collect();
                    format!("{} =>\n{}", metric_string(m), points.join("\n"))
                })
                .collect();
            out.push_str(&blocks.join("\n"));
        }
        "scalar" => {
            let (t, v) = sample_pair(&result)?;
            let _ = write!(out, "scalar: {} @[{}]", value_string(&v), secs(t));
        }
        "string" => {
            let (_, v) = sample_pair(&result)?;
            out.push_str(&v);
        }
        other => bail!("query error: bad_response: unknown result type {other:?}"),
    }
    out.push('\n');
    Ok(out)
}

/// The result as client_golang's `model.Value` marshals it (times as plain floats, values
/// in 'f' notation, labels sorted).
fn json_value(kind: &str, result: &JsonValue) -> Result<String> {
    let mut out = String::new();
    let pair = |out: &mut String, v: &JsonValue| -> Result<()> {
        let (t, val) = sample_pair(v)?;
        let _ = write!(out, "[{},", secs(t));
        write_str(out, &value_string(&val));
        out.push(']');
        Ok(())
    };
    let metric = |out: &mut String, v: &JsonValue| {
        out.push('{');
        for (i, (k, v)) in label_pairs(v).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, k);
            out.push(':');
            write_str(out, v);
        }
        out.push('}');
    };
    match kind {
        "vector" | "matrix" => {
            out.push('[');
            for (i, s) in result.as_array().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"metric\":");
                metric(&mut out, s.get("metric").unwrap_or(&JsonValue::Null));
                if kind == "vector" {
                    out.push_str(",\"value\":");
                    pair(&mut out, s.get("value").unwrap_or(&JsonValue::Null))?;
                } else {
                    out.push_str(",\"values\":[");
                    let values = s.get("values").and_then(JsonValue::as_array);
                    for (j, v) in values.into_iter().flatten().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        pair(&mut out, v)?;
                    }
                    out.push(']');
                }
                out.push('}');
            }
            out.push(']');
        }
        "scalar" => pair(&mut out, result)?,
        "string" => {
            let (t, v) = sample_pair(result)?;
            let _ = write!(out, "[{},", secs(t));
            write_str(&mut out, &v);
            out.push(']');
        }
        other => bail!("query error: bad_response: unknown result type {other:?}"),
    }
    Ok(out)
}

fn print_series(data: &JsonValue, format: QueryFormat) -> Result<String> {
    let sets: Vec<LabelPairs> = data.as_array().into_iter().flatten().map(label_pairs).collect();
    let mut out = String::new();
    match format {
        QueryFormat::Promql => {
            for s in &sets {
                out.push_str(&labelset_string(s));
                out.push('\n');
            }
        }
        QueryFormat::Json => {
            out.push('[');
            for (i, s) in sets.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('{');
                for (j, (k, v)) in s.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    write_str(&mut out, k);
                    out.push(':');
                    write_str(&mut out, v);
                }
                out.push('}');
            }
            out.push_str("]\n");
        }
    }
    Ok(out)
}

fn print_label_values(data: &JsonValue, format: QueryFormat) -> Result<String> {
    let values: Vec<&str> =
        data.as_array().into_iter().flatten().filter_map(JsonValue::as_str).collect();
    let mut out = String::new();
    match format {
        QueryFormat::Promql => {
            for v in values {
                out.push_str(v);
                out.push('\n');
            }
        }
        QueryFormat::Json => {
            out.push('[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(&mut out, v);
            }
            out.push_str("]\n");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vectors_print_like_promtool() {
        let data = json!({"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"a\"b","instance":"x"},"value":[1700000000.5,"1e-07"]},
            {"metric":{},"value":[1700000000.5,"+Inf"]}
        ]});
        assert_eq!(
            print_value(&data, QueryFormat::Promql).unwrap(),
            "up{instance=\"x\", job=\"a\\\"b\"} => 0.0000001 @[1700000000.5]\n{} => +Inf @[1700000000.5]\n"
        );
    }

    #[test]
    fn matrices_sort_by_label_count_then_labels() {
        let data = json!({"resultType":"matrix","result":[
            {"metric":{"__name__":"m","a":"2"},"values":[[1,"1"],[2,"2"]]},
            {"metric":{"__name__":"m"},"values":[[1,"3"]]},
            {"metric":{"__name__":"m","a":"1"},"values":[[1,"4"]]}
        ]});
        assert_eq!(
            print_value(&data, QueryFormat::Promql).unwrap(),
            "m =>\n3 @[1]\nm{a=\"1\"} =>\n4 @[1]\nm{a=\"2\"} =>\n1 @[1]\n2 @[2]\n"
        );
    }

    #[test]
    fn scalars_strings_and_json() {
        let data = json!({"resultType":"scalar","result":[10.25,"2"]});
        assert_eq!(print_value(&data, QueryFormat::Promql).unwrap(), "scalar: 2 @[10.25]\n");
        assert_eq!(print_value(&data, QueryFormat::Json).unwrap(), "[10.25,\"2\"]\n");
        let data = json!({"resultType":"string","result":[1,"hi"]});
        assert_eq!(print_value(&data, QueryFormat::Promql).unwrap(), "hi\n");
        let data = json!({"resultType":"vector","result":[
            {"metric":{"b":"1","a":"<"},"value":[1.5,"1e-07"]}]});
        assert_eq!(
            print_value(&data, QueryFormat::Json).unwrap(),
            "[{\"metric\":{\"a\":\"\\u003c\",\"b\":\"1\"},\"value\":[1.5,\"0.0000001\"]}]\n"
        );
    }

    #[test]
    fn series_and_label_values() {
        let data = json!([{"job":"x","__name__":"up"}]);
        assert_eq!(
            print_series(&data, QueryFormat::Promql).unwrap(),
            "{__name__=\"up\", job=\"x\"}\n"
        );
        let data = json!(["a", "b"]);
        assert_eq!(print_label_values(&data, QueryFormat::Promql).unwrap(), "a\nb\n");
        assert_eq!(print_label_values(&data, QueryFormat::Json).unwrap(), "[\"a\",\"b\"]\n");
    }

    #[test]
    fn errors_are_worded_as_promtool() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": x"}"#;
        let err = parse_reply(400, body).err().unwrap();
        assert_eq!(err.to_string(), "query error: bad_data: invalid parameter \"query\": x");
        let err = parse_reply(502, b"<html>").err().unwrap();
        assert_eq!(err.to_string(), "query error: server_error: server error: 502");
    }

    #[test]
    fn urls_keep_a_path_prefix() {
        assert_eq!(
            endpoint_url("localhost:9090/prom/", "query").unwrap().as_str(),
            "http://localhost:9090/prom/api/v1/query"
        );
        assert_eq!(
            endpoint_url("https://h", "label/a%2Fb/values").unwrap().as_str(),
            "https://h/api/v1/label/a%2Fb/values"
        );
    }
}
