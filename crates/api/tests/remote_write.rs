//! `POST /api/v1/write`: klaxon's own sender into klaxon's receiver into a TSDB head over a
//! real socket, and the receiver's answers to bad input in-process.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use api::prometheus::{PromBackend, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{Appendable, FPoint, SelectHints, Storage, is_stale_nan, stale_nan};
use model::time::ManualClock;
use remote::proto::{Label, Sample, TimeSeries, WriteRequest};
use tower::ServiceExt as _;

/// 2023-11-14T22:13:20Z
const T0: i64 = 1_700_000_000_000;

fn app(head: &Arc<tsdb::Head>, enabled: bool) -> Router {
    let mut b = PromBackend::new(head.clone(), promql::Engine::default());
    b.clock = Arc::new(ManualClock::at_millis(T0));
    if enabled {
        b.appendable = Some(head.clone());
    }
    router(b)
}

async fn post(app: &Router, body: Vec<u8>, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut req = Request::post("/api/v1/write");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn series(labels: &[(&str, &str)], samples: &[(i64, f64)]) -> TimeSeries {
    TimeSeries {
        labels: labels
            .iter()
            .map(|(n, v)| Label { name: (*n).into(), value: (*v).into() })
            .collect(),
        samples: samples.iter().map(|&(timestamp, value)| Sample { value, timestamp }).collect(),
        ..Default::default()
    }
}

fn body(ts: Vec<TimeSeries>) -> Vec<u8> {
    remote::codec::encode(&WriteRequest { timeseries: ts, metadata: vec![] })
}

/// All samples of series named `name` in the head, by series.
fn read(head: &tsdb::Head, name: &str) -> Vec<(Labels, Vec<FPoint>)> {
    let q = head.querier(i64::MIN, i64::MAX).unwrap();
    let m = Matcher::prometheus(MatchOp::Equal, "__name__", name).unwrap();
    let hints = SelectHints { start: i64::MIN, end: i64::MAX, ..Default::default() };
    q.select(&hints, &[m])
        .unwrap()
        .into_iter()
        .map(|s| {
            let mut out = Vec::new();
            s.floats_into(i64::MIN, i64::MAX, &mut out);
            (s.labels().clone(), out)
        })
        .collect()
}

#[tokio::test]
async fn klaxon_sender_to_klaxon_receiver() {
    let receiving = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, app(&receiving, true)).into_future());

    let text = format!(
        "global:\n  external_labels:\n    replica: a\nremote_write:\n  - url: http://{addr}/api/v1/write\n    queue_config:\n      max_samples_per_send: 5\n      batch_send_deadline: 20ms\n      min_shards: 2\n"
    );
    let cfg = config::load_str(&text, Path::new("."), "prometheus.yml").unwrap();
    let remote = Arc::new(remote::RemoteStorage::new());
    let external = Labels::from_pairs(cfg.global.external_labels.iter());
    remote.apply_config(&cfg.remote_write, &external).await.unwrap();

    // The sending side: a local head behind the fanout, as `klaxon run` wires it.
    let local = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let fanout = remote::RemoteFanout::new(local.clone(), remote.clone());
    for step in 0..10 {
        let mut app = fanout.appender();
        for i in 0..3 {
            let l = Labels::from_pairs([("__name__", "rw_test"), ("i", &i.to_string())]);
            let v = if step == 9 { stale_nan() } else { f64::from(step * 10 + i) };
            app.append(&l, T0 + i64::from(step) * 1000, v).unwrap();
        }
        app.commit().unwrap();
    }

    let mut got = Vec::new();
    for _ in 0..500 {
        got = read(&receiving, "rw_test");
        if got.iter().map(|s| s.1.len()).sum::<usize>() == 30 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    remote.stop().await;
    server.abort();

    assert_eq!(got.len(), 3);
    for (i, (labels, points)) in got.iter().enumerate() {
        let i_str = i.to_string();
        assert_eq!(
            labels,
            &Labels::from_pairs([("__name__", "rw_test"), ("i", i_str.as_str()), ("replica", "a")])
        );
        assert_eq!(points.len(), 10);
        for (step, p) in points.iter().enumerate() {
            assert_eq!(p.t, T0 + step as i64 * 1000);
            if step == 9 {
                assert!(is_stale_nan(p.f), "stale marker survives the trip");
            } else {
                assert_eq!(p.f, (step * 10 + i) as f64);
            }
        }
    }
}

