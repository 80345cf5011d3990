//! Tutorial A end to end (`examples/nginx-slack/`): the real `klaxon run` on the example's
//! files (intervals shortened, Slack pointed at a mock) tails an nginx access log that the
//! test writes in the `combined` format — no exporter:
//!
//! 1. the log job is a scrape target like any other (`/api/v1/targets`: job `nginx`, a stable
//!    `instance`, `up`), its counters carry `method`/`status` and the static labels;
//! 2. while 60 % of the requests fail, `NginxManyErrors` and `NginxHighFailureRatio` (via the
//!    recording rule) fire and reach Slack with the template's title and text, repeated at
//!    `repeat_interval`;
//! 3. once the requests succeed, both resolve, and nothing else arrives;
//! 4. after a restart (lines written while it was down) the counters continue from the saved
//!    state: every line counted exactly once.
//!
//! A second test runs the same story (1–3) against Debian's real `nginx`, started as the test's
//! user on its own config and port: the test sends HTTP requests and klaxon tails the access
//! log nginx writes. Without `nginx` (installed by `scripts/test-deps`) it says so loudly and
//! passes.

#![allow(clippy::unwrap_used)]

mod scenario_support;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use scenario_support::{
    Kind, Klaxon, Post, Recorder, assert_gaps, copy_example, edit, slack_fields,
};

/// The test's `repeat_interval` (the example's is 1m55s).
const REPEAT: f64 = 4.0;
const ALERTS: [&str; 2] = ["NginxManyErrors", "NginxHighFailureRatio"];

/// Appends `combined` lines to the log, 20 a second; 3 in 5 fail while `failing` is set.
struct Traffic {
    failing: Arc<AtomicBool>,
    written: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

fn append(log: &Path, status: u16, n: u64) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let method = if n.is_multiple_of(4) { "POST" } else { "GET" };
    writeln!(
        f,
        r#"192.0.2.{} - - [22/Nov/2026:11:00:00 +0000] "{method} /shop/items/{n}?q=1 HTTP/1.1" {status} 612 "-" "curl/8.5.0""#,
        n % 250
    )
    .unwrap();
}

