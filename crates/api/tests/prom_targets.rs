//! `/api/v1/targets` and `/api/v1/targets/metadata` over a fake scrape manager: the response
//! shape upstream's UI and Grafana read, the `state`/`scrapePool` filters, and the metadata
//! filters with upstream's quirks (limit checked per target, `metric` omitted when asked for).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration as StdDuration, UNIX_EPOCH};

use api::prometheus::{PromBackend, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::duration::Duration;
use model::labels::Labels;
use model::relabel::RelabelConfig;
use scrape::status::{ActiveTarget, DroppedTarget, Health, TargetMetadata, TargetsView};
use serde_json::{Value, json};
use tower::ServiceExt as _;

fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs)
}

fn active(pool: &str, instance: &str, health: Health) -> ActiveTarget {
    ActiveTarget {
        discovered_labels: ls(&[("__address__", instance), ("__meta_x", "m"), ("job", pool)]),
        labels: ls(&[("__address__", instance), ("instance", instance), ("job", pool)]),
        scrape_pool: pool.into(),
        scrape_url: format!("http://{instance}/metrics"),
        global_url: format!("http://{instance}/metrics"),
        last_error: if health == Health::Down {
            "connection refused".into()
        } else {
            String::new()
        },
        last_scrape: (health != Health::Unknown)
            .then(|| UNIX_EPOCH + StdDuration::new(1_700_000_000, 123_456_780)),
        last_scrape_duration: StdDuration::from_micros(2_500),
        health,
        scrape_interval: Duration::from_secs(15),
        scrape_timeout: Duration::from_secs(10),
    }
}

struct Fake;

impl TargetsView for Fake {
    fn active_targets(&self) -> Vec<ActiveTarget> {
        vec![
            active("node", "n1:9100", Health::Up),
            active("api", "a1:80", Health::Down),
            active("node", "n2:9100", Health::Unknown),
        ]
    }

    fn dropped_targets(&self) -> Vec<DroppedTarget> {
        vec![
            DroppedTarget {
                discovered_labels: ls(&[("__address__", "x:1")]),
                scrape_pool: "node".into(),
            },
            DroppedTarget {
                discovered_labels: ls(&[("__address__", "y:1")]),
                scrape_pool: "api".into(),
            },
            DroppedTarget {
                discovered_labels: ls(&[("__address__", "z:1")]),
                scrape_pool: "node".into(),
            },
        ]
    }

    fn target_metadata(&self) -> Vec<TargetMetadata> {
        let md = |instance: &str, job: &str, metric: &str, kind: &str| TargetMetadata {
            target: ls(&[("__address__", instance), ("instance", instance), ("job", job)]),
            metric: metric.into(),
            kind: kind.into(),
            help: format!("help of {metric}"),
            unit: String::new(),
        };
        vec![
            md("n1:9100", "node", "go_goroutines", "gauge"),
            md("n1:9100", "node", "http_requests_total", "counter"),
            md("a1:80", "api", "http_requests_total", "counter"),
            md("a1:80", "api", "up_time", "gauge"),
        ]
    }

    fn relabel_configs(&self, scrape_pool: &str) -> Option<Vec<RelabelConfig>> {
        (scrape_pool == "node").then(|| {
            serde_json::from_str(
                r#"[
                    {"source_labels": ["__address__"], "regex": "(.*):.*", "target_label": "host"},
                    {"source_labels": ["host"], "regex": "skip", "action": "drop"},
                    {"regex": "__meta_.*", "action": "labeldrop"}
                ]"#,
            )
            .unwrap()
        })
    }
}

fn app(view: Option<Arc<dyn TargetsView>>) -> Router {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut b = PromBackend::new(head, promql::Engine::default());
    b.targets = view;
    router(b)
}

