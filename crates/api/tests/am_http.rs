//! The API v2 HTTP layer against a small in-memory backend: routes, status codes, JSON shapes,
//! filters, go-swagger-style errors, prefix, limits. (The assembled runtime behind the same
//! router is exercised in `am_runtime.rs`.)

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alertmanager::alert::{Alert, Time, ZERO_TIME, parse_time};
use api::alertmanager::backend::{
    Backend, ClusterView, ExpireSilenceError, GroupView, PostAlertsError, ReceiverView,
    SetSilenceError, SilenceView, VersionView,
};
use api::alertmanager::json::PostableSilence;
use api::alertmanager::{WebOptions, router_with};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use futures::future::BoxFuture;
use model::labels::Labels;
use model::matcher::{MatchOp, Matcher, MatcherParseMode};
use parking_lot::Mutex;
use serde_json::{Value, json};
use tower::ServiceExt;

const NOW: &str = "2026-03-01T12:00:00Z";

fn now() -> Time {
    parse_time(NOW).unwrap()
}

#[derive(Default)]
struct Fake {
    mode: MatcherParseMode,
    alerts: Mutex<Vec<Alert>>,
    silences: Mutex<Vec<SilenceView>>,
    groups: Mutex<Vec<GroupView>>,
    muted: Mutex<BTreeMap<String, Vec<String>>>,
    reload_error: Mutex<Option<String>>,
    reloads: AtomicUsize,
    /// While set, `alerts()` blocks until a message arrives (concurrency/timeout tests).
    gate: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    limited: AtomicUsize,
}

impl Fake {
    fn classic() -> Fake {
        Fake { mode: MatcherParseMode::Classic, ..Fake::default() }
    }
}

fn alert(pairs: &[(&str, &str)], ends_at: Time) -> Alert {
    Alert {
        labels: Labels::from_pairs(pairs.iter().copied()),
        annotations: Labels::from_pairs([("summary", "s")]),
        starts_at: parse_time("2026-03-01T11:00:00Z").unwrap(),
        ends_at,
        updated_at: parse_time("2026-03-01T11:30:00.5Z").unwrap(),
        generator_url: String::new(),
        timeout: false,
    }
}

