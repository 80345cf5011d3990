//! The alert state machine over a real head and the local engine, at explicit timestamps.

mod eval_support;

use std::time::Duration;

use eval_support::*;
use rules::alerting::AlertState;
use rules::recording::RuleHealth;

const DOWN: &str = r#"
groups:
  - name: g
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 5m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} of {{ $labels.job }} down ({{ $value }})"
"#;

fn up(env: &Env, inst: &str, t: i64, v: f64) {
    env.add(&[("__name__", "up"), ("job", "node"), ("instance", inst)], t, v);
}

#[tokio::test]
async fn pending_then_firing_after_for() {
    let env = Env::new();
    let g = group(DOWN);
    let rule = g.alerting_rules().next().expect("rule");
    assert_eq!(rule.state(), AlertState::Unknown);
    for i in 0..=6 {
        let ts = T0 + i * MIN;
        up(&env, "a:9100", ts, 0.0);
        let s = g.eval(ts, &env.ctx).await;
        assert_eq!(s.failures, 0);
        let alerts = rule.active_alerts();
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert_eq!(a.active_at_ms, T0);
        let want = if i < 5 { AlertState::Pending } else { AlertState::Firing };
        assert_eq!(a.state, want, "at minute {i}");
        assert_eq!(a.fired_at_ms, if i < 5 { None } else { Some(T0 + 5 * MIN) });
        // ALERTS carries the state; ALERTS_FOR_STATE the ActiveAt in seconds.
        let alerts_series = env.query("ALERTS", ts);
        assert_eq!(alerts_series.len(), 1);
        assert_eq!(
            alerts_series[0].labels,
            labels(&[
                ("__name__", "ALERTS"),
                ("alertname", "InstanceDown"),
                ("alertstate", want.as_str()),
                ("instance", "a:9100"),
                ("job", "node"),
                ("severity", "page"),
            ])
        );
        let for_state = env.query("ALERTS_FOR_STATE", ts);
        assert_eq!(for_state.len(), 1);
        assert_eq!(for_state[0].f, (T0 / 1000) as f64);
        assert!(!for_state[0].labels.has("alertstate"));
    }
    assert_eq!(rule.state(), AlertState::Firing);
    let a = &rule.active_alerts()[0];
    assert_eq!(a.annotations, labels(&[("summary", "a:9100 of node down (0)")]));
    assert_eq!(rule.status().health, RuleHealth::Ok);

    // The pending ALERTS series went stale when the alert started firing.
    let raw = env.raw("ALERTS");
    let pending =
        raw.iter().find(|(l, _)| l.get("alertstate") == Some("pending")).expect("pending series");
    let last = pending.1.last().expect("points");
    assert_eq!(last.t, T0 + 5 * MIN);
    assert!(model::storage::is_stale_nan(last.f));
}

#[tokio::test]
async fn missing_evaluation_resets_pending_and_resolves_firing() {
    let env = Env::new();
    let g = group(DOWN);
    let rule = g.alerting_rules().next().expect("rule");
    up(&env, "a:9100", T0, 0.0);
    g.eval(T0, &env.ctx).await;
    assert_eq!(rule.active_alerts()[0].state, AlertState::Pending);
    up(&env, "a:9100", T0 + MIN, 1.0);
    g.eval(T0 + MIN, &env.ctx).await;
    // A pending alert that disappears is deleted outright, not resolved.
    assert!(rule.all_alerts().is_empty());
    assert_eq!(rule.state(), AlertState::Inactive);
    // Back again: a new ActiveAt.
    up(&env, "a:9100", T0 + 2 * MIN, 0.0);
    g.eval(T0 + 2 * MIN, &env.ctx).await;
    assert_eq!(rule.active_alerts()[0].active_at_ms, T0 + 2 * MIN);
}

