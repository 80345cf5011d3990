//! `RemoteEngine` against klaxon's own query API served over a socket (the same router
//! `klaxon run` serves, over a TSDB head), and `remote_only` into klaxon's remote write
//! receiver. Interop with a real Prometheus is left to the release scripts.

#![allow(clippy::unwrap_used)] // Test code.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use api::prometheus::{PromBackend, router};
use axum::Router;
use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{Appendable, FPoint, SelectHints, Storage};
use model::time::ManualClock;
use rules::remote_engine::{DatasourceFlags, RemoteEngine, remote_only, remote_write_config};
use rules::seams::{QueryEngine, RuleQuery};

/// 2023-11-14T22:13:20Z
const T0: i64 = 1_700_000_000_000;

/// What a test datasource saw: the `Authorization` header and the form body of each request.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<Seen>>>);

/// `Authorization` and form body of one request.
type Seen = (Option<String>, String);

fn head_with_history() -> Arc<tsdb::Head> {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut app = head.appender();
    for i in 0..=10 {
        let t = T0 - (10 - i) * 60_000;
        for (inst, v) in [("a:1", 1.0), ("b:1", 0.0)] {
            let l = Labels::from_pairs([("__name__", "up"), ("job", "api"), ("instance", inst)]);
            app.append(&l, t, v).unwrap();
        }
    }
    app.commit().unwrap();
    head
}

async fn serve(app: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), task)
}

async fn klaxon_api() -> (String, tokio::task::JoinHandle<()>) {
    let mut b = PromBackend::new(head_with_history(), promql::Engine::default());
    b.clock = Arc::new(ManualClock::at_millis(T0));
    serve(router(b)).await
}

fn q(text: &str) -> RuleQuery {
    RuleQuery { text: text.into(), expr: Arc::new(promql::parse(text).unwrap()) }
}

/// A query whose text the local parser need not accept (sent as written).
fn raw(text: &str) -> RuleQuery {
    RuleQuery { text: text.into(), expr: Arc::new(promql::parse("1").unwrap()) }
}

fn engine(url: &str) -> RemoteEngine {
    RemoteEngine::new(url, &Default::default(), Duration::from_secs(10)).unwrap()
}

#[tokio::test]
async fn vector_answers() {
    let (url, server) = klaxon_api().await;
    let e = engine(&url);
    let mut got = e.instant(&q("up"), T0).await.unwrap();
    got.sort_by(|a, b| a.labels.cmp(&b.labels));
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].labels,
        Labels::from_pairs([("__name__", "up"), ("instance", "a:1"), ("job", "api")])
    );
    assert_eq!(got[0].f, 1.0);
    assert_eq!(got[1].f, 0.0);

    // A filtering comparison keeps the matching element only.
    let got = e.instant(&q("up == 0"), T0).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].labels.get("instance"), Some("b:1"));

    // Empty vector: nothing, not an error.
    assert!(e.instant(&q("up{job=\"none\"}"), T0).await.unwrap().is_empty());

    // Outside the lookback window nothing is there: the time is sent as asked.
    assert!(e.instant(&q("up"), T0 + 3_600_000).await.unwrap().is_empty());
    server.abort();
}

#[tokio::test]
async fn scalar_answers_one_unlabelled_sample() {
    let (url, server) = klaxon_api().await;
    let e = engine(&url);
    let got = e.instant(&q("time()"), T0 + 123).await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].labels.is_empty());
    assert_eq!(got[0].f, 1_700_000_000.123, "time sent with millisecond precision");
    let got = e.instant(&q("scalar(sum(up))"), T0).await.unwrap();
    assert_eq!(got[0].f, 1.0);
    server.abort();
}

#[tokio::test]
async fn errors_carry_the_servers_text() {
    let (url, server) = klaxon_api().await;
    let e = engine(&url);

    let err = e.instant(&raw("sum(up"), T0).await.unwrap_err();
    assert!(err.0.contains("bad_data"), "{err}");
    assert!(err.0.contains("HTTP 400"), "{err}");

    let err = e.instant(&q("up[5m]"), T0).await.unwrap_err();
    assert!(err.0.contains("not a vector or scalar"), "{err}");
    assert!(err.0.contains("matrix"), "{err}");

    let err = e.instant(&q("\"text\""), T0).await.unwrap_err();
    assert!(err.0.contains("string"), "{err}");

    // A path that is not the API (wrong prefix): the status and body are reported.
    let err = engine(&format!("{url}/nope")).instant(&q("up"), T0).await.unwrap_err();
    assert!(err.0.contains("HTTP 404"), "{err}");
    server.abort();

    // Nobody listening.
    let err = engine("http://127.0.0.1:9").instant(&q("up"), T0).await.unwrap_err();
    assert!(err.0.contains("datasource request failed"), "{err}");
}

