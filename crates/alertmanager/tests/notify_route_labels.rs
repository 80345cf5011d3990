//! Route `labels:` (Alertmanager 0.34): rendered by the dispatcher against each flush's alerts
//! (reason `unknown`), then carried verbatim by the notification: the webhook's `routeLabels`,
//! templates' `.RouteLabels` and `routeLabels "name"`; and rendered for the API's groups.

#![allow(clippy::unwrap_used)]

#[path = "common/mock_http.rs"]
mod mock_http;

use alertmanager::alert::{Alert, ZERO_TIME, from_system_time};
use alertmanager::config;
use alertmanager::dispatch::{DispatchOptions, Dispatcher, RouteTable};
use alertmanager::integrations::{self, BuildEnv};
use alertmanager::metrics::Metrics;
use alertmanager::notify::seams::{MemoryLog, Nothing};
use alertmanager::notify::{Pipeline, PipelineDeps};
use alertmanager::route::Route;
use mock_http::MockServer;
use model::labels::Labels;
use model::time::{SharedClock, SystemClock};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use template::alertmanager::Templates;

/// Two webhooks: the standard body, and a custom payload using the route labels in templates.
fn config(mock: &MockServer) -> String {
    format!(
        r#"
route:
  receiver: team-x
  group_by: [alertname]
  group_wait: 0s
  labels:
    team: '{{{{ .GroupLabels.alertname }}}}-oncall'
    page: '{{{{ routeLabels "team" }}}}/{{{{ .Status }}}}/{{{{ .NotificationReason }}}}/{{{{ len .Alerts }}}}'
    literal: '{{{{ "{{{{ .Receiver }}}}" }}}}'
    cycle: '{{{{ routeLabels "cycle" }}}}'
    plain: fixed
receivers:
- name: team-x
  webhook_configs:
  - url: {default}
  - url: {custom}
    payload:
      team: '{{{{ .RouteLabels.team }}}}'
      page: 'p={{{{ routeLabels "page" }}}}'
      literal: 'x{{{{ routeLabels "literal" }}}}'
      reason: '{{{{ .NotificationReason }}}}'
"#,
        default = mock.url("/default"),
        custom = mock.url("/custom"),
    )
}

fn firing(alertname: &str, instance: &str) -> Alert {
    let now = from_system_time(std::time::SystemTime::now());
    Alert {
        labels: Labels::from_pairs([("alertname", alertname), ("instance", instance)]),
        annotations: Labels::default(),
        starts_at: now,
        ends_at: ZERO_TIME,
        updated_at: now,
        generator_url: String::new(),
        timeout: false,
    }
}

#[tokio::test]
async fn templated_route_labels_reach_the_webhook_rendered() {
    let mock = MockServer::start().await;
    let cfg = config::load_str(&config(&mock), Path::new("am.yml")).unwrap();
    let env = BuildEnv { user_agent: "Alertmanager/test".into() };
    let receivers: HashMap<String, _> = cfg
        .receivers
        .iter()
        .map(|r| (r.name.clone(), integrations::build(r, &env).unwrap()))
        .collect();
    let clock: SharedClock = Arc::new(SystemClock);
    let metrics = Arc::new(Metrics::default());
    let deps = PipelineDeps {
        inhibitor: Arc::new(Nothing),
        silences: Arc::new(Nothing),
        time_intervals: Arc::new(Nothing),
        nflog: Arc::new(MemoryLog::default()),
        marker: Arc::new(Nothing),
        metrics: metrics.clone(),
        templates: Arc::new(Templates::with_defaults()),
        external_url: "http://am.example:9093".into(),
        user_agent: "Alertmanager/test".into(),
        cluster: None,
        retention: Duration::from_secs(120 * 3600),
        clock: clock.clone(),
    };
    let pipeline = Arc::new(Pipeline::new(receivers, deps));
    let table = Arc::new(RouteTable::new(Route::new(&cfg.route)));
    let (_tx, rx) = tokio::sync::mpsc::unbounded_channel::<Alert>();
    let d = Dispatcher::start(table, rx, pipeline, DispatchOptions::new(clock, metrics));
    d.ingest(firing("HighCPU", "a"));
    d.ingest(firing("HighCPU", "b"));

    // The API's view renders the same labels against the group's stored alerts.
    let groups = d.groups();
    assert_eq!(groups.len(), 1);
    let want: BTreeMap<String, String> = [
        ("literal", "{{ .Receiver }}"),
        ("page", "HighCPU-oncall/firing/unknown/2"),
        ("plain", "fixed"),
        ("team", "HighCPU-oncall"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(groups[0].route_labels, want);
    // The raw templates stay on the route.
    assert_eq!(groups[0].route.labels["team"], "{{ .GroupLabels.alertname }}-oncall");

    let requests = mock.wait_for(2, Duration::from_secs(10)).await;
    d.stop();
    let body = |path: &str| {
        requests.iter().find(|r| r.path_and_query() == path).map(|r| r.json()).unwrap()
    };

    // The standard body: rendered against the flush's two alerts, reason `unknown` (the
    // reason is per integration, decided after rendering); the cyclic label is left out.
    let default = body("/default");
    assert_eq!(
        default["routeLabels"],
        json!({
            "literal": "{{ .Receiver }}",
            "page": "HighCPU-oncall/firing/unknown/2",
            "plain": "fixed",
            "team": "HighCPU-oncall",
        })
    );
    assert_eq!(default["groupKey"], "{}:{alertname=\"HighCPU\"}");

    // In the notification's own templates the rendered values are returned verbatim: the
    // literal is not executed a second time (that would give the receiver's name).
    assert_eq!(
        body("/custom"),
        json!({
            "team": "HighCPU-oncall",
            "page": "p=HighCPU-oncall/firing/unknown/2",
            "literal": "x{{ .Receiver }}",
            "reason": "first notification",
        })
    );
}