impl Backend for Fake {
    fn now(&self) -> Time {
        now()
    }
    fn matcher_mode(&self) -> MatcherParseMode {
        self.mode
    }
    fn cluster(&self) -> ClusterView {
        ClusterView {
            name: "node-a".into(),
            status: "ready".into(),
            peers: vec![
                ("node-b".into(), "127.0.0.1:2".into()),
                ("node-a".into(), "127.0.0.1:1".into()),
            ],
        }
    }
    fn version(&self) -> VersionView {
        VersionView { version: "0.1.0".into(), ..VersionView::default() }
    }
    fn config_yaml(&self) -> String {
        "route:\n  receiver: default\n".into()
    }
    fn start_time(&self) -> Time {
        parse_time("2026-03-01T10:00:00Z").unwrap()
    }
    fn receivers(&self) -> Vec<ReceiverView> {
        vec![
            ReceiverView {
                name: "default".into(),
                labels: BTreeMap::from([("name".into(), "default".into())]),
            },
            ReceiverView {
                name: "team-db".into(),
                labels: BTreeMap::from([
                    ("name".into(), "team-db".into()),
                    ("team".into(), "db".into()),
                ]),
            },
        ]
    }
    fn post_alerts(&self, alerts: Vec<Alert>) -> Result<(), PostAlertsError> {
        let mut errors = Vec::new();
        for mut a in alerts {
            if a.labels.is_empty() {
                errors.push("at least one label pair required".to_string());
                continue;
            }
            if let Some(l) = a.labels.iter().find(|l| !self.mode.is_valid_label_name(l.name)) {
                errors.push(format!("invalid label set: invalid name {:?}", l.name));
                continue;
            }
            a.updated_at = now();
            self.alerts.lock().push(a);
        }
        if errors.is_empty() { Ok(()) } else { Err(PostAlertsError::Invalid(errors)) }
    }
    fn alerts(&self) -> Vec<Arc<Alert>> {
        let gate = self.gate.lock().take();
        if let Some(rx) = gate {
            let _ = rx.recv();
        }
        self.alerts.lock().iter().cloned().map(Arc::new).collect()
    }
    fn mutes(&self, labels: &Labels, now: Time) -> (Vec<String>, Vec<String>) {
        let silenced = self
            .silences
            .lock()
            .iter()
            .filter(|s| s.starts_at <= now && now < s.ends_at)
            .filter(|s| s.matchers.iter().all(|m| m.matches(labels.get_or_empty(m.name()))))
            .map(|s| s.id.clone())
            .collect();
        let inhibited = if labels.get("inhibited") == Some("yes") {
            vec!["00000000000000aa".to_string()]
        } else {
            Vec::new()
        };
        (silenced, inhibited)
    }
    fn alert_receivers(&self, labels: &Labels) -> Vec<String> {
        if labels.get("team") == Some("db") {
            vec!["team-db".into()]
        } else {
            vec!["default".into()]
        }
    }
    fn groups(&self) -> Vec<GroupView> {
        let mut groups = self.groups.lock().clone();
        groups.sort_by(|a, b| {
            a.labels.cmp_by_size(&b.labels).then_with(|| a.receiver.cmp(&b.receiver))
        });
        groups
    }
    fn group_muted_by(&self, _route_id: &str, group_key: &str) -> Vec<String> {
        self.muted.lock().get(group_key).cloned().unwrap_or_default()
    }
    fn silences(&self) -> Vec<SilenceView> {
        self.silences.lock().clone()
    }
    fn silence(&self, id: &str) -> Option<SilenceView> {
        self.silences.lock().iter().find(|s| s.id == id).cloned()
    }
    fn set_silence(&self, s: PostableSilence) -> Result<String, SetSilenceError> {
        let mut matchers = Vec::new();
        for m in &s.matchers {
            if !self.mode.is_valid_label_name(&m.name) {
                return Err(SetSilenceError::Invalid(format!(
                    "invalid silence: invalid label matcher 0: invalid label name {:?}",
                    m.name
                )));
            }
            let op = MatchOp::from_flags(m.is_regex, m.is_equal);
            matchers.push(
                Matcher::alertmanager(op, &m.name, &m.value)
                    .map_err(|e| SetSilenceError::Invalid(e.to_string()))?,
            );
        }
        let mut sils = self.silences.lock();
        let id = match &s.id {
            Some(id) => {
                if !sils.iter().any(|x| &x.id == id) {
                    return Err(SetSilenceError::NotFound("not found".into()));
                }
                id.clone()
            }
            None => format!("00000000-0000-4000-8000-{:012}", sils.len() + 1),
        };
        sils.retain(|x| x.id != id);
        sils.push(SilenceView {
            id: id.clone(),
            matchers,
            extra_matcher_sets: false,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            updated_at: now(),
            created_by: s.created_by,
            comment: s.comment,
            annotations: s.annotations,
        });
        Ok(id)
    }
    fn expire_silence(&self, id: &str) -> Result<(), ExpireSilenceError> {
        let mut sils = self.silences.lock();
        let Some(s) = sils.iter_mut().find(|s| s.id == id) else {
            return Err(ExpireSilenceError::NotFound);
        };
        s.ends_at = now();
        Ok(())
    }
    fn reload(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.reloads.fetch_add(1, Ordering::SeqCst);
            match self.reload_error.lock().clone() {
                Some(e) => Err(e),
                None => Ok(()),
            }
        })
    }
    fn metrics_text(&self) -> String {
        "alertmanager_alerts_invalid_total 0\n# EOF\n".into()
    }
    fn count_concurrency_limit_exceeded(&self) {
        self.limited.fetch_add(1, Ordering::SeqCst);
    }
}

