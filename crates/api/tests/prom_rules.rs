//! `/api/v1/rules` and `/api/v1/alerts` over a fake rule manager: upstream's field names,
//! order and encodings (Go's `%e` alert values, RFC 3339 times, zero time before the first
//! evaluation, `alerts: null` with `exclude_alerts`), and the filters and paging.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use api::prometheus::{PromBackend, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::labels::Labels;
use rules::manager::{
    AlertState, AlertStatus, AlertingStatus, GroupStatus, RuleHealth, RuleKind, RuleState,
    RuleStatus, RulesView,
};
use serde_json::{Value, json};
use tower::ServiceExt as _;

fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs)
}

fn alerting(name: &str, state: RuleState, alerts: Vec<AlertStatus>) -> RuleKind {
    RuleKind::Alerting(AlertingStatus {
        state,
        for_: Duration::from_secs(300),
        keep_firing_for: Duration::ZERO,
        annotations: BTreeMap::from([(
            "summary".to_string(),
            format!("{name}: {{{{ $labels.instance }}}}"),
        )]),
        alerts,
    })
}

struct Fake;

impl RulesView for Fake {
    fn rule_groups(&self) -> Vec<GroupStatus> {
        let evaluated = Some(UNIX_EPOCH + Duration::new(1_700_000_000, 500_000_000));
        vec![
            GroupStatus {
                name: "api".into(),
                file: "/etc/rules/a.yml".into(),
                interval: Duration::from_secs(60),
                limit: 0,
                evaluation_time: Duration::from_micros(1_500),
                last_evaluation: evaluated,
                rules: vec![
                    RuleStatus {
                        name: "job:up:sum".into(),
                        query: "sum by (job) (up)".into(),
                        labels: ls(&[("team", "db")]),
                        health: RuleHealth::Ok,
                        last_error: None,
                        evaluation_time: Duration::from_micros(250),
                        last_evaluation: evaluated,
                        kind: RuleKind::Recording,
                    },
                    RuleStatus {
                        name: "HighErrors".into(),
                        query: "rate(errors_total[5m]) > 0.1".into(),
                        labels: ls(&[("severity", "page")]),
                        health: RuleHealth::Ok,
                        last_error: None,
                        evaluation_time: Duration::from_micros(500),
                        last_evaluation: evaluated,
                        kind: alerting(
                            "HighErrors",
                            RuleState::Firing,
                            vec![AlertStatus {
                                labels: ls(&[
                                    ("alertname", "HighErrors"),
                                    ("instance", "i1"),
                                    ("severity", "page"),
                                ]),
                                annotations: ls(&[("summary", "HighErrors: i1")]),
                                state: AlertState::Firing,
                                active_at_ms: 1_700_000_000_000,
                                keep_firing_since_ms: None,
                                value: 42.0,
                            }],
                        ),
                    },
                ],
            },
            GroupStatus {
                name: "nodes".into(),
                file: "/etc/rules/b.yml".into(),
                interval: Duration::from_secs(15),
                limit: 10,
                evaluation_time: Duration::ZERO,
                last_evaluation: None,
                rules: vec![
                    RuleStatus {
                        name: "NodeDown".into(),
                        query: "up == 0".into(),
                        labels: Labels::empty(),
                        health: RuleHealth::Unknown,
                        last_error: None,
                        evaluation_time: Duration::ZERO,
                        last_evaluation: None,
                        kind: alerting(
                            "NodeDown",
                            RuleState::Pending,
                            vec![AlertStatus {
                                labels: ls(&[("alertname", "NodeDown"), ("instance", "n1")]),
                                annotations: ls(&[("summary", "NodeDown: n1")]),
                                state: AlertState::Pending,
                                active_at_ms: 1_700_000_012_345,
                                keep_firing_since_ms: Some(1_700_000_030_000),
                                value: 0.000_012_5,
                            }],
                        ),
                    },
                    RuleStatus {
                        name: "broken".into(),
                        query: "vector(1)".into(),
                        labels: Labels::empty(),
                        health: RuleHealth::Err,
                        last_error: Some("exceeded limit of 10 with 11 series".into()),
                        evaluation_time: Duration::ZERO,
                        last_evaluation: None,
                        kind: RuleKind::Recording,
                    },
                ],
            },
        ]
    }
}

