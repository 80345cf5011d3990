//! Queries through the API end to end: the parser and engine behind the router, answers
//! encoded as Prometheus encodes them. The store holds, for each series, one sample a minute
//! for the ten minutes up to T0 = 1700000000 s, the i-th (0..=10) being `base * (i + 1)`; the
//! expected values below follow from that by hand.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

use std::sync::Arc;

use api::prometheus::{PromBackend, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use model::labels::Labels;
use model::storage::Appendable;
use model::time::ManualClock;
use serde_json::{Value, json};
use tower::ServiceExt as _;

const T0: i64 = 1_700_000_000_000;

fn app() -> Router {
    app_with(promql::EngineOptions::default())
}

fn app_with(opts: promql::EngineOptions) -> Router {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut app = head.appender();
    let series: &[(&[(&str, &str)], f64)] = &[
        (&[("__name__", "up"), ("job", "api"), ("instance", "a:1")], 1.0),
        (&[("__name__", "up"), ("job", "api"), ("instance", "b:1")], 0.0),
        (&[("__name__", "up"), ("job", "db"), ("instance", "c:1")], 1.0),
        (&[("__name__", "tiny"), ("job", "api")], 1e-7),
    ];
    for i in 0..=10 {
        let t = T0 - (10 - i) * 60_000;
        for (labels, v) in series {
            app.append(&Labels::from_pairs(labels.iter().copied()), t, *v * (i + 1) as f64)
                .unwrap();
        }
    }
    app.commit().unwrap();
    let mut b = PromBackend::new(head.clone(), promql::Engine::new(opts));
    b.clock = Arc::new(ManualClock::at_millis(T0));
    b.tsdb_stats = Some(head);
    router(b)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn qs(params: &[(&str, &str)]) -> String {
    params.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

async fn call(
    app: &Router,
    post: bool,
    path: &str,
    params: &[(&str, &str)],
) -> (StatusCode, String) {
    let req = if post {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(qs(params)))
            .unwrap()
    } else {
        Request::get(format!("{path}?{}", qs(params))).body(Body::empty()).unwrap()
    };
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// GET and POST must agree; returns the body.
async fn both(app: &Router, path: &str, params: &[(&str, &str)]) -> (StatusCode, String) {
    let g = call(app, false, path, params).await;
    let p = call(app, true, path, params).await;
    assert_eq!(g, p, "GET and POST differ for {path} {params:?}");
    g
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn sorted_result(v: &Value) -> Vec<Value> {
    let mut r = v["data"]["result"].as_array().unwrap().clone();
    r.sort_by_key(|s| s["metric"].to_string());
    r
}

#[tokio::test]
async fn float_encoding_byte_for_byte() {
    let app = app();
    let cases: &[(&str, &str, &str)] = &[
        (
            "vector(1e-7)",
            "1700000000.5",
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.500,"1e-07"]}]}}"#,
        ),
        (
            "vector(0.5)",
            "1700000000",
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.5"]}]}}"#,
        ),
        (
            "vector(1/0)",
            "1.001",
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.001,"+Inf"]}]}}"#,
        ),
        (
            "vector(-1/0)",
            "1",
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"-Inf"]}]}}"#,
        ),
        (
            "vector(1e21)",
            "1",
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1e+21"]}]}}"#,
        ),
        // Scalars go through encoding/json: plain float time, 'f' value.
        (
            "1e-7",
            "1.1",
            r#"{"status":"success","data":{"resultType":"scalar","result":[1.1,"0.0000001"]}}"#,
        ),
        (
            "\"a<b\"",
            "1.1",
            r#"{"status":"success","data":{"resultType":"string","result":[1.1,"a\u003cb"]}}"#,
        ),
    ];
    for (q, t, want) in cases {
        let (status, body) = both(&app, "/api/v1/query", &[("query", q), ("time", t)]).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        assert_eq!(&body, want, "{q}");
    }
    // NaN has no JSON number form; it is a string like every value.
    let (_, body) = both(&app, "/api/v1/query", &[("query", "vector(0/0)"), ("time", "1")]).await;
    assert!(body.contains(r#""value":[1,"NaN"]"#), "{body}");
}

#[tokio::test]
async fn instant_vector_at_t0() {
    let app = app();
    let (status, body) =
        both(&app, "/api/v1/query", &[("query", "up"), ("time", "1700000000")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = parse(&body);
    assert_eq!(v["data"]["resultType"], "vector");
    assert_eq!(
        sorted_result(&v),
        vec![
            json!({"metric":{"__name__":"up","instance":"a:1","job":"api"},"value":[1700000000,"11"]}),
            json!({"metric":{"__name__":"up","instance":"b:1","job":"api"},"value":[1700000000,"0"]}),
            json!({"metric":{"__name__":"up","instance":"c:1","job":"db"},"value":[1700000000,"11"]}),
        ]
    );
    // Without `time` the backend's clock (T0) is used.
    let (_, body) = both(&app, "/api/v1/query", &[("query", "tiny")]).await;
    assert_eq!(
        parse(&body)["data"]["result"],
        json!([{"metric":{"__name__":"tiny","job":"api"},"value":[1700000000,"0.0000011"]}])
    );
}

#[tokio::test]
async fn instant_range_vector_is_a_matrix() {
    let app = app();
    let (_, body) =
        both(&app, "/api/v1/query", &[("query", "up{job=\"db\"}[2m]"), ("time", "1700000000")])
            .await;
    // Left-open window (T0-2m, T0]: the samples at T0-1m (10) and T0 (11).
    assert_eq!(
        parse(&body)["data"],
        json!({"resultType":"matrix","result":[
            {"metric":{"__name__":"up","instance":"c:1","job":"db"},
             "values":[[1699999940,"10"],[1700000000,"11"]]}]})
    );
}

#[tokio::test]
async fn range_query() {
    let app = app();
    let params = [
        ("query", "up{job=\"db\"}"),
        ("start", "1699999880"),
        ("end", "1700000000"),
        ("step", "60"),
    ];
    let (status, body) = both(&app, "/api/v1/query_range", &params).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"c:1","job":"db"},"values":[[1699999880,"9"],[1699999940,"10"],[1700000000,"11"]]}]}}"#
    );
    // RFC 3339 times and a Prometheus-duration step give the same answer.
    let (_, body2) = both(
        &app,
        "/api/v1/query_range",
        &[
            ("query", "up{job=\"db\"}"),
            ("start", "2023-11-14T22:11:20Z"),
            ("end", "2023-11-14T22:13:20.000Z"),
            ("step", "1m"),
        ],
    )
    .await;
    assert_eq!(body, body2);
}

