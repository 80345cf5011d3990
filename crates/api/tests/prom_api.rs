//! The Prometheus query API v1 against an in-process router over a head we fill: every
//! endpoint, GET and form POST, parameter errors with upstream's texts, the envelope and the
//! encoding of values. Expected values are worked out by hand from upstream's semantics.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use api::prometheus::{MetadataSource, MetricMetadata, PromBackend, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use model::labels::Labels;
use model::storage::Appendable;
use model::time::ManualClock;
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// 2023-11-14T22:13:20Z
const T0: i64 = 1_700_000_000_000;

fn head() -> Arc<tsdb::Head> {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut app = head.appender();
    let series: &[(&[(&str, &str)], f64)] = &[
        (&[("__name__", "up"), ("job", "api"), ("instance", "a:1")], 1.0),
        (&[("__name__", "up"), ("job", "api"), ("instance", "b:1")], 0.0),
        (&[("__name__", "up"), ("job", "db"), ("instance", "c:1")], 1.0),
        (&[("__name__", "tiny"), ("job", "api")], 1e-7),
        (&[("__name__", "http.requests"), ("http.status", "200")], 0.5),
    ];
    // One sample a minute for ten minutes before T0, and one at T0.
    for i in 0..=10 {
        let t = T0 - (10 - i) * 60_000;
        for (labels, v) in series {
            app.append(&Labels::from_pairs(labels.iter().copied()), t, *v * (i + 1) as f64)
                .unwrap();
        }
    }
    app.commit().unwrap();
    head
}

fn backend() -> PromBackend {
    let mut b = PromBackend::new(head(), promql::Engine::default());
    b.clock = Arc::new(ManualClock::at_millis(T0));
    b.config_yaml = "global:\n  scrape_interval: 15s\n".into();
    b.flags = BTreeMap::from([("query.timeout".to_string(), "2m".to_string())]);
    b
}

struct Reply {
    status: StatusCode,
    content_type: String,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    Reply { status, content_type, headers, text: String::from_utf8(bytes.to_vec()).unwrap() }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn query_string(params: &[(&str, &str)]) -> String {
    params.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

async fn get(app: &Router, path: &str, params: &[(&str, &str)]) -> Reply {
    let uri = if params.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query_string(params))
    };
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(app: &Router, path: &str, params: &[(&str, &str)]) -> Reply {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(query_string(params)))
        .unwrap();
    send(app, req).await
}

/// Asserts an error envelope and returns its message.
fn expect_error(r: &Reply, status: u16, kind: &str) -> String {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.content_type, "application/json");
    let v = r.json();
    assert_eq!(v["status"], "error", "{}", r.text);
    assert_eq!(v["errorType"], kind, "{}", r.text);
    assert!(v.get("data").is_none());
    v["error"].as_str().unwrap().to_string()
}

fn expect_data(r: &Reply) -> Value {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.content_type, "application/json");
    let v = r.json();
    assert_eq!(v["status"], "success");
    assert!(v.get("errorType").is_none());
    v["data"].clone()
}

// --- status endpoints -------------------------------------------------------------------------

