//! The notifier's Alertmanager discovery through `file_sd_configs` and its HTTP settings
//! (`basic_auth`, `authorization`, `path_prefix`, `scheme`), against local Alertmanager
//! stand-ins (axum on loopback ports) that record every request.
//!
//! Real time: file SD stats and reads files on blocking threads, which paused time does not
//! wait for. Polls are shortened to 20 ms through `DiscoveryOptions`; every wait is bounded by
//! a generous deadline so a regression fails instead of hanging, and no assertion depends on
//! how long something took.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Helpers outside #[test] fns: test code.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use model::labels::Labels;
use rules::notifier::{Notifier, NotifierOptions};
use rules::seams::{Alert, AlertSink};
use scrape::discovery::DiscoveryOptions;
use tokio::io::AsyncReadExt;
use tokio::sync::{Notify, mpsc};

/// Upper bound for anything the tests wait for; far above what any step needs.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    authorization: Option<String>,
    body: String,
}

async fn handler(
    State(tx): State<mpsc::UnboundedSender<Recorded>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let authorization =
        headers.get("authorization").map(|v| v.to_str().expect("ASCII header").to_owned());
    let _ = tx.send(Recorded { path: uri.path().to_owned(), authorization, body });
    StatusCode::OK
}

/// An Alertmanager stand-in answering 200 to every POST, on any path.
struct Am {
    addr: SocketAddr,
    rx: mpsc::UnboundedReceiver<Recorded>,
}

impl Am {
    async fn start() -> Am {
        let (tx, rx) = mpsc::unbounded_channel();
        let app = Router::new().fallback(axum::routing::post(handler)).with_state(tx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Am { addr, rx }
    }

    async fn next(&mut self) -> Recorded {
        tokio::time::timeout(PATIENCE, self.rx.recv())
            .await
            .expect("a request within the deadline")
            .expect("stand-in alive")
    }

    /// The `i` labels of every request received so far.
    fn drain_indices(&mut self) -> BTreeSet<usize> {
        let mut got = BTreeSet::new();
        while let Ok(r) = self.rx.try_recv() {
            got.extend(indices(&r));
        }
        got
    }
}

fn indices(r: &Recorded) -> Vec<usize> {
    let v: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
    v.iter().map(|a| a["labels"]["i"].as_str().unwrap().parse().unwrap()).collect()
}

fn alert(name: &str, i: usize) -> Alert {
    Alert {
        labels: Labels::from_pairs([("alertname", name.to_owned()), ("i", i.to_string())]),
        annotations: Labels::default(),
        starts_at_ms: 1_714_557_600_000,
        ends_at_ms: 1_714_557_840_000,
        generator_url: String::new(),
    }
}

fn alerts(name: &str, range: std::ops::Range<usize>) -> Vec<Alert> {
    range.map(|i| alert(name, i)).collect()
}

fn options() -> NotifierOptions {
    NotifierOptions {
        queue_capacity: 100_000,
        batch_size: 256,
        drain_on_shutdown: true,
        discovery: DiscoveryOptions {
            update_interval: Duration::from_millis(20),
            file_poll_interval: Duration::from_millis(20),
            ..DiscoveryOptions::default()
        },
        ..NotifierOptions::default()
    }
}

/// Loads `yaml` as `prometheus.yml` and applies its `alerting` section.
async fn apply_yaml(n: &Notifier, yaml: &str) {
    let cfg = config::load_str(yaml, Path::new("/"), "prometheus.yml").unwrap();
    let ext = Labels::from_pairs(cfg.global.external_labels.iter());
    n.apply_config(&cfg.alerting, &ext).await.unwrap();
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let polled = async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(PATIENCE, polled)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}/api/v2/alerts")
}