#[tokio::test]
async fn resolved_alerts_are_kept_15m_and_sent_resolved() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    let resend = Duration::from_secs(60);
    up(&env, "a", T0, 0.0);
    g.eval(T0, &env.ctx).await;
    // for: 0 fires at once.
    let sent = g.alerts_to_send(T0, resend);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].starts_at_ms, T0);
    assert_eq!(sent[0].ends_at_ms, T0 + 4 * MIN);
    assert_eq!(
        sent[0].generator_url,
        "http://prom.example:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1"
    );
    assert_eq!(
        sent[0].labels,
        labels(&[("alertname", "Down"), ("instance", "a"), ("job", "node")])
    );

    up(&env, "a", T0 + MIN, 1.0);
    g.eval(T0 + MIN, &env.ctx).await;
    let all = rule.all_alerts();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].state, AlertState::Inactive);
    assert_eq!(all[0].resolved_at_ms, Some(T0 + MIN));
    assert!(rule.active_alerts().is_empty());
    // Resolved since the last send: sent at once, EndsAt = ResolvedAt.
    let sent = g.alerts_to_send(T0 + MIN, resend);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].starts_at_ms, T0);
    assert_eq!(sent[0].ends_at_ms, T0 + MIN);
    // ALERTS went stale immediately.
    assert!(env.query("ALERTS", T0 + MIN).is_empty());

    // Re-sent every resend delay (strictly more), until dropped after 15m.
    let mut sends = Vec::new();
    for i in 2..=17 {
        let ts = T0 + i * MIN;
        up(&env, "a", ts, 1.0);
        g.eval(ts, &env.ctx).await;
        if !g.alerts_to_send(ts, resend).is_empty() {
            sends.push(i);
        }
        let kept = !rule.all_alerts().is_empty();
        assert_eq!(kept, ts - (T0 + MIN) <= 15 * MIN, "minute {i}");
    }
    assert_eq!(sends, vec![3, 5, 7, 9, 11, 13, 15]);
}

#[tokio::test]
async fn firing_alerts_resend_every_second_evaluation() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    interval: 30s
    rules:
      - alert: Down
        expr: up == 0
        for: 1m
"#,
    );
    let resend = Duration::from_secs(60);
    let mut sent_at = Vec::new();
    for i in 0..12 {
        let ts = T0 + i * 30_000;
        up(&env, "a", ts, 0.0);
        g.eval(ts, &env.ctx).await;
        for a in g.alerts_to_send(ts, resend) {
            assert_eq!(a.starts_at_ms, T0 + MIN);
            // 4 × max(interval 30s, resend 1m).
            assert_eq!(a.ends_at_ms, ts + 4 * MIN);
            sent_at.push(i);
        }
    }
    // Pending at 0 and 1, firing from 2 (1m); re-sent once LastSentAt + 1m < ts.
    assert_eq!(sent_at, vec![2, 5, 8, 11]);
}

#[tokio::test]
async fn failed_evaluation_sends_nothing() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
"#,
    );
    up(&env, "a", T0, 0.0);
    g.eval(T0, &env.ctx).await;
    assert_eq!(g.alerts_to_send(T0, Duration::from_secs(60)).len(), 1);
    // Without an evaluation at this ts, nothing is due.
    assert!(g.alerts_to_send(T0 + 2 * MIN, Duration::from_secs(60)).is_empty());
}

#[tokio::test]
async fn keep_firing_for() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        keep_firing_for: 5m
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    up(&env, "a", T0, 0.0);
    g.eval(T0, &env.ctx).await;
    assert_eq!(rule.active_alerts()[0].state, AlertState::Firing);
    for i in 1..=6 {
        let ts = T0 + i * MIN;
        up(&env, "a", ts, 1.0);
        g.eval(ts, &env.ctx).await;
        let a = &rule.all_alerts()[0];
        if i < 6 {
            assert_eq!(a.state, AlertState::Firing, "minute {i}");
            assert_eq!(a.keep_firing_since_ms, Some(T0 + MIN));
            assert_eq!(env.query("ALERTS", ts).len(), 1);
        } else {
            assert_eq!(a.state, AlertState::Inactive);
            assert_eq!(a.resolved_at_ms, Some(ts));
            assert!(env.query("ALERTS", ts).is_empty());
        }
    }
}