#[tokio::test]
async fn range_query_needs_an_instant_type() {
    let app = app();
    let (status, body) = both(
        &app,
        "/api/v1/query_range",
        &[("query", "up[5m]"), ("start", "0"), ("end", "60"), ("step", "15")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        parse(&body)["error"],
        "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"
    );
}

#[tokio::test]
async fn limit_truncates_with_a_warning() {
    let app = app();
    let (_, body) =
        both(&app, "/api/v1/query", &[("query", "up"), ("time", "1700000000"), ("limit", "2")])
            .await;
    let v = parse(&body);
    assert_eq!(v["data"]["result"].as_array().unwrap().len(), 2);
    assert_eq!(v["warnings"], json!(["results truncated due to limit"]));
    let (_, body) =
        both(&app, "/api/v1/query", &[("query", "up"), ("time", "1700000000"), ("limit", "3")])
            .await;
    assert!(parse(&body).get("warnings").is_none(), "{body}");
}

#[tokio::test]
async fn lookback_delta_overrides_the_default() {
    let app = app();
    // Three minutes after the last sample: within the default 5m, outside 1m.
    let t = "1700000180";
    let (_, body) = both(&app, "/api/v1/query", &[("query", "up"), ("time", t)]).await;
    assert_eq!(parse(&body)["data"]["result"].as_array().unwrap().len(), 3);
    let (_, body) =
        both(&app, "/api/v1/query", &[("query", "up"), ("time", t), ("lookback_delta", "1m")])
            .await;
    assert_eq!(parse(&body)["data"]["result"], json!([]));
}

#[tokio::test]
async fn parse_and_execution_errors() {
    let app = app();
    let (status, body) = both(&app, "/api/v1/query", &[("query", "up +"), ("time", "1")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let v = parse(&body);
    assert_eq!(v["errorType"], "bad_data");
    assert!(v["error"].as_str().unwrap().starts_with("invalid parameter \"query\": "), "{body}");
    // Both sides match on no labels and have several series: many-to-many, a runtime error.
    let (status, body) =
        both(&app, "/api/v1/query", &[("query", "up + on() up"), ("time", "1700000000")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(parse(&body)["errorType"], "execution");
}

#[tokio::test]
async fn series_with_matchers() {
    let app = app();
    let (status, body) = both(&app, "/api/v1/series", &[("match[]", "up{job=\"api\"}")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        r#"{"status":"success","data":[{"__name__":"up","instance":"a:1","job":"api"},{"__name__":"up","instance":"b:1","job":"api"}]}"#
    );
    // Several selectors: the union, deduplicated and sorted.
    let (_, body) = both(
        &app,
        "/api/v1/series",
        &[
            ("match[]", "tiny"),
            ("match[]", "{__name__=~\"t.*|up\", job=\"db\"}"),
            ("match[]", "tiny"),
        ],
    )
    .await;
    assert_eq!(
        parse(&body)["data"],
        json!([{"__name__":"tiny","job":"api"},{"__name__":"up","instance":"c:1","job":"db"}])
    );
    // Outside the time range nothing matches.
    let (_, body) =
        both(&app, "/api/v1/series", &[("match[]", "up"), ("start", "0"), ("end", "10")]).await;
    assert_eq!(parse(&body)["data"], json!([]));
    let (_, body) = both(&app, "/api/v1/series", &[("match[]", "up"), ("limit", "1")]).await;
    let v = parse(&body);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["warnings"], json!(["results truncated due to limit"]));
    let (status, body) = both(&app, "/api/v1/series", &[("match[]", "up +")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(parse(&body)["error"].as_str().unwrap().starts_with("invalid parameter \"match[]\": "));
}

#[tokio::test]
async fn labels_and_values_with_matchers() {
    let app = app();
    let (_, body) = both(&app, "/api/v1/labels", &[("match[]", "tiny")]).await;
    assert_eq!(parse(&body)["data"], json!(["__name__", "job"]));
    let (_, body) =
        call(&app, false, "/api/v1/label/job/values", &[("match[]", "up{instance=\"c:1\"}")]).await;
    assert_eq!(parse(&body)["data"], json!(["db"]));
    let (_, body) = call(
        &app,
        false,
        "/api/v1/label/instance/values",
        &[("match[]", "up{job=\"db\"}"), ("match[]", "up{instance=\"a:1\"}")],
    )
    .await;
    assert_eq!(parse(&body)["data"], json!(["a:1", "c:1"]));
}

#[tokio::test]
async fn format_and_parse_query() {
    let app = app();
    let (status, body) =
        both(&app, "/api/v1/format_query", &[("query", "sum(rate(x[5m]))by(job)")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"success","data":"sum by (job) (rate(x[5m]))"}"#);
    let (status, body) = both(&app, "/api/v1/parse_query", &[("query", "up")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = parse(&body);
    assert_eq!(v["data"]["type"], "vectorSelector");
    assert_eq!(v["data"]["name"], "up");
    let (status, _) = both(&app, "/api/v1/format_query", &[("query", "up +")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn exemplars_are_an_empty_list() {
    let app = app();
    let (status, body) = both(&app, "/api/v1/query_exemplars", &[("query", "up")]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#"{"status":"success","data":[]}"#));
}

#[tokio::test]
async fn tsdb_status_from_the_head() {
    let app = app();
    let (_, body) = call(&app, false, "/api/v1/status/tsdb", &[]).await;
    let v = parse(&body);
    assert_eq!(v["data"]["headStats"]["numSeries"], 4);
    assert_eq!(v["data"]["headStats"]["minTime"], T0 - 600_000);
    assert_eq!(v["data"]["headStats"]["maxTime"], T0);
    assert_eq!(v["data"]["seriesCountByMetricName"][0], json!({"name":"up","value":3}));
}

#[tokio::test]
async fn engine_limits_map_to_upstream_errors() {
    // Three `up` samples do not fit in a budget of two.
    let small = app_with(promql::EngineOptions { max_samples: 2, ..Default::default() });
    let (status, body) =
        both(&small, "/api/v1/query", &[("query", "up"), ("time", "1700000000")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let v = parse(&body);
    assert_eq!(v["errorType"], "execution");
    assert_eq!(
        v["error"],
        "query processing would load too many samples into memory in query execution"
    );
    // A zero timeout: the deadline has passed before evaluation starts.
    let app = app();
    let (status, body) = both(
        &app,
        "/api/v1/query_range",
        &[
            ("query", "sum(up)"),
            ("start", "1699999400"),
            ("end", "1700000000"),
            ("step", "1"),
            ("timeout", "0"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let v = parse(&body);
    assert_eq!(v["errorType"], "timeout");
    assert!(v["error"].as_str().unwrap().starts_with("query timed out in "), "{body}");
}