/// Replaces the SD file atomically (write + rename, as config management tools do) with one
/// group of `targets`. `generation` pads the file so its size changes too: the poller compares
/// size and modification time, and two writes may share a coarse mtime tick.
fn write_sd_file(path: &Path, targets: &[SocketAddr], generation: usize) {
    let list: Vec<String> = targets.iter().map(|a| format!("\"{a}\"")).collect();
    let text = format!(
        "[{{\"targets\": [{}], \"labels\": {{\"gen\": \"{}\"}}}}]\n",
        list.join(", "),
        "x".repeat(generation + 1)
    );
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn file_sd_config(sd_file: &Path) -> String {
    format!(
        "alerting:\n  alertmanagers:\n    - file_sd_configs:\n        - files: ['{}']\n",
        sd_file.display()
    )
}

/// Targets come and go with the SD file: an added Alertmanager receives alerts from then on,
/// a removed one receives nothing more.
#[tokio::test]
async fn file_sd_targets_appear_and_disappear() {
    let dir = tempfile::tempdir().unwrap();
    let sd = dir.path().join("am.json");
    let mut a = Am::start().await;
    let mut b = Am::start().await;
    write_sd_file(&sd, &[a.addr], 0);

    let n = Notifier::new(options());
    apply_yaml(&n, &file_sd_config(&sd)).await;
    wait_for("A discovered", || n.alertmanagers() == vec![url(a.addr)]).await;
    n.send(alerts("one", 0..3));
    assert_eq!(indices(&a.next().await), vec![0, 1, 2]);

    // B appears: both receive.
    write_sd_file(&sd, &[a.addr, b.addr], 1);
    wait_for("A and B discovered", || n.alertmanagers().len() == 2).await;
    assert_eq!(n.alertmanagers(), vec![url(a.addr), url(b.addr)]);
    n.send(alerts("two", 3..5));
    assert_eq!(indices(&a.next().await), vec![3, 4]);
    assert_eq!(indices(&b.next().await), vec![3, 4]);

    // A disappears: only B receives.
    write_sd_file(&sd, &[b.addr], 2);
    wait_for("only B discovered", || n.alertmanagers() == vec![url(b.addr)]).await;
    n.send(alerts("three", 5..7));
    assert_eq!(indices(&b.next().await), vec![5, 6]);
    n.stop().await;
    assert!(a.drain_indices().is_empty(), "A was removed from the SD file but got alerts");
    assert!(b.drain_indices().is_empty());
}

/// Alerts sent without pause while the SD file moves from one Alertmanager to another all
/// arrive (at the old one until discovery reports the change, then at the new one); once the
/// change is reported the old one receives nothing more.
#[tokio::test]
async fn file_sd_switch_loses_no_alerts_and_leaves_the_old_target() {
    let dir = tempfile::tempdir().unwrap();
    let sd = dir.path().join("am.yml");
    let mut old = Am::start().await;
    let mut new = Am::start().await;
    write_sd_file(&sd, &[old.addr], 0);

    let n = Notifier::new(options());
    apply_yaml(&n, &file_sd_config(&sd)).await;
    wait_for("old discovered", || n.alertmanagers() == vec![url(old.addr)]).await;

    let total = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(Notify::new());
    let sender = tokio::spawn({
        let (n, total, done) = (n.clone(), total.clone(), done.clone());
        async move {
            let mut i = 0;
            loop {
                n.send(vec![alert("R", i)]);
                i += 1;
                total.store(i, Ordering::SeqCst);
                tokio::select! {
                    _ = done.notified() => return,
                    _ = tokio::time::sleep(Duration::from_millis(1)) => {}
                }
            }
        }
    });
    wait_for("some alerts sent", || total.load(Ordering::SeqCst) > 20).await;
    write_sd_file(&sd, &[new.addr], 1);
    let first_new = new.next().await;
    done.notify_one();
    sender.await.unwrap();
    assert_eq!(n.alertmanagers(), vec![url(new.addr)]);

    // Everything sent so far arrived at one of the two.
    let sent = total.load(Ordering::SeqCst);
    let settle = async {
        let mut got: BTreeSet<usize> = indices(&first_new).into_iter().collect();
        loop {
            got.extend(old.drain_indices());
            got.extend(new.drain_indices());
            if got.len() >= sent {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let got = tokio::time::timeout(PATIENCE, settle).await.unwrap_or_else(|_| {
        panic!("not every one of the {sent} alerts arrived at either Alertmanager")
    });
    assert_eq!(got, (0..sent).collect());

    // After the switch: the new one only.
    n.send(alerts("after", 1_000_000..1_000_002));
    assert_eq!(indices(&new.next().await), vec![1_000_000, 1_000_001]);
    n.stop().await;
    assert!(old.drain_indices().is_empty(), "the old Alertmanager got alerts after the switch");
}

/// `basic_auth` with an inline password and with `password_file`, and `path_prefix`: each
/// set's Alertmanager sees its own credentials at `<path_prefix>/api/v2/alerts`.
#[tokio::test]
async fn basic_auth_and_path_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, "from-file\n").unwrap();
    let mut a = Am::start().await;
    let mut b = Am::start().await;
    let yaml = format!(
        r#"alerting:
  alertmanagers:
    - path_prefix: /alertmanager/
      basic_auth:
        username: alice
        password: s3cret
      static_configs:
        - targets: ['{a}']
    - path_prefix: deep/er
      basic_auth:
        username: bob
        password_file: {pass}
      static_configs:
        - targets: ['{b}']
"#,
        a = a.addr,
        b = b.addr,
        pass = pass_file.display(),
    );
    let n = Notifier::new(options());
    apply_yaml(&n, &yaml).await;
    wait_for("both discovered", || n.alertmanagers().len() == 2).await;
    assert_eq!(
        n.alertmanagers(),
        vec![
            format!("http://{}/alertmanager/api/v2/alerts", a.addr),
            format!("http://{}/deep/er/api/v2/alerts", b.addr),
        ]
    );
    n.send(alerts("A", 0..1));
    let ra = a.next().await;
    assert_eq!(ra.path, "/alertmanager/api/v2/alerts");
    // base64("alice:s3cret")
    assert_eq!(ra.authorization.as_deref(), Some("Basic YWxpY2U6czNjcmV0"));
    let rb = b.next().await;
    assert_eq!(rb.path, "/deep/er/api/v2/alerts");
    // base64("bob:from-file"): the file's trailing newline is trimmed, as upstream.
    assert_eq!(rb.authorization.as_deref(), Some("Basic Ym9iOmZyb20tZmlsZQ=="));
    n.stop().await;
}

/// `authorization` with inline credentials (type `Bearer` by default) and with a
/// `credentials_file` and a custom type; the file is read for every request, so a rotated
/// token is used from the next notification on without a reload. A set without auth sends
/// no `Authorization` header.
#[tokio::test]
async fn authorization_credentials_and_rotated_credentials_file() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "tok-1\n").unwrap();
    let mut a = Am::start().await;
    let mut b = Am::start().await;
    let mut c = Am::start().await;
    let yaml = format!(
        r#"alerting:
  alertmanagers:
    - authorization:
        credentials: inline-token
      static_configs:
        - targets: ['{a}']
    - authorization:
        type: Custom
        credentials_file: {tok}
      path_prefix: /b
      static_configs:
        - targets: ['{b}']
    - static_configs:
        - targets: ['{c}']
"#,
        a = a.addr,
        b = b.addr,
        c = c.addr,
        tok = token_file.display(),
    );
    let n = Notifier::new(options());
    apply_yaml(&n, &yaml).await;
    wait_for("all discovered", || n.alertmanagers().len() == 3).await;

    n.send(alerts("A", 0..1));
    let ra = a.next().await;
    assert_eq!(ra.path, "/api/v2/alerts");
    assert_eq!(ra.authorization.as_deref(), Some("Bearer inline-token"));
    let rb = b.next().await;
    assert_eq!(rb.path, "/b/api/v2/alerts");
    assert_eq!(rb.authorization.as_deref(), Some("Custom tok-1"));
    let rc = c.next().await;
    assert_eq!(rc.authorization, None);

    std::fs::write(&token_file, "tok-2").unwrap();
    n.send(alerts("A", 1..2));
    assert_eq!(a.next().await.authorization.as_deref(), Some("Bearer inline-token"));
    assert_eq!(b.next().await.authorization.as_deref(), Some("Custom tok-2"));
    assert_eq!(c.next().await.authorization, None);
    n.stop().await;
}

