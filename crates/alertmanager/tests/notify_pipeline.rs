//! The notification pipeline: silences and inhibition at flush time (spec §12.3, §12.4),
//! time intervals and `mutedBy`, and what a flush reports when sending fails (§4.2).

#![allow(clippy::unwrap_used)]

mod dispatch_support;

use alertmanager::alert::{Alert, Time, ZERO_TIME};
use alertmanager::dispatch::RouteInfo;
use alertmanager::integrations::{FailureReason, NotifyError};
use alertmanager::marker::Marker;
use alertmanager::metrics::Metrics;
use alertmanager::nflog::{Nflog, NflogOptions, ReceiverKey};
use alertmanager::notify::seams::{Nothing, SilenceCheck};
use alertmanager::notify::{Flush, Pipeline, PipelineDeps};
use dispatch_support::*;
use model::labels::Labels;
use model::time::{SharedClock, TokioClock};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use template::alertmanager::Templates;

/// Silences `alertname` (any, if `None`) between two wall times; the end can be moved.
struct WindowSilence {
    alertname: Option<&'static str>,
    from: f64,
    until: Arc<Mutex<f64>>,
}

impl SilenceCheck for WindowSilence {
    fn silenced_by(&self, labels: &Labels, now: Time) -> Vec<String> {
        let name_ok = self.alertname.is_none_or(|n| labels.get("alertname") == Some(n));
        if name_ok && now >= wall(self.from) && now <= wall(*self.until.lock()) {
            vec!["sil-1".to_string()]
        } else {
            Vec::new()
        }
    }
}

#[tokio::test(start_paused = true)]
async fn silencing_applies_at_each_flush() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let mut setup =
        Setup::route("group_by: [], group_wait: 1s, group_interval: 1s, repeat_interval: 1ms")
            .receiver("default", vec![rx.integration("webhook", 0, true)]);
    setup.silences = Arc::new(WindowSilence {
        alertname: Some("test1"),
        from: 2.5,
        until: Arc::new(Mutex::new(4.5)),
    });
    let h = Harness::start(setup);
    h.at(1.0).await;
    h.post(vec![
        alert(&[("alertname", "test1")], Some(1.0), None),
        alert(&[("alertname", "test2")], Some(1.0), None),
    ]);
    h.at(5.5).await;
    let b = rx.batches();
    let both = [exp("test1", 1.0, None), exp("test2", 1.0, None)];
    assert_batch(&b, 2.0, 2.5, &both);
    assert_batch(&b, 3.0, 3.5, &[exp("test2", 1.0, None)]);
    assert_batch(&b, 4.0, 4.5, &[exp("test2", 1.0, None)]);
    assert_batch(&b, 5.0, 5.5, &both);
    assert_total(&b, 6);
    assert!(
        h.metrics
            .encode()
            .contains("alertmanager_notifications_suppressed_total{reason=\"silence\"} 2")
    );
}

#[tokio::test(start_paused = true)]
async fn deleting_a_silence_notifies_at_the_next_flush() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let until = Arc::new(Mutex::new(100.0));
    let mut setup =
        Setup::route("group_by: [], group_wait: 1s, group_interval: 1s, repeat_interval: 1ms")
            .receiver("default", vec![rx.integration("webhook", 0, true)]);
    setup.silences = Arc::new(WindowSilence { alertname: None, from: 1.5, until: until.clone() });
    let h = Harness::start(setup);
    h.at(1.0).await;
    h.post(vec![
        alert(&[("alertname", "test1")], Some(1.0), None),
        alert(&[("alertname", "test2")], Some(1.0), None),
    ]);
    h.at(3.5).await;
    *until.lock() = 3.5;
    h.at(4.5).await;
    let b = rx.batches();
    assert_batch(&b, 3.5, 4.5, &[exp("test1", 1.0, None), exp("test2", 1.0, None)]);
    assert_total(&b, 2);
}

