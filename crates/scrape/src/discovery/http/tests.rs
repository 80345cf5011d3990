use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use tokio::sync::mpsc;

use super::*;

#[test]
fn content_types_as_upstream() {
    for ok in [
        "application/json",
        "Application/JSON",
        " application/json ",
        "application/json; charset=utf-8",
        "application/json;charset=\"UTF-8\"",
    ] {
        assert!(is_json_content_type(ok), "{ok}");
    }
    for bad in ["", "text/plain", "application/json; charset=latin1", "application/jsonx"] {
        assert!(!is_json_content_type(bad), "{bad}");
    }
}

#[test]
fn logged_urls_hide_passwords() {
    assert_eq!(redacted("https://u:secret@sd.example/x?a=1"), "https://u:xxxxx@sd.example/x?a=1");
    assert_eq!(redacted("http://sd.example/x"), "http://sd.example/x");
}

#[test]
fn state_sends_changes_and_empties_dropped_indices() {
    let url = "http://sd/targets";
    let mut state = HttpState::new(url.to_owned());
    let groups = state
        .apply(r#"[{"targets": ["a:1"], "labels": {"x": "y"}}, {"targets": ["b:1"]}]"#)
        .unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].source, "http://sd/targets:0");
    assert_eq!(groups[0].labels[URL_LABEL], url);
    assert_eq!(groups[0].labels["x"], "y");
    assert_eq!(groups[1].source, "http://sd/targets:1");

    // Same answer: nothing to send.
    assert!(
        state
            .apply(r#"[{"targets": ["a:1"], "labels": {"x": "y"}}, {"targets": ["b:1"]}]"#)
            .unwrap()
            .is_empty()
    );

    // Shorter answer: index 1 is emptied.
    let groups = state.apply(r#"[{"targets": ["c:1"]}]"#).unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!((groups[0].source.as_str(), groups[0].targets.len()), ("http://sd/targets:1", 0));
    assert_eq!(groups[1].targets, ["c:1"]);

    // Bad answers are errors and change nothing.
    assert!(state.apply("{").is_err());
    assert!(state.apply("[null]").unwrap_err().contains("nil target group"));
    assert!(state.apply(r#"[{"targets": ["c:1"]}]"#).unwrap().is_empty());
}

/// What the fake SD server answers, and the refresh header of the last request.
#[derive(Debug, Clone)]
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    seen_refresh_header: Option<String>,
    seen_auth: Option<String>,
}

type Shared = Arc<Mutex<Answer>>;

async fn targets(State(shared): State<Shared>, headers: HeaderMap) -> impl IntoResponse {
    let mut answer = shared.lock().unwrap();
    answer.seen_refresh_header = headers
        .get("X-Prometheus-Refresh-Interval-Seconds")
        .map(|v| v.to_str().unwrap().to_owned());
    answer.seen_auth = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap().to_owned());
    (answer.status, [(header::CONTENT_TYPE, answer.content_type)], answer.body.clone())
}

async fn serve(shared: Shared) -> String {
    let app = axum::Router::new().route("/sd", axum::routing::get(targets)).with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/sd")
}

async fn next(rx: &mut mpsc::UnboundedReceiver<(u64, Vec<TargetGroup>)>) -> Vec<TargetGroup> {
    tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.expect("an update").unwrap().1
}

/// Real time: the provider talks to a real local server, which paused time would not wait
/// for. The refresh interval is the 1 s minimum.
#[tokio::test]
async fn provider_polls_a_server_and_keeps_last_good_groups() {
    let shared: Shared = Arc::new(Mutex::new(Answer {
        status: StatusCode::OK,
        content_type: "application/json",
        body: r#"[{"targets": ["a:1"]}, {"targets": ["b:1"], "labels": {"l": "v"}}]"#.into(),
        seen_refresh_header: None,
        seen_auth: None,
    }));
    let url = serve(shared.clone()).await;
    let http_client = httpclient::HttpClientConfig {
        authorization: Some(httpclient::config::Authorization {
            // The loader's validation fills the default `Bearer`.
            kind: "Bearer".into(),
            credentials: httpclient::Secret::new("tok"),
            credentials_file: String::new(),
        }),
        ..httpclient::HttpClientConfig::default()
    };
    let config = HttpSdConfig {
        url: url.clone(),
        refresh_interval: model::duration::Duration::from_secs(1),
        http_client,
    };
    let metrics = SdMetrics::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let provider = Box::new(HttpProvider::new(config, metrics.clone()));
    let task = tokio::spawn(provider.run(GroupSender { id: 7, tx }));

    let groups = next(&mut rx).await;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].source, format!("{url}:0"));
    assert_eq!(groups[1].labels["l"], "v");
    assert_eq!(groups[1].labels[URL_LABEL], url);
    {
        let answer = shared.lock().unwrap();
        assert_eq!(answer.seen_refresh_header.as_deref(), Some("1"));
        assert_eq!(answer.seen_auth.as_deref(), Some("Bearer tok"));
    }

    // A wrong content type is a failure: counted, nothing sent.
    shared.lock().unwrap().content_type = "text/plain";
    while metrics.http_failures.get() == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A server error too.
    {
        let mut answer = shared.lock().unwrap();
        answer.content_type = "application/json";
        answer.status = StatusCode::INTERNAL_SERVER_ERROR;
    }
    while metrics.http_failures.get() < 2 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(rx.try_recv().is_err(), "failures send no update");

    // Recovery with a shorter list: index 1 is emptied.
    {
        let mut answer = shared.lock().unwrap();
        answer.status = StatusCode::OK;
        answer.body = r#"[{"targets": ["c:1"]}]"#.into();
    }
    let groups = next(&mut rx).await;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].source, format!("{url}:1"));
    assert!(groups[0].targets.is_empty());
    assert_eq!(groups[1].targets, ["c:1"]);
    task.abort();
}

#[tokio::test]
async fn first_failure_still_reports() {
    let shared: Shared = Arc::new(Mutex::new(Answer {
        status: StatusCode::NOT_FOUND,
        content_type: "application/json",
        body: "[]".into(),
        seen_refresh_header: None,
        seen_auth: None,
    }));
    let url = serve(shared).await;
    let config = HttpSdConfig {
        url,
        refresh_interval: model::duration::Duration::from_secs(60),
        http_client: httpclient::HttpClientConfig::default(),
    };
    let metrics = SdMetrics::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(
        Box::new(HttpProvider::new(config, metrics.clone())).run(GroupSender { id: 1, tx }),
    );
    assert!(next(&mut rx).await.is_empty());
    assert_eq!(metrics.http_failures.get(), 1);
    task.abort();
}