/// Auth and `path_prefix` apply to Alertmanagers found through `file_sd_configs` too, including
/// one that appears only after the file changed.
#[tokio::test]
async fn file_sd_targets_get_the_sets_auth_and_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let sd = dir.path().join("am.json");
    let mut a = Am::start().await;
    let mut b = Am::start().await;
    write_sd_file(&sd, &[a.addr], 0);
    let yaml = format!(
        r#"alerting:
  alertmanagers:
    - scheme: http
      path_prefix: /pfx
      authorization:
        credentials: sd-token
      file_sd_configs:
        - files: ['{}']
"#,
        sd.display()
    );
    let n = Notifier::new(options());
    apply_yaml(&n, &yaml).await;
    wait_for("A discovered", || n.alertmanagers().len() == 1).await;
    write_sd_file(&sd, &[b.addr], 1);
    wait_for("B discovered", || {
        n.alertmanagers() == vec![format!("http://{}/pfx/api/v2/alerts", b.addr)]
    })
    .await;
    n.send(alerts("A", 0..1));
    let rb = b.next().await;
    assert_eq!(rb.path, "/pfx/api/v2/alerts");
    assert_eq!(rb.authorization.as_deref(), Some("Bearer sd-token"));
    n.stop().await;
    assert!(a.drain_indices().is_empty());
}

