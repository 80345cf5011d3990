//! Recording rules within a group evaluation: naming, labels, chains, stale markers, limits.

mod eval_support;

use eval_support::*;
use model::storage::is_stale_nan;
use rules::recording::RuleHealth;

fn req(env: &Env, path: &str, t: i64, v: f64) {
    env.add(&[("__name__", "http_requests_total"), ("job", "api"), ("path", path)], t, v);
}

#[tokio::test]
async fn records_with_labels_and_chains_within_the_group() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    labels:
      source: group
      env: prod
    rules:
      - record: job:requests:sum
        expr: sum by (job) (http_requests_total)
        labels:
          env: staging
      - record: job:requests:doubled
        expr: job:requests:sum * 2
      - record: answer
        expr: "42"
"#,
    );
    req(&env, "/a", T0, 3.0);
    req(&env, "/b", T0, 4.0);
    let s = g.eval(T0, &env.ctx).await;
    assert_eq!(s.failures, 0);
    assert_eq!(s.samples, 3);
    let sum = env.query("job:requests:sum", T0);
    assert_eq!(
        sum[0].labels,
        labels(&[
            ("__name__", "job:requests:sum"),
            ("env", "staging"),
            ("job", "api"),
            ("source", "group")
        ])
    );
    assert_eq!(sum[0].f, 7.0);
    // The second rule saw the first rule's result at the same timestamp.
    let doubled = env.query("job:requests:doubled", T0);
    assert_eq!(doubled.len(), 1);
    assert_eq!(doubled[0].f, 14.0);
    assert_eq!(doubled[0].labels.get("env"), Some("prod"));
    // A scalar records as one series with only the name and rule labels.
    let answer = env.query("answer", T0);
    assert_eq!(
        answer[0].labels,
        labels(&[("__name__", "answer"), ("env", "prod"), ("source", "group")])
    );
    assert_eq!(answer[0].f, 42.0);
    for r in g.rules() {
        assert_eq!(r.status().health, RuleHealth::Ok);
        assert_eq!(r.status().last_evaluation_ms, Some(T0));
    }
}

#[tokio::test]
async fn vanished_series_get_stale_markers() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - record: path:requests
        expr: http_requests_total > 0
"#,
    );
    req(&env, "/a", T0, 1.0);
    req(&env, "/b", T0, 1.0);
    g.eval(T0, &env.ctx).await;
    req(&env, "/a", T0 + MIN, 1.0);
    req(&env, "/b", T0 + MIN, 0.0);
    g.eval(T0 + MIN, &env.ctx).await;
    let raw = env.raw("path:requests");
    let b = raw.iter().find(|(l, _)| l.get("path") == Some("/b")).expect("/b");
    assert_eq!(b.1.len(), 2);
    assert_eq!(b.1[1].t, T0 + MIN);
    assert!(is_stale_nan(b.1[1].f));
    let a = raw.iter().find(|(l, _)| l.get("path") == Some("/a")).expect("/a");
    assert!(a.1.iter().all(|p| p.f == 1.0));
    // Stale: gone from queries at once, not after the 5m lookback.
    assert_eq!(env.query("path:requests", T0 + MIN).len(), 1);
}

#[tokio::test]
async fn failed_evaluation_writes_no_stale_markers() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    limit: 1
    rules:
      - record: path:requests
        expr: http_requests_total
"#,
    );
    req(&env, "/a", T0, 1.0);
    g.eval(T0, &env.ctx).await;
    req(&env, "/b", T0 + MIN, 1.0);
    req(&env, "/a", T0 + MIN, 1.0);
    let s = g.eval(T0 + MIN, &env.ctx).await;
    assert_eq!(s.failures, 1);
    let st = g.rules()[0].status();
    assert_eq!(st.health, RuleHealth::Err);
    assert_eq!(st.last_error.as_deref(), Some("exceeded limit of 1 with 2 series"));
    let raw = env.raw("path:requests");
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0].1.len(), 1);
}

#[tokio::test]
async fn duplicate_output_labels_fail() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - record: flat
        expr: http_requests_total
        labels:
          path: all
"#,
    );
    req(&env, "/a", T0, 1.0);
    req(&env, "/b", T0, 1.0);
    g.eval(T0, &env.ctx).await;
    assert_eq!(
        g.rules()[0].status().last_error.as_deref(),
        Some("vector contains metrics with the same labelset after applying rule labels")
    );
    assert!(env.raw("flat").is_empty());
}

#[tokio::test]
async fn query_errors_mark_the_rule() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - record: bad
        expr: http_requests_total + on(job) http_requests_total
      - record: good
        expr: vector(1)
"#,
    );
    req(&env, "/a", T0, 1.0);
    req(&env, "/b", T0, 1.0);
    let s = g.eval(T0, &env.ctx).await;
    assert_eq!(s.failures, 1);
    assert_eq!(g.rules()[0].status().health, RuleHealth::Err);
    assert!(g.rules()[0].status().last_error.is_some());
    // Later rules still run.
    assert_eq!(g.rules()[1].status().health, RuleHealth::Ok);
    assert_eq!(env.query("good", T0).len(), 1);
}

#[tokio::test]
async fn mark_all_stale_for_removed_groups() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - record: r
        expr: vector(1)
"#,
    );
    g.eval(T0, &env.ctx).await;
    g.mark_all_stale(T0 + 2 * MIN, env.head.as_ref());
    let raw = env.raw("r");
    let last = raw[0].1.last().expect("points");
    assert_eq!(last.t, T0 + 2 * MIN);
    assert!(is_stale_nan(last.f));
}

#[tokio::test]
async fn rejected_samples_make_the_rule_unhealthy_without_failing_it() {
    let env = Env::new();
    let g = group(
        r#"
groups:
  - name: g
    rules:
      - record: r
        expr: vector(1)
"#,
    );
    g.eval(T0 + MIN, &env.ctx).await;
    // An evaluation behind what was written: the sample is out of order.
    let s = g.eval(T0, &env.ctx).await;
    assert_eq!(s.failures, 0);
    assert_eq!(s.samples, 1);
    let st = g.rules()[0].status();
    assert_eq!(st.health, RuleHealth::Err);
    assert_eq!(st.last_error.as_deref(), Some("out of order sample"));
    // The next good evaluation clears it.
    g.eval(T0 + 2 * MIN, &env.ctx).await;
    assert_eq!(g.rules()[0].status().health, RuleHealth::Ok);
}