fn app(view: Option<Arc<dyn RulesView>>) -> Router {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut b = PromBackend::new(head, promql::Engine::default());
    b.rules = view;
    router(b)
}

async fn raw(app: &Router, path: &str) -> (StatusCode, String) {
    let req = Request::get(path).body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn get(app: &Router, path: &str) -> (StatusCode, Value) {
    let (status, text) = raw(app, path).await;
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

async fn data(app: &Router, path: &str) -> Value {
    let (status, body) = get(app, path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "success");
    body["data"].clone()
}

fn fake() -> Router {
    app(Some(Arc::new(Fake)))
}

fn rule_names(d: &Value) -> Vec<String> {
    d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().iter())
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn alerts_are_listed_byte_for_byte_as_upstream() {
    let (status, text) = raw(&fake(), "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text,
        concat!(
            r#"{"status":"success","data":{"alerts":["#,
            r#"{"labels":{"alertname":"HighErrors","instance":"i1","severity":"page"},"#,
            r#""annotations":{"summary":"HighErrors: i1"},"state":"firing","#,
            r#""activeAt":"2023-11-14T22:13:20Z","value":"4.2e+01"},"#,
            r#"{"labels":{"alertname":"NodeDown","instance":"n1"},"#,
            r#""annotations":{"summary":"NodeDown: n1"},"state":"pending","#,
            r#""activeAt":"2023-11-14T22:13:32.345Z","keepFiringSince":"2023-11-14T22:13:50Z","#,
            r#""value":"1.25e-05"}]}}"#,
        )
    );
}

#[tokio::test]
async fn rules_have_upstreams_shape_and_field_order() {
    let (status, text) = raw(&fake(), "/api/v1/rules?file[]=/etc/rules/a.yml").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text,
        concat!(
            r#"{"status":"success","data":{"groups":[{"name":"api","file":"/etc/rules/a.yml","rules":["#,
            r#"{"name":"job:up:sum","query":"sum by (job) (up)","labels":{"team":"db"},"health":"ok","#,
            r#""evaluationTime":0.00025,"lastEvaluation":"2023-11-14T22:13:20.5Z","type":"recording"},"#,
            r#"{"state":"firing","name":"HighErrors","query":"rate(errors_total[5m]) \u003e 0.1","#,
            r#""duration":300,"keepFiringFor":0,"labels":{"severity":"page"},"#,
            r#""annotations":{"summary":"HighErrors: {{ $labels.instance }}"},"#,
            r#""alerts":[{"labels":{"alertname":"HighErrors","instance":"i1","severity":"page"},"#,
            r#""annotations":{"summary":"HighErrors: i1"},"state":"firing","#,
            r#""activeAt":"2023-11-14T22:13:20Z","value":"4.2e+01"}],"#,
            r#""health":"ok","evaluationTime":0.0005,"lastEvaluation":"2023-11-14T22:13:20.5Z","#,
            r#""type":"alerting"}],"#,
            r#""interval":60,"limit":0,"evaluationTime":0.0015,"lastEvaluation":"2023-11-14T22:13:20.5Z"}]}}"#,
        )
    );
}

#[tokio::test]
async fn never_evaluated_groups_show_the_zero_time_and_errors_show_last_error() {
    let d = data(&fake(), "/api/v1/rules?rule_group[]=nodes").await;
    let g = &d["groups"][0];
    assert_eq!(g["lastEvaluation"], "0001-01-01T00:00:00Z");
    assert_eq!(g["interval"], 15);
    assert_eq!(g["limit"], 10);
    assert_eq!(g["rules"][0]["state"], "pending");
    assert_eq!(g["rules"][0]["health"], "unknown");
    assert!(g["rules"][0].get("lastError").is_none());
    assert_eq!(g["rules"][1]["health"], "err");
    assert_eq!(g["rules"][1]["lastError"], "exceeded limit of 10 with 11 series");
    assert_eq!(g["rules"][1]["labels"], json!({}));
}

#[tokio::test]
async fn type_and_name_filters_drop_rules_and_empty_groups() {
    let app = fake();
    let d = data(&app, "/api/v1/rules?type=alert").await;
    assert_eq!(rule_names(&d), ["HighErrors", "NodeDown"]);
    let d = data(&app, "/api/v1/rules?type=RECORD").await;
    assert_eq!(rule_names(&d), ["job:up:sum", "broken"]);
    let d = data(&app, "/api/v1/rules?rule_name[]=broken&rule_name[]=HighErrors").await;
    assert_eq!(rule_names(&d), ["HighErrors", "broken"]);
    let d = data(&app, "/api/v1/rules?rule_name[]=broken&type=alert").await;
    assert_eq!(d["groups"], json!([]), "groups left with no rules are dropped");
    let d = data(&app, "/api/v1/rules?file[]=/nope").await;
    assert_eq!(d["groups"], json!([]));
}

#[tokio::test]
async fn match_filters_on_rule_labels() {
    let app = fake();
    let d = data(&app, "/api/v1/rules?match[]={severity=%22page%22}").await;
    assert_eq!(rule_names(&d), ["HighErrors"]);
    let d =
        data(&app, "/api/v1/rules?match[]={severity=%22page%22}&match[]={team=~%22d.%22}").await;
    assert_eq!(rule_names(&d), ["job:up:sum", "HighErrors"]);
    let (status, body) = get(&app, "/api/v1/rules?match[]={x=%22%22}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorType"], "bad_data");
    assert_eq!(
        body["error"],
        "1:1: parse error: vector selector must contain at least one non-empty matcher"
    );
}