const INHIBIT: &str = r#"
route: {receiver: default, group_by: [], group_wait: 1s, group_interval: 1s, repeat_interval: 1s}
receivers: [{name: default}]
inhibit_rules:
- source_match: {alertname: JobDown}
  target_match: {alertname: InstanceDown}
  equal: [job, zone]
"#;

fn lbl(name: &str, zone: &str) -> String {
    format!("{{alertname=\"{name}\", job=\"testjob\", zone=\"{zone}\"}}")
}

#[tokio::test(start_paused = true)]
async fn inhibition_follows_the_source_alert() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::config(INHIBIT).receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    let a = |name: &'static str, zone: &'static str, s: f64, e: Option<f64>| {
        alert(&[("alertname", name), ("job", "testjob"), ("zone", zone)], Some(s), e)
    };
    h.at(1.0).await;
    h.post(vec![
        a("test1", "aa", 1.0, None),
        a("InstanceDown", "aa", 1.0, None),
        a("InstanceDown", "ab", 1.0, None),
    ]);
    h.at(2.2).await;
    h.post(vec![a("JobDown", "aa", 2.2, None)]);
    h.at(3.6).await;
    h.post(vec![a("JobDown", "aa", 2.2, Some(3.6))]);
    h.at(4.5).await;
    let b = rx.batches();
    assert_batch(
        &b,
        2.0,
        2.5,
        &[
            (lbl("test1", "aa"), 1.0, None),
            (lbl("InstanceDown", "aa"), 1.0, None),
            (lbl("InstanceDown", "ab"), 1.0, None),
        ],
    );
    assert_batch(
        &b,
        3.0,
        3.5,
        &[
            (lbl("test1", "aa"), 1.0, None),
            (lbl("InstanceDown", "ab"), 1.0, None),
            (lbl("JobDown", "aa"), 2.2, None),
        ],
    );
    assert_batch(
        &b,
        4.0,
        4.5,
        &[
            (lbl("test1", "aa"), 1.0, None),
            (lbl("InstanceDown", "aa"), 1.0, None),
            (lbl("InstanceDown", "ab"), 1.0, None),
            (lbl("JobDown", "aa"), 2.2, Some(3.6)),
        ],
    );
    assert_total(&b, 10);
}

#[tokio::test(start_paused = true)]
async fn a_resolved_source_stops_inhibiting_at_once() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::config(INHIBIT).receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    let a = |name: &'static str, s: f64, e: Option<f64>| {
        alert(&[("alertname", name), ("job", "testjob"), ("zone", "aa")], Some(s), e)
    };
    h.at(1.0).await;
    h.post(vec![a("InstanceDown", 1.0, None), a("JobDown", 1.0, None)]);
    h.at(2.6).await;
    h.post(vec![a("InstanceDown", 1.0, Some(2.6)), a("JobDown", 1.0, Some(2.6))]);
    h.at(3.5).await;
    let b = rx.batches();
    assert_batch(&b, 2.0, 2.5, &[(lbl("JobDown", "aa"), 1.0, None)]);
    assert_batch(
        &b,
        3.0,
        3.5,
        &[(lbl("InstanceDown", "aa"), 1.0, Some(2.6)), (lbl("JobDown", "aa"), 1.0, Some(2.6))],
    );
    assert_total(&b, 3);
}

const INTERVALS: &str = r#"
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  routes:
  - matchers: ['alertname="muted"']
    mute_time_intervals: [always, never]
  - matchers: ['alertname="inactive"']
    active_time_intervals: [never]
  - matchers: ['alertname="active"']
    active_time_intervals: [never, always]
receivers: [{name: default}]
time_intervals:
- name: always
  time_intervals: [{weekdays: ['sunday:saturday']}]
- name: never
  time_intervals: [{years: ['1990']}]
"#;

