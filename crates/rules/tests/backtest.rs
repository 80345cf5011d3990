//! Backtests over a TSDB directory with known history, opened as `klaxon rules backtest`
//! opens it (blocks only, no WAL): the timeline and summary follow from the history by hand.

#![allow(clippy::unwrap_used)] // Test code.

use std::sync::Arc;
use std::time::Duration;

use model::labels::Labels;
use model::storage::Storage;
use rules::backtest::{self, BacktestOptions, EventKind, ShadowStorage};
use rules::group::{EvalContext, GroupOptions};
use rules::local::LocalEngine;

/// 2023-11-14T22:00:00Z, a multiple of the block range.
const T0: i64 = 1_699_999_200_000;
const MIN: i64 = 60_000;

/// `error_rate{instance}` one sample a minute for 40 minutes: `a` is 0.2 during minutes
/// 10..20 and 0 otherwise; `b` is 0.5 from minute 30 on. The server also "recorded"
/// `instance:error_rate:max{instance="a"} = 9` throughout, which the replay must ignore.
fn history(dir: &std::path::Path) {
    let db = tsdb::Db::open(dir, tsdb::DbOptions { wal: None, ..Default::default() }).unwrap();
    let mut imp = db.importer();
    for m in 0..=40 {
        let t = T0 + m * MIN;
        let a = if (10..20).contains(&m) { 0.2 } else { 0.0 };
        let b = if m >= 30 { 0.5 } else { 0.0 };
        imp.add(&Labels::from_pairs([("__name__", "error_rate"), ("instance", "a")]), t, a)
            .unwrap();
        imp.add(&Labels::from_pairs([("__name__", "error_rate"), ("instance", "b")]), t, b)
            .unwrap();
        imp.add(
            &Labels::from_pairs([("__name__", "instance:error_rate:max"), ("instance", "a")]),
            t,
            9.0,
        )
        .unwrap();
    }
    imp.finish().unwrap();
}

const RULES: &str = r#"
groups:
  - name: errors
    interval: 1m
    rules:
      - record: instance:error_rate:max
        expr: max by (instance) (error_rate)
      - alert: HighErrorRate
        expr: instance:error_rate:max > 0.1
        for: 2m
        labels:
          severity: page
      - alert: NeverFires
        expr: error_rate > 100
"#;

async fn replay(
    dir: &std::path::Path,
    from: i64,
    to: i64,
    step: Option<Duration>,
) -> backtest::Report {
    let files = vec![rules::file::parse_str(RULES, "rules.yml").unwrap()];
    let opts = GroupOptions { default_interval: Duration::from_secs(60), ..Default::default() };
    let groups = backtest::groups_from_files(&files, &opts);
    let db =
        Arc::new(tsdb::Db::open(dir, tsdb::DbOptions { wal: None, ..Default::default() }).unwrap());
    let results = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let storage: Arc<dyn Storage> =
        Arc::new(ShadowStorage::new(db, results.clone(), backtest::written_names(&files)));
    let engine = Arc::new(LocalEngine::new(promql::Engine::default(), storage));
    let ctx = EvalContext::new(engine, results);
    let bt = BacktestOptions { from_ms: from, to_ms: to, step, group: opts };
    backtest::run(&groups, &ctx, &bt).await.unwrap()
}

fn a() -> Labels {
    Labels::from_pairs([("instance", "a"), ("severity", "page")])
}

fn b() -> Labels {
    Labels::from_pairs([("instance", "b"), ("severity", "page")])
}