#[tokio::test]
async fn exclude_alerts_leaves_alerts_null() {
    let app = fake();
    let d = data(&app, "/api/v1/rules?exclude_alerts=true&type=alert").await;
    assert_eq!(d["groups"][0]["rules"][0]["alerts"], Value::Null);
    assert_eq!(d["groups"][0]["rules"][0]["state"], "firing");
    let d = data(&app, "/api/v1/rules?exclude_alerts=0&type=alert").await;
    assert_eq!(d["groups"][0]["rules"][0]["alerts"].as_array().unwrap().len(), 1);
    let (status, body) = get(&app, "/api/v1/rules?exclude_alerts=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "invalid parameter \"exclude_alerts\": error converting exclude_alerts: strconv.ParseBool: parsing \"maybe\": invalid syntax"
    );
}

#[tokio::test]
async fn bad_type_is_rejected_as_upstream() {
    let (status, body) = get(&fake(), "/api/v1/rules?type=foo").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid parameter \"type\": not supported value \"foo\"");
}

#[tokio::test]
async fn group_limit_pages_with_upstreams_token() {
    let app = fake();
    let d = data(&app, "/api/v1/rules?group_limit=1").await;
    assert_eq!(d["groups"].as_array().unwrap().len(), 1);
    let token = d["groupNextToken"].as_str().unwrap().to_string();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(b"/etc/rules/b.yml;nodes");
    let want: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(token, want);
    let d = data(&app, &format!("/api/v1/rules?group_limit=1&group_next_token={token}")).await;
    assert_eq!(d["groups"][0]["name"], "nodes");
    assert!(d.get("groupNextToken").is_none());
    let (status, body) = get(&app, "/api/v1/rules?group_next_token=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "invalid parameter \"group_next_token\": group_limit needs to be present in order to paginate over the groups"
    );
    let (_, body) = get(&app, "/api/v1/rules?group_limit=1&group_next_token=abc").await;
    assert_eq!(
        body["error"],
        "invalid parameter \"group_next_token\": invalid group_next_token 'abc'. were rule groups changed?"
    );
    let (_, body) = get(&app, "/api/v1/rules?group_limit=0").await;
    assert_eq!(
        body["error"],
        "invalid parameter \"group_limit\": group_limit needs to be greater than 0"
    );
}

