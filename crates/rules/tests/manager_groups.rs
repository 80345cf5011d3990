//! The rule manager over real groups (PromQL over an in-memory head), on tokio's paused
//! clock: alert state survives reloads, no send is skipped around reloads, removed groups'
//! series go stale, and the view shows the rules as the API needs them.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use model::duration::Duration as PromDuration;
use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{FPoint, SelectHints, Storage, is_stale_nan};
use model::time::{SharedClock, TokioClock};
use parking_lot::Mutex;
use rules::file::{RuleFile, parse_str};
use rules::local::LocalEngine;
use rules::manager::{
    AlertState, ManagerOptions, RuleHealth, RuleKind, RuleManager, RuleState, RulesView,
};
use rules::seams::{Alert, AlertSink, BoxFuture, QueryEngine, QueryError, RuleQuery, Sample};

/// The local engine, run inline so evaluations take no time on the paused clock.
#[derive(Debug)]
struct Inline(LocalEngine);

impl QueryEngine for Inline {
    fn instant<'a>(
        &'a self,
        query: &'a RuleQuery,
        t_ms: i64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, QueryError>> {
        Box::pin(async move { self.0.instant_sync(query, t_ms) })
    }
}

/// Every batch, with the wall time (ms) it arrived.
#[derive(Debug, Default)]
struct Sink {
    batches: Mutex<Vec<Vec<Alert>>>,
}

impl AlertSink for Sink {
    fn send(&self, alerts: Vec<Alert>) {
        self.batches.lock().push(alerts);
    }
}

struct Setup {
    manager: RuleManager,
    head: Arc<tsdb::Head>,
    sink: Arc<Sink>,
    clock: SharedClock,
}

