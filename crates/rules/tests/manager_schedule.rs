//! The rule manager's scheduling and reload over scripted groups, on tokio's paused clock:
//! slots at upstream's hash offset, missed iterations, restore after the second evaluation,
//! reload keeping unchanged groups, carrying state into changed ones, stale markers for
//! removed ones, and an alert send for every slot across reloads.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use model::duration::Duration as PromDuration;
use model::labels::Labels;
use model::storage::Appendable;
use model::time::{SharedClock, TokioClock};
use parking_lot::Mutex;
use rules::file::{GroupSpec, RuleFile, parse_str};
use rules::group::EvalSummary;
use rules::manager::{
    GroupFactory, GroupSettings, ManagedGroup, ManagerOptions, RuleHealth, RuleKind, RuleManager,
    RuleStatus, RulesView,
};
use rules::metrics::RuleMetrics;
use rules::seams::{Alert, AlertSink, BoxFuture, QueryEngine, QueryError, RuleQuery, Sample};

/// 2023-11-14T22:13:20.123456789Z: not aligned to anything.
fn start() -> SystemTime {
    UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789)
}

fn ns(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

/// The documented formula, written out independently: xxHash64 (seed 0) of the label set
/// `{file, name}` in Prometheus' stringlabels encoding (per label, sorted by name: length
/// byte, name, length byte, value), modulo the interval in ns.
fn expected_offset(file: &str, name: &str, interval_ns: i64) -> i64 {
    let mut bytes = Vec::new();
    for (k, v) in [("file", file), ("name", name)] {
        bytes.push(k.len() as u8);
        bytes.extend_from_slice(k.as_bytes());
        bytes.push(v.len() as u8);
        bytes.extend_from_slice(v.as_bytes());
    }
    (xxhash_rust::xxh64::xxh64(&bytes, 0) % interval_ns as u64) as i64
}

/// The first slot a group loaded at `now_ns` evaluates: the slot after the latest one at or
/// before now (slots are `k * interval + offset`).
fn expected_first_slot(now_ns: i64, offset: i64, interval_ns: i64) -> i64 {
    let since = (now_ns - offset).rem_euclid(interval_ns);
    now_ns - since + interval_ns
}

/// What the scripted groups did.
#[derive(Debug, Default)]
struct Log {
    /// (group, slot in ms) in evaluation order.
    evals: Mutex<Vec<(String, i64)>>,
    builds: AtomicUsize,
    /// (group, evaluations carried over from the replaced group).
    copies: Mutex<Vec<(String, u64)>>,
    /// (group, stale-marker time in ms, when in wall ns).
    stale: Mutex<Vec<(String, i64, i64)>>,
    /// (group, evaluations done before the restore).
    restores: Mutex<Vec<(String, u64)>>,
    /// (group, restore flag) per build.
    built: Mutex<Vec<(String, bool)>>,
}

#[derive(Debug)]
struct Factory {
    log: Arc<Log>,
    clock: SharedClock,
    /// How long each group's evaluation takes, by name.
    delays: Mutex<HashMap<String, Duration>>,
}

impl GroupFactory for Factory {
    fn build(&self, spec: &GroupSpec, settings: &GroupSettings) -> Box<dyn ManagedGroup> {
        self.log.builds.fetch_add(1, Ordering::SeqCst);
        self.log.built.lock().push((spec.name.clone(), settings.restore));
        Box::new(Scripted {
            name: spec.name.clone(),
            log: self.log.clone(),
            clock: self.clock.clone(),
            delay: self.delays.lock().get(&spec.name).copied().unwrap_or_default(),
            evals: 0,
            rules: spec.rules.len(),
        })
    }
}

/// A group whose "evaluation" is logged and takes a set time; its state is a count of
/// evaluations, carried across reloads; it sends one alert per evaluation.
#[derive(Debug)]
struct Scripted {
    name: String,
    log: Arc<Log>,
    clock: SharedClock,
    delay: Duration,
    evals: u64,
    rules: usize,
}

impl ManagedGroup for Scripted {
    fn eval(&mut self, ts_ms: i64) -> BoxFuture<'_, EvalSummary> {
        Box::pin(async move {
            self.log.evals.lock().push((self.name.clone(), ts_ms));
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            self.evals += 1;
            EvalSummary { rules: self.rules, ..EvalSummary::default() }
        })
    }

    fn alerts_to_send(&mut self, ts_ms: i64, _resend_delay: Duration) -> Vec<Alert> {
        vec![Alert {
            labels: Labels::from_pairs([("alertname", self.name.as_str())]),
            annotations: Labels::from_pairs([("evals", self.evals.to_string().as_str())]),
            starts_at_ms: ts_ms,
            ends_at_ms: ts_ms + 240_000,
            generator_url: String::new(),
        }]
    }

    fn restore_for_state(&mut self, _now_ms: i64) -> BoxFuture<'_, ()> {
        self.log.restores.lock().push((self.name.clone(), self.evals));
        Box::pin(async {})
    }

    fn copy_state_from(&mut self, old: &dyn ManagedGroup) {
        if let Some(old) = old.as_any().downcast_ref::<Scripted>() {
            self.evals = old.evals;
            self.log.copies.lock().push((self.name.clone(), old.evals));
        }
    }

    fn mark_stale(&self, ts_ms: i64, _appendable: &dyn Appendable) {
        self.log.stale.lock().push((self.name.clone(), ts_ms, ns(self.clock.now_system())));
    }

    fn rules(&self) -> Vec<RuleStatus> {
        (0..self.rules)
            .map(|i| RuleStatus {
                name: format!("r{i}"),
                query: "up".into(),
                labels: Labels::empty(),
                health: RuleHealth::Ok,
                last_error: None,
                evaluation_time: Duration::ZERO,
                last_evaluation: None,
                kind: RuleKind::Recording,
            })
            .collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Records every batch the manager hands over.
#[derive(Debug, Default)]
struct Sink {
    batches: Mutex<Vec<Vec<Alert>>>,
}

impl AlertSink for Sink {
    fn send(&self, alerts: Vec<Alert>) {
        self.batches.lock().push(alerts);
    }
}

#[derive(Debug)]
struct NoEngine;

impl QueryEngine for NoEngine {
    fn instant<'a>(
        &'a self,
        _query: &'a RuleQuery,
        _t_ms: i64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, QueryError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

struct Setup {
    manager: RuleManager,
    log: Arc<Log>,
    sink: Arc<Sink>,
    clock: SharedClock,
    factory: Arc<Factory>,
}

fn setup() -> Setup {
    let clock: SharedClock = Arc::new(TokioClock::starting_at(start()));
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let sink = Arc::new(Sink::default());
    let opts = ManagerOptions {
        engine: Arc::new(NoEngine),
        appendable: head.clone(),
        storage: Some(head),
        sink: sink.clone(),
        clock: clock.clone(),
        external_labels: Labels::empty(),
        external_url: String::new(),
        resend_delay: Duration::from_secs(60),
        outage_tolerance: Duration::from_secs(3600),
        grace_period: Duration::from_secs(600),
    };
    let log = Arc::new(Log::default());
    let factory =
        Arc::new(Factory { log: log.clone(), clock: clock.clone(), delays: Mutex::default() });
    let manager = RuleManager::with_factory(&opts, factory.clone());
    Setup { manager, log, sink, clock, factory }
}

fn file(name: &str, text: &str) -> RuleFile {
    match parse_str(text, name) {
        Ok(f) => f,
        Err(e) => panic!("{name}: {e:?}"),
    }
}

const MIN: PromDuration = PromDuration::from_secs(60);
const ZERO: PromDuration = PromDuration::from_secs(0);
const MIN_NS: i64 = 60_000_000_000;

fn evals_of(log: &Log, group: &str) -> Vec<i64> {
    log.evals.lock().iter().filter(|(g, _)| g == group).map(|(_, t)| *t).collect()
}

fn counter(
    f: &prometheus_client::metrics::family::Family<
        Vec<(String, String)>,
        prometheus_client::metrics::counter::Counter,
    >,
    file: &str,
    group: &str,
) -> u64 {
    f.get_or_create(&RuleMetrics::group_label(file, group)).get()
}

const TWO_GROUPS: &str = "
groups:
  - name: api
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
  - name: nodes
    interval: 15s
    rules:
      - alert: NodeDown
        expr: up == 0
";

#[tokio::test(start_paused = true)]
async fn groups_evaluate_at_upstreams_hash_offset_slots() {
    let s = setup();
    let now = ns(s.clock.now_system());
    s.manager.update(MIN, ZERO, vec![file("/etc/prometheus/rules.yml", TWO_GROUPS)]).await;
    tokio::time::sleep(Duration::from_secs(200)).await;

    for (group, interval_ns) in [("api", MIN_NS), ("nodes", 15_000_000_000)] {
        let offset = expected_offset("/etc/prometheus/rules.yml", group, interval_ns);
        let first = expected_first_slot(now, offset, interval_ns);
        let want: Vec<i64> = (0..)
            .map(|k| (first + k * interval_ns).div_euclid(1_000_000))
            .take_while(|t| *t <= (now + 200_000_000_000) / 1_000_000)
            .collect();
        assert!(want.len() >= 3, "{group}: {want:?}");
        assert_eq!(evals_of(&s.log, group), want, "{group}");
    }
    // The evaluation timestamps are slots, not when the task woke up.
    let api = evals_of(&s.log, "api");
    assert!(api.windows(2).all(|w| w[1] - w[0] == 60_000));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn different_files_and_names_get_different_offsets() {
    let s = setup();
    let now = ns(s.clock.now_system());
    let one = "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: up\n";
    s.manager.update(MIN, ZERO, vec![file("one.yml", one), file("two.yml", one)]).await;
    tokio::time::sleep(Duration::from_secs(61)).await;
    let evals = s.log.evals.lock().clone();
    assert_eq!(evals.len(), 2, "{evals:?}");
    let mut want: Vec<i64> = ["one.yml", "two.yml"]
        .iter()
        .map(|f| expected_first_slot(now, expected_offset(f, "a", MIN_NS), MIN_NS) / 1_000_000)
        .collect();
    want.sort();
    assert_ne!(want[0], want[1]);
    let mut got: Vec<i64> = evals.iter().map(|(_, t)| *t).collect();
    got.sort();
    assert_eq!(got, want);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_overrunning_evaluation_skips_slots_and_counts_them() {
    let s = setup();
    s.factory.delays.lock().insert("slow".into(), Duration::from_secs(150));
    let text = "groups:\n  - name: slow\n    rules:\n      - record: x\n        expr: up\n";
    let now = ns(s.clock.now_system());
    s.manager.update(MIN, ZERO, vec![file("slow.yml", text)]).await;
    let first = expected_first_slot(now, expected_offset("slow.yml", "slow", MIN_NS), MIN_NS);
    let first_ms = first.div_euclid(1_000_000);
    // First slot s0 runs until s0+150s: slot s0+60 is skipped and s0+120 evaluated (late);
    // that runs until s0+300s: s0+180 and s0+240 are skipped, s0+300 evaluated.
    let until = first + 301 * 1_000_000_000 - now;
    tokio::time::sleep(Duration::from_nanos(until as u64)).await;
    assert_eq!(evals_of(&s.log, "slow"), vec![first_ms, first_ms + 120_000, first_ms + 300_000]);
    let m = s.manager.metrics();
    assert_eq!(counter(&m.iterations_missed, "slow.yml", "slow"), 3);
    // Scheduled = executed + missed, as upstream counts them.
    assert_eq!(counter(&m.iterations, "slow.yml", "slow"), 6);
    // Rule evaluations are counted when they finish; the third is still running.
    assert_eq!(counter(&m.evaluations, "slow.yml", "slow"), 2);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn first_load_restores_after_the_second_evaluation_and_reloads_do_not() {
    let s = setup();
    let one = "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: up\n";
    s.manager.update(MIN, ZERO, vec![file("one.yml", one)]).await;
    tokio::time::sleep(Duration::from_secs(90)).await;
    assert!(s.log.restores.lock().is_empty(), "restore waits for the second evaluation");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(*s.log.restores.lock(), vec![("a".to_string(), 2)]);

    let two = "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: up\n  - name: b\n    rules:\n      - record: y\n        expr: up\n";
    s.manager.update(MIN, ZERO, vec![file("one.yml", two)]).await;
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(s.log.restores.lock().len(), 1, "a group added by a reload does not restore");
    assert_eq!(*s.log.built.lock(), vec![("a".to_string(), true), ("b".to_string(), false)]);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn reload_keeps_unchanged_groups_and_carries_state_into_changed_ones() {
    let s = setup();
    s.manager.update(MIN, ZERO, vec![file("r.yml", TWO_GROUPS)]).await;
    tokio::time::sleep(Duration::from_secs(130)).await;
    let api_before = evals_of(&s.log, "api");
    let nodes_before = evals_of(&s.log, "nodes");
    assert_eq!(s.log.builds.load(Ordering::SeqCst), 2);

    // Same text (a comment and different spacing): nothing is rebuilt.
    let same = format!("# reloaded\n{TWO_GROUPS}\n");
    s.manager.update(MIN, ZERO, vec![file("r.yml", &same)]).await;
    assert_eq!(s.log.builds.load(Ordering::SeqCst), 2);

    // `nodes` changes its rule; `api` stays.
    let changed = TWO_GROUPS.replace("up == 0", "up < 1");
    s.manager.update(MIN, ZERO, vec![file("r.yml", &changed)]).await;
    assert_eq!(s.log.builds.load(Ordering::SeqCst), 3);
    assert_eq!(*s.log.copies.lock(), vec![("nodes".to_string(), nodes_before.len() as u64)]);
    tokio::time::sleep(Duration::from_secs(130)).await;

    // Both groups' slots continue without a gap or a repeat.
    for (group, step) in [("api", 60_000), ("nodes", 15_000)] {
        let all = evals_of(&s.log, group);
        assert!(all.windows(2).all(|w| w[1] - w[0] == step), "{group}: {all:?}");
    }
    assert!(evals_of(&s.log, "api").len() > api_before.len());
    // The carried state keeps counting: the last alert says how many evaluations so far.
    let batches = s.sink.batches.lock().clone();
    let last_nodes = batches
        .iter()
        .flatten()
        .rfind(|a| a.labels.get("alertname") == Some("nodes"))
        .map(|a| a.annotations.get("evals").unwrap_or("").to_string());
    assert_eq!(last_nodes, Some(evals_of(&s.log, "nodes").len().to_string()));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_reload_right_after_a_slot_came_due_still_evaluates_that_slot() {
    let s = setup();
    // The group's evaluation takes 10s, so a reload 5s after a slot finds it mid-evaluation;
    // the replacement must evaluate the next slot, and one that came due while the old
    // group was busy is evaluated at once.
    s.factory.delays.lock().insert("a".into(), Duration::from_secs(10));
    let v1 = "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: up\n";
    let now = ns(s.clock.now_system());
    s.manager.update(MIN, ZERO, vec![file("f.yml", v1)]).await;
    let first = expected_first_slot(now, expected_offset("f.yml", "a", MIN_NS), MIN_NS);
    let mut version = 0;
    // Reload 5s after each slot, alternating the rule so the group is replaced each time.
    for k in 0..5 {
        let at = first + k * MIN_NS + 5_000_000_000;
        let wait = at - ns(s.clock.now_system());
        tokio::time::sleep(Duration::from_nanos(wait as u64)).await;
        version += 1;
        let text = v1.replace("expr: up", &format!("expr: up + {version}"));
        s.manager.update(MIN, ZERO, vec![file("f.yml", &text)]).await;
    }
    tokio::time::sleep(Duration::from_secs(61)).await;
    let got = evals_of(&s.log, "a");
    let first_ms = first.div_euclid(1_000_000);
    let want: Vec<i64> = (0..got.len() as i64).map(|k| first_ms + k * 60_000).collect();
    assert_eq!(got, want, "every slot evaluated once");
    assert!(got.len() >= 6);
    // One batch per evaluation reached the sink: nothing lost across five reloads.
    assert_eq!(s.sink.batches.lock().len(), got.len());
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn removed_groups_write_stale_markers_two_intervals_later() {
    let s = setup();
    s.manager.update(MIN, ZERO, vec![file("r.yml", TWO_GROUPS)]).await;
    tokio::time::sleep(Duration::from_secs(130)).await;
    let only_api = "groups:\n  - name: api\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n";
    let removed_at = ns(s.clock.now_system());
    s.manager.update(MIN, ZERO, vec![file("r.yml", only_api)]).await;
    let n_nodes = evals_of(&s.log, "nodes").len();
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert!(s.log.stale.lock().is_empty(), "stale markers wait two intervals");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stale = s.log.stale.lock().clone();
    assert_eq!(stale.len(), 1);
    let (group, t_ms, written_at) = &stale[0];
    assert_eq!(group, "nodes");
    assert_eq!(*t_ms, removed_at.div_euclid(1_000_000), "stamped at the removal time");
    assert!(*written_at >= removed_at + 30_000_000_000);
    assert_eq!(evals_of(&s.log, "nodes").len(), n_nodes, "a removed group stops");
    let names: Vec<String> = s.manager.rule_groups().iter().map(|g| g.name.clone()).collect();
    assert_eq!(names, vec!["api".to_string()]);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_skips_pending_stale_markers_and_later_updates() {
    let s = setup();
    s.manager.update(MIN, ZERO, vec![file("r.yml", TWO_GROUPS)]).await;
    tokio::time::sleep(Duration::from_secs(70)).await;
    s.manager.update(MIN, ZERO, vec![]).await;
    s.manager.stop().await;
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert!(s.log.stale.lock().is_empty());
    let n = s.log.evals.lock().len();
    s.manager.update(MIN, ZERO, vec![file("r.yml", TWO_GROUPS)]).await;
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(s.log.evals.lock().len(), n, "a stopped manager does not start groups");
}

#[tokio::test(start_paused = true)]
async fn the_view_lists_groups_by_file_then_name_with_their_settings() {
    let s = setup();
    s.manager.update(MIN, ZERO, vec![file("z.yml", TWO_GROUPS), file("a.yml", TWO_GROUPS)]).await;
    let groups = s.manager.rule_groups();
    let keys: Vec<(String, String, u64)> =
        groups.iter().map(|g| (g.file.clone(), g.name.clone(), g.interval.as_secs())).collect();
    assert_eq!(
        keys,
        vec![
            ("a.yml".into(), "api".into(), 60),
            ("a.yml".into(), "nodes".into(), 15),
            ("z.yml".into(), "api".into(), 60),
            ("z.yml".into(), "nodes".into(), 15),
        ]
    );
    assert!(groups.iter().all(|g| g.last_evaluation.is_none()));
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert!(s.manager.rule_groups().iter().all(|g| g.last_evaluation.is_some()));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn metrics_use_upstreams_names_and_group_label() {
    let s = setup();
    let mut registry = prometheus_client::registry::Registry::default();
    s.manager.register_metrics(&mut registry);
    s.manager.update(MIN, ZERO, vec![file("r.yml", TWO_GROUPS)]).await;
    tokio::time::sleep(Duration::from_secs(61)).await;
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap_or_default();
    for name in [
        "prometheus_rule_evaluations_total{rule_group=\"r.yml;api\"} 1",
        "prometheus_rule_evaluation_failures_total{rule_group=\"r.yml;api\"} 0",
        "prometheus_rule_group_iterations_total{rule_group=\"r.yml;api\"} 1",
        "prometheus_rule_group_iterations_missed_total{rule_group=\"r.yml;api\"} 0",
        "prometheus_rule_group_interval_seconds{rule_group=\"r.yml;nodes\"} 15.0",
        "prometheus_rule_group_rules{rule_group=\"r.yml;api\"} 1.0",
        "prometheus_rule_group_last_duration_seconds{rule_group=\"r.yml;api\"}",
        "prometheus_rule_group_last_evaluation_timestamp_seconds{rule_group=\"r.yml;api\"}",
        "prometheus_rule_evaluation_duration_seconds_bucket",
    ] {
        assert!(text.contains(name), "missing {name} in\n{text}");
    }
    s.manager.update(MIN, ZERO, vec![]).await;
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap_or_default();
    assert!(!text.contains("r.yml;api"), "removed groups' series go:\n{text}");
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_file_listed_twice_runs_its_groups_once() {
    let s = setup();
    s.manager.update(MIN, ZERO, vec![file("r.yml", TWO_GROUPS), file("r.yml", TWO_GROUPS)]).await;
    assert_eq!(s.manager.group_count(), 2);
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert_eq!(evals_of(&s.log, "api").len(), 1);
    s.manager.update(MIN, ZERO, vec![]).await;
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(evals_of(&s.log, "api").len(), 1, "no group left running unseen");
    s.manager.stop().await;
}