#[tokio::test]
async fn without_a_rule_manager_the_lists_are_empty() {
    let app = app(None);
    assert_eq!(data(&app, "/api/v1/rules").await, json!({"groups": []}));
    assert_eq!(data(&app, "/api/v1/alerts").await, json!({"alerts": []}));
}

/// The local engine run inline, so evaluations take no time on the paused clock.
#[derive(Debug)]
struct Inline(rules::local::LocalEngine);

impl rules::seams::QueryEngine for Inline {
    fn instant<'a>(
        &'a self,
        query: &'a rules::seams::RuleQuery,
        t_ms: i64,
    ) -> rules::seams::BoxFuture<'a, Result<Vec<rules::seams::Sample>, rules::seams::QueryError>>
    {
        Box::pin(async move { self.0.instant_sync(query, t_ms) })
    }
}

#[derive(Debug)]
struct Discard;

impl rules::seams::AlertSink for Discard {
    fn send(&self, _alerts: Vec<rules::seams::Alert>) {}
}

#[tokio::test(start_paused = true)]
async fn a_real_rule_manager_behind_the_endpoints() {
    let clock: model::time::SharedClock = Arc::new(model::time::TokioClock::starting_at(
        UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    ));
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let engine = rules::local::LocalEngine::new(promql::Engine::default(), head.clone());
    let manager = rules::manager::RuleManager::new(rules::manager::ManagerOptions {
        engine: Arc::new(Inline(engine)),
        appendable: head.clone(),
        storage: Some(head.clone()),
        sink: Arc::new(Discard),
        clock,
        external_labels: Labels::empty(),
        external_url: String::new(),
        resend_delay: Duration::from_secs(60),
        outage_tolerance: Duration::from_secs(3600),
        grace_period: Duration::from_secs(600),
    });
    let text = "groups:
  - name: g
    rules:
      - record: one
        expr: vector(1)
      - alert: Always
        expr: one   >0
        for: 1m
        annotations:
          summary: 'value {{ $value }}'
";
    let file = rules::file::parse_str(text, "r.yml").unwrap();
    manager
        .update(
            model::duration::Duration::from_secs(60),
            model::duration::Duration::from_secs(0),
            vec![file],
        )
        .await;
    let app = app(Some(Arc::new(manager.clone())));
    let d = data(&app, "/api/v1/rules").await;
    assert_eq!(d["groups"][0]["lastEvaluation"], "0001-01-01T00:00:00Z");
    assert_eq!(d["groups"][0]["rules"][1]["state"], "unknown");

    tokio::time::sleep(Duration::from_secs(61)).await;
    let d = data(&app, "/api/v1/rules?type=alert").await;
    let rule = &d["groups"][0]["rules"][0];
    assert_eq!(rule["query"], "one > 0");
    assert_eq!(rule["state"], "pending");
    assert_eq!(rule["duration"], 60);
    assert_eq!(rule["health"], "ok");
    assert_eq!(rule["alerts"][0]["labels"], json!({"alertname": "Always"}));
    assert_eq!(rule["alerts"][0]["annotations"], json!({"summary": "value 1"}));
    assert_eq!(rule["alerts"][0]["value"], "1e+00");

    tokio::time::sleep(Duration::from_secs(60)).await;
    let d = data(&app, "/api/v1/alerts").await;
    assert_eq!(d["alerts"][0]["state"], "firing");
    manager.stop().await;
}
