//! Tutorial B end to end (`examples/ecommerce-pagerduty/`): the real `klaxon run` on the
//! example's own files — only the intervals shortened and the URLs pointed at mocks — scrapes
//! two stub shop services, and a mock Slack and a mock PagerDuty check every payload:
//!
//! 1. `HighErrorRate` (payment answers 10 % 5xx): a warning, so Slack `#payment-alerts` only,
//!    repeated at `repeat_interval`, then resolved;
//! 2. `InstanceDown` (checkout stops listening): critical, so a PagerDuty trigger *and*
//!    `#checkout-alerts`, both repeated, then a PagerDuty resolve with the same dedup key and
//!    a resolved Slack message;
//! 3. `NoOrdersPlaced` (payment stops creating orders): critical, PagerDuty and
//!    `#payment-alerts`, then resolved.
//!
//! Nothing else may arrive: no post before the first failure, none to `#shop-alerts`, no page
//! for the warning, nothing after a resolve. Times are checked with generous bounds (the first
//! notification no earlier than `for`, repeats no sooner than `repeat_interval`).

#![allow(clippy::unwrap_used)]

mod scenario_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use parking_lot::Mutex;
use scenario_support::{
    Kind, Klaxon, Post, Recorder, assert_gaps, copy_example, edit, free_port, slack_fields,
};
use tokio::sync::oneshot;

/// The test's shortened intervals (the example's are in brackets).
const FOR_DOWN: f64 = 2.0; // InstanceDown `for` [1m]
const FOR_RATE: f64 = 3.0; // HighErrorRate and NoOrdersPlaced `for` [5m, 10m]
const REPEAT_TEAM: f64 = 10.0; // root `repeat_interval` [4h]: the team channels
const REPEAT_PAGE: f64 = 6.0; // the critical route's `repeat_interval` [1h]: PagerDuty

/// A stub Spring Boot service: Micrometer's request counter and the shop's order counter.
#[derive(Debug)]
struct App {
    application: &'static str,
    counts: Mutex<Counts>,
    failing: AtomicBool,
    ordering: AtomicBool,
}

#[derive(Debug, Default)]
struct Counts {
    ok: u64,
    errors: u64,
    orders: u64,
}

impl App {
    fn new(application: &'static str) -> Arc<App> {
        let app = Arc::new(App {
            application,
            counts: Mutex::default(),
            failing: AtomicBool::new(false),
            ordering: AtomicBool::new(true),
        });
        // 10 requests and an order every 100 ms; while failing, one request in 10 is a 500.
        let a = app.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let mut c = a.counts.lock();
                if a.failing.load(Ordering::Relaxed) {
                    c.ok += 9;
                    c.errors += 1;
                } else {
                    c.ok += 10;
                }
                if a.ordering.load(Ordering::Relaxed) {
                    c.orders += 1;
                }
            }
        });
        app
    }
}

async fn actuator(State(app): State<Arc<App>>) -> String {
    let c = app.counts.lock();
    let a = app.application;
    format!(
        "# HELP http_server_requests_seconds Duration of HTTP server request handling\n\
         # TYPE http_server_requests_seconds summary\n\
         http_server_requests_seconds_count{{application=\"{a}\",method=\"POST\",outcome=\"SUCCESS\",status=\"200\",uri=\"/api/orders\"}} {ok}\n\
         http_server_requests_seconds_sum{{application=\"{a}\",method=\"POST\",outcome=\"SUCCESS\",status=\"200\",uri=\"/api/orders\"}} {oks}\n\
         http_server_requests_seconds_count{{application=\"{a}\",method=\"POST\",outcome=\"SERVER_ERROR\",status=\"500\",uri=\"/api/orders\"}} {err}\n\
         http_server_requests_seconds_sum{{application=\"{a}\",method=\"POST\",outcome=\"SERVER_ERROR\",status=\"500\",uri=\"/api/orders\"}} {errs}\n\
         # HELP orders_created_total Orders created\n\
         # TYPE orders_created_total counter\n\
         orders_created_total{{application=\"{a}\"}} {orders}\n",
        ok = c.ok,
        oks = c.ok as f64 * 0.02,
        err = c.errors,
        errs = c.errors as f64 * 0.5,
        orders = c.orders,
    )
}