fn setup(resend_delay: Duration) -> Setup {
    let clock: SharedClock =
        Arc::new(TokioClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let sink = Arc::new(Sink::default());
    let engine = LocalEngine::new(promql::Engine::default(), head.clone());
    let manager = RuleManager::new(ManagerOptions {
        engine: Arc::new(Inline(engine)),
        appendable: head.clone(),
        storage: Some(head.clone()),
        sink: sink.clone(),
        clock: clock.clone(),
        external_labels: Labels::empty(),
        external_url: "http://klaxon:9090".into(),
        resend_delay,
        outage_tolerance: Duration::from_secs(3600),
        grace_period: Duration::from_secs(600),
    });
    Setup { manager, head, sink, clock }
}

fn file(text: &str) -> RuleFile {
    match parse_str(text, "alerts.yml") {
        Ok(f) => f,
        Err(e) => panic!("{e:?}"),
    }
}

const MIN: PromDuration = PromDuration::from_secs(60);
const ZERO: PromDuration = PromDuration::from_secs(0);

fn now_ms(clock: &SharedClock) -> i64 {
    clock
        .now_system()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn samples(head: &tsdb::Head, name: &str) -> Vec<FPoint> {
    let q = head.querier(i64::MIN / 2, i64::MAX / 2).expect("querier");
    let m = Matcher::prometheus(MatchOp::Equal, "__name__", name).expect("matcher");
    let hints = SelectHints { start: i64::MIN / 2, end: i64::MAX / 2, ..SelectHints::default() };
    let mut out = Vec::new();
    for s in q.select(&hints, &[m]).expect("select") {
        s.floats_into(i64::MIN / 2, i64::MAX / 2, &mut out);
    }
    out
}

fn group(annotation: &str, for_: &str) -> String {
    format!(
        "groups:
  - name: g
    interval: 30s
    rules:
      - record: one
        expr: vector(1)
      - alert: Always
        expr: one > 0
        for: {for_}
        labels:
          severity: page
        annotations:
          summary: '{annotation} {{{{ $value }}}}'
"
    )
}

#[tokio::test(start_paused = true)]
async fn every_evaluation_sends_across_reloads_of_a_changed_group() {
    // resend_delay 0: a firing alert is sent after every evaluation, so the count of
    // batches is the count of evaluations that reached the sink.
    let s = setup(Duration::ZERO);
    s.manager.update(MIN, ZERO, vec![file(&group("v0", "0s"))]).await;
    let mut starts = Vec::new();
    for k in 1..=8 {
        // Reload at varying points between slots (1s, 8s, 15s, ... after the start).
        tokio::time::sleep(Duration::from_secs(7 + (k % 3) * 11)).await;
        s.manager.update(MIN, ZERO, vec![file(&group(&format!("v{k}"), "0s"))]).await;
    }
    tokio::time::sleep(Duration::from_secs(31)).await;
    let batches = s.sink.batches.lock().clone();
    let evaluated: Vec<i64> = samples(&s.head, "one").iter().map(|p| p.t).collect();
    assert!(evaluated.len() >= 6, "{evaluated:?}");
    assert!(evaluated.windows(2).all(|w| w[1] - w[0] == 30_000), "no slot skipped: {evaluated:?}");
    assert_eq!(batches.len(), evaluated.len(), "one send per evaluation");
    for b in &batches {
        assert_eq!(b.len(), 1);
        starts.push(b[0].starts_at_ms);
    }
    // The alert is the same one throughout: its start never moves across reloads.
    assert!(starts.iter().all(|t| *t == starts[0]), "{starts:?}");
    assert_eq!(starts[0], evaluated[0]);
    // The last batch carries the last reload's annotation.
    let last = batches.last().map(|b| b[0].annotations.get("summary").unwrap_or("").to_string());
    assert_eq!(last.as_deref(), Some("v8 1"));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn pending_time_carries_over_a_reload() {
    let s = setup(Duration::from_secs(60));
    s.manager.update(MIN, ZERO, vec![file(&group("a", "2m"))]).await;
    // Two evaluations (pending since the first), then a reload that changes the annotation.
    tokio::time::sleep(Duration::from_secs(61)).await;
    let first = samples(&s.head, "one")[0].t;
    let rule = |m: &RuleManager| m.rule_groups()[0].rules[1].clone();
    match &rule(&s.manager).kind {
        RuleKind::Alerting(a) => {
            assert_eq!(a.state, RuleState::Pending);
            assert_eq!(a.alerts[0].active_at_ms, first);
        }
        RuleKind::Recording => panic!("alerting rule expected"),
    }
    s.manager.update(MIN, ZERO, vec![file(&group("b", "2m"))]).await;
    // Fires at first + 2m, as it would have without the reload.
    let until = first + 120_000 - now_ms(&s.clock);
    tokio::time::sleep(Duration::from_millis(until as u64 - 1000)).await;
    assert!(s.sink.batches.lock().is_empty());
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let batches = s.sink.batches.lock().clone();
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_eq!(batches[0][0].starts_at_ms, first + 120_000);
    match &rule(&s.manager).kind {
        RuleKind::Alerting(a) => {
            assert_eq!(a.state, RuleState::Firing);
            assert_eq!(a.alerts[0].state, AlertState::Firing);
            assert_eq!(a.alerts[0].active_at_ms, first);
            assert_eq!(a.for_, Duration::from_secs(120));
        }
        RuleKind::Recording => panic!("alerting rule expected"),
    }
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_removed_group_marks_its_series_stale() {
    let s = setup(Duration::from_secs(60));
    s.manager.update(MIN, ZERO, vec![file(&group("a", "0s"))]).await;
    // Three evaluations: `ALERTS` is written from the one after the restore.
    tokio::time::sleep(Duration::from_secs(95)).await;
    let removed_at = now_ms(&s.clock);
    s.manager.update(MIN, ZERO, vec![]).await;
    tokio::time::sleep(Duration::from_secs(59)).await;
    assert!(samples(&s.head, "one").iter().all(|p| !is_stale_nan(p.f)), "not before 2 intervals");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let one = samples(&s.head, "one");
    let last = one.last().copied();
    assert!(last.is_some_and(|p| is_stale_nan(p.f) && p.t == removed_at), "{one:?}");
    let alerts = samples(&s.head, "ALERTS");
    assert!(alerts.last().is_some_and(|p| is_stale_nan(p.f)), "{alerts:?}");
    assert_eq!(s.manager.group_count(), 0);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_view_shows_rules_health_and_printed_queries() {
    let s = setup(Duration::from_secs(60));
    let text = "groups:
  - name: g
    labels:
      team: db
    rules:
      - record: r
        expr: vector(1)
      - alert: A
        expr: sum   by(job)(up)>0
";
    s.manager.update(MIN, ZERO, vec![file(text)]).await;
    let before = s.manager.rule_groups();
    assert_eq!(before[0].rules[1].health, RuleHealth::Unknown);
    match &before[0].rules[1].kind {
        RuleKind::Alerting(a) => assert_eq!(a.state, RuleState::Unknown),
        RuleKind::Recording => panic!("alerting rule expected"),
    }
    tokio::time::sleep(Duration::from_secs(61)).await;
    let g = &s.manager.rule_groups()[0];
    assert_eq!(g.rules[1].query, "sum by (job) (up) > 0");
    assert_eq!(g.rules[1].labels, Labels::from_pairs([("team", "db")]));
    assert_eq!(g.rules[1].health, RuleHealth::Ok);
    match &g.rules[1].kind {
        RuleKind::Alerting(a) => assert_eq!(a.state, RuleState::Inactive),
        RuleKind::Recording => panic!("alerting rule expected"),
    }
    assert!(g.last_evaluation.is_some());
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn for_state_is_restored_after_the_second_evaluation_of_the_first_load() {
    let s = setup(Duration::from_secs(60));
    let start_ms = now_ms(&s.clock);
    // Before the "restart": the alert was active since 20m ago; its last state sample is
    // from 1m ago.
    {
        use model::storage::Appendable as _;
        let labels = Labels::from_pairs([
            ("__name__", "ALERTS_FOR_STATE"),
            ("alertname", "Always"),
            ("severity", "page"),
        ]);
        let mut app = s.head.appender();
        let active_since_s = (start_ms - 20 * 60_000) / 1000;
        app.append(&labels, start_ms - 60_000, active_since_s as f64).expect("append");
        app.commit().expect("commit");
    }
    s.manager.update(MIN, ZERO, vec![file(&group("a", "30m"))]).await;
    let active_at = |m: &RuleManager| match &m.rule_groups()[0].rules[1].kind {
        RuleKind::Alerting(a) => a.alerts.first().map(|x| x.active_at_ms),
        RuleKind::Recording => None,
    };
    tokio::time::sleep(Duration::from_secs(31)).await;
    let first = samples(&s.head, "one")[0].t;
    assert_eq!(active_at(&s.manager), Some(first), "not restored after one evaluation");
    tokio::time::sleep(Duration::from_secs(30)).await;
    let restored = active_at(&s.manager).expect("an alert");
    assert!(restored < start_ms - 10 * 60_000, "restored from ALERTS_FOR_STATE: {restored}");
    // ALERTS_FOR_STATE is written again from the evaluation after the restore, carrying the
    // restored time.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let state = samples(&s.head, "ALERTS_FOR_STATE");
    assert_eq!(state.len(), 2, "{state:?}");
    assert_eq!(state[1].f, (restored / 1000) as f64);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn external_labels_follow_a_reload_and_the_alert_carries_over() {
    let s = setup(Duration::ZERO);
    let text = "groups:
  - name: g
    interval: 30s
    rules:
      - alert: Always
        expr: vector(1)
        annotations:
          summary: 'in {{ $externalLabels.dc }}'
      - alert: Labelled
        expr: vector(1)
        labels:
          dc: '{{ $externalLabels.dc }}'
";
    let dc = |v: &str| Labels::from_pairs([("dc", v)]);
    s.manager.update_with_labels(MIN, ZERO, dc("eu"), vec![file(text)]).await;
    tokio::time::sleep(Duration::from_secs(31)).await;
    // The same rule files with other external labels: the group is replaced, alerts kept.
    s.manager.update_with_labels(MIN, ZERO, dc("us"), vec![file(text)]).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    // A plain update keeps the labels of the last one.
    s.manager.update(MIN, ZERO, vec![file(text)]).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let batches = s.sink.batches.lock().clone();
    let now = now_ms(&s.clock);
    let of = |b: &[Alert], name: &str| -> Vec<Alert> {
        b.iter().filter(|a| a.labels.get("alertname") == Some(name)).cloned().collect()
    };
    let summaries: Vec<(String, i64)> = batches
        .iter()
        .flat_map(|b| of(b, "Always"))
        .map(|a| (a.annotations.get("summary").unwrap_or("").to_string(), a.starts_at_ms))
        .collect();
    assert_eq!(summaries.len(), 3, "one send per evaluation: {summaries:?}");
    let texts: Vec<&str> = summaries.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, ["in eu", "in us", "in us"]);
    assert!(summaries.iter().all(|(_, t)| *t == summaries[0].1), "same alert: {summaries:?}");
    // A templated label is the alert's identity: the `eu` alert resolves, a `us` one fires.
    let last = of(batches.last().map(Vec::as_slice).unwrap_or_default(), "Labelled");
    let firing: Vec<&str> =
        last.iter().filter(|a| a.ends_at_ms > now).filter_map(|a| a.labels.get("dc")).collect();
    let resolved: Vec<&str> =
        last.iter().filter(|a| a.ends_at_ms <= now).filter_map(|a| a.labels.get("dc")).collect();
    assert_eq!((firing, resolved), (vec!["us"], vec!["eu"]), "{last:?}");
    s.manager.stop().await;
}

/// Appends `cond` = `v` at `t_ms`.
fn cond(head: &tsdb::Head, t_ms: i64, v: f64) {
    use model::storage::Appendable as _;
    let mut app = head.appender();
    app.append(&Labels::from_pairs([("__name__", "cond")]), t_ms, v).expect("append");
    app.commit().expect("commit");
}

#[tokio::test(start_paused = true)]
async fn firing_alerts_are_resent_after_the_resend_delay() {
    // Interval 30s, resend delay 1m: upstream resends once `last sent + 1m` is before the
    // evaluation, so every third evaluation.
    let s = setup(Duration::from_secs(60));
    s.manager.update(MIN, ZERO, vec![file(&group("a", "0s"))]).await;
    tokio::time::sleep(Duration::from_secs(30 * 10)).await;
    let evaluated: Vec<i64> = samples(&s.head, "one").iter().map(|p| p.t).collect();
    assert!(evaluated.len() >= 9, "{evaluated:?}");
    let batches = s.sink.batches.lock().clone();
    let sent: Vec<usize> = batches
        .iter()
        .map(|b| {
            let t = b[0].ends_at_ms - 4 * 60_000;
            evaluated.iter().position(|e| *e == t).expect("an evaluation's batch")
        })
        .collect();
    assert_eq!(sent, (0..evaluated.len()).step_by(3).collect::<Vec<_>>());
    assert!(batches.iter().flatten().all(|a| a.starts_at_ms == evaluated[0]));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn keep_firing_for_holds_the_alert_then_resolves() {
    let s = setup(Duration::ZERO);
    let start = now_ms(&s.clock);
    // True for the first 100 s, false afterwards.
    for i in 0..60 {
        cond(&s.head, start + i * 10_000, if i < 10 { 1.0 } else { 0.0 });
    }
    let text = "groups:
  - name: g
    interval: 30s
    rules:
      - record: seen
        expr: cond
      - alert: Held
        expr: seen == 1
        keep_firing_for: 1m
";
    s.manager.update(MIN, ZERO, vec![file(text)]).await;
    tokio::time::sleep(Duration::from_secs(300)).await;
    let seen = samples(&s.head, "seen");
    let false_at = seen.iter().find(|p| p.f == 0.0).expect("the condition went false").t;
    let batches = s.sink.batches.lock().clone();
    // Resend delay 0: one batch per evaluation while the alert is firing or resolved.
    assert_eq!(batches.len(), seen.len(), "{batches:?}");
    for (b, p) in batches.iter().zip(&seen) {
        assert_eq!(b.len(), 1);
        let a = &b[0];
        assert_eq!(a.starts_at_ms, seen[0].t, "one alert throughout");
        if p.t < false_at + 60_000 {
            // Firing (the condition true, or false for less than keep_firing_for).
            assert_eq!(a.ends_at_ms, p.t + 4 * 30_000, "firing at {}", p.t);
        } else {
            // Resolved at the first evaluation a full minute after it went false.
            assert_eq!(a.ends_at_ms, false_at + 60_000, "resolved, at {}", p.t);
        }
    }
    assert!(seen.last().is_some_and(|p| p.t > false_at + 60_000), "{seen:?}");
    s.manager.stop().await;
}

/// In `klaxon run` (a multi-threaded runtime, the engine's own `LocalEngine`), a group is
/// evaluated on one blocking thread with its queries inline, templates' `query` included.
/// Real time here: waits are bounded generously and nothing asserts how long anything took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_evaluate_on_a_blocking_thread_in_a_multi_threaded_runtime() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let sink = Arc::new(Sink::default());
    let engine = LocalEngine::new(promql::Engine::default(), head.clone());
    let manager = RuleManager::new(ManagerOptions {
        engine: Arc::new(engine),
        appendable: head.clone(),
        storage: Some(head.clone()),
        sink: sink.clone(),
        clock: Arc::new(model::time::SystemClock),
        external_labels: Labels::empty(),
        external_url: String::new(),
        resend_delay: Duration::from_secs(60),
        outage_tolerance: Duration::from_secs(3600),
        grace_period: Duration::from_secs(600),
    });
    let text = "groups:
  - name: g
    interval: 1s
    rules:
      - record: two
        expr: vector(2)
      - alert: Seen
        expr: two > 1
        annotations:
          doubled: '{{ with query \"two * 2\" }}{{ . | first | value }}{{ end }}'
";
    manager.update(MIN, ZERO, vec![file(text)]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while sink.batches.lock().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no alert sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let batch = sink.batches.lock()[0].clone();
    assert_eq!(batch[0].annotations.get("doubled"), Some("4"));
    assert!(!samples(&head, "two").is_empty());
    let g = &manager.rule_groups()[0];
    assert!(g.rules.iter().all(|r| r.health == RuleHealth::Ok), "{:?}", g.rules);
    manager.stop().await;
}