#[tokio::test]
async fn keep_firing_since_clears_when_condition_returns() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        keep_firing_for: 2m
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    for (i, v) in [0.0, 1.0, 0.0, 1.0, 1.0].into_iter().enumerate() {
        let ts = T0 + i as i64 * MIN;
        up(&env, "a", ts, v);
        g.eval(ts, &env.ctx).await;
    }
    let a = &rule.all_alerts()[0];
    assert_eq!(a.state, AlertState::Firing);
    assert_eq!(a.keep_firing_since_ms, Some(T0 + 3 * MIN));
    assert_eq!(a.fired_at_ms, Some(T0));
}

#[tokio::test]
async fn templated_labels_and_annotations() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    labels:
      team: infra
    rules:
      - alert: DiskFull
        expr: disk_used_ratio > 0.9
        labels:
          severity: "{{ if gt $value 0.95 }}critical{{ else }}warning{{ end }}"
          dropped: "{{ $labels.nothing }}"
        annotations:
          summary: "{{ $labels.instance }} disk {{ $value | humanizePercentage }} ({{ $externalLabels.cluster }})"
          big: "{{ 1234567.0 | humanize }} {{ 90 | humanizeDuration }}"
          link: "{{ $externalURL }}{{ \"x\" | tableLink }}"
          broken: "{{ .Nope.Deeper }}"
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    env.add(&[("__name__", "disk_used_ratio"), ("instance", "h1")], T0, 0.93);
    g.eval(T0, &env.ctx).await;
    let a = &rule.active_alerts()[0];
    assert_eq!(
        a.labels,
        labels(&[
            ("alertname", "DiskFull"),
            ("instance", "h1"),
            ("severity", "warning"),
            ("team", "infra")
        ])
    );
    assert_eq!(a.annotations.get("summary"), Some("h1 disk 93% (eu1)"));
    assert_eq!(a.annotations.get("big"), Some("1.235M 1m 30s"));
    assert_eq!(
        a.annotations.get("link"),
        Some("http://prom.example:9090/graph?g0.expr=x&g0.tab=1")
    );
    let broken = a.annotations.get("broken").unwrap_or_default();
    assert!(
        broken.starts_with("<error expanding template: error executing template __alert_DiskFull: template: __alert_DiskFull:1:"),
        "{broken}"
    );
    // A raw rule label that expands to "" keeps its template text in ALERTS (upstream).
    let series = env.query("ALERTS", T0);
    assert_eq!(series[0].labels.get("dropped"), Some("{{ $labels.nothing }}"));

    // The value crossing 0.95 changes a label: a new alert, the old one resolves.
    env.add(&[("__name__", "disk_used_ratio"), ("instance", "h1")], T0 + MIN, 0.97);
    g.eval(T0 + MIN, &env.ctx).await;
    let all = rule.all_alerts();
    assert_eq!(all.len(), 2);
    let crit = all.iter().find(|a| a.labels.get("severity") == Some("critical")).expect("critical");
    assert_eq!(crit.state, AlertState::Firing);
    assert_eq!(crit.active_at_ms, T0 + MIN);
    let warn = all.iter().find(|a| a.labels.get("severity") == Some("warning")).expect("warning");
    assert_eq!(warn.state, AlertState::Inactive);
}

#[tokio::test]
async fn annotation_change_keeps_the_alert() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: High
        expr: load > 1
        for: 1m
        annotations:
          v: "{{ $value }}"
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    env.add(&[("__name__", "load")], T0, 2.0);
    g.eval(T0, &env.ctx).await;
    env.add(&[("__name__", "load")], T0 + MIN, 3.5);
    g.eval(T0 + MIN, &env.ctx).await;
    let a = &rule.active_alerts()[0];
    assert_eq!(a.active_at_ms, T0);
    assert_eq!(a.state, AlertState::Firing);
    assert_eq!(a.value, 3.5);
    assert_eq!(a.annotations.get("v"), Some("3.5"));
}