fn app(fake: Arc<Fake>) -> Router {
    router_with(fake, &WebOptions::default())
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>) -> Resp {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    raw(app, req.body(body).unwrap()).await
}

async fn raw(app: &Router, req: Request<Body>) -> Resp {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec();
    Resp { status, headers, body }
}

async fn get(app: &Router, uri: &str) -> Resp {
    call(app, Method::GET, uri, None).await
}

fn silence_body(matchers: Value) -> Value {
    json!({
        "matchers": matchers,
        "startsAt": "2026-03-01T11:00:00Z",
        "endsAt": "2026-03-01T13:00:00Z",
        "createdBy": "me",
        "comment": "deploy",
    })
}

#[tokio::test]
async fn alerts_json_shape_matches_gettable_alert() {
    let fake = Arc::new(Fake::default());
    fake.alerts
        .lock()
        .push(alert(&[("alertname", "b")], parse_time("2026-03-01T12:05:00Z").unwrap()));
    fake.alerts.lock().push(alert(&[("alertname", "a"), ("team", "db")], ZERO_TIME));
    let app = app(fake);
    let r = get(&app, "/api/v2/alerts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.headers["content-type"], "application/json");
    let v = r.json();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Sorted by fingerprint.
    let fps: Vec<&str> = items.iter().map(|a| a["fingerprint"].as_str().unwrap()).collect();
    let mut sorted = fps.clone();
    sorted.sort();
    assert_eq!(fps, sorted);
    for a in items {
        for key in [
            "annotations",
            "endsAt",
            "fingerprint",
            "receivers",
            "startsAt",
            "status",
            "updatedAt",
            "labels",
        ] {
            assert!(a.get(key).is_some(), "missing {key} in {a}");
        }
        assert_eq!(a["fingerprint"].as_str().unwrap().len(), 16);
        assert!(a.get("generatorURL").is_none(), "empty generatorURL is omitted");
        assert_eq!(a["status"]["state"], "active");
        assert_eq!(a["status"]["silencedBy"], json!([]));
        assert_eq!(a["status"]["inhibitedBy"], json!([]));
        assert_eq!(a["status"]["mutedBy"], json!([]));
        assert_eq!(a["startsAt"], "2026-03-01T11:00:00.000Z");
        assert_eq!(a["updatedAt"], "2026-03-01T11:30:00.500Z");
    }
    let db = items.iter().find(|a| a["labels"]["alertname"] == "a").unwrap();
    assert_eq!(db["receivers"], json!([{"name": "team-db"}]));
    assert_eq!(db["annotations"], json!({"summary": "s"}));
    assert_eq!(db["endsAt"], "0001-01-01T00:00:00.000Z");
}

#[tokio::test]
async fn resolved_alerts_are_not_listed_and_empty_list_is_an_array() {
    let fake = Arc::new(Fake::default());
    fake.alerts
        .lock()
        .push(alert(&[("alertname", "old")], parse_time("2026-03-01T11:59:59Z").unwrap()));
    let r = get(&app(fake), "/api/v2/alerts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), "[]");
}

#[tokio::test]
async fn alert_filters_and_state_flags() {
    let fake = Arc::new(Fake::default());
    fake.alerts.lock().push(alert(&[("alertname", "test1"), ("severity", "warning")], ZERO_TIME));
    fake.alerts.lock().push(alert(&[("alertname", "test2"), ("severity", "warning")], ZERO_TIME));
    fake.alerts
        .lock()
        .push(alert(&[("alertname", "test3"), ("inhibited", "yes"), ("team", "db")], ZERO_TIME));
    let app = app(fake.clone());
    let names = |v: Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["labels"]["alertname"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let r = get(&app, "/api/v2/alerts?filter=alertname%3Dtest1&filter=severity%3Dwarning").await;
    assert_eq!(names(r.json()), vec!["test1"]);
    let r = get(&app, "/api/v2/alerts?filter=alertname%3D~%22test%5B12%5D%22").await;
    assert_eq!(names(r.json()), vec!["test1", "test2"]);
    let r = get(&app, "/api/v2/alerts?inhibited=false").await;
    assert_eq!(names(r.json()), vec!["test1", "test2"]);
    let r = get(&app, "/api/v2/alerts?active=false").await;
    let v = r.json();
    assert_eq!(names(v.clone()), vec!["test3"]);
    assert_eq!(v[0]["status"]["state"], "suppressed");
    assert_eq!(v[0]["status"]["inhibitedBy"], json!(["00000000000000aa"]));
    let r = get(&app, "/api/v2/alerts?receiver=team-.*").await;
    assert_eq!(names(r.json()), vec!["test3"]);
    let r = get(&app, "/api/v2/alerts?receiver=team").await;
    assert_eq!(names(r.json()), Vec::<String>::new(), "receiver regex is anchored");
    let r = get(&app, "/api/v2/alerts?receiver_matchers=team%3Ddb").await;
    assert_eq!(names(r.json()), vec!["test3"]);

    // A silence created now mutes immediately (status is computed per request).
    let s = call(
        &app,
        Method::POST,
        "/api/v2/silences",
        Some(silence_body(json!([{"name":"alertname","value":"test1","isRegex":false}]))),
    )
    .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let id = s.json()["silenceID"].as_str().unwrap().to_string();
    let r = get(&app, "/api/v2/alerts?filter=alertname%3Dtest1").await;
    let v = r.json();
    assert_eq!(v[0]["status"]["state"], "suppressed");
    assert_eq!(v[0]["status"]["silencedBy"], json!([id]));
    let r = get(&app, "/api/v2/alerts?silenced=false").await;
    assert_eq!(names(r.json()), vec!["test2", "test3"]);
}

#[tokio::test]
async fn bad_alert_query_parameters() {
    let app = app(Arc::new(Fake::default()));
    let r = get(&app, "/api/v2/alerts?filter=%7Bfoo%3Dbar%7D").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), json!("unexpected open or close brace: {foo=bar}"));
    let r = get(&app, "/api/v2/alerts?receiver=%28").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json().as_str().unwrap().starts_with("failed to parse receiver param: "));
    let r = get(&app, "/api/v2/alerts?receiver_matchers=%3D%3D").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json().as_str().unwrap().starts_with("failed to parse receiver_matchers param: "));
    let r = get(&app, "/api/v2/alerts?active=maybe").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json(),
        json!({"code": 601, "message": "active in query must be of type bool: \"maybe\""})
    );
}

