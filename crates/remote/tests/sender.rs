//! The sender against a recording axum receiver. Most tests answer in-process under tokio's
//! paused clock (real sockets would let the clock jump while a response is in flight); one
//! test goes over a real socket to check what reaches the wire.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use config::RemoteWriteConfig;
use model::labels::Labels;
use model::storage::{Appendable, stale_nan};
use parking_lot::Mutex;
use prometheus_client::registry::Registry;
use remote::client::{OutgoingRequest, PostFuture, Reply, Transport};
use remote::proto::WriteRequest;
use remote::{RemoteFanout, RemoteSample, RemoteStorage};
use tokio::time::Instant;
use tower::ServiceExt;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Recorded {
    at: Instant,
    headers: HeaderMap,
    req: WriteRequest,
}

/// What the receiver answers, in order; 204 once the script runs out.
#[derive(Debug, Clone)]
enum Answer {
    Status(u16),
    RetryAfter(u16, &'static str),
    /// Never answers (the sender's timeout must fire).
    Hang,
    /// Answers 204 after a while.
    Delay(Duration),
}

#[derive(Debug, Default)]
struct Recorder {
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Answer>>,
}

impl Recorder {
    fn with_script(script: impl IntoIterator<Item = Answer>) -> Arc<Self> {
        Arc::new(Recorder {
            script: Mutex::new(script.into_iter().collect()),
            ..Default::default()
        })
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().clone()
    }

    /// Every (labels, t, v) received, in arrival order.
    fn samples(&self) -> Vec<(Labels, i64, f64)> {
        let mut out = Vec::new();
        for r in self.requests.lock().iter() {
            for ts in &r.req.timeseries {
                let l: Labels =
                    ts.labels.iter().map(|l| (l.name.as_str(), l.value.as_str())).collect();
                for s in &ts.samples {
                    out.push((l.clone(), s.timestamp, s.value));
                }
            }
        }
        out
    }
}

async fn write_handler(
    State(rec): State<Arc<Recorder>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = match remote::codec::decode(&body, 1 << 24) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    rec.requests.lock().push(Recorded { at: Instant::now(), headers, req });
    let answer = rec.script.lock().pop_front();
    match answer {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(Answer::Status(s)) => {
            (StatusCode::from_u16(s).unwrap_or(StatusCode::OK), "scripted").into_response()
        }
        Some(Answer::RetryAfter(s, after)) => (
            StatusCode::from_u16(s).unwrap_or(StatusCode::OK),
            [("Retry-After", after)],
            "slow down",
        )
            .into_response(),
        Some(Answer::Delay(d)) => {
            tokio::time::sleep(d).await;
            StatusCode::NO_CONTENT.into_response()
        }
        Some(Answer::Hang) => {
            std::future::pending::<()>().await;
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

fn receiver(rec: Arc<Recorder>) -> Router {
    Router::new().route("/api/v1/write", axum::routing::post(write_handler)).with_state(rec)
}

/// Calls the router directly: no sockets, so paused time stays deterministic.
#[derive(Debug)]
struct InProcess(Router);

impl Transport for InProcess {
    fn post(&self, req: OutgoingRequest) -> PostFuture<'_> {
        let router = self.0.clone();
        Box::pin(async move {
            let mut builder = Request::builder().method("POST").uri("/api/v1/write");
            for (name, value) in &req.headers {
                builder = builder.header(name, value);
            }
            let request = builder.body(Body::from(req.body)).map_err(|e| e.to_string())?;
            let resp = router.oneshot(request).await.map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let retry_after =
                resp.headers().get("Retry-After").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body =
                axum::body::to_bytes(resp.into_body(), 1 << 20).await.map_err(|e| e.to_string())?;
            Ok(Reply { status, retry_after, body: String::from_utf8_lossy(&body).into_owned() })
        })
    }
}

/// `remote_write` entries as the config loader produces them (upstream defaults applied).
fn configs(yaml_entries: &str) -> (Vec<RemoteWriteConfig>, Labels) {
    let text =
        format!("global:\n  external_labels:\n    cluster: eu1\nremote_write:\n{yaml_entries}");
    let cfg = config::load_str(&text, Path::new("."), "prometheus.yml").unwrap();
    let external = Labels::from_pairs(cfg.global.external_labels.iter());
    (cfg.remote_write, external)
}

fn config(extra_queue: &str) -> RemoteWriteConfig {
    let (mut c, _) = configs(&format!(
        "  - url: http://receiver.invalid/api/v1/write\n    name: test\n    queue_config:\n{extra_queue}"
    ));
    c.remove(0)
}

/// A storage whose queues all talk to `rec`.
fn storage(rec: &Arc<Recorder>) -> Arc<RemoteStorage> {
    let rec = rec.clone();
    Arc::new(
        RemoteStorage::new().with_flush_deadline(Duration::from_secs(300)).with_transport_factory(
            Arc::new(move |_cfg| {
                Ok(Arc::new(InProcess(receiver(rec.clone()))) as Arc<dyn Transport>)
            }),
        ),
    )
}

fn sample(name: &str, t: i64, v: f64) -> RemoteSample {
    RemoteSample { labels: Labels::from_pairs([("__name__", name), ("job", "j")]), t, v }
}

fn metrics_text(storage: &RemoteStorage) -> String {
    let mut registry = Registry::default();
    storage.register_metrics(&mut registry);
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &registry).unwrap();
    out
}

/// The value of the first line of `text` starting with `prefix`.
fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
}

/// Lets the shard tasks run without moving the paused clock past any timer.
async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn batches_by_size_then_by_deadline() {
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    let cfg = config("      max_samples_per_send: 3\n      batch_send_deadline: 5s\n");
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    let start = Instant::now();
    s.append(&(0..7).map(|i| sample("a", i, i as f64)).collect::<Vec<_>>());
    settle().await;
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2, "two full batches leave at once");
    assert!(reqs.iter().all(|r| r.req.timeseries[0].samples.len() == 3));
    assert!(reqs.iter().all(|r| r.at == start));