#[test]
fn bad_urls_are_refused() {
    let err = RemoteEngine::new("localhost:9090", &Default::default(), Duration::from_secs(1))
        .unwrap_err();
    assert!(err.contains("invalid datasource URL"), "{err}");
    assert!(RemoteEngine::new("not a url", &Default::default(), Duration::from_secs(1)).is_err());
}

/// A datasource that records the request and answers a fixed vector.
async fn recording_server(
    seen: Captured,
    delay: Option<Duration>,
) -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new().route(
        "/prefix/api/v1/query",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: String| {
                let seen = seen.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_string());
                    seen.0.lock().unwrap().push((auth, body));
                    if let Some(d) = delay {
                        tokio::time::sleep(d).await;
                    }
                    (
                        [("content-type", "application/json")],
                        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"x":"1"},"value":[1700000000,"NaN"]},{"metric":{"x":"2"},"value":[1700000000,"+Inf"]}]}}"#,
                    )
                }
            },
        ),
    );
    serve(app).await
}

fn form(body: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}

#[tokio::test]
async fn bearer_token_file_and_form() {
    let seen = Captured::default();
    let (url, server) = recording_server(seen.clone(), None).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "s3cret\n").unwrap();
    let flags = DatasourceFlags {
        url: format!("{url}/prefix/"),
        bearer_token_file: Some("token".into()),
        ..Default::default()
    };
    let e = flags.engine(dir.path()).unwrap();
    let got = e.instant(&q("sum by (x) (rate(a_total[5m])) > 0"), T0 + 5).await.unwrap();
    assert!(got[0].f.is_nan());
    assert_eq!(got[1].f, f64::INFINITY);
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0.as_deref(), Some("Bearer s3cret"));
    let f = form(&seen[0].1);
    assert_eq!(f["query"], "sum by (x) (rate(a_total[5m])) > 0");
    assert_eq!(f["time"], "1700000000.005");
    server.abort();
}

#[tokio::test]
async fn basic_auth_password_file() {
    let seen = Captured::default();
    let (url, server) = recording_server(seen.clone(), None).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw"), "hunter2").unwrap();
    let flags = DatasourceFlags {
        url: format!("{url}/prefix"),
        basic_auth_username: Some("rules".into()),
        basic_auth_password_file: Some(dir.path().join("pw")),
        ..Default::default()
    };
    flags.engine(dir.path()).unwrap().instant(&q("up"), T0).await.unwrap();
    let auth = seen.0.lock().unwrap()[0].0.clone().unwrap();
    // base64("rules:hunter2")
    assert_eq!(auth, "Basic cnVsZXM6aHVudGVyMg==");
    server.abort();

    let both = DatasourceFlags {
        url: "http://x".into(),
        bearer_token_file: Some("t".into()),
        basic_auth_username: Some("u".into()),
        ..Default::default()
    };
    let err = both.engine(dir.path()).unwrap_err();
    assert!(err.contains("at most one"), "{err}");
}

