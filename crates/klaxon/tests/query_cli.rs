//! `klaxon query` against a recording mock server: what it sends (form POST as client_golang,
//! GET fallback on 405, times as float seconds, promtool's default step and windows, extra
//! headers) and what it prints for answers and errors.

#![allow(clippy::unwrap_used)]

use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    /// Parameters from the query string and the form body.
    params: Vec<(String, String)>,
    headers: HeaderMap,
}

impl Seen {
    fn get(&self, k: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct Mock {
    seen: Arc<Mutex<Vec<Seen>>>,
    status: StatusCode,
    body: &'static str,
    refuse_post: bool,
}

/// A mock API on a random port, answering every request with `status` and `body`.
struct MockServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    _rt: tokio::runtime::Runtime,
}

fn mock(status: StatusCode, body: &'static str, refuse_post: bool) -> MockServer {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Mock { seen: seen.clone(), status, body, refuse_post };
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app =
        Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let mut params: Vec<(String, String)> = uri
                    .query()
                    .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                    .unwrap_or_default();
                params.extend(url::form_urlencoded::parse(&body).into_owned());
                state.seen.lock().unwrap().push(Seen {
                    method: method.clone(),
                    path: uri.path().to_string(),
                    params,
                    headers,
                });
                if state.refuse_post && method == Method::POST {
                    return StatusCode::METHOD_NOT_ALLOWED.into_response();
                }
                let r: Response =
                    (state.status, [("content-type", "application/json")], state.body)
                        .into_response();
                r
            }
        });
    rt.spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    MockServer { url, seen, _rt: rt }
}

fn klaxon(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_klaxon")).args(args).output().unwrap()
}

fn out(o: &Output) -> (Option<i32>, String, String) {
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"x"},"value":[1700000000.25,"1"]}]}}"#;

#[test]
fn instant_posts_a_form_and_prints_the_vector() {
    let m = mock(StatusCode::OK, VECTOR, false);
    let o = klaxon(&[
        "query",
        "instant",
        &m.url,
        "up",
        "--time",
        "2023-11-14T22:13:20.25Z",
        "--header",
        "X-Scope-OrgID=t1",
    ]);
    assert_eq!(out(&o), (Some(0), "up{job=\"x\"} => 1 @[1700000000.25]\n".into(), String::new()));
    let seen = m.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, "/api/v1/query");
    assert_eq!(seen[0].get("query"), Some("up"));
    assert_eq!(seen[0].get("time"), Some("1700000000.25"));
    assert_eq!(seen[0].headers["x-scope-orgid"], "t1");
    assert_eq!(seen[0].headers["content-type"], "application/x-www-form-urlencoded");
}

#[test]
fn a_server_refusing_post_is_asked_with_get() {
    let m = mock(StatusCode::OK, VECTOR, true);
    let o = klaxon(&["query", "instant", &m.url, "up", "--time", "1700000000"]);
    assert_eq!(out(&o).0, Some(0), "{:?}", out(&o));
    let seen = m.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[1].method.clone(), seen[1].get("query")), (Method::GET, Some("up")));
    assert_eq!(seen[1].get("time"), Some("1700000000"));
}

#[test]
fn range_defaults_to_about_250_points() {
    let body = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
    let m = mock(StatusCode::OK, body, false);
    let o = klaxon(&["query", "range", &m.url, "rate(x[5m])", "--start", "0", "--end", "3600"]);
    assert_eq!(out(&o), (Some(0), "\n".into(), String::new()));
    let o =
        klaxon(&["query", "range", &m.url, "x", "--start", "0", "--end", "100", "--step", "1m"]);
    assert_eq!(out(&o).0, Some(0));
    let seen = m.seen.lock().unwrap();
    assert_eq!(seen[0].path, "/api/v1/query_range");
    assert_eq!(seen[0].get("query"), Some("rate(x[5m])"));
    assert_eq!((seen[0].get("start"), seen[0].get("end")), (Some("0"), Some("3600")));
    // floor(3600s / 250) = 14s.
    assert_eq!(seen[0].get("step"), Some("14"));
    assert_eq!(seen[1].get("step"), Some("60"));
}