impl Traffic {
    fn start(log: &Path) -> Traffic {
        let t = Traffic {
            failing: Arc::new(AtomicBool::new(true)),
            written: Arc::default(),
            stop: Arc::default(),
        };
        let (failing, written, stop, log) =
            (t.failing.clone(), t.written.clone(), t.stop.clone(), log.to_path_buf());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let n = written.load(Ordering::Relaxed);
                let status = if failing.load(Ordering::Relaxed) {
                    [200, 404, 500, 200, 502][(n % 5) as usize]
                } else {
                    200
                };
                append(&log, status, n);
                written.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        t
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The API address from the `Start listening for connections` log line.
fn api(k: &Klaxon) -> String {
    let log = k.log();
    let line = log.lines().find(|l| l.contains("Start listening for connections")).unwrap();
    let addr = line.split("address=").nth(1).unwrap().split_whitespace().next().unwrap();
    format!("http://{addr}")
}

async fn get_json(url: &str) -> serde_json::Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// `sum(nginx_http_response_count_total)` now, if there is a value.
async fn total_counted(api: &str) -> Option<u64> {
    let v =
        get_json(&format!("{api}/api/v1/query?query=sum(nginx_http_response_count_total)")).await;
    v["data"]["result"][0]["value"][1].as_str().and_then(|s| s.parse().ok())
}

fn alertname(p: &Post) -> String {
    let (_, title, _) = slack_fields(p);
    ALERTS.iter().find(|a| title.contains(&format!("] {a} "))).map_or(title, |a| a.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_log_to_slack_fires_repeats_resolves_and_survives_a_restart() {
    let t0 = Instant::now();
    let slack = Recorder::start(Kind::Slack, t0).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("nginx/access.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let ex = shortened_example(dir.path(), &log, &slack.addr);
    let data = dir.path().join("data");
    let k = Klaxon::start(&ex.join("prometheus.yml"), &ex.join("alertmanager.yml"), &data, &[]);
    let api_url = api(&k);
    let traffic = Traffic::start(&log);

    // 1. A target like any other, with a stable instance.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = get_json(&format!("{api_url}/api/v1/targets")).await;
        let t = v["data"]["activeTargets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["labels"]["job"] == "nginx")
            .cloned();
        if let Some(t) = t.filter(|t| t["health"] == "up") {
            assert_eq!(t["labels"]["instance"], "localhost", "{t}");
            assert_eq!(t["labels"]["service"], "web", "{t}");
            break;
        }
        assert!(Instant::now() < deadline, "no healthy nginx target: {v}\n{}", k.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = get_json(&format!(
            "{api_url}/api/v1/query?query=nginx_http_response_count_total{{status=\"500\",method=\"GET\"}}"
        ))
        .await;
        if let Some(m) = v["data"]["result"].get(0).map(|r| r["metric"].clone()) {
            for (k, want) in
                [("job", "nginx"), ("instance", "localhost"), ("service", "web"), ("status", "500")]
            {
                assert_eq!(m[k], want, "{m}");
            }
            break;
        }
        assert!(Instant::now() < deadline, "no nginx counters: {v}\n{}", k.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 2. Both alerts fire, reach #web-alerts with the template's layout, and repeat.
    for alert in ALERTS {
        let first = slack
            .wait_for(&format!("{alert} FIRING"), &k, |p| {
                alertname(p) == alert && slack_fields(p).1.contains("[FIRING:1]")
            })
            .await;
        let (channel, title, text) = slack_fields(&first);
        assert_eq!(channel, "#web-alerts");
        assert_eq!(title, format!("[FIRING:1] {alert} on localhost"));
        let want = match alert {
            "NginxManyErrors" => "*WARNING* ",
            _ => "*PAGE* ",
        };
        assert!(text.starts_with(want) && text.contains("on localhost"), "{text}");
        if alert == "NginxManyErrors" {
            assert!(text.contains("failed requests in the last minute on localhost"), "{text}");
        } else {
            assert!(text.contains("% of requests failing on localhost"), "{text}");
        }
        assert_eq!(first.body["attachments"][0]["color"], "danger", "{:#}", first.body);
        slack
            .wait_for(&format!("{alert} repeat"), &k, |p| {
                alertname(p) == alert && p.at > first.at && slack_fields(p).1.contains("[FIRING:1]")
            })
            .await;
    }

    // 3. Requests succeed again: both resolve.
    traffic.failing.store(false, Ordering::Relaxed);
    for alert in ALERTS {
        let resolved = slack
            .wait_for(&format!("{alert} RESOLVED"), &k, |p| {
                alertname(p) == alert && slack_fields(p).1.starts_with("[RESOLVED]")
            })
            .await;
        assert_eq!(slack_fields(&resolved).1, format!("[RESOLVED] {alert} on localhost"));
        assert_eq!(resolved.body["attachments"][0]["color"], "good");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let posts = slack.posts();
    for alert in ALERTS {
        let story: Vec<&Post> = posts.iter().filter(|p| alertname(p) == alert).collect();
        let (last, firing) = story.split_last().unwrap();
        assert!(
            slack_fields(last).1.starts_with("[RESOLVED]"),
            "{alert}: nothing after RESOLVED: {story:#?}"
        );
        assert!(firing.iter().all(|p| slack_fields(p).1.starts_with("[FIRING:1]")), "{story:#?}");
        let times: Vec<f64> = firing.iter().map(|p| p.at).collect();
        assert_gaps(alert, &times, REPEAT - 0.5, REPEAT + 3.5);
    }
    assert!(
        posts.iter().all(|p| ALERTS.contains(&alertname(p).as_str())),
        "nothing else: {posts:#?}"
    );

    // 4. Stop, write while down, restart: every line counted exactly once.
    drop(traffic);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (code, run_log) = k.terminate();
    assert_eq!(code, Some(0), "{run_log}");
    let written_before = std::fs::read_to_string(&log).unwrap().lines().count() as u64;
    for n in 0..25 {
        append(&log, 503, n);
    }
    let k = Klaxon::start(&ex.join("prometheus.yml"), &ex.join("alertmanager.yml"), &data, &[]);
    let api_url = api(&k);
    let want = written_before + 25;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = total_counted(&api_url).await;
        if got == Some(want) {
            break;
        }
        assert!(
            Instant::now() < deadline && got.is_none_or(|g| g < want),
            "counted {got:?}, want {want} (lines written)\n{}",
            k.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let v = get_json(&format!(
        "{api_url}/api/v1/query?query=sum(nginx_http_response_count_total{{status=\"503\"}})"
    ))
    .await;
    assert_eq!(v["data"]["result"][0]["value"][1], "25", "{v}");
    let (code, _) = k.terminate();
    assert_eq!(code, Some(0));
}

// ---------------------------------------------------------------------------------------------
// The same story with Debian's real nginx writing the access log.

const NGINX: &str = "nginx";

/// The `nginx` binary: on the PATH, or in /usr/sbin (often not on a user's PATH).
fn nginx_binary() -> Option<std::path::PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(NGINX)).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain([std::path::PathBuf::from("/usr/sbin/nginx")]).find(|p| {
        std::process::Command::new(p).arg("-v").output().is_ok_and(|o| o.status.success())
    })
}

/// What each path of the test's nginx answers (by `return`, no upstream needed).
const ROUTES: [(&str, u16); 5] = [
    ("/shop/items/", 200),
    ("/missing/", 404),
    ("/error/", 500),
    ("/shop/cart/", 200),
    ("/upstream/", 502),
];

/// A config a non-root user can run: every file nginx writes (pid, logs, temp dirs) is in `dir`.
fn nginx_conf(dir: &Path, port: u16) -> String {
    let d = dir.display();
    let locations: String = ROUTES
        .iter()
        .map(|(path, status)| {
            format!("        location {path} {{ return {status} \"{status}\\n\"; }}\n")
        })
        .collect();
    format!(
        r#"daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log combined;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port};
{locations}        location / {{ return 404; }}
    }}
}}
"#
    )
}

/// A running nginx (master and one worker), stopped on drop.
struct Nginx {
    child: std::process::Child,
    addr: String,
    dir: std::path::PathBuf,
}

impl Nginx {
    /// Writes the config into `dir`, starts nginx on a free port and waits until it answers.
    async fn start(bin: &Path, dir: &Path) -> Nginx {
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let port = scenario_support::free_port();
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, nginx_conf(dir, port)).unwrap();
        let mut cmd = std::process::Command::new(bin);
        cmd.arg("-c").arg(&conf).arg("-p").arg(dir);
        // `-e` (nginx >= 1.19.5) keeps nginx from opening its compiled-in error log before it
        // has read the config.
        let help = std::process::Command::new(bin).arg("-h").output().unwrap();
        if String::from_utf8_lossy(&help.stderr).contains("-e filename") {
            cmd.arg("-e").arg(dir.join("error.log"));
        }
        let child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut n = Nginx { child, addr: format!("127.0.0.1:{port}"), dir: dir.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if http_status(&n.addr, "GET", "/shop/cart/ready").is_some_and(|s| s == 200) {
                return n;
            }
            if let Some(status) = n.child.try_wait().unwrap() {
                panic!("nginx exited ({status}):\n{}", n.error_log());
            }
            assert!(Instant::now() < deadline, "nginx did not answer:\n{}", n.error_log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn access_log(&self) -> std::path::PathBuf {
        self.dir.join("access.log")
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM (nginx's fast shutdown, which also stops the worker), then SIGKILL if need be.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request (`Connection: close`); the response's status code, if there is one.
fn http_status(addr: &str, method: &str, path: &str) -> Option<u16> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = if method == "POST" { "q=1" } else { "" };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: klaxon-test/1\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    s.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// HTTP requests to nginx, 20 a second; 3 in 5 get a 404, 500 or 502 while `failing` is set.
/// Every answer must have the status the config promises; mismatches are kept for the test.
struct Requests {
    failing: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<(u64, Vec<String>)>>,
}

impl Requests {
    fn start(addr: &str) -> Requests {
        let failing = Arc::new(AtomicBool::new(true));
        let stop: Arc<AtomicBool> = Arc::default();
        let (f, s, addr) = (failing.clone(), stop.clone(), addr.to_string());
        let thread = std::thread::spawn(move || {
            let (mut sent, mut wrong) = (0u64, Vec::new());
            while !s.load(Ordering::Relaxed) {
                let route = if f.load(Ordering::Relaxed) { (sent % 5) as usize } else { 0 };
                let (prefix, want) = ROUTES[route];
                let method = if sent.is_multiple_of(4) { "POST" } else { "GET" };
                let path = format!("{prefix}{sent}?q=1");
                let got = http_status(&addr, method, &path);
                if got != Some(want) {
                    wrong.push(format!("{method} {path}: {got:?}, want {want}"));
                }
                sent += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            (sent, wrong)
        });
        Requests { failing, stop, thread: Some(thread) }
    }

    /// Stops sending; the number of requests sent and the wrong answers.
    fn stop(mut self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Requests {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_nginx_access_log_to_slack_fires_repeats_resolves() {
    let Some(bin) = nginx_binary() else {
        eprintln!(
            "\n*** SKIPPED scenario_nginx real_nginx_*: `{NGINX}` is not installed. \
             Run scripts/test-deps (apt-get install nginx). ***\n"
        );
        return;
    };
    let t0 = Instant::now();
    let slack = Recorder::start(Kind::Slack, t0).await;
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(&bin, &dir.path().join("nginx")).await;
    let log = nginx.access_log();
    let ex = shortened_example(dir.path(), &log, &slack.addr);
    let k = Klaxon::start(
        &ex.join("prometheus.yml"),
        &ex.join("alertmanager.yml"),
        &dir.path().join("data"),
        &[],
    );
    let api_url = api(&k);
    // A log file klaxon has no saved offset for is read from its end (as `tail -f` does):
    // the readiness probes above are not counted; the requests start once the job is up.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = get_json(&format!("{api_url}/api/v1/targets")).await;
        let up = v["data"]["activeTargets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["labels"]["job"] == "nginx" && t["health"] == "up");
        if up {
            break;
        }
        assert!(Instant::now() < deadline, "no healthy nginx target: {v}\n{}", k.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let requests = Requests::start(&nginx.addr);

    // nginx's own lines become counters with the method, status and static labels.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = get_json(&format!(
            "{api_url}/api/v1/query?query=nginx_http_response_count_total{{status=\"502\",method=\"GET\"}}"
        ))
        .await;
        if let Some(m) = v["data"]["result"].get(0).map(|r| r["metric"].clone()) {
            for (k, want) in
                [("job", "nginx"), ("instance", "localhost"), ("service", "web"), ("status", "502")]
            {
                assert_eq!(m[k], want, "{m}");
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no nginx counters: {v}\naccess log:\n{}\nklaxon log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default(),
            k.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Both alerts fire with the template's title and repeat.
    for alert in ALERTS {
        let first = slack
            .wait_for(&format!("{alert} FIRING"), &k, |p| {
                alertname(p) == alert && slack_fields(p).1.contains("[FIRING:1]")
            })
            .await;
        let (channel, title, _) = slack_fields(&first);
        assert_eq!(channel, "#web-alerts");
        assert_eq!(title, format!("[FIRING:1] {alert} on localhost"));
        assert_eq!(first.body["attachments"][0]["color"], "danger", "{:#}", first.body);
        slack
            .wait_for(&format!("{alert} repeat"), &k, |p| {
                alertname(p) == alert && p.at > first.at && slack_fields(p).1.contains("[FIRING:1]")
            })
            .await;
    }

    // The requests succeed: both resolve, and nothing follows.
    requests.failing.store(false, Ordering::Relaxed);
    for alert in ALERTS {
        let resolved = slack
            .wait_for(&format!("{alert} RESOLVED"), &k, |p| {
                alertname(p) == alert && slack_fields(p).1.starts_with("[RESOLVED]")
            })
            .await;
        assert_eq!(slack_fields(&resolved).1, format!("[RESOLVED] {alert} on localhost"));
        assert_eq!(resolved.body["attachments"][0]["color"], "good");
    }
    let (sent, wrong) = requests.stop();
    assert!(wrong.is_empty(), "nginx answered otherwise than configured: {wrong:#?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let posts = slack.posts();
    for alert in ALERTS {
        let story: Vec<&Post> = posts.iter().filter(|p| alertname(p) == alert).collect();
        let (last, firing) = story.split_last().unwrap();
        assert!(
            slack_fields(last).1.starts_with("[RESOLVED]"),
            "{alert}: nothing after RESOLVED: {story:#?}"
        );
        assert!(firing.iter().all(|p| slack_fields(p).1.starts_with("[FIRING:1]")), "{story:#?}");
        let times: Vec<f64> = firing.iter().map(|p| p.at).collect();
        assert_gaps(alert, &times, REPEAT - 0.5, REPEAT + 3.5);
    }
    assert!(
        posts.iter().all(|p| ALERTS.contains(&alertname(p).as_str())),
        "nothing else: {posts:#?}"
    );

    // nginx logged every request, and klaxon counted each of those lines exactly once.
    let lines = std::fs::read_to_string(&log).unwrap();
    let requested = lines.lines().filter(|l| !l.contains(" /shop/cart/ready ")).count() as u64;
    assert_eq!(requested, sent, "requests sent vs. lines in nginx's log:\n{lines}");
    assert!(lines.contains("\"POST /error/") && lines.contains("klaxon-test/1"), "{lines}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = total_counted(&api_url).await;
        if got == Some(sent) {
            break;
        }
        assert!(
            Instant::now() < deadline && got.is_none_or(|g| g < sent),
            "counted {got:?}, want {sent} (requests sent, lines nginx wrote)\n{}",
            k.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (code, run_log) = k.terminate();
    assert_eq!(code, Some(0), "{run_log}");
    drop(nginx);
}

/// A copy of examples/nginx-slack under `dir` with the tutorial's intervals shortened to
/// seconds, tailing `log` and posting to the mock Slack at `slack`.
fn shortened_example(
    dir: &std::path::Path,
    log: &std::path::Path,
    slack: &str,
) -> std::path::PathBuf {
    let ex = dir.join("example");
    copy_example("nginx-slack", &ex);
    let files = format!("['{}']", log.display());
    let repeat = format!("repeat_interval: {REPEAT}s");
    let sink = format!("http://{slack}/slack");
    edit(
        &ex.join("prometheus.yml"),
        &[
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("['../../data/demo/access.log']", &files),
            // Only the log job: klaxon's own target would be on another port here.
            ("['localhost:9090']", "[]"),
        ],
    );
    edit(&ex.join("rules.yml"), &[("[1m]", "[10s]"), ("for: 1m", "for: 2s")]);
    edit(
        &ex.join("alertmanager.yml"),
        &[
            ("http://127.0.0.1:9095/", &sink),
            ("group_wait: 10s", "group_wait: 1s"),
            ("group_interval: 1m", "group_interval: 1s"),
            ("repeat_interval: 1m55s", &repeat),
        ],
    );
    ex
}