#[tokio::test]
async fn buildinfo_has_upstream_fields_in_order() {
    let app = router(backend());
    let r = get(&app, "/api/v1/status/buildinfo", &[]).await;
    let data = expect_data(&r);
    assert_eq!(data["version"], "3.14.0");
    let keys_in_order: Vec<&str> =
        ["version", "revision", "branch", "buildUser", "buildDate", "goVersion"]
            .into_iter()
            .collect();
    let positions: Vec<usize> =
        keys_in_order.iter().map(|k| r.text.find(&format!("\"{k}\"")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", r.text);
}

#[tokio::test]
async fn config_flags_runtimeinfo() {
    let app = router(backend());
    let r = get(&app, "/api/v1/status/config", &[]).await;
    assert_eq!(
        r.text,
        r#"{"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n"}}"#
    );
    let r = get(&app, "/api/v1/status/flags", &[]).await;
    assert_eq!(r.text, r#"{"status":"success","data":{"query.timeout":"2m"}}"#);
    let data = expect_data(&get(&app, "/api/v1/status/runtimeinfo", &[]).await);
    for key in
        ["startTime", "CWD", "hostname", "serverTime", "reloadConfigSuccess", "storageRetention"]
    {
        assert!(data.get(key).is_some(), "{key} missing: {data}");
    }
    assert_eq!(data["storageRetention"], "15d");
}

#[tokio::test]
async fn tsdb_status_counts_the_index() {
    let app = router(backend());
    let data = expect_data(&get(&app, "/api/v1/status/tsdb", &[("limit", "2")]).await);
    assert_eq!(data["headStats"]["numSeries"], 5);
    // Metric names: up has 3 series; then http.requests and tiny with 1 (ties by name).
    assert_eq!(
        data["seriesCountByMetricName"],
        json!([{"name":"up","value":3},{"name":"http.requests","value":1}])
    );
    // Label names by number of values: __name__ (3), instance (3), then job (2) cut by limit.
    assert_eq!(
        data["labelValueCountByLabelName"],
        json!([{"name":"__name__","value":3},{"name":"instance","value":3}])
    );
    let r = get(&app, "/api/v1/status/tsdb", &[("limit", "0")]).await;
    assert_eq!(expect_error(&r, 400, "bad_data"), "limit must be a positive number");
    let r = get(&app, "/api/v1/status/tsdb", &[("limit", "10001")]).await;
    assert_eq!(expect_error(&r, 400, "bad_data"), "limit must not exceed 10000");
}

#[tokio::test]
async fn health_and_readiness() {
    let b = backend();
    let ready = b.ready.clone();
    let app = router(b);
    let r = get(&app, "/-/healthy", &[]).await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::OK, "Prometheus Server is Healthy.\n"));
    let r = get(&app, "/-/ready", &[]).await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::OK, "Prometheus Server is Ready.\n"));
    ready.store(false, Ordering::Relaxed);
    let r = get(&app, "/-/ready", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let r = get(&app, "/api/v1/labels", &[]).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
    );
    let r = get(&app, "/-/healthy", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
}

// --- metadata, exemplars ----------------------------------------------------------------------

#[derive(Debug)]
struct Meta;

impl MetadataSource for Meta {
    fn metadata(&self) -> BTreeMap<String, Vec<MetricMetadata>> {
        let m = |kind: &str, help: &str| MetricMetadata {
            kind: kind.into(),
            help: help.into(),
            unit: String::new(),
        };
        BTreeMap::from([
            (
                "up".to_string(),
                vec![m("gauge", "Target up."), m("gauge", "Target up."), m("unknown", "other")],
            ),
            ("http_requests_total".to_string(), vec![m("counter", "Requests.")]),
        ])
    }
}