#[tokio::test]
async fn query_function_in_templates() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        annotations:
          others: "{{ range query \"up == 1\" }}{{ .Labels.instance }} {{ end }}"
          count: "{{ with query \"count(up)\" }}{{ . | first | value }}{{ end }}"
          bad: "{{ query \"up ==\" }}"
          sorted: "{{ range sortByLabel \"instance\" (query \"up\") }}{{ label \"instance\" . }}={{ value . }},{{ end }}"
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    up(&env, "b", T0, 1.0);
    up(&env, "a", T0, 0.0);
    up(&env, "c", T0, 1.0);
    g.eval(T0, &env.ctx).await;
    let a = &rule.active_alerts()[0];
    assert_eq!(a.annotations.get("others"), Some("b c "));
    assert_eq!(a.annotations.get("count"), Some("3"));
    assert_eq!(a.annotations.get("sorted"), Some("a=0,b=1,c=1,"));
    let bad = a.annotations.get("bad").unwrap_or_default();
    assert!(bad.starts_with("<error expanding template: "), "{bad}");
    assert_eq!(rule.status().health, RuleHealth::Ok);
}

#[tokio::test]
async fn scalar_result_is_one_alert() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Always
        expr: 1 > bool 2
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    g.eval(T0, &env.ctx).await;
    let alerts = rule.active_alerts();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].labels, labels(&[("alertname", "Always")]));
    assert_eq!(alerts[0].value, 0.0);
}

#[tokio::test]
async fn duplicate_alert_labels_fail_the_rule() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Dup
        expr: up
        labels:
          instance: same
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    up(&env, "a", T0, 1.0);
    up(&env, "b", T0, 1.0);
    let s = g.eval(T0, &env.ctx).await;
    assert_eq!(s.failures, 1);
    let st = rule.status();
    assert_eq!(st.health, RuleHealth::Err);
    assert_eq!(
        st.last_error.as_deref(),
        Some("vector contains metrics with the same labelset after applying alert labels")
    );
    assert!(rule.all_alerts().is_empty());
    assert!(g.alerts_to_send(T0, Duration::from_secs(60)).is_empty());
}

#[tokio::test]
async fn alert_limit_clears_state() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    limit: 1
    rules:
      - alert: Down
        expr: up == 0
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    up(&env, "a", T0, 0.0);
    g.eval(T0, &env.ctx).await;
    assert_eq!(rule.active_alerts().len(), 1);
    up(&env, "a", T0 + MIN, 0.0);
    up(&env, "b", T0 + MIN, 0.0);
    let s = g.eval(T0 + MIN, &env.ctx).await;
    assert_eq!(s.failures, 1);
    assert_eq!(rule.status().last_error.as_deref(), Some("exceeded limit of 1 with 2 alerts"));
    assert!(rule.all_alerts().is_empty());
}

#[tokio::test]
async fn query_offset_stamps_output_but_not_bookkeeping() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    query_offset: 1m
    rules:
      - alert: Down
        expr: up == 0
"#,
    );
    let rule = g.alerting_rules().next().expect("rule");
    // The query runs at ts − 1m; ActiveAt stays ts, the samples are stamped ts − 1m.
    up(&env, "a", T0 - MIN, 0.0);
    g.eval(T0, &env.ctx).await;
    let a = &rule.active_alerts()[0];
    assert_eq!(a.active_at_ms, T0);
    let raw = env.raw("ALERTS");
    assert_eq!(raw[0].1[0].t, T0 - MIN);
}

#[tokio::test]
async fn raised_for_after_reload_returns_firing_alert_to_pending() {
    let env = Env::new();
    let old = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
"#,
    );
    up(&env, "a", T0, 0.0);
    old.eval(T0, &env.ctx).await;
    let new = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 10m