#[test]
fn range_needs_start_before_end() {
    let m = mock(StatusCode::OK, VECTOR, false);
    let o = klaxon(&["query", "range", &m.url, "x", "--start", "100", "--end", "100"]);
    assert_eq!(out(&o), (Some(1), String::new(), "start time is not before end time\n".into()));
    assert!(m.seen.lock().unwrap().is_empty());
}

#[test]
fn series_and_label_values() {
    let body = r#"{"status":"success","data":[{"job":"x","__name__":"up"},{"__name__":"up","job":"y\n"}]}"#;
    let m = mock(StatusCode::OK, body, false);
    let o = klaxon(&[
        "query",
        "series",
        &m.url,
        "--match",
        "up",
        "--match",
        "{job=\"x\"}",
        "--start",
        "10",
        "--end",
        "20",
    ]);
    assert_eq!(
        out(&o),
        (
            Some(0),
            "{__name__=\"up\", job=\"x\"}\n{__name__=\"up\", job=\"y\\n\"}\n".into(),
            String::new()
        )
    );
    let seen = m.seen.lock().unwrap().clone();
    assert_eq!(seen[0].path, "/api/v1/series");
    let matches: Vec<&str> =
        seen[0].params.iter().filter(|(k, _)| k == "match[]").map(|(_, v)| v.as_str()).collect();
    assert_eq!(matches, ["up", "{job=\"x\"}"]);
    assert_eq!((seen[0].get("start"), seen[0].get("end")), (Some("10"), Some("20")));

    let body =
        r#"{"status":"success","data":["a","b"],"warnings":["results truncated due to limit"]}"#;
    let m = mock(StatusCode::OK, body, false);
    let o = klaxon(&["query", "labels", &m.url, "http.status"]);
    assert_eq!(
        out(&o),
        (Some(0), "a\nb\n".into(), "query warning: results truncated due to limit\n".into())
    );
    let seen = m.seen.lock().unwrap();
    assert_eq!(
        (seen[0].method.clone(), seen[0].path.as_str()),
        (Method::GET, "/api/v1/label/http.status/values")
    );
    // No --start/--end: 9999h either side of now.
    let start: f64 = seen[0].get("start").unwrap().parse().unwrap();
    let end: f64 = seen[0].get("end").unwrap().parse().unwrap();
    assert!((end - start - 2.0 * 9999.0 * 3600.0).abs() < 60.0, "{start} {end}");
}

#[test]
fn errors_read_as_promtool_prints_them() {
    let body = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:4: parse error: unexpected end of input"}"#;
    let m = mock(StatusCode::BAD_REQUEST, body, false);
    let o = klaxon(&["query", "instant", &m.url, "up +"]);
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "query error: bad_data: invalid parameter \"query\": 1:4: parse error: unexpected end of input\n".into()
        )
    );
    let m = mock(StatusCode::BAD_GATEWAY, "<html>bad gateway</html>", false);
    let o = klaxon(&["query", "instant", &m.url, "up"]);
    assert_eq!(
        out(&o),
        (Some(1), String::new(), "query error: server_error: server error: 502\n".into())
    );
    let o = klaxon(&["query", "instant", &m.url, "up", "--time", "soon"]);
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "error parsing evaluation time: cannot parse \"soon\" to a valid timestamp\n".into()
        )
    );
}

#[test]
fn json_output() {
    let m = mock(StatusCode::OK, VECTOR, false);
    let o = klaxon(&["query", "instant", "-o", "json", &m.url, "up"]);
    assert_eq!(
        out(&o),
        (
            Some(0),
            "[{\"metric\":{\"__name__\":\"up\",\"job\":\"x\"},\"value\":[1700000000.25,\"1\"]}]\n"
                .into(),
            String::new()
        )
    );
}