#[tokio::test]
async fn metadata_is_empty_without_a_source() {
    let app = router(backend());
    let r = get(&app, "/api/v1/metadata", &[]).await;
    assert_eq!(r.text, r#"{"status":"success","data":{}}"#);
    let r = get(&app, "/api/v1/metadata", &[("limit", "x")]).await;
    assert_eq!(expect_error(&r, 400, "bad_data"), "limit must be a number");
    let r = get(&app, "/api/v1/metadata", &[("limit_per_metric", "x")]).await;
    assert_eq!(expect_error(&r, 400, "bad_data"), "limit_per_metric must be a number");
}

#[tokio::test]
async fn metadata_from_a_source_with_limits() {
    let mut b = backend();
    b.metadata = Some(Arc::new(Meta));
    let app = router(b);
    let data = expect_data(&get(&app, "/api/v1/metadata", &[]).await);
    assert_eq!(
        data,
        json!({
            "http_requests_total": [{"type":"counter","help":"Requests.","unit":""}],
            "up": [{"type":"gauge","help":"Target up.","unit":""},{"type":"unknown","help":"other","unit":""}]
        })
    );
    let data = expect_data(
        &get(&app, "/api/v1/metadata", &[("metric", "up"), ("limit_per_metric", "1")]).await,
    );
    assert_eq!(data, json!({"up": [{"type":"gauge","help":"Target up.","unit":""}]}));
    let data = expect_data(&get(&app, "/api/v1/metadata", &[("limit", "1")]).await);
    assert_eq!(data.as_object().unwrap().len(), 1);
    let data = expect_data(&get(&app, "/api/v1/metadata", &[("limit", "0")]).await);
    assert_eq!(data, json!({}));
}

#[tokio::test]
async fn exemplar_time_errors() {
    let app = router(backend());
    let r = get(&app, "/api/v1/query_exemplars", &[("query", "up"), ("start", "10"), ("end", "5")])
        .await;
    assert_eq!(
        expect_error(&r, 400, "bad_data"),
        "end timestamp must not be before start timestamp"
    );
    let r = get(&app, "/api/v1/query_exemplars", &[("query", "up"), ("start", "x")]).await;
    assert_eq!(
        expect_error(&r, 400, "bad_data"),
        "invalid parameter \"start\": invalid time value for 'start': cannot parse \"x\" to a valid timestamp"
    );
}

// --- labels and label values (no selector parsing involved) -----------------------------------

#[tokio::test]
async fn label_names_get_and_post() {
    let app = router(backend());
    let want = json!(["__name__", "http.status", "instance", "job"]);
    assert_eq!(expect_data(&get(&app, "/api/v1/labels", &[]).await), want);
    assert_eq!(expect_data(&post(&app, "/api/v1/labels", &[]).await), want);
    let r = get(&app, "/api/v1/labels", &[("limit", "2")]).await;
    assert_eq!(
        r.text,
        r#"{"status":"success","data":["__name__","http.status"],"warnings":["results truncated due to limit"]}"#
    );
    let r = get(&app, "/api/v1/labels", &[("limit", "-1")]).await;
    assert_eq!(
        expect_error(&r, 400, "bad_data"),
        "invalid parameter \"limit\": limit must be non-negative"
    );
    let r = get(&app, "/api/v1/labels", &[("start", "yesterday")]).await;
    assert_eq!(
        expect_error(&r, 400, "bad_data"),
        "invalid parameter \"start\": invalid time value for 'start': cannot parse \"yesterday\" to a valid timestamp"
    );
}

#[tokio::test]
async fn label_values_with_utf8_escaping() {
    let app = router(backend());
    let r = get(&app, "/api/v1/label/job/values", &[]).await;
    assert_eq!(r.text, r#"{"status":"success","data":["api","db"]}"#);
    let r = get(&app, "/api/v1/label/__name__/values", &[]).await;
    assert_eq!(expect_data(&r), json!(["http.requests", "tiny", "up"]));
    // `http.status` escaped with the `values` scheme: `.` is code point 0x2e.
    let r = get(&app, "/api/v1/label/U__http_2e_status/values", &[]).await;
    assert_eq!(expect_data(&r), json!(["200"]));
    let r = get(&app, "/api/v1/label/nothere/values", &[]).await;
    assert_eq!(r.text, r#"{"status":"success","data":[]}"#);
    let r = get(&app, "/api/v1/label/job/values", &[("limit", "1")]).await;
    assert_eq!(
        r.text,
        r#"{"status":"success","data":["api"],"warnings":["results truncated due to limit"]}"#
    );
}

#[tokio::test]
async fn series_needs_match() {
    let app = router(backend());
    let r = get(&app, "/api/v1/series", &[]).await;
    assert_eq!(expect_error(&r, 400, "bad_data"), "no match[] parameter provided");
    let r = post(&app, "/api/v1/series", &[("start", "1")]).await;
    assert_eq!(expect_error(&r, 400, "bad_data"), "no match[] parameter provided");
}

// --- query parameter errors (checked before the expression) -----------------------------------

#[tokio::test]
async fn instant_query_parameter_errors() {
    let app = router(backend());
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("query", "up"), ("time", "now")],
            "invalid parameter \"time\": invalid time value for 'time': cannot parse \"now\" to a valid timestamp",
        ),
        (
            &[("query", "up"), ("limit", "x")],
            "invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            &[("query", "up"), ("timeout", "soon")],
            "invalid parameter \"timeout\": cannot parse \"soon\" to a valid duration",
        ),
        (
            &[("query", "up"), ("lookback_delta", "1x")],
            "error parsing lookback delta duration: cannot parse \"1x\" to a valid duration",
        ),
    ];
    for (params, want) in cases {
        let r = get(&app, "/api/v1/query", params).await;
        assert_eq!(&expect_error(&r, 400, "bad_data"), want);
        let r = post(&app, "/api/v1/query", params).await;
        assert_eq!(&expect_error(&r, 400, "bad_data"), want);
    }
}