#[tokio::test]
async fn disabled_receiver_is_a_404() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let (status, _) = post(&app(&head, false), body(vec![]), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn accepts_and_commits() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let app = app(&head, true);
    let b = body(vec![
        series(&[("job", "x"), ("__name__", "a")], &[(T0, 1.0), (T0 + 1, 2.0)]),
        series(&[("__name__", "b"), ("empty", "")], &[(T0, 3.0)]),
    ]);
    let (status, text) = post(
        &app,
        b,
        &[
            ("Content-Encoding", "snappy"),
            ("Content-Type", "application/x-protobuf"),
            ("X-Prometheus-Remote-Write-Version", "0.1.0"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    let a = read(&head, "a");
    assert_eq!(a[0].0, Labels::from_pairs([("__name__", "a"), ("job", "x")]));
    assert_eq!(a[0].1, vec![FPoint { t: T0, f: 1.0 }, FPoint { t: T0 + 1, f: 2.0 }]);
    assert_eq!(
        read(&head, "b")[0].0,
        Labels::from_pairs([("__name__", "b")]),
        "empty values dropped"
    );
}

#[tokio::test]
async fn garbage_bodies_are_400s() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let app = app(&head, true);

    let (status, text) =
        post(&app, b"definitely not snappy \xff\xff\xff\xff\xff".to_vec(), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("snappy: "), "{text}");

    let not_proto = remote::codec::compress(b"\x0a\xff\xff\xff\x0f");
    let (status, text) = post(&app, not_proto, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("proto: "), "{text}");

    // A snappy header claiming a huge body is refused before decompressing.
    let (status, text) = post(&app, vec![0xff, 0xff, 0xff, 0xff, 0x0f], &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("snappy: "), "{text}");

    let (status, _) = post(&app, body(vec![]), &[("Content-Encoding", "gzip")]).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = post(
        &app,
        body(vec![]),
        &[("Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request")],
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn invalid_labels_are_a_400_naming_the_series() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let app = app(&head, true);
    let b = body(vec![
        series(&[("job", "nameless")], &[(T0, 1.0)]),
        series(&[("__name__", "good")], &[(T0, 1.0)]),
    ]);
    let (status, text) = post(&app, b, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains(r#"{job="nameless"}"#), "{text}");
    assert_eq!(read(&head, "good").len(), 1, "valid series are still written");

    let b = body(vec![series(&[("__name__", "dup"), ("a", "1"), ("a", "2")], &[(T0, 1.0)])]);
    let (status, text) = post(&app, b, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("duplicate label name \"a\""), "{text}");
}

#[tokio::test]
async fn out_of_order_is_a_400_and_rolls_back() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let app = app(&head, true);
    let (status, _) = post(&app, body(vec![series(&[("__name__", "m")], &[(T0, 1.0)])]), &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let b = body(vec![
        series(&[("__name__", "other")], &[(T0, 1.0)]),
        series(&[("__name__", "m")], &[(T0 - 1000, 2.0)]),
    ]);
    let (status, text) = post(&app, b, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("out of order sample") && text.contains(r#"__name__="m""#), "{text}");
    assert!(read(&head, "other").is_empty(), "the whole request was rolled back");

    // Too far in the future (upstream's 10 minutes).
    let b = body(vec![series(&[("__name__", "m")], &[(T0 + 11 * 60 * 1000, 1.0)])]);
    let (status, text) = post(&app, b, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("out of bounds"), "{text}");
}