#[tokio::test]
async fn slow_datasource_times_out() {
    let seen = Captured::default();
    let (url, server) = recording_server(seen, Some(Duration::from_secs(600))).await;
    let e = RemoteEngine::new(
        &format!("{url}/prefix"),
        &Default::default(),
        Duration::from_millis(100),
    )
    .unwrap();
    let err = e.instant(&q("up"), T0).await.unwrap_err();
    assert!(err.0.contains("timed out"), "{err}");
    server.abort();
}

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
async fn results_go_out_by_remote_write_only_when_committed() {
    // The receiving store: klaxon's own receiver.
    let receiving = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut b = PromBackend::new(receiving.clone(), promql::Engine::default());
    b.appendable = Some(receiving.clone());
    let (url, server) = serve(router(b)).await;

    let mut cfg = remote_write_config(&format!("{url}/api/v1/write"), &Default::default()).unwrap();
    cfg.queue_config.batch_send_deadline = model::duration::Duration::from_millis(10);
    let remote = Arc::new(remote::RemoteStorage::new());
    remote.apply_config(&[cfg], &Labels::default()).await.unwrap();
    let out = remote_only(remote.clone());

    let rec = Labels::from_pairs([("__name__", "job:up:sum"), ("job", "api")]);
    let mut app = out.appender();
    app.append(&rec, T0, 2.0).unwrap();
    app.commit().unwrap();
    let mut app = out.appender();
    app.append(&rec, T0 + 60_000, 99.0).unwrap();
    app.rollback();
    let alerts = Labels::from_pairs([
        ("__name__", "ALERTS"),
        ("alertname", "Down"),
        ("alertstate", "firing"),
    ]);
    let mut app = out.appender();
    app.append(&alerts, T0 + 60_000, 1.0).unwrap();
    app.commit().unwrap();

    // Delivery is asynchronous: wait for it (bounded), then check what arrived.
    let mut got = (Vec::new(), Vec::new());
    for _ in 0..500 {
        got = (read(&receiving, "job:up:sum"), read(&receiving, "ALERTS"));
        if !got.0.is_empty() && !got.1.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    remote.stop().await;
    server.abort();
    assert_eq!(got.0, vec![(rec, vec![FPoint { t: T0, f: 2.0 }])], "rolled back sample not sent");
    assert_eq!(got.1, vec![(alerts, vec![FPoint { t: T0 + 60_000, f: 1.0 }])]);
}

#[test]
fn remote_write_url_is_checked() {
    assert!(remote_write_config("ftp://x", &Default::default()).is_err());
    let cfg = remote_write_config("http://x/api/v1/write", &Default::default()).unwrap();
    assert_eq!(cfg.name, "rules");
    assert!(!cfg.metadata_config.send);
}

/// After a restart against a datasource, `for` state comes back from the datasource's
/// `ALERTS_FOR_STATE` (as written by the previous run through remote write).
#[tokio::test]
async fn for_state_restores_from_the_datasource() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut app = head.appender();
    let slow = Labels::from_pairs([("__name__", "slow"), ("instance", "a")]);
    let state = Labels::from_pairs([
        ("__name__", "ALERTS_FOR_STATE"),
        ("alertname", "Slow"),
        ("instance", "a"),
    ]);
    // The previous run: active since T0−10m, last wrote its state at T0−2m, then went down.
    for m in -10..=-2 {
        app.append(&state, T0 + m * 60_000, ((T0 - 600_000) / 1000) as f64).unwrap();
    }
    for m in -10..=1 {
        app.append(&slow, T0 + m * 60_000, 1.0).unwrap();
    }
    app.commit().unwrap();
    let mut b = PromBackend::new(head, promql::Engine::default());
    b.clock = Arc::new(ManualClock::at_millis(T0));
    let (url, server) = serve(router(b)).await;

    let text = "groups:\n  - name: g\n    rules:\n      - alert: Slow\n        expr: slow == 1\n        for: 30m\n";
    let file = rules::file::parse_str(text, "r.yml").unwrap();
    let opts = rules::group::GroupOptions {
        default_interval: Duration::from_secs(60),
        ..Default::default()
    };
    let group = rules::group::Group::new(&file.groups[0], &opts);
    group.set_needs_restore();
    let e = Arc::new(engine(&url));
    let ctx = rules::group::EvalContext::new(
        e.clone(),
        Arc::new(rules::remote_engine::DiscardAppendable),
    );
    group.eval(T0, &ctx).await;
    group.eval(T0 + 60_000, &ctx).await;

    let now = T0 + 60_000;
    let snap =
        e.for_state_snapshot(now, Duration::from_secs(3600), &["Slow", "Other|x"]).await.unwrap();
    assert_eq!(snap.len(), 1);
    group.restore_for_state(now, &snap, &rules::restore::RestoreOptions::default());
    server.abort();

    let alerts = group.active_alerts();
    assert_eq!(alerts.len(), 1);
    // 8 of the 30 minutes had passed when it went down; the 3 minutes of downtime do not
    // count: active since T0−10m+3m.
    assert_eq!(alerts[0].1.active_at_ms, T0 - 7 * 60_000);
}

#[tokio::test]
async fn range_selects_decode_matrices() {
    let (url, server) = klaxon_api().await;
    let e = engine(&url);
    let got = e.select_range("up{instance=\"a:1\"}", T0, Duration::from_secs(180)).await.unwrap();
    assert_eq!(got.len(), 1);
    let ts: Vec<i64> = got[0].1.iter().map(|p| (p.t - T0) / 60_000).collect();
    assert_eq!(ts, vec![-2, -1, 0], "(t − 3m, t]");
    let err = e.select_range("sum(up)", T0, Duration::from_secs(60)).await.unwrap_err();
    assert!(err.0.contains("bad_data"), "{err}");
    server.abort();
}

#[tokio::test]
async fn remote_rules_from_flags() {
    let dir = tempfile::tempdir().unwrap();
    let flags = DatasourceFlags { url: "http://127.0.0.1:9".into(), ..Default::default() };
    let ext = Labels::from_pairs([("replica", "a")]);
    let r = rules::remote_engine::RemoteRules::start(&flags, None, &ext, dir.path()).await.unwrap();
    assert!(r.remote.is_none());
    let r = rules::remote_engine::RemoteRules::start(
        &flags,
        Some("http://127.0.0.1:9/api/v1/write"),
        &ext,
        dir.path(),
    )
    .await
    .unwrap();
    assert!(r.remote.as_ref().unwrap().has_queues());
    r.stop().await;
    let bad = DatasourceFlags { url: "nope".into(), ..Default::default() };
    assert!(rules::remote_engine::RemoteRules::start(&bad, None, &ext, dir.path()).await.is_err());
}