#[tokio::test]
async fn range_query_parameter_errors() {
    let app = router(backend());
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("query", "up"), ("end", "10"), ("step", "1")],
            "invalid parameter \"start\": cannot parse \"\" to a valid timestamp",
        ),
        (
            &[("query", "up"), ("start", "10"), ("step", "1")],
            "invalid parameter \"end\": cannot parse \"\" to a valid timestamp",
        ),
        (
            &[("query", "up"), ("start", "10"), ("end", "5"), ("step", "1")],
            "invalid parameter \"end\": end timestamp must not be before start time",
        ),
        (
            &[("query", "up"), ("start", "0"), ("end", "5"), ("step", "x")],
            "invalid parameter \"step\": cannot parse \"x\" to a valid duration",
        ),
        (
            &[("query", "up"), ("start", "0"), ("end", "5"), ("step", "0")],
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer",
        ),
        (
            &[("query", "up"), ("start", "0"), ("end", "5"), ("step", "-1s")],
            "invalid parameter \"step\": cannot parse \"-1s\" to a valid duration",
        ),
        (
            &[("query", "up"), ("start", "0"), ("end", "11001"), ("step", "1")],
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ),
    ];
    for (params, want) in cases {
        let r = get(&app, "/api/v1/query_range", params).await;
        assert_eq!(&expect_error(&r, 400, "bad_data"), want);
        let r = post(&app, "/api/v1/query_range", params).await;
        assert_eq!(&expect_error(&r, 400, "bad_data"), want);
    }
    // 11,000 points exactly is fine: the parameters pass and the expression is next.
    let r = get(
        &app,
        "/api/v1/query_range",
        &[("query", "up"), ("start", "0"), ("end", "11000"), ("step", "1")],
    )
    .await;
    assert!(!r.text.contains("exceeded maximum resolution"), "{}", r.text);
}

// --- transport details ------------------------------------------------------------------------

#[tokio::test]
async fn cors_and_options() {
    let app = router(backend());
    let req = Request::options("/api/v1/query")
        .header(header::ORIGIN, "http://grafana")
        .body(Body::empty())
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    assert_eq!(r.headers["access-control-allow-methods"], "GET, POST, OPTIONS");
    let req = Request::get("/api/v1/labels")
        .header(header::ORIGIN, "http://grafana")
        .body(Body::empty())
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    assert_eq!(r.headers["vary"], "Origin");
    let r = get(&app, "/api/v1/labels", &[]).await;
    assert!(r.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn unknown_api_paths_are_404() {
    let app = router(backend());
    let r = get(&app, "/api/v1/nope", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn post_body_wins_over_url_query() {
    let app = router(backend());
    let req = Request::post("/api/v1/labels?limit=x")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("limit=1"))
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(expect_data(&r), json!(["__name__"]));
}
