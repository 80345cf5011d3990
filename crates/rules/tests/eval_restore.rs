//! Restoring `for` state from `ALERTS_FOR_STATE` after a restart.

mod eval_support;

use eval_support::*;
use rules::alerting::AlertState;
use rules::restore::RestoreOptions;

const RULE: &str = r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 30m
        labels:
          severity: page
"#;

fn up(env: &Env, t: i64, v: f64) {
    env.add(&[("__name__", "up"), ("instance", "a")], t, v);
}

/// Runs a "first process" from `T0` for `minutes`, then a restarted one whose two
/// evaluations are at `restart` and `restart + 1m`, restoring at `restart + 1m`.
async fn restart_after(minutes: i64, restart: i64) -> (Env, rules::group::Group) {
    let env = Env::new();
    let before = group(RULE);
    for i in 0..minutes {
        up(&env, T0 + i * MIN, 0.0);
        before.eval(T0 + i * MIN, &env.ctx).await;
    }
    let after = group(RULE);
    after.set_needs_restore();
    for ts in [restart, restart + MIN] {
        up(&env, ts, 0.0);
        after.eval(ts, &env.ctx).await;
    }
    // Not restored yet: no ALERTS written by the new process.
    assert!(env.query("ALERTS", restart + MIN).is_empty());
    after.restore_for_state(restart + MIN, env.head.as_ref(), &RestoreOptions::default());
    (env, after)
}

#[tokio::test]
async fn pending_time_before_the_outage_counts() {
    // Pending 10m (ActiveAt T0, last ALERTS_FOR_STATE at T0+9m), down 11m.
    let (env, g) = restart_after(10, T0 + 20 * MIN).await;
    let rule = g.alerting_rules().next().expect("rule");
    let a = &rule.active_alerts()[0];
    // remaining = 30m − 9m = 21m ≥ grace: the downtime (T0+9m → now) is not counted.
    let now = T0 + 21 * MIN;
    assert_eq!(a.active_at_ms, T0 + (now - (T0 + 9 * MIN)));
    assert!(rule.is_restored());
    // After restore ALERTS is written again, with the restored ActiveAt.
    up(&env, now + MIN, 0.0);
    g.eval(now + MIN, &env.ctx).await;
    let fs = env.query("ALERTS_FOR_STATE", now + MIN);
    assert_eq!(fs[0].f, (a.active_at_ms / 1000) as f64);
}

#[tokio::test]
async fn little_time_left_waits_the_grace_period() {
    // Pending 25m before going down: 5m left < 10m grace ⇒ fires 10m after restore.
    let (env, g) = restart_after(26, T0 + 30 * MIN).await;
    let rule = g.alerting_rules().next().expect("rule");
    let now = T0 + 31 * MIN;
    assert_eq!(rule.active_alerts()[0].active_at_ms, now + 10 * MIN - 30 * MIN);
    for i in 1..=10 {
        let ts = now + i * MIN;
        up(&env, ts, 0.0);
        g.eval(ts, &env.ctx).await;
        let want = if i < 10 { AlertState::Pending } else { AlertState::Firing };
        assert_eq!(rule.active_alerts()[0].state, want, "minute {i} after restore");
    }
}

#[tokio::test]
async fn firing_before_the_outage_fires_at_next_evaluation() {
    let (env, g) = restart_after(40, T0 + 45 * MIN).await;
    let rule = g.alerting_rules().next().expect("rule");
    assert_eq!(rule.active_alerts()[0].active_at_ms, T0);
    // Restored alerts stay pending until the next evaluation promotes them.
    assert_eq!(rule.active_alerts()[0].state, AlertState::Pending);
    let ts = T0 + 47 * MIN;
    up(&env, ts, 0.0);
    g.eval(ts, &env.ctx).await;
    assert_eq!(rule.active_alerts()[0].state, AlertState::Firing);
}

#[tokio::test]
async fn beyond_outage_tolerance_nothing_is_restored() {
    // Last ALERTS_FOR_STATE at T0+39m; restore at T0+101m, more than 1h later.
    let (_env, g) = restart_after(40, T0 + 100 * MIN).await;
    let rule = g.alerting_rules().next().expect("rule");
    assert_eq!(rule.active_alerts()[0].active_at_ms, T0 + 100 * MIN);
    assert!(rule.is_restored());
}

#[tokio::test]
async fn short_for_skips_restore() {
    let env = Env::new();
    let yaml = r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
"#;
    let before = group(yaml);
    for i in 0..3 {
        up(&env, T0 + i * MIN, 0.0);
        before.eval(T0 + i * MIN, &env.ctx).await;
    }
    let after = group(yaml);
    after.set_needs_restore();
    let ts = T0 + 10 * MIN;
    up(&env, ts, 0.0);
    after.eval(ts, &env.ctx).await;
    after.restore_for_state(ts, env.head.as_ref(), &RestoreOptions::default());
    let rule = after.alerting_rules().next().expect("rule");
    assert_eq!(rule.active_alerts()[0].active_at_ms, ts);
    assert!(rule.is_restored());
}

#[tokio::test]
async fn stale_for_state_is_not_restored() {
    let env = Env::new();
    let before = group(RULE);
    up(&env, T0, 0.0);
    before.eval(T0, &env.ctx).await;
    // The alert goes away: ALERTS_FOR_STATE gets a stale marker.
    up(&env, T0 + MIN, 1.0);
    before.eval(T0 + MIN, &env.ctx).await;
    let after = group(RULE);
    after.set_needs_restore();
    let ts = T0 + 5 * MIN;
    up(&env, ts, 0.0);
    after.eval(ts, &env.ctx).await;
    after.restore_for_state(ts, env.head.as_ref(), &RestoreOptions::default());
    let rule = after.alerting_rules().next().expect("rule");
    assert_eq!(rule.active_alerts()[0].active_at_ms, ts);
}
