//! API v2 against the assembled runtime at the scale: posting alerts in batches of
//! 1000, and `GET /api/v2/alerts` / `/api/v2/alerts/groups` with 100k alerts stored (with and
//! without 10k silences), through the router in-process (no sockets).
//!
//! `cargo bench -p klaxon-api --bench am_api`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use alertmanager::runtime::{Alertmanager, Options};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use tower::ServiceExt;

const ALERTS: usize = 100_000;
const BATCH: usize = 1_000;
const SILENCES: usize = 10_000;

const CONFIG: &str = "route:\n  receiver: default\n  group_by: [alertname, instance]\n  \
                      group_wait: 1h\n  group_interval: 1h\nreceivers:\n  - name: default\n";

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<String>,
) -> (StatusCode, usize) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, bytes.len())
}

fn batch(start: usize) -> String {
    let alerts: Vec<Value> = (start..start + BATCH)
        .map(|i| {
            json!({
                "labels": {"alertname": format!("alert{}", i % 100), "instance": format!("host-{i}"), "job": "node"},
                "annotations": {"summary": "something is wrong"},
            })
        })
        .collect();
    Value::Array(alerts).to_string()
}

fn silence(i: usize) -> String {
    let now = jiff::Timestamp::now();
    json!({
        "matchers": [{"name": "instance", "value": format!("silenced-{i}"), "isRegex": false}],
        "startsAt": now.to_string(),
        "endsAt": (now + jiff::SignedDuration::from_hours(24)).to_string(),
        "createdBy": "bench",
        "comment": "bench",
    })
    .to_string()
}

struct Setup {
    _dir: tempfile::TempDir,
    am: Arc<Alertmanager>,
    app: Router,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alertmanager.yml");
    std::fs::write(&file, CONFIG).unwrap();
    let am = Alertmanager::start(Options::new(&file)).await.unwrap();
    let app = api::alertmanager::router(am.clone(), "/");
    Setup { _dir: dir, am, app }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let s = rt.block_on(setup());

    // Ingest: 100 batches of 1000 distinct alerts, then the same again as updates.
    let bodies: Vec<String> = (0..ALERTS / BATCH).map(|b| batch(b * BATCH)).collect();
    for round in ["new", "update"] {
        let start = Instant::now();
        rt.block_on(async {
            for body in &bodies {
                let (status, _) =
                    call(&s.app, Method::POST, "/api/v2/alerts", Some(body.clone())).await;
                assert_eq!(status, StatusCode::OK);
            }
        });
        let secs = start.elapsed().as_secs_f64();
        println!(
            "ingest ({round}): {ALERTS} alerts in {secs:.2}s = {:.0} alerts/s",
            ALERTS as f64 / secs
        );
    }

    let mut group = c.benchmark_group("am_api_100k_alerts");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, uri) in [("get_alerts", "/api/v2/alerts"), ("get_groups", "/api/v2/alerts/groups")] {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let (status, len) = call(&s.app, Method::GET, uri, None).await;
                    assert_eq!(status, StatusCode::OK);
                    len
                })
            });
        });
    }

    rt.block_on(async {
        for i in 0..SILENCES {
            let (status, _) =
                call(&s.app, Method::POST, "/api/v2/silences", Some(silence(i))).await;
            assert_eq!(status, StatusCode::OK);
        }
    });
    for (name, uri) in [
        ("get_alerts_10k_silences", "/api/v2/alerts"),
        ("get_groups_10k_silences", "/api/v2/alerts/groups"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let (status, len) = call(&s.app, Method::GET, uri, None).await;
                    assert_eq!(status, StatusCode::OK);
                    len
                })
            });
        });
    }
    group.finish();
    rt.block_on(s.am.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