#[tokio::test]
async fn fire_and_resolve_timeline() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    let r = replay(dir.path(), T0, T0 + 40 * MIN, None).await;

    let got: Vec<(i64, EventKind, Labels, f64)> =
        r.events.iter().map(|e| ((e.t_ms - T0) / MIN, e.kind, e.labels.clone(), e.value)).collect();
    assert_eq!(
        got,
        vec![
            (10, EventKind::Pending, a(), 0.2),
            (12, EventKind::Firing, a(), 0.2),
            (20, EventKind::Resolved, a(), 0.2),
            (30, EventKind::Pending, b(), 0.5),
            (32, EventKind::Firing, b(), 0.5),
        ]
    );
    assert!(r.events.iter().all(|e| e.name == "HighErrorRate"));
    assert_eq!(r.evaluations, 41);
    assert_eq!(r.failures, 0);
    assert_eq!(r.alerts.len(), 2);
    assert_eq!(
        (r.alerts[0].fired, r.alerts[0].firing_ms, r.alerts[0].firing_at_end),
        (1, 8 * MIN, false)
    );
    assert_eq!(
        (r.alerts[1].fired, r.alerts[1].firing_ms, r.alerts[1].firing_at_end),
        (1, 8 * MIN, true)
    );
    assert_eq!(r.never_active, vec!["NeverFires".to_string()]);

    let text = r.render();
    let expected = "\
2023-11-14T22:10:00Z  PENDING   HighErrorRate{instance=\"a\", severity=\"page\"}  value=0.2
2023-11-14T22:12:00Z  FIRING    HighErrorRate{instance=\"a\", severity=\"page\"}  value=0.2
2023-11-14T22:20:00Z  RESOLVED  HighErrorRate{instance=\"a\", severity=\"page\"}  value=0.2
2023-11-14T22:30:00Z  PENDING   HighErrorRate{instance=\"b\", severity=\"page\"}  value=0.5
2023-11-14T22:32:00Z  FIRING    HighErrorRate{instance=\"b\", severity=\"page\"}  value=0.5

Summary: 2023-11-14T22:00:00Z .. 2023-11-14T22:40:00Z, 1 group(s), 41 evaluation(s), 0 failed rule evaluation(s)
  HighErrorRate{instance=\"a\", severity=\"page\"}  pending 1 time(s), fired 1 time(s), firing 8m
  HighErrorRate{instance=\"b\", severity=\"page\"}  pending 1 time(s), fired 1 time(s), firing 8m (still firing at the end)
  NeverFires  never active
";
    assert_eq!(text, expected);
}

#[tokio::test]
async fn step_override_and_pending_that_never_fires() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    // Every 5 minutes from minute 0 to 15: pending seen at 10, gone at 15 (a still high at
    // 15? no: minutes 10..20 are high) -> firing at 15 (held 5m >= 2m), then the range ends.
    let r = replay(dir.path(), T0, T0 + 15 * MIN, Some(Duration::from_secs(300))).await;
    let got: Vec<(i64, EventKind)> =
        r.events.iter().map(|e| ((e.t_ms - T0) / MIN, e.kind)).collect();
    assert_eq!(got, vec![(10, EventKind::Pending), (15, EventKind::Firing)]);
    assert_eq!(r.evaluations, 4);

    // A window in which `a` goes pending and the condition ends before `for` passes.
    let r = replay(dir.path(), T0 + 19 * MIN, T0 + 25 * MIN, None).await;
    let got: Vec<(i64, EventKind)> =
        r.events.iter().map(|e| ((e.t_ms - T0) / MIN, e.kind)).collect();
    assert_eq!(got, vec![(19, EventKind::Pending), (20, EventKind::Inactive)]);
    assert_eq!(r.alerts[0].fired, 0);
    assert!(r.render().contains("pending 1 time(s), never fired"));
}

#[tokio::test]
async fn rule_errors_are_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    let text = r#"
groups:
  - name: broken
    interval: 1m
    rules:
      - alert: Dup
        expr: label_replace(error_rate, "instance", "x", "", "")
"#;
    let files = vec![rules::file::parse_str(text, "bad.yml").unwrap()];
    let opts = GroupOptions { default_interval: Duration::from_secs(60), ..Default::default() };
    let groups = backtest::groups_from_files(&files, &opts);
    let db = Arc::new(
        tsdb::Db::open(dir.path(), tsdb::DbOptions { wal: None, ..Default::default() }).unwrap(),
    );
    let results = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let storage: Arc<dyn Storage> =
        Arc::new(ShadowStorage::new(db, results.clone(), backtest::written_names(&files)));
    let ctx =
        EvalContext::new(Arc::new(LocalEngine::new(promql::Engine::default(), storage)), results);
    let bt = BacktestOptions { from_ms: T0, to_ms: T0 + 3 * MIN, step: None, group: opts };
    let r = backtest::run(&groups, &ctx, &bt).await.unwrap();
    assert_eq!(r.failures, 4);
    let errors: Vec<_> = r.events.iter().filter(|e| e.kind == EventKind::Error).collect();
    assert_eq!(errors.len(), 1, "{:?}", r.events);
    assert_eq!(errors[0].name, "Dup");
    assert!(r.render().contains("ERROR     Dup: "), "{}", r.render());

    let bad = BacktestOptions { from_ms: T0, to_ms: T0 - 1, step: None, group: Default::default() };
    assert!(backtest::run(&groups, &ctx, &bad).await.unwrap_err().contains("before"));
}