/// `scheme: https` makes the URL `https://…` and the request a TLS connection: the stand-in, a
/// bare TCP listener, sees a TLS handshake record (content type 22) as the first byte.
#[tokio::test]
async fn scheme_https_speaks_tls() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut first = [0_u8; 1];
            if conn.read_exact(&mut first).await.is_ok() {
                let _ = tx.send(first[0]);
            }
            // Dropping the connection fails the handshake; the notifier counts an error.
        }
    });
    let yaml = format!(
        "alerting:\n  alertmanagers:\n    - scheme: https\n      static_configs:\n        - targets: ['{addr}']\n"
    );
    let n = Notifier::new(options());
    apply_yaml(&n, &yaml).await;
    wait_for("discovered", || n.alertmanagers().len() == 1).await;
    assert_eq!(n.alertmanagers(), vec![format!("https://{addr}/api/v2/alerts")]);
    n.send(alerts("A", 0..1));
    let first = tokio::time::timeout(PATIENCE, rx.recv()).await.unwrap().unwrap();
    assert_eq!(first, 0x16, "expected a TLS handshake record");
    n.stop().await;
}

/// `prometheus_sd_file_read_errors_total` of `metrics`.
fn file_read_errors(metrics: &scrape::discovery::SdMetrics) -> f64 {
    let mut registry = prometheus_client::registry::Registry::default();
    metrics.register_metrics(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("prometheus_sd_file_read_errors_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no prometheus_sd_file_read_errors_total in\n{text}"))
}

/// A rewrite that does not parse keeps the Alertmanagers the file last named (alerts still
/// reach them); a later valid rewrite is followed, and deleting the file leaves none.
#[tokio::test]
async fn file_sd_broken_rewrite_keeps_the_alertmanagers_and_deletion_drops_them() {
    let dir = tempfile::tempdir().unwrap();
    let sd = dir.path().join("am.json");
    let mut a = Am::start().await;
    let mut b = Am::start().await;
    write_sd_file(&sd, &[a.addr], 0);
    let opts = options();
    let sd_metrics = opts.discovery.metrics.clone();
    let n = Notifier::new(opts);
    apply_yaml(&n, &file_sd_config(&sd)).await;
    wait_for("A discovered", || n.alertmanagers() == vec![url(a.addr)]).await;

    std::fs::write(&sd, "[{\"targets\": [").unwrap();
    wait_for("the broken file read", || file_read_errors(&sd_metrics) >= 1.0).await;
    assert_eq!(n.alertmanagers(), vec![url(a.addr)]);
    n.send(alerts("A", 0..2));
    assert_eq!(indices(&a.next().await), vec![0, 1]);

    write_sd_file(&sd, &[b.addr], 1);
    wait_for("B discovered", || n.alertmanagers() == vec![url(b.addr)]).await;
    n.send(alerts("A", 2..3));
    assert_eq!(indices(&b.next().await), vec![2]);

    std::fs::remove_file(&sd).unwrap();
    wait_for("no Alertmanager left", || n.alertmanagers().is_empty()).await;
    n.stop().await;
    assert!(a.drain_indices().is_empty());
    assert!(b.drain_indices().is_empty());
}
