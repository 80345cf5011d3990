//! Scrapes over real HTTP against a local axum exporter: request headers, gzip, content-type
//! negotiation, body size limit, errors, and one end-to-end run of the manager.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use parking_lot::Mutex;
use scrape::exposition::Format;
use scrape::fetch::{Fetcher, ScrapeError, Transport, accept_header, format_for, http_client};
use scrape::manager::{ScrapeManager, ScrapeOptions};
use support::*;

const TEXT: &str = "# TYPE m gauge\nm{a=\"1\"} 5\n";
const OPENMETRICS: &str = "# TYPE c counter\n# HELP c Things.\nc_total 3\n# EOF\n";

type Seen = Arc<Mutex<Vec<HeaderMap>>>;

async fn text(
    State(seen): State<Seen>,
    headers: HeaderMap,
) -> ([(header::HeaderName, &'static str); 1], &'static str) {
    seen.lock().push(headers);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], TEXT)
}

async fn openmetrics_gzip() -> ([(header::HeaderName, &'static str); 2], Vec<u8>) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(OPENMETRICS.as_bytes()).unwrap();
    (
        [
            (header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8"),
            (header::CONTENT_ENCODING, "gzip"),
        ],
        gz.finish().unwrap(),
    )
}

async fn big() -> ([(header::HeaderName, &'static str); 1], String) {
    ([(header::CONTENT_TYPE, "text/plain")], "m 1\n".repeat(1000))
}

async fn slow() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    tokio::time::sleep(Duration::from_secs(5)).await;
    ([(header::CONTENT_TYPE, "text/plain")], "m 1\n")
}

async fn fail() -> (StatusCode, &'static str) {
    (StatusCode::INTERNAL_SERVER_ERROR, "oops")
}

async fn untyped() -> &'static [u8] {
    b"m 1\n"
}

/// Starts the exporter; returns its `host:port` and the headers of `/text` requests.
async fn exporter() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/text", get(text))
        .route("/om", get(openmetrics_gzip))
        .route("/big", get(big))
        .route("/slow", get(slow))
        .route("/fail", get(fail))
        .route("/untyped", get(untyped))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr.to_string(), seen)
}

fn fetcher(url: String, timeout: Duration, limit: u64) -> Fetcher {
    let client = http_client(&httpclient::HttpClientConfig::default()).unwrap();
    Fetcher::new(
        Transport::Http(client),
        url,
        accept_header(&[], "allow-utf-8"),
        true,
        timeout,
        limit,
    )
}

#[tokio::test]
async fn text_scrape_sends_prometheus_headers() {
    let (addr, seen) = exporter().await;
    let f = fetcher(format!("http://{addr}/text"), Duration::from_secs(10), 0);
    let mut body = Vec::new();
    let ct = f.fetch(&mut body).await.unwrap();
    assert_eq!(body, TEXT.as_bytes());
    assert_eq!(format_for(&ct, None), Ok(Format::PrometheusText));
    let h = seen.lock().pop().unwrap();
    assert_eq!(h["accept"], accept_header(&[], "allow-utf-8").as_str());
    assert_eq!(h["accept-encoding"], "gzip");
    assert_eq!(h["x-prometheus-scrape-timeout-seconds"], "10");
    assert!(h["user-agent"].to_str().unwrap().starts_with("Prometheus/"));
}

#[tokio::test]
async fn gzipped_openmetrics_is_inflated() {
    let (addr, _) = exporter().await;
    let f = fetcher(format!("http://{addr}/om"), Duration::from_secs(10), 0);
    let mut body = Vec::new();
    let ct = f.fetch(&mut body).await.unwrap();
    assert_eq!(body, OPENMETRICS.as_bytes());
    assert_eq!(format_for(&ct, None), Ok(Format::OpenMetrics));
}

#[tokio::test]
async fn body_size_limit_fails_the_scrape() {
    let (addr, _) = exporter().await;
    let mut body = Vec::new();
    let f = fetcher(format!("http://{addr}/big"), Duration::from_secs(10), 1000);
    assert_eq!(f.fetch(&mut body).await, Err(ScrapeError::BodySizeLimit));
    // Also when the limit applies to the inflated size of a small gzipped body.
    let f = fetcher(format!("http://{addr}/om"), Duration::from_secs(10), 20);
    assert_eq!(f.fetch(&mut body).await, Err(ScrapeError::BodySizeLimit));
    let f = fetcher(format!("http://{addr}/big"), Duration::from_secs(10), 4001);
    assert!(f.fetch(&mut body).await.is_ok());
}

#[tokio::test]
async fn errors_name_the_cause() {
    let (addr, _) = exporter().await;
    let mut body = Vec::new();
    let f = fetcher(format!("http://{addr}/fail"), Duration::from_secs(10), 0);
    assert_eq!(
        f.fetch(&mut body).await.unwrap_err().to_string(),
        "server returned HTTP status 500 Internal Server Error"
    );
    let url = format!("http://{addr}/slow");
    let f = fetcher(url.clone(), Duration::from_millis(200), 0);
    assert_eq!(
        f.fetch(&mut body).await.unwrap_err().to_string(),
        format!("Get {url:?}: context deadline exceeded")
    );
    let f = fetcher(format!("http://{addr}/untyped"), Duration::from_secs(10), 0);
    let ct = f.fetch(&mut body).await.unwrap();
    assert!(format_for(&ct, None).is_err(), "no Content-Type, no fallback: {ct:?}");
}

/// The manager over real HTTP and the real clock: waits (bounded) until both jobs' samples
/// are in the head; nothing about timing is asserted.
#[tokio::test]
async fn manager_scrapes_a_real_exporter() {
    let (addr, _) = exporter().await;
    let head = Arc::new(tsdb::Head::default());
    let manager = ScrapeManager::new(head.clone(), ScrapeOptions::default());
    let cfgs = configs(&format!(
        "
scrape_configs:
  - job_name: text
    scrape_interval: 1s
    scrape_timeout: 1s
    metrics_path: /text
    static_configs:
      - targets: ['{addr}']
  - job_name: om
    scrape_interval: 1s
    scrape_timeout: 1s
    metrics_path: /om
    static_configs:
      - targets: ['{addr}']
"
    ));
    manager.apply_config(&cfgs).unwrap();
    manager.sync(groups(&cfgs));
    let mut ok = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let up = series(&head, "up");
        if up.len() == 2 && up.iter().all(|(_, p)| p.iter().any(|p| p.f == 1.0)) {
            ok = true;
            break;
        }
    }
    assert!(ok, "both targets up within 10s: {:?}", series(&head, "up"));
    assert_eq!(series(&head, "m").len(), 1);
    assert_eq!(series(&head, "c_total").len(), 1);
    manager.stop().await;
}