"#,
    );
    new.copy_state_from(&old);
    up(&env, "a", T0 + MIN, 0.0);
    new.eval(T0 + MIN, &env.ctx).await;
    let a = &new.alerting_rules().next().expect("rule").active_alerts()[0];
    assert_eq!(a.state, AlertState::Pending);
    assert_eq!(a.fired_at_ms, None);
    assert_eq!(a.active_at_ms, T0);
}

#[tokio::test]
async fn copy_state_from_carries_alerts_and_stales_removed_rules() {
    let env = Env::new();
    let old = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
      - record: gone:up
        expr: up
"#,
    );
    for i in 0..3 {
        up(&env, "a", T0 + i * MIN, 0.0);
        old.eval(T0 + i * MIN, &env.ctx).await;
    }
    let new = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        annotations:
          new: "yes"
"#,
    );
    new.copy_state_from(&old);
    for i in 3..6 {
        up(&env, "a", T0 + i * MIN, 0.0);
        new.eval(T0 + i * MIN, &env.ctx).await;
    }
    let rule = new.alerting_rules().next().expect("rule");
    let a = &rule.active_alerts()[0];
    assert_eq!(a.active_at_ms, T0);
    assert_eq!(a.state, AlertState::Firing);
    assert_eq!(a.annotations.get("new"), Some("yes"));
    // The removed recording rule's series got a stale marker at the first new evaluation.
    let raw = env.raw("gone:up");
    let last = raw[0].1.last().expect("points");
    assert_eq!(last.t, T0 + 3 * MIN);
    assert!(model::storage::is_stale_nan(last.f));
}

#[tokio::test]
async fn needs_restore_writes_no_alerts_series() {
    let env = Env::new();
    let g = group(DOWN);
    g.set_needs_restore();
    up(&env, "a", T0, 0.0);
    g.eval(T0, &env.ctx).await;
    assert!(env.query("ALERTS", T0).is_empty());
    assert_eq!(g.alerting_rules().next().expect("rule").active_alerts().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_eval_runs_on_a_spawned_task() {
    let env = Env::new();
    let g = std::sync::Arc::new(group(DOWN));
    up(&env, "a", T0, 0.0);
    let ctx = env.ctx.clone();
    let g2 = g.clone();
    let s = tokio::spawn(async move { g2.eval(T0, &ctx).await }).await.expect("join");
    assert_eq!(s.rules, 1);
    assert_eq!(s.samples, 2);
}

#[tokio::test(start_paused = true)]
async fn evaluation_does_not_move_paused_time() {
    // Queries and query-using templates run on the blocking pool; tokio does not
    // auto-advance paused time while they run, so scheduling tests stay exact.
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        annotations:
          n: "{{ query \"count(up)\" | first | value }}"
"#,
    );
    up(&env, "a", T0, 0.0);
    let before = tokio::time::Instant::now();
    g.eval(T0, &env.ctx).await;
    assert_eq!(tokio::time::Instant::now(), before);
    let rule = g.alerting_rules().next().expect("rule");
    assert_eq!(rule.active_alerts()[0].annotations.get("n"), Some("1"));
}

#[tokio::test]
async fn copy_state_matches_duplicate_rules_in_order() {
    let env = Env::new();
    let yaml = r#"
groups:
  - name: g
    rules:
      - alert: Same
        expr: up{instance="a"} == 0
      - alert: Same
        expr: up{instance="b"} == 0
"#;
    let old = group(yaml);
    up(&env, "a", T0, 0.0);
    old.eval(T0, &env.ctx).await;
    up(&env, "b", T0 + MIN, 0.0);
    up(&env, "a", T0 + MIN, 0.0);
    old.eval(T0 + MIN, &env.ctx).await;
    let new = group(yaml);
    new.copy_state_from(&old);
    let active: Vec<i64> =
        new.alerting_rules().map(|r| r.active_alerts()[0].active_at_ms).collect();
    // Same name and labels: the first new rule takes the first old one, and so on.
    assert_eq!(active, vec![T0, T0 + MIN]);
}