#[tokio::test(start_paused = true)]
async fn time_intervals_mute_whole_groups_and_record_muted_by() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let cfg = alertmanager::config::load_str(INTERVALS, std::path::Path::new("am.yml")).unwrap();
    let marker = Arc::new(Marker::new());
    let mut setup =
        Setup::config(INTERVALS).receiver("default", vec![rx.integration("webhook", 0, true)]);
    setup.intervals = Arc::new(cfg.time_intervals.clone());
    setup.marker = marker.clone();
    let h = Harness::start(setup);
    h.post(vec![
        alert(&[("alertname", "muted")], Some(0.0), None),
        alert(&[("alertname", "inactive")], Some(0.0), None),
        alert(&[("alertname", "active")], Some(0.0), None),
    ]);
    h.at(1.5).await;
    let b = rx.batches();
    assert_batch(&b, 1.0, 1.0, &[exp("active", 0.0, None)]);
    assert_total(&b, 1);
    let muted = |i: usize, name: &str| {
        marker.muted_by(
            &format!("{{}}/{{alertname=\"{name}\"}}/{i}"),
            &format!("{{}}/{{alertname=\"{name}\"}}:{{alertname=\"{name}\"}}"),
        )
    };
    assert_eq!(muted(0, "muted"), vec!["always"]);
    assert_eq!(muted(1, "inactive"), vec!["never"]);
    assert!(muted(2, "active").is_empty());
    let text = h.metrics.encode();
    assert!(
        text.contains(
            "alertmanager_notifications_suppressed_total{reason=\"mute_time_interval\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains(
        "alertmanager_notifications_suppressed_total{reason=\"active_time_interval\"} 1"
    ));
}

// ---------------------------------------------------------------------------------------------
// The pipeline on its own.

struct Direct {
    pipeline: Pipeline,
    nflog: Arc<Nflog>,
    metrics: Arc<Metrics>,
    now: Time,
}

fn direct(receivers: HashMap<String, Vec<alertmanager::integrations::Integration>>) -> Direct {
    let clock: SharedClock =
        Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH + Duration::from_secs(WALL0)));
    let nflog = Nflog::in_memory(NflogOptions::default());
    let metrics = Arc::new(Metrics::default());
    let deps = PipelineDeps {
        inhibitor: Arc::new(Nothing),
        silences: Arc::new(Nothing),
        time_intervals: Arc::new(Nothing),
        nflog: nflog.clone(),
        marker: Arc::new(Nothing),
        metrics: metrics.clone(),
        templates: Arc::new(Templates::with_defaults()),
        external_url: String::new(),
        user_agent: String::new(),
        cluster: None,
        retention: Duration::from_secs(120 * 3600),
        clock,
    };
    Direct { pipeline: Pipeline::new(receivers, deps), nflog, metrics, now: wall(0.0) }
}

fn flush(now: Time, deadline_in: Duration) -> Flush {
    Flush {
        group_key: "{}:{}".into(),
        group_labels: Labels::default(),
        route: Arc::new(RouteInfo {
            id: "{}".into(),
            key: "{}".into(),
            receiver: "team".into(),
            repeat_interval: Duration::from_secs(3600),
            ..RouteInfo::default()
        }),
        route_labels: BTreeMap::new(),
        now,
        deadline: tokio::time::Instant::now() + deadline_in,
    }
}

fn firing(name: &str) -> Alert {
    Alert {
        labels: Labels::from_pairs([("alertname", name)]),
        annotations: Labels::default(),
        starts_at: wall(-10.0),
        ends_at: ZERO_TIME,
        updated_at: wall(-10.0),
        generator_url: String::new(),
        timeout: false,
    }
}