    tokio::time::sleep(Duration::from_secs(6)).await;
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 3, "the rest leaves at the deadline");
    assert_eq!(reqs[2].req.timeseries[0].samples.len(), 1);
    assert_eq!(reqs[2].at - start, Duration::from_secs(5));
    let ts: Vec<i64> = rec.samples().iter().map(|s| s.1).collect();
    assert_eq!(ts, (0..7).collect::<Vec<_>>());

    let h = &reqs[0].headers;
    assert_eq!(h["content-encoding"], "snappy");
    assert_eq!(h["content-type"], "application/x-protobuf");
    assert_eq!(h["x-prometheus-remote-write-version"], "0.1.0");
    assert!(h["user-agent"].to_str().unwrap().starts_with("Prometheus/"));
    assert!(!h.contains_key("retry-attempt"));

    let text = metrics_text(&s);
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_total{"), 7.0);
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_pending{"), 0.0);
    assert_eq!(
        metric(&text, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds{"),
        0.006
    );
    assert!(metric(&text, "prometheus_remote_storage_bytes_total{") > 0.0);
    assert!(text.contains(r#"remote_name="test",url="http://receiver.invalid/api/v1/write""#));
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn each_series_stays_in_time_order_across_shards() {
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    let cfg = config(
        "      min_shards: 4\n      max_shards: 4\n      max_samples_per_send: 7\n      batch_send_deadline: 1s\n",
    );
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    assert_eq!(s.queues()[0].num_shards(), 4);
    for t in 0..50 {
        let batch: Vec<_> = (0..20).map(|i| sample(&format!("m{i}"), t, 1.0)).collect();
        s.append(&batch);
        if t % 10 == 0 {
            settle().await;
        }
    }
    s.stop().await;
    let samples = rec.samples();
    assert_eq!(samples.len(), 1000);
    let mut last: std::collections::HashMap<Labels, i64> = Default::default();
    for (l, t, _) in samples {
        let prev = last.insert(l.clone(), t);
        assert!(prev.is_none_or(|p| p < t), "{l}: {prev:?} then {t}");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_5xx_with_backoff_then_succeeds() {
    let rec = Recorder::with_script([Answer::Status(500), Answer::Status(503)]);
    let s = storage(&rec);
    let cfg = config(
        "      max_samples_per_send: 2\n      min_backoff: 100ms\n      max_backoff: 150ms\n",
    );
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0), sample("a", 2, 2.0)]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[1].at - reqs[0].at, Duration::from_millis(100));
    assert_eq!(reqs[2].at - reqs[1].at, Duration::from_millis(150), "capped at max_backoff");
    assert!(!reqs[0].headers.contains_key("retry-attempt"));
    assert_eq!(reqs[1].headers["retry-attempt"], "1");
    assert_eq!(reqs[2].headers["retry-attempt"], "2");
    assert_eq!(reqs[0].req, reqs[2].req, "the same batch is resent");
    let text = metrics_text(&s);
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_retried_total{"), 4.0);
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_total{"), 2.0);
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_failed_total{"), 0.0);
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn drops_batches_on_4xx_and_carries_on() {
    let rec = Recorder::with_script([Answer::Status(400)]);
    let s = storage(&rec);
    let cfg = config("      max_samples_per_send: 1\n");
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0)]);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(rec.requests().len(), 1, "not retried");
    s.append(&[sample("a", 2, 1.0)]);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(rec.requests().len(), 2);
    let text = metrics_text(&s);
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_failed_total{"), 1.0);
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_total{"), 1.0);
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn http_429_is_dropped_unless_retry_on_http_429() {
    let rec = Recorder::with_script([Answer::RetryAfter(429, "7")]);
    let s = storage(&rec);
    s.apply_config(&[config("      max_samples_per_send: 1\n")], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0)]);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(rec.requests().len(), 1);
    s.stop().await;

    let rec = Recorder::with_script([Answer::RetryAfter(429, "7")]);
    let s = storage(&rec);
    let cfg = config("      max_samples_per_send: 1\n      retry_on_http_429: true\n");
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0)]);
    tokio::time::sleep(Duration::from_secs(30)).await;
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].at - reqs[0].at, Duration::from_secs(7), "Retry-After honoured");
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn remote_timeout_is_retried() {
    let rec = Recorder::with_script([Answer::Hang]);
    let s = storage(&rec);
    let (mut cfgs, _) = configs(
        "  - url: http://r.invalid/w\n    name: t\n    remote_timeout: 2s\n    queue_config:\n      max_samples_per_send: 1\n      min_backoff: 1s\n",
    );
    s.apply_config(&[cfgs.remove(0)], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0)]);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].at - reqs[0].at, Duration::from_secs(3), "timeout 2s + backoff 1s");
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn external_labels_then_write_relabel() {
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    let (cfgs, external) = configs(
        r#"  - url: http://r.invalid/w
    name: t
    write_relabel_configs:
      - source_labels: [__name__]
        regex: secret_.*
        action: drop
      - source_labels: [cluster]
        target_label: region
        regex: (.*)1
        replacement: $1
    queue_config:
      max_samples_per_send: 10
      batch_send_deadline: 1s
"#,
    );
    s.apply_config(&cfgs, &external).await.unwrap();
    s.append(&[
        sample("up", 1, 1.0),
        sample("secret_sauce", 1, 1.0),
        RemoteSample {
            labels: Labels::from_pairs([("__name__", "own"), ("cluster", "us1")]),
            t: 1,
            v: 2.0,
        },
    ]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got: Vec<Labels> = rec.samples().into_iter().map(|s| s.0).collect();
    assert_eq!(
        got,
        vec![
            Labels::from_pairs([
                ("__name__", "up"),
                ("cluster", "eu1"),
                ("job", "j"),
                ("region", "eu")
            ]),
            Labels::from_pairs([("__name__", "own"), ("cluster", "us1"), ("region", "us")]),
        ]
    );
    let text = metrics_text(&s);
    assert_eq!(
        metric(
            &text,
            r#"prometheus_remote_storage_samples_dropped_total{remote_name="t",url="http://r.invalid/w",reason="dropped_series"}"#
        ),
        1.0
    );
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_flushes_what_is_queued() {
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    s.apply_config(&[config("      batch_send_deadline: 1h\n")], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0), sample("a", 2, stale_nan())]);
    settle().await;
    assert!(rec.requests().is_empty(), "still batching");
    let start = Instant::now();
    s.stop().await;
    assert_eq!(start.elapsed(), Duration::ZERO, "no waiting for the deadline");
    let samples = rec.samples();
    assert_eq!(samples.len(), 2);
    assert!(model::storage::is_stale_nan(samples[1].2), "stale markers are sent as StaleNaN");
    s.append(&[sample("a", 3, 1.0)]);
    settle().await;
    assert_eq!(rec.samples().len(), 2, "appends after stop are ignored");
}