async fn get(app: &Router, path: &str) -> (StatusCode, Value) {
    let req = Request::get(path).body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

async fn data(app: &Router, path: &str) -> Value {
    let (status, body) = get(app, path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "success");
    body["data"].clone()
}

fn instances(targets: &Value) -> Vec<String> {
    targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let labels = t.get("labels").unwrap_or(&t["discoveredLabels"]);
            labels.get("instance").unwrap_or(&labels["__address__"]).as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn targets_shape_is_upstreams() {
    let app = app(Some(Arc::new(Fake)));
    let d = data(&app, "/api/v1/targets").await;
    // Pools in name order, the manager's order within a pool.
    assert_eq!(instances(&d["activeTargets"]), ["a1:80", "n1:9100", "n2:9100"]);
    assert_eq!(
        d["activeTargets"][1],
        json!({
            "discoveredLabels": {"__address__": "n1:9100", "__meta_x": "m", "job": "node"},
            "labels": {"instance": "n1:9100", "job": "node"},
            "scrapePool": "node",
            "scrapeUrl": "http://n1:9100/metrics",
            "globalUrl": "http://n1:9100/metrics",
            "lastError": "",
            "lastScrape": "2023-11-14T22:13:20.12345678Z",
            "lastScrapeDuration": 0.0025,
            "health": "up",
            "scrapeInterval": "15s",
            "scrapeTimeout": "10s",
        })
    );
    assert_eq!(d["activeTargets"][0]["health"], "down");
    assert_eq!(d["activeTargets"][0]["lastError"], "connection refused");
    // Never scraped: Go's zero time.
    assert_eq!(d["activeTargets"][2]["health"], "unknown");
    assert_eq!(d["activeTargets"][2]["lastScrape"], "0001-01-01T00:00:00Z");
    assert_eq!(
        d["droppedTargets"],
        json!([
            {"discoveredLabels": {"__address__": "y:1"}, "scrapePool": "api"},
            {"discoveredLabels": {"__address__": "x:1"}, "scrapePool": "node"},
            {"discoveredLabels": {"__address__": "z:1"}, "scrapePool": "node"},
        ])
    );
    assert_eq!(d["droppedTargetCounts"], json!({"api": 1, "node": 2}));
    // Field order as upstream writes it (Go struct order).
    let req = Request::get("/api/v1/targets?scrapePool=api").body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let text = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let text = std::str::from_utf8(&text).unwrap();
    let order = [
        "activeTargets",
        "discoveredLabels",
        "labels",
        "scrapePool",
        "scrapeUrl",
        "globalUrl",
        "lastError",
        "lastScrape",
        "lastScrapeDuration",
        "health",
        "scrapeInterval",
        "scrapeTimeout",
        "droppedTargets",
        "droppedTargetCounts",
    ];
    let positions: Vec<usize> =
        order.iter().map(|k| text.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[tokio::test]
async fn targets_state_and_pool_filters() {
    let app = app(Some(Arc::new(Fake)));
    let d = data(&app, "/api/v1/targets?state=active").await;
    assert_eq!(instances(&d["activeTargets"]).len(), 3);
    assert_eq!(d["droppedTargets"], json!([]));
    assert_eq!(d["droppedTargetCounts"], Value::Null);

    let d = data(&app, "/api/v1/targets?state=Dropped").await;
    assert_eq!(d["activeTargets"], json!([]));
    assert_eq!(instances(&d["droppedTargets"]), ["y:1", "x:1", "z:1"]);

    let d = data(&app, "/api/v1/targets?state=any&scrapePool=node").await;
    assert_eq!(instances(&d["activeTargets"]), ["n1:9100", "n2:9100"]);
    assert_eq!(instances(&d["droppedTargets"]), ["x:1", "z:1"]);
    // Counts are not filtered by pool, as upstream.
    assert_eq!(d["droppedTargetCounts"], json!({"api": 1, "node": 2}));

    // An unknown state shows nothing.
    let d = data(&app, "/api/v1/targets?state=bogus").await;
    assert_eq!(d, json!({"activeTargets": [], "droppedTargets": [], "droppedTargetCounts": null}));
}

#[tokio::test]
async fn targets_without_a_scrape_manager_are_empty() {
    let app = app(None);
    let d = data(&app, "/api/v1/targets").await;
    assert_eq!(d, json!({"activeTargets": [], "droppedTargets": [], "droppedTargetCounts": {}}));
    assert_eq!(data(&app, "/api/v1/targets/metadata").await, json!([]));
}

#[tokio::test]
async fn dropped_counts_can_exceed_the_kept_list() {
    struct Limited;
    impl TargetsView for Limited {
        fn active_targets(&self) -> Vec<ActiveTarget> {
            Vec::new()
        }
        fn dropped_targets(&self) -> Vec<DroppedTarget> {
            Vec::new()
        }
        fn target_metadata(&self) -> Vec<TargetMetadata> {
            Vec::new()
        }
        fn dropped_target_counts(&self) -> BTreeMap<String, usize> {
            BTreeMap::from([("node".to_string(), 40)])
        }
    }
    let d = data(&app(Some(Arc::new(Limited))), "/api/v1/targets").await;
    assert_eq!(d["droppedTargets"], json!([]));
    assert_eq!(d["droppedTargetCounts"], json!({"node": 40}));
}

#[tokio::test]
async fn metadata_all_and_filtered() {
    let app = app(Some(Arc::new(Fake)));
    let d = data(&app, "/api/v1/targets/metadata").await;
    assert_eq!(d.as_array().unwrap().len(), 4);
    assert_eq!(
        d[0],
        json!({
            "target": {"instance": "n1:9100", "job": "node"},
            "metric": "go_goroutines",
            "type": "gauge",
            "help": "help of go_goroutines",
            "unit": "",
        })
    );

    // `metric`: one entry per target that has it, without the `metric` field.
    let d = data(&app, "/api/v1/targets/metadata?metric=http_requests_total").await;
    assert_eq!(
        d,
        json!([
            {"target": {"instance": "n1:9100", "job": "node"}, "type": "counter",
             "help": "help of http_requests_total", "unit": ""},
            {"target": {"instance": "a1:80", "job": "api"}, "type": "counter",
             "help": "help of http_requests_total", "unit": ""},
        ])
    );

    let q = url::form_urlencoded::byte_serialize(br#"{job="api"}"#).collect::<String>();
    let d = data(&app, &format!("/api/v1/targets/metadata?match_target={q}")).await;
    let metrics: Vec<_> = d.as_array().unwrap().iter().map(|m| m["metric"].clone()).collect();
    assert_eq!(metrics, [json!("http_requests_total"), json!("up_time")]);

    // `limit` is checked before each target: the first target brings both its entries.
    let d = data(&app, "/api/v1/targets/metadata?limit=1").await;
    assert_eq!(d.as_array().unwrap().len(), 2);
    let d = data(&app, "/api/v1/targets/metadata?limit=0").await;
    assert_eq!(d, json!([]));
}

#[tokio::test]
async fn metadata_parameter_errors() {
    let app = app(Some(Arc::new(Fake)));
    let (status, body) = get(&app, "/api/v1/targets/metadata?limit=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"status": "error", "errorType": "bad_data", "error": "limit must be a number"})
    );
    let (status, body) = get(&app, "/api/v1/targets/metadata?match_target=%7B").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let err = body["error"].as_str().unwrap();
    assert!(err.starts_with(r#"invalid parameter "match_target": "#), "{err}");
}

#[tokio::test]
async fn scrape_pools_sorted() {
    let app = app(Some(Arc::new(Fake)));
    assert_eq!(data(&app, "/api/v1/scrape_pools").await, json!({"scrapePools": ["api", "node"]}));
    assert_eq!(data(&self::app(None), "/api/v1/scrape_pools").await, json!({"scrapePools": []}));
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn relabel_steps_show_each_rule() {
    let app = app(Some(Arc::new(Fake)));
    let labels = enc(r#"{"__address__":"db1:9100","__meta_zone":"a"}"#);
    let d =
        data(&app, &format!("/api/v1/targets/relabel_steps?scrapePool=node&labels={labels}")).await;
    assert_eq!(
        d,
        json!({"steps": [
            {
                "rule": {"source_labels": ["__address__"], "separator": ";", "regex": "(.*):.*",
                         "target_label": "host", "replacement": "$1", "action": "replace"},
                "output": {"__address__": "db1:9100", "__meta_zone": "a", "host": "db1"},
                "keep": true
            },
            {
                "rule": {"source_labels": ["host"], "separator": ";", "regex": "skip",
                         "replacement": "$1", "action": "drop"},
                "output": {"__address__": "db1:9100", "__meta_zone": "a", "host": "db1"},
                "keep": true
            },
            {
                "rule": {"separator": ";", "regex": "__meta_.*", "replacement": "$1",
                         "action": "labeldrop"},
                "output": {"__address__": "db1:9100", "host": "db1"},
                "keep": true
            }
        ]})
    );
    // Dropped at step 2: later steps are empty and not kept.
    let labels = enc(r#"{"__address__":"skip:1"}"#);
    let d =
        data(&app, &format!("/api/v1/targets/relabel_steps?scrapePool=node&labels={labels}")).await;
    let steps: Vec<_> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["keep"].clone(), s["output"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!(true), json!({"__address__": "skip:1", "host": "skip"})),
            (json!(false), json!({})),
            (json!(false), json!({})),
        ]
    );
}

#[tokio::test]
async fn relabel_steps_errors() {
    let app = app(Some(Arc::new(Fake)));
    let cases = [
        ("/api/v1/targets/relabel_steps", "no scrapePool parameter provided"),
        ("/api/v1/targets/relabel_steps?scrapePool=node", "no labels parameter provided"),
        (
            "/api/v1/targets/relabel_steps?scrapePool=nope&labels=%7B%7D",
            r#"error retrieving scrape config: scrape pool "nope" not found"#,
        ),
    ];
    for (path, want) in cases {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(body["error"], want, "{path}");
    }
    let (status, body) = get(&app, "/api/v1/targets/relabel_steps?scrapePool=node&labels=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().starts_with("error parsing labels: "));
}