#[tokio::test(start_paused = true)]
async fn failures_of_all_integrations_are_joined_with_upstream_texts() {
    let t0 = tokio::time::Instant::now();
    let permanent = Receiver::new(t0).with(Arc::new(|_| {
        Box::pin(async {
            Some(NotifyError::permanent(
                FailureReason::ClientError,
                "unexpected status code 400: bad",
            ))
        })
    }));
    let flaky = Receiver::new(t0).with(failing(Duration::ZERO, 1e9, "connection refused"));
    let ok = Receiver::new(t0);
    let d = direct(HashMap::from([(
        "team".to_string(),
        vec![
            permanent.integration("webhook", 0, true),
            flaky.integration("slack", 0, true),
            ok.integration("email", 0, true),
        ],
    )]));
    let err = d
        .pipeline
        .exec(&flush(d.now, Duration::from_secs(10)), vec![firing("a")])
        .await
        .unwrap_err();
    assert_eq!(err.errors.len(), 2, "{err}");
    assert_eq!(
        err.errors[0],
        "team/webhook[0]: notify retry canceled due to unrecoverable error after 1 attempts: unexpected status code 400: bad"
    );
    let attempts = flaky.attempts.lock().len();
    assert!(
        err.errors[1].starts_with(&format!(
            "team/slack[0]: notify retry canceled after {attempts} attempts: connection refused"
        )),
        "{err}"
    );
    // Backoff 0.5 s × 1.5ⁿ ± 50 % inside 10 s: a handful of attempts, not a storm.
    assert!((4..=12).contains(&attempts), "{attempts}");
    assert_eq!(tokio::time::Instant::now() - t0, Duration::from_secs(10));
    assert_eq!(ok.batches().len(), 1, "a failing sibling does not stop the others");
    let text = d.metrics.encode();
    assert!(text.contains(
        "alertmanager_notifications_failed_total{integration=\"webhook\",reason=\"clientError\"} 1"
    ));
    assert!(text.contains(
        "alertmanager_notifications_failed_total{integration=\"slack\",reason=\"other\"} 1"
    ));
    assert!(text.contains(&format!(
        "alertmanager_notification_requests_total{{integration=\"slack\"}} {attempts}"
    )));
    assert!(text.contains(&format!(
        "alertmanager_notification_requests_failed_total{{integration=\"slack\"}} {attempts}"
    )));
    assert!(text.contains("alertmanager_notifications_total{integration=\"email\"} 1"));
    // Only the successful integration was logged.
    let key = |i: &str| ReceiverKey { group_name: "team".into(), integration: i.into(), index: 0 };
    assert!(d.nflog.query("{}:{}", &key("email")).is_some());
    assert!(d.nflog.query("{}:{}", &key("webhook")).is_none());
}

#[tokio::test(start_paused = true)]
async fn a_deadline_during_the_first_attempt_reports_context_deadline_exceeded() {
    let t0 = tokio::time::Instant::now();
    let rx = Receiver::new(t0).with(slow(Duration::from_secs(60)));
    let d = direct(HashMap::from([("team".to_string(), vec![rx.integration("webhook", 0, true)])]));
    let err = d
        .pipeline
        .exec(&flush(d.now, Duration::from_secs(10)), vec![firing("a")])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "team/webhook[0]: notify retry canceled after 1 attempts: context deadline exceeded"
    );
}

#[tokio::test(start_paused = true)]
async fn without_send_resolved_an_all_resolved_group_is_logged_but_not_sent() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let d =
        direct(HashMap::from([("team".to_string(), vec![rx.integration("webhook", 0, false)])]));
    d.pipeline.exec(&flush(d.now, Duration::from_secs(10)), vec![firing("a")]).await.unwrap();
    let mut resolved = firing("a");
    resolved.ends_at = wall(-1.0);
    d.pipeline.exec(&flush(d.now, Duration::from_secs(10)), vec![resolved]).await.unwrap();
    assert_eq!(rx.batches().len(), 1);
    let key = ReceiverKey { group_name: "team".into(), integration: "webhook".into(), index: 0 };
    let entry = d.nflog.query("{}:{}", &key).unwrap();
    assert!(entry.firing.is_empty());
    assert_eq!(entry.resolved.len(), 1);
    // And the next firing alert is a first notification again.
    d.pipeline.exec(&flush(d.now, Duration::from_secs(10)), vec![firing("b")]).await.unwrap();
    assert_eq!(rx.batches()[1].reason, "first notification");
}

#[tokio::test(start_paused = true)]
async fn an_unknown_receiver_fails_the_flush() {
    let d = direct(HashMap::new());
    let err = d
        .pipeline
        .exec(&flush(d.now, Duration::from_secs(10)), vec![firing("a")])
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "stage for receiver missing");
}