#[tokio::test(start_paused = true)]
async fn stop_gives_up_after_the_flush_deadline() {
    let rec = Recorder::with_script(std::iter::repeat_n(Answer::Status(500), 1000));
    let rec2 = rec.clone();
    let s = RemoteStorage::new()
        .with_flush_deadline(Duration::from_secs(60))
        .with_transport_factory(Arc::new(move |_| {
            Ok(Arc::new(InProcess(receiver(rec2.clone()))) as Arc<dyn Transport>)
        }));
    s.apply_config(&[config("      max_samples_per_send: 1\n")], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0)]);
    settle().await;
    let start = Instant::now();
    s.stop().await;
    assert_eq!(start.elapsed(), Duration::from_secs(60));
    assert!(rec.requests().len() > 10, "kept retrying until then");
}

#[tokio::test(start_paused = true)]
async fn full_queue_drops_and_counts_without_blocking() {
    let rec = Recorder::with_script([Answer::Hang]);
    let s = storage(&rec);
    let cfg = config("      capacity: 5\n      max_samples_per_send: 1\n");
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 0, 1.0)]);
    settle().await; // the first sample is now stuck in a hanging send
    let batch: Vec<_> = (1..=20).map(|t| sample("a", t, 1.0)).collect();
    s.append(&batch);
    let text = metrics_text(&s);
    assert_eq!(
        metric(
            &text,
            r#"prometheus_remote_storage_samples_dropped_total{remote_name="test",url="http://receiver.invalid/api/v1/write",reason="queue_full"}"#
        ),
        15.0
    );
    assert_eq!(metric(&text, "prometheus_remote_storage_samples_pending{"), 6.0);
}