/// The service's HTTP server, which can stop listening (down) and come back on its port.
struct Server {
    app: Arc<App>,
    addr: SocketAddr,
    stop: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl Server {
    async fn start(app: Arc<App>) -> Server {
        let mut s = Server { app, addr: "127.0.0.1:0".parse().unwrap(), stop: None };
        s.up().await;
        s
    }

    async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.addr = listener.local_addr().unwrap();
        let router =
            Router::new().route("/actuator/prometheus", get(actuator)).with_state(self.app.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        self.stop = Some((tx, task));
    }

    async fn down(&mut self) {
        let (tx, task) = self.stop.take().unwrap();
        let _ = tx.send(());
        task.await.unwrap();
    }
}

/// Slack posts to `channel` about `alertname`, in order.
fn slack_story(posts: &[Post], channel: &str, alertname: &str) -> Vec<Post> {
    posts
        .iter()
        .filter(|p| {
            let (ch, title, _) = slack_fields(p);
            ch == channel && title.contains(&format!("] {alertname} "))
        })
        .cloned()
        .collect()
}

/// `*WARNING* payment: 8.333% of requests fail<suffix>`: the summary with `$value` as
/// `humanizePercentage`; over 5 % (the threshold) and at most the 10 % the app fails (lower
/// while the 4 s window still holds healthy seconds).
fn assert_error_ratio(text: &str, suffix: &str) {
    let value = text
        .strip_prefix("*WARNING* payment: ")
        .and_then(|t| t.strip_suffix(&format!("% of requests fail{suffix}\n")))
        .unwrap_or_else(|| panic!("unexpected text {text:?}"));
    let percent: f64 = value.parse().unwrap_or_else(|_| panic!("no percentage in {text:?}"));
    assert!(percent > 5.0 && percent <= 10.0, "{text:?}");
}

fn is_firing(p: &Post) -> bool {
    slack_fields(p).1.starts_with("[FIRING")
}

/// Checks one alert's Slack story: firing posts (the first no earlier than `not_before`, then
/// repeats every `repeat` seconds), then exactly one resolved post, last.
fn check_slack_story(story: &[Post], what: &str, not_before: f64, repeat: f64) {
    assert!(story.len() >= 3, "{what}: want firing, a repeat and resolved: {story:#?}");
    let (resolved, firing) = story.split_last().unwrap();
    assert!(firing.iter().all(is_firing), "{what}: {story:#?}");
    assert!(slack_fields(resolved).1.starts_with("[RESOLVED]"), "{what}: {story:#?}");
    assert!(
        firing[0].at >= not_before,
        "{what}: first post at {:.1}s, before {not_before:.1}s",
        firing[0].at
    );
    let times: Vec<f64> = firing.iter().map(|p| p.at).collect();
    assert_gaps(what, &times, repeat - 0.5, repeat + 4.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecommerce_alerts_page_and_route_by_team() {
    let t0 = Instant::now();
    let slack = Recorder::start(Kind::Slack, t0).await;
    let pd = Recorder::start(Kind::PagerDuty, t0).await;
    let payment_app = App::new("payment");
    let checkout_app = App::new("checkout");
    let payment = Server::start(payment_app.clone()).await;
    let mut checkout = Server::start(checkout_app.clone()).await;

    // The example's files, intervals shortened, targets and receivers local.
    let dir = tempfile::tempdir().unwrap();
    let ex = dir.path().join("example");
    copy_example("ecommerce-pagerduty", &ex);
    let web_port = free_port();
    let (payment_target, checkout_target) =
        (format!("['{}']", payment.addr), format!("['{}']", checkout.addr));
    let self_target = format!("['127.0.0.1:{web_port}']");
    edit(
        &ex.join("prometheus.yml"),
        &[
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("['payment-1:8080', 'payment-2:8080']", &payment_target),
            ("['checkout-1:8080']", &checkout_target),
            ("['localhost:9090']", &self_target),
        ],
    );
    edit(
        &ex.join("rules.yml"),
        &[
            ("for: 1m", "for: 2s"),
            ("for: 5m", "for: 3s"),
            ("for: 10m", "for: 3s"),
            ("[5m]", "[4s]"),
            ("[10m]", "[4s]"),
        ],
    );
    let urls = format!(
        "slack_api_url: http://{}/slack\n  pagerduty_url: http://{}/v2/enqueue",
        slack.addr, pd.addr
    );
    edit(
        &ex.join("alertmanager.yml"),
        &[
            (
                "slack_api_url: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                &urls,
            ),
            ("group_wait: 30s", "group_wait: 1s"),
            ("group_wait: 10s", "group_wait: 1s"),
            ("group_interval: 5m", "group_interval: 1s"),
            ("repeat_interval: 4h", "repeat_interval: 10s"),
            ("repeat_interval: 1h", "repeat_interval: 6s"),
        ],
    );
    let k = Klaxon::start(
        &ex.join("prometheus.yml"),
        &ex.join("alertmanager.yml"),
        &dir.path().join("data"),
        &[&format!("--web.listen-address=127.0.0.1:{web_port}")],
    );

    // All healthy for a while: nothing is sent.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        slack.posts().is_empty() && pd.posts().is_empty(),
        "{:#?}{:#?}",
        slack.posts(),
        pd.posts()
    );

    // 1. HighErrorRate: a warning for the payment team's channel.
    let t1 = slack.now();
    payment_app.failing.store(true, Ordering::Relaxed);
    let first = slack
        .wait_for("HighErrorRate firing", &k, |p| {
            slack_fields(p).1 == "[FIRING:1] HighErrorRate (payment)"
        })
        .await;
    let (channel, _, text) = slack_fields(&first);
    assert_eq!(channel, "#payment-alerts");
    assert_error_ratio(&text, "");
    assert_eq!(first.body["attachments"][0]["color"], "danger", "{:#?}", first.body);
    let repeats =
        |title: &'static str| move |p: &Post| slack_fields(p).1 == title && p.at > first.at + 0.5;
    slack.wait_for("HighErrorRate repeat", &k, repeats("[FIRING:1] HighErrorRate (payment)")).await;
    payment_app.failing.store(false, Ordering::Relaxed);
    let resolved = slack
        .wait_for("HighErrorRate resolved", &k, |p| {
            slack_fields(p).1 == "[RESOLVED] HighErrorRate (payment)"
        })
        .await;
    assert_error_ratio(&slack_fields(&resolved).2, " (resolved)");

    // 2. InstanceDown: critical, so PagerDuty and the checkout channel.
    let t2 = slack.now();
    checkout.down().await;
    let page =
        pd.wait_for("InstanceDown trigger", &k, |p| p.body["event_action"] == "trigger").await;
    let summary = format!("InstanceDown: checkout-service instance {} is down", checkout.addr);
    assert_eq!(page.path, "v2/enqueue");
    assert_eq!(page.body["routing_key"], "0123456789abcdef0123456789abcdef");
    assert_eq!(page.body["payload"]["summary"], summary.as_str(), "{:#?}", page.body);
    assert_eq!(page.body["payload"]["severity"], "critical");
    assert_eq!(page.body["payload"]["custom_details"]["team"], "checkout");
    assert_eq!(
        page.body["payload"]["custom_details"]["firing"],
        format!("checkout-service instance {} is down\n", checkout.addr).as_str()
    );
    let dedup_key = page.body["dedup_key"].as_str().unwrap().to_string();
    let down_msg = slack
        .wait_for("InstanceDown firing", &k, |p| {
            slack_fields(p).1 == "[FIRING:1] InstanceDown (checkout)"
        })
        .await;
    assert_eq!(slack_fields(&down_msg).0, "#checkout-alerts");
    assert_eq!(
        slack_fields(&down_msg).2,
        format!("*CRITICAL* checkout-service instance {} is down\n", checkout.addr)
    );
    let first_page = page.at;
    pd.wait_for("InstanceDown page repeat", &k, |p| {
        p.body["event_action"] == "trigger" && p.at > first_page + 0.5
    })
    .await;
    let first_down = down_msg.at;
    slack
        .wait_for("InstanceDown Slack repeat", &k, |p| {
            slack_fields(p).1 == "[FIRING:1] InstanceDown (checkout)" && p.at > first_down + 0.5
        })
        .await;
    checkout.up().await;
    let resolve =
        pd.wait_for("InstanceDown resolve", &k, |p| p.body["event_action"] == "resolve").await;
    assert_eq!(resolve.body["dedup_key"], dedup_key.as_str());
    slack
        .wait_for("InstanceDown resolved", &k, |p| {
            slack_fields(p).1 == "[RESOLVED] InstanceDown (checkout)"
        })
        .await;

    // 3. NoOrdersPlaced: critical for the payment team.
    let t3 = slack.now();
    payment_app.ordering.store(false, Ordering::Relaxed);
    let page = pd
        .wait_for("NoOrdersPlaced trigger", &k, |p| {
            p.body["event_action"] == "trigger" && p.body["dedup_key"] != dedup_key.as_str()
        })
        .await;
    assert_eq!(
        page.body["payload"]["summary"],
        "NoOrdersPlaced: No orders placed in payment for 10 minutes"
    );
    assert_eq!(page.body["payload"]["custom_details"]["team"], "payment");
    let orders_key = page.body["dedup_key"].as_str().unwrap().to_string();
    let msg = slack
        .wait_for("NoOrdersPlaced firing", &k, |p| {
            slack_fields(p).1 == "[FIRING:1] NoOrdersPlaced (payment)"
        })
        .await;
    assert_eq!(slack_fields(&msg).0, "#payment-alerts");
    let first_msg = msg.at;
    slack
        .wait_for("NoOrdersPlaced Slack repeat", &k, |p| {
            slack_fields(p).1 == "[FIRING:1] NoOrdersPlaced (payment)" && p.at > first_msg + 0.5
        })
        .await;
    payment_app.ordering.store(true, Ordering::Relaxed);
    pd.wait_for("NoOrdersPlaced resolve", &k, |p| {
        p.body["event_action"] == "resolve" && p.body["dedup_key"] == orders_key.as_str()
    })
    .await;
    slack
        .wait_for("NoOrdersPlaced resolved", &k, |p| {
            slack_fields(p).1 == "[RESOLVED] NoOrdersPlaced (payment)"
        })
        .await;

    // Quiet again: nothing more arrives.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (code, log) = k.terminate();
    assert_eq!(code, Some(0), "{log}");

    // The whole story, and nothing else.
    let posts = slack.posts();
    let pages = pd.posts();
    let high = slack_story(&posts, "#payment-alerts", "HighErrorRate");
    let down = slack_story(&posts, "#checkout-alerts", "InstanceDown");
    let orders = slack_story(&posts, "#payment-alerts", "NoOrdersPlaced");
    assert_eq!(
        high.len() + down.len() + orders.len(),
        posts.len(),
        "unexpected Slack posts: {posts:#?}"
    );
    check_slack_story(&high, "HighErrorRate on Slack", t1 + FOR_RATE, REPEAT_TEAM);
    check_slack_story(&down, "InstanceDown on Slack", t2 + FOR_DOWN, REPEAT_TEAM);
    check_slack_story(&orders, "NoOrdersPlaced on Slack", t3 + FOR_RATE, REPEAT_TEAM);
    for (key, what, not_before) in [
        (&dedup_key, "InstanceDown page", t2 + FOR_DOWN),
        (&orders_key, "NoOrdersPlaced page", t3 + FOR_RATE),
    ] {
        let story: Vec<&Post> =
            pages.iter().filter(|p| p.body["dedup_key"] == key.as_str()).collect();
        let (last, triggers) = story.split_last().unwrap();
        assert_eq!(last.body["event_action"], "resolve", "{what}: {story:#?}");
        assert!(triggers.len() >= 2, "{what}: want a trigger and a repeat: {story:#?}");
        assert!(triggers.iter().all(|p| p.body["event_action"] == "trigger"), "{what}: {story:#?}");
        assert!(
            triggers[0].at >= not_before,
            "{what}: paged at {:.1}s, before {not_before:.1}s",
            triggers[0].at
        );
        let times: Vec<f64> = triggers.iter().map(|p| p.at).collect();
        assert_gaps(what, &times, REPEAT_PAGE - 0.5, REPEAT_PAGE + 4.0);
    }
    let story_len = pages
        .iter()
        .filter(|p| {
            p.body["dedup_key"] == dedup_key.as_str() || p.body["dedup_key"] == orders_key.as_str()
        })
        .count();
    assert_eq!(story_len, pages.len(), "unexpected pages (the warning must not page): {pages:#?}");
}