#[tokio::test]
async fn post_alerts_accepts_valid_ones_and_reports_the_rest() {
    let fake = Arc::new(Fake::classic());
    let app = app(fake.clone());
    let r = call(
        &app,
        Method::POST,
        "/api/v2/alerts",
        Some(json!([{"labels": {"alertname": "ok", "v": "Σ 🙂"}}])),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    let r = call(
        &app,
        Method::POST,
        "/api/v2/alerts",
        Some(json!([{"labels": {"alertname": "good"}}, {"labels": {}}, {"labels": {"Σ": "x"}}])),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!("at least one label pair required\ninvalid label set: invalid name \"Σ\"")
    );
    assert_eq!(fake.alerts.lock().len(), 2, "the valid alert of the batch is stored");

    let r = call(&app, Method::POST, "/api/v2/alerts", Some(json!([{"annotations": {}}]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json(), json!({"code": 602, "message": "0.labels in body is required"}));
    let req = Request::post("/api/v2/alerts").body(Body::from("[{")).unwrap();
    let r = raw(&app, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], 400);
    assert!(
        r.json()["message"].as_str().unwrap().starts_with("parsing alerts body from \"\" failed")
    );
}

#[tokio::test]
async fn silences_crud() {
    let fake = Arc::new(Fake::default());
    let app = app(fake.clone());
    let r = call(
        &app,
        Method::POST,
        "/api/v2/silences",
        Some(silence_body(json!([{"name":"a","value":"b.*","isRegex":true,"isEqual":false}]))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let id = r.json()["silenceID"].as_str().unwrap().to_string();

    let r = get(&app, &format!("/api/v2/silence/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let s = r.json();
    assert_eq!(s["id"], id);
    assert_eq!(s["status"], json!({"state": "active"}));
    assert_eq!(
        s["matchers"],
        json!([{"isEqual": false, "isRegex": true, "name": "a", "value": "b.*"}])
    );
    assert_eq!(s["createdBy"], "me");
    assert_eq!(s["comment"], "deploy");
    assert_eq!(s["startsAt"], "2026-03-01T11:00:00.000Z");
    assert_eq!(s["endsAt"], "2026-03-01T13:00:00.000Z");
    assert!(s.get("updatedAt").is_some());
    assert!(s.get("annotations").is_none());

    // Update of an unknown id: 404 with the backend's message.
    let mut body = silence_body(json!([{"name":"a","value":"b","isRegex":false}]));
    body["id"] = json!("10000000-0000-4000-8000-000000000000");
    let r = call(&app, Method::POST, "/api/v2/silences", Some(body)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json(), json!("not found"));

    let r = call(&app, Method::DELETE, &format!("/api/v2/silence/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    let r = get(&app, &format!("/api/v2/silence/{id}")).await;
    assert_eq!(r.json()["status"]["state"], "expired");

    let unknown = "10000000-0000-4000-8000-000000000000";
    assert_eq!(
        get(&app, &format!("/api/v2/silence/{unknown}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, Method::DELETE, &format!("/api/v2/silence/{unknown}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = get(&app, "/api/v2/silence/not-a-uuid").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json(),
        json!({"code": 601, "message": "silenceID in path must be of type uuid: \"not-a-uuid\""})
    );
}

#[tokio::test]
async fn silence_time_checks_and_body_validation() {
    let app = app(Arc::new(Fake::default()));
    let m = json!([{"name":"a","value":"b","isRegex":false}]);
    let mut body = silence_body(m.clone());
    body["endsAt"] = body["startsAt"].clone();
    let r = call(&app, Method::POST, "/api/v2/silences", Some(body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), json!("Failed to create silence: start time must be before end time"));

    let mut body = silence_body(m.clone());
    body["startsAt"] = json!("2026-03-01T10:00:00Z");
    body["endsAt"] = json!("2026-03-01T11:00:00Z");
    let r = call(&app, Method::POST, "/api/v2/silences", Some(body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), json!("Failed to create silence: end time can't be in the past"));

    let mut body = silence_body(m);
    body.as_object_mut().unwrap().remove("createdBy");
    let r = call(&app, Method::POST, "/api/v2/silences", Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json(), json!({"code": 602, "message": "createdBy in body is required"}));
}

#[tokio::test]
async fn silence_listing_filters_states_and_sorts() {
    let fake = Arc::new(Fake::default());
    let t = |s: &str| parse_time(s).unwrap();
    let mk = |id: &str, start: &str, end: &str, name: &str| SilenceView {
        id: id.into(),
        matchers: vec![Matcher::alertmanager(MatchOp::Equal, name, "x").unwrap()],
        extra_matcher_sets: false,
        starts_at: t(start),
        ends_at: t(end),
        updated_at: t(start),
        created_by: "c".into(),
        comment: "c".into(),
        annotations: BTreeMap::new(),
    };
    *fake.silences.lock() = vec![
        mk("e1", "2026-03-01T08:00:00Z", "2026-03-01T09:00:00Z", "a"),
        mk("a2", "2026-03-01T11:00:00Z", "2026-03-01T15:00:00Z", "a"),
        mk("p1", "2026-03-01T13:00:00Z", "2026-03-01T14:00:00Z", "b"),
        mk("a1", "2026-03-01T11:00:00Z", "2026-03-01T14:00:00Z", "b"),
        mk("e2", "2026-03-01T08:00:00Z", "2026-03-01T10:00:00Z", "b"),
    ];
    let app = app(fake);
    let ids = |r: Resp| -> Vec<String> {
        r.json().as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(get(&app, "/api/v2/silences").await), vec!["a1", "a2", "p1", "e2", "e1"]);
    assert_eq!(ids(get(&app, "/api/v2/silences?expired=false").await), vec!["a1", "a2", "p1"]);
    assert_eq!(
        ids(get(&app, "/api/v2/silences?active=false&pending=false").await),
        vec!["e2", "e1"]
    );
    assert_eq!(ids(get(&app, "/api/v2/silences?filter=b%3Dx").await), vec!["a1", "p1", "e2"]);
    // Verbatim: a matcher that would match the silence's value is not enough.
    assert_eq!(ids(get(&app, "/api/v2/silences?filter=b%3D~x").await), Vec::<String>::new());
    let r = get(&app, "/api/v2/silences?filter=%3D%3D").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn groups_shape_filters_and_muted() {
    let fake = Arc::new(Fake::default());
    let a1 = alert(&[("alertname", "x"), ("instance", "2")], ZERO_TIME);
    let a2 = alert(&[("alertname", "x"), ("instance", "1")], ZERO_TIME);
    let gone = alert(
        &[("alertname", "x"), ("instance", "3")],
        parse_time("2026-03-01T11:00:00Z").unwrap(),
    );
    *fake.groups.lock() = vec![
        GroupView {
            labels: Labels::from_pairs([("alertname", "x")]),
            route_labels: BTreeMap::from([("team".into(), "t".into())]),
            receiver: "default".into(),
            route_id: "{}".into(),
            group_key: "{}:{alertname=\"x\"}".into(),
            alerts: vec![a1.clone().into(), gone.into(), a2.clone().into()],
        },
        GroupView {
            labels: Labels::empty(),
            route_labels: BTreeMap::new(),
            receiver: "team-db".into(),
            route_id: "{}/0".into(),
            group_key: "{}/0:{}".into(),
            alerts: vec![a1.clone().into()],
        },
    ];
    fake.muted.lock().insert("{}/0:{}".into(), vec!["weekends".into()]);
    let app = app(fake);
    let r = get(&app, "/api/v2/alerts/groups").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["cache-control"], "no-store");
    let v = r.json();
    let groups = v.as_array().unwrap();
    assert_eq!(groups.len(), 2);
    // Fewer labels first.
    assert_eq!(groups[0]["labels"], json!({}));
    assert_eq!(groups[0]["receiver"], json!({"name": "team-db"}));
    assert_eq!(groups[0]["routeLabels"], json!({}));
    assert_eq!(groups[0]["alerts"][0]["status"]["state"], "suppressed");
    assert_eq!(groups[0]["alerts"][0]["status"]["mutedBy"], json!(["weekends"]));
    assert_eq!(groups[1]["labels"], json!({"alertname": "x"}));
    assert_eq!(groups[1]["routeLabels"], json!({"team": "t"}));
    let instances: Vec<&str> = groups[1]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["labels"]["instance"].as_str().unwrap())
        .collect();
    assert_eq!(instances, vec!["1", "2"], "resolved alert dropped, sorted by instance");
    // The alert in both groups lists both receivers, sorted.
    let shared = groups[1]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["instance"] == "2")
        .unwrap();
    assert_eq!(shared["receivers"], json!([{"name": "default"}, {"name": "team-db"}]));

    let r = get(&app, "/api/v2/alerts/groups?muted=false").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = get(&app, "/api/v2/alerts/groups?receiver=team-db").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = get(&app, "/api/v2/alerts/groups?filter=instance%3D1").await;
    assert_eq!(r.json()[0]["alerts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn status_and_receivers() {
    let app = app(Arc::new(Fake::default()));
    let r = get(&app, "/api/v2/status").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["cluster"]["name"], "node-a");
    assert_eq!(v["cluster"]["status"], "ready");
    assert_eq!(
        v["cluster"]["peers"],
        json!([{"name":"node-a","address":"127.0.0.1:1"},{"name":"node-b","address":"127.0.0.1:2"}])
    );
    assert_eq!(v["config"]["original"], "route:\n  receiver: default\n");
    assert_eq!(v["uptime"], "2026-03-01T10:00:00.000Z");
    for key in ["branch", "buildDate", "buildUser", "goVersion", "revision", "version"] {
        assert!(v["versionInfo"][key].is_string(), "{key}");
    }
    let r = get(&app, "/api/v2/receivers").await;
    assert_eq!(
        r.json(),
        json!([{"labels":{"name":"default"},"name":"default"},{"labels":{"name":"team-db","team":"db"},"name":"team-db"}])
    );
    let r = get(&app, "/api/v2/receivers?receiver_matchers=team%3Ddb").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn v1_is_gone() {
    let app = app(Arc::new(Fake::default()));
    for (m, p) in [
        (Method::GET, "/api/v1/status"),
        (Method::GET, "/api/v1/receivers"),
        (Method::GET, "/api/v1/alerts"),
        (Method::POST, "/api/v1/alerts"),
        (Method::GET, "/api/v1/silences"),
        (Method::POST, "/api/v1/silences"),
        (Method::GET, "/api/v1/silence/abc"),
        (Method::DELETE, "/api/v1/silence/abc"),
    ] {
        let r = call(&app, m, p, None).await;
        assert_eq!(r.status, StatusCode::GONE, "{p}");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(
            r.text(),
            "{\"error\":\"The Alertmanager v1 API was deprecated in version 0.16.0 and is removed as of version 0.27.0 - please use the equivalent route in the v2 API\",\"status\":\"deprecated\"}\n"
        );
    }
}

#[tokio::test]
async fn health_ready_reload_metrics() {
    let fake = Arc::new(Fake::default());
    let app = app(fake.clone());
    for p in ["/-/healthy", "/-/ready"] {
        let r = get(&app, p).await;
        assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "OK"));
        let r = call(&app, Method::HEAD, p, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.is_empty());
    }
    let r = call(&app, Method::POST, "/-/reload", None).await;
    assert_eq!(r.status, StatusCode::OK);
    *fake.reload_error.lock() = Some("bad.yml:3:1: no route provided in config".into());
    let r = call(&app, Method::POST, "/-/reload", None).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.text(), "failed to reload config: bad.yml:3:1: no route provided in config\n");
    assert_eq!(fake.reloads.load(Ordering::SeqCst), 2);
    assert_eq!(get(&app, "/-/reload").await.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = get(&app, "/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("alertmanager_alerts_invalid_total"));
}

#[tokio::test]
async fn route_prefix_and_redirect() {
    let fake = Arc::new(Fake::default());
    let app =
        router_with(fake, &WebOptions { route_prefix: "/foo/".into(), ..WebOptions::default() });
    assert_eq!(get(&app, "/foo/api/v2/status").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/foo/-/healthy").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/foo/api/v1/alerts").await.status, StatusCode::GONE);
    assert_eq!(get(&app, "/api/v2/status").await.status, StatusCode::NOT_FOUND);
    let r = get(&app, "/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.headers["location"], "/foo");
    let r = get(&app, "/foo").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("href=\"foo/api/v2/status\""), "{}", r.text());
}

#[tokio::test]
async fn unknown_api_paths_and_methods() {
    let app = app(Arc::new(Fake::default()));
    let r = get(&app, "/api/v2/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json(), json!({"code": 404, "message": "path /api/v2/nope was not found"}));
    let r = call(&app, Method::PUT, "/api/v2/alerts", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.json()["code"], 405);
    let r = get(&app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("href=\"api/v2/status\""), "{}", r.text());
    let r = get(&app, "/nowhere").await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::NOT_FOUND, "404 page not found\n"));
}

#[tokio::test]
async fn cors_allows_any_origin() {
    let app = app(Arc::new(Fake::default()));
    let req = Request::get("/api/v2/status")
        .header("origin", "http://example.test")
        .body(Body::empty())
        .unwrap();
    let r = raw(&app, req).await;
    assert_eq!(r.headers["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn get_concurrency_limit_answers_503() {
    let fake = Arc::new(Fake::default());
    let (tx, rx) = std::sync::mpsc::channel();
    *fake.gate.lock() = Some(rx);
    let app =
        router_with(fake.clone(), &WebOptions { get_concurrency: 1, ..WebOptions::default() });
    let first = tokio::spawn({
        let app = app.clone();
        async move { get(&app, "/api/v2/alerts").await }
    });
    // Wait until the first request holds the only slot (it is blocked inside the backend).
    while fake.gate.lock().is_some() {
        tokio::task::yield_now().await;
    }
    let r = get(&app, "/api/v2/status").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.text(), "Limit of concurrent GET requests reached (1), try again later.\n");
    assert_eq!(fake.limited.load(Ordering::SeqCst), 1);
    // POSTs are not limited.
    let r = call(&app, Method::POST, "/api/v2/alerts", Some(json!([]))).await;
    assert_eq!(r.status, StatusCode::OK);
    tx.send(()).unwrap();
    assert_eq!(first.await.unwrap().status, StatusCode::OK);
    assert_eq!(get(&app, "/api/v2/status").await.status, StatusCode::OK);
}

// Real time: tokio's paused clock does not advance while a blocking task runs.
#[tokio::test]
async fn web_timeout_answers_503() {
    let fake = Arc::new(Fake::default());
    let (tx, rx) = std::sync::mpsc::channel();
    *fake.gate.lock() = Some(rx);
    let app = router_with(
        fake,
        &WebOptions {
            timeout: Some(std::time::Duration::from_millis(150)),
            ..WebOptions::default()
        },
    );
    let r = get(&app, "/api/v2/alerts").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.text(), "Exceeded configured timeout of 150ms.\n");
    tx.send(()).unwrap();
}

#[tokio::test]
async fn utf8_and_classic_modes() {
    // Default (fallback) mode: UTF-8 label names are accepted and filterable.
    let fake = Arc::new(Fake::default());
    let app = app(fake.clone());
    let body = json!([{"labels": {"a": "a", "00": "b", "Σ": "c", "\u{1F642}": "dΘ"}}]);
    let r = call(&app, Method::POST, "/api/v2/alerts", Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::OK);
    for f in ["00%3Db", "%CE%A3%3Dc", "%22%F0%9F%99%82%22%3Dd%CE%98"] {
        let r = get(&app, &format!("/api/v2/alerts?filter={f}")).await;
        assert_eq!(r.status, StatusCode::OK, "{f}: {}", r.text());
        assert_eq!(r.json().as_array().unwrap().len(), 1, "{f}");
    }
    let sil = silence_body(json!([{"name":"fooΣ","value":"bar🙂","isRegex":false}]));
    let r = call(&app, Method::POST, "/api/v2/silences", Some(sil.clone())).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get(&app, "/api/v2/silences?filter=foo%CE%A3%3Dbar%F0%9F%99%82").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);

    // Classic mode: rejected by the backend's validation.
    let app = app_classic();
    let r = call(&app, Method::POST, "/api/v2/alerts", Some(body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json().as_str().unwrap().contains("invalid label set"));
    let r = call(&app, Method::POST, "/api/v2/silences", Some(sil)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json().as_str().unwrap().contains("invalid silence: invalid label matcher"));
}

fn app_classic() -> Router {
    app(Arc::new(Fake::classic()))
}

#[tokio::test]
async fn swagger_json_is_served() {
    let app = app(Arc::new(Fake::default()));
    let r = get(&app, "/api/v2/swagger.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["swagger"], "2.0");
    assert_eq!(v["basePath"], "/api/v2/");
    for p in
        ["/alerts", "/alerts/groups", "/silences", "/silence/{silenceID}", "/status", "/receivers"]
    {
        assert!(v["paths"].get(p).is_some(), "{p}");
    }
}