#[tokio::test(start_paused = true)]
async fn resharding_keeps_series_order() {
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    let cfg = config(
        "      min_shards: 1\n      max_shards: 8\n      max_samples_per_send: 5\n      batch_send_deadline: 1s\n",
    );
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    let q = s.queues()[0].clone();
    for t in 0..30 {
        s.append(&(0..10).map(|i| sample(&format!("m{i}"), t, 1.0)).collect::<Vec<_>>());
        if t == 10 {
            q.reshard(4);
            assert_eq!(q.num_shards(), 4);
        }
        if t == 20 {
            q.reshard(2);
        }
    }
    s.stop().await;
    let samples = rec.samples();
    assert_eq!(samples.len(), 300);
    let mut last: std::collections::HashMap<Labels, i64> = Default::default();
    for (l, t, _) in samples {
        let prev = last.insert(l.clone(), t);
        assert!(prev.is_none_or(|p| p < t), "{l}: {prev:?} then {t}");
    }
}

#[tokio::test(start_paused = true)]
async fn backlog_grows_the_shards() {
    // A slow remote: 5s per one-sample request.
    let rec =
        Recorder::with_script(std::iter::repeat_n(Answer::Delay(Duration::from_secs(5)), 100));
    let s = storage(&rec);
    let cfg = config(
        "      capacity: 10\n      min_shards: 1\n      max_shards: 3\n      max_samples_per_send: 1\n",
    );
    s.apply_config(&[cfg], &Labels::empty()).await.unwrap();
    let q = s.queues()[0].clone();
    s.append(&(0..30).map(|t| sample(&format!("m{t}"), t, 1.0)).collect::<Vec<_>>());
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(q.num_shards(), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(q.num_shards(), 2, "doubled after dropping for a full queue");
    s.stop().await;
    assert_eq!(rec.samples().len(), 10, "what was queued before the reshard is delivered");
}

#[tokio::test(start_paused = true)]
async fn reload_keeps_unchanged_queues() {
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    let a = config("      capacity: 100\n");
    let mut b = a.clone();
    b.name = "other".into();
    b.url = "http://other.invalid/w".into();
    s.apply_config(&[a.clone(), b.clone()], &Labels::empty()).await.unwrap();
    let before = s.queues();
    s.apply_config(&[a.clone(), b.clone()], &Labels::empty()).await.unwrap();
    let same = s.queues();
    assert!(Arc::ptr_eq(&before[0], &same[0]) && Arc::ptr_eq(&before[1], &same[1]));

    let mut a2 = a.clone();
    a2.queue_config.capacity = 200;
    s.apply_config(&[a2, b.clone()], &Labels::empty()).await.unwrap();
    let changed = s.queues();
    assert!(!Arc::ptr_eq(&before[0], &changed[0]));
    assert!(Arc::ptr_eq(&before[1], &changed[1]));
    assert_eq!(before[0].num_shards(), 0, "the replaced queue is stopped");

    s.apply_config(&[b.clone()], &Labels::from_pairs([("x", "y")])).await.unwrap();
    assert_eq!(s.queues().len(), 1);
    assert!(!Arc::ptr_eq(&before[1], &s.queues()[0]), "external labels changed");
    let text = metrics_text(&s);
    assert!(!text.contains(r#"remote_name="test""#), "removed queue's metrics are gone:\n{text}");

    let err = s.apply_config(&[b.clone(), b.clone()], &Labels::empty()).await.unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
    assert_eq!(s.queues().len(), 1);
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn fanout_sends_what_the_local_store_committed() {
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    s.apply_config(&[config("      batch_send_deadline: 1s\n")], &Labels::empty()).await.unwrap();
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let fanout = RemoteFanout::new(head.clone(), s.clone());
    let up = Labels::from_pairs([("__name__", "up"), ("job", "j")]);

    let mut app = fanout.appender();
    app.append(&up, 1000, 1.0).unwrap();
    app.append(&up, 2000, stale_nan()).unwrap();
    app.commit().unwrap();

    let mut app = fanout.appender();
    app.append(&up, 3000, 5.0).unwrap();
    app.rollback();

    let mut app = fanout.appender();
    assert!(app.append(&up, 1500, 1.0).is_err(), "out of order locally");
    app.append(&up, 4000, 4.0).unwrap();
    app.commit().unwrap();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let got: Vec<(i64, f64)> = rec.samples().into_iter().map(|s| (s.1, s.2)).collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], (1000, 1.0));
    assert!(got[1].0 == 2000 && model::storage::is_stale_nan(got[1].1));
    assert_eq!(got[2], (4000, 4.0));
    let text = metrics_text(&s);
    assert_eq!(metric(&text, "prometheus_remote_storage_highest_timestamp_in_seconds "), 4.0);
    s.stop().await;
}

/// Over a real socket with the real HTTP transport (real time; nothing timed is asserted).
#[tokio::test]
async fn real_http_round_trip() {
    let rec = Recorder::with_script([Answer::Status(500)]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, receiver(rec.clone())).into_future());
    let (cfgs, _) = configs(&format!(
        "  - url: http://{addr}/api/v1/write\n    name: real\n    headers:\n      X-Scope-OrgID: tenant-1\n    basic_auth:\n      username: u\n      password: p\n    queue_config:\n      batch_send_deadline: 10ms\n      min_backoff: 10ms\n"
    ));
    let s = RemoteStorage::new();
    s.apply_config(&cfgs, &Labels::empty()).await.unwrap();
    s.append(&[sample("a", 1, 1.0)]);
    for _ in 0..500 {
        if rec.requests().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2, "500 then retried");
    let h = &reqs[1].headers;
    assert_eq!(h["content-encoding"], "snappy");
    assert_eq!(h["retry-attempt"], "1");
    assert_eq!(h["x-scope-orgid"], "tenant-1");
    assert_eq!(h["authorization"], "Basic dTpw");
    assert_eq!(rec.samples().len(), 2);
    s.stop().await;
    server.abort();
}

#[tokio::test(start_paused = true)]
async fn metadata_is_sent_every_interval_in_batches() {
    use remote::proto::{MetricMetadata, MetricType};
    let rec = Recorder::with_script([]);
    let s = storage(&rec);
    let md = |name: &str, kind: &str| MetricMetadata {
        r#type: MetricType::from_name(kind) as i32,
        metric_family_name: name.into(),
        help: format!("help of {name}"),
        unit: String::new(),
    };
    let source = vec![md("a", "counter"), md("b", "gauge"), md("a", "counter"), md("c", "weird")];
    s.set_metadata_source(Arc::new(move || source.clone()));
    let (mut cfgs, _) = configs(
        "  - url: http://r.invalid/w\n    name: md\n    metadata_config:\n      send_interval: 10s\n      max_samples_per_send: 2\n  - url: http://r.invalid/w2\n    name: no_md\n    metadata_config:\n      send: false\n",
    );
    cfgs.truncate(2);
    s.apply_config(&cfgs, &Labels::empty()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert!(rec.requests().is_empty(), "first send after one interval");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2, "3 unique entries in batches of 2, only from the queue that sends");
    assert!(reqs.iter().all(|r| r.req.timeseries.is_empty()));
    let names: Vec<&str> =
        reqs.iter().flat_map(|r| &r.req.metadata).map(|m| m.metric_family_name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(reqs[1].req.metadata[0].r#type, MetricType::Unknown as i32);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(rec.requests().len(), 4, "and again");
    let text = metrics_text(&s);
    assert_eq!(metric(&text, r#"prometheus_remote_storage_metadata_total{remote_name="md""#), 6.0);
    s.stop().await;
}
