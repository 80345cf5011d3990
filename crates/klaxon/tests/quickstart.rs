//! The quickstart as a newcomer runs it: `scripts/quickstart` itself starts `klaxon demo`
//! (site, traffic, access log, Slack sink) and `klaxon run` on the nginx-slack tutorial, and
//! the terminal must show each alert FIRING, repeated, and RESOLVED once the site recovers.
//! The tutorial's files are copied with shorter intervals (seconds instead of minutes), local
//! ports and the log in a temp dir; the binary under test replaces the release build
//! (`KLAXON_BIN`). Ctrl-C (SIGINT to the process group, as a terminal sends it) must stop
//! everything.

#![allow(clippy::unwrap_used)]

mod scenario_support;

use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use scenario_support::{PATIENCE, collect, copy_example, edit, free_port, repo_root};

/// The test's `repeat_interval` (the tutorial's is 2 minutes).
const REPEAT: u64 = 6;

/// The quickstart script in its own process group, its output collected.
struct Quickstart {
    child: Child,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
    run_log: std::path::PathBuf,
}

impl Quickstart {
    fn output(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}\nklaxon run log:\n{}",
            self.out.lock(),
            self.err.lock(),
            std::fs::read_to_string(&self.run_log).unwrap_or_default()
        )
    }

    /// Waits until stdout contains `needle` at least `times` times.
    fn wait_for(&self, needle: &str, times: usize) {
        let deadline = Instant::now() + PATIENCE;
        while self.out.lock().matches(needle).count() < times {
            assert!(
                Instant::now() < deadline,
                "no {times}x {needle:?} within {PATIENCE:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal_group(&self, sig: &str) -> bool {
        Command::new("kill")
            .args([sig, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    }
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        self.signal_group("-KILL");
        let _ = self.child.wait();
    }
}

/// The Slack blocks the sink printed for `alertname`, as (status line, title line) pairs.
fn blocks(out: &str, alertname: &str) -> Vec<String> {
    let lines: Vec<&str> = out.lines().collect();
    let mut found = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains("  Slack #")
            && lines.get(i + 1).is_some_and(|t| t.contains(&format!("] {alertname}")))
        {
            found.push(format!("{l}\n{}", lines[i + 1]));
        }
    }
    found
}

#[test]
fn quickstart_shows_firing_a_repeat_and_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let ex = dir.path().join("example");
    copy_example("nginx-slack", &ex);
    let (sink_port, web_port) = (free_port(), free_port());
    let access_log = dir.path().join("demo/access.log");
    let files = format!("['{}']", access_log.display());
    let self_target = format!("['127.0.0.1:{web_port}']");
    edit(
        &ex.join("prometheus.yml"),
        &[
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("['../../data/demo/access.log']", &files),
            ("['localhost:9090']", &self_target),
        ],
    );
    edit(&ex.join("rules.yml"), &[("[1m]", "[5s]"), ("for: 1m", "for: 2s")]);
    let sink = format!("http://127.0.0.1:{sink_port}/");
    let repeat = format!("repeat_interval: {REPEAT}s");
    edit(
        &ex.join("alertmanager.yml"),
        &[
            ("http://127.0.0.1:9095/", &sink),
            ("group_wait: 10s", "group_wait: 1s"),
            ("group_interval: 1m", "group_interval: 1s"),
            ("repeat_interval: 1m55s", &repeat),
        ],
    );
    let data = dir.path().join("data");
    let demo_args = format!(
        "--web.listen-address=127.0.0.1:0 --slack.listen-address=127.0.0.1:{sink_port} \
         --access-log.file={} --traffic.rate=20 --traffic.failing-for=20s --color=never",
        access_log.display()
    );
    let run_args = format!(
        "--web.listen-address=127.0.0.1:{web_port} --alertmanager.web.listen-address=127.0.0.1:0 \
         --rules.alert.resend-delay=1s"
    );
    let mut child = Command::new(repo_root().join("scripts/quickstart"))
        .env("KLAXON_BIN", env!("CARGO_BIN_EXE_klaxon"))
        .env("EXAMPLE_DIR", &ex)
        .env("DATA_DIR", &data)
        .env("DEMO_ARGS", demo_args)
        .env("RUN_ARGS", run_args)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out, err) = (Arc::new(Mutex::new(String::new())), Arc::new(Mutex::new(String::new())));
    collect(child.stdout.take().unwrap(), out.clone());
    collect(child.stderr.take().unwrap(), err.clone());
    let q = Quickstart { child, out, err, run_log: data.join("quickstart-klaxon.log") };
    let t0 = Instant::now();

    // The demo's banner, then the script's own once klaxon serves.
    q.wait_for("klaxon demo", 1);
    q.wait_for("klaxon run is up", 1);

    // FIRING, the repeat, then RESOLVED after the site recovers (after 20 s), for both alerts.
    for alert in ["NginxManyErrors", "NginxHighFailureRatio"] {
        q.wait_for(&format!("[RESOLVED] {alert}"), 1);
    }
    let elapsed = t0.elapsed();
    let out = q.out.lock().clone();
    for alert in ["NginxManyErrors", "NginxHighFailureRatio"] {
        let story = blocks(&out, alert);
        let (resolved, firing) =
            story.split_last().unwrap_or_else(|| panic!("{alert}: {}", q.output()));
        assert!(resolved.contains("RESOLVED  (colour: good, green)"), "{alert}: {story:#?}");
        assert!(firing.len() >= 2, "{alert}: want FIRING and a repeat: {story:#?}");
        assert!(firing[0].contains("  FIRING  (colour: danger, red)"), "{alert}: {story:#?}");
        for r in &firing[1..] {
            assert!(r.contains("  FIRING  repeat: same title as "), "{alert}: {story:#?}");
            let gap: u64 = r
                .split("same title as ")
                .nth(1)
                .unwrap()
                .split('s')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                (REPEAT..=REPEAT + 4).contains(&gap),
                "{alert}: repeat after {gap}s: {story:#?}"
            );
        }
    }
    assert!(!out.contains("not a Slack message"), "{}", q.output());
    assert!(out.contains("The site has recovered"), "{}", q.output());
    eprintln!("quickstart story complete after {elapsed:?}");

    // Ctrl-C stops the script and both processes it started.
    assert!(q.signal_group("-INT"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut q = q;
    let status = loop {
        if let Some(status) = q.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the quickstart did not stop on Ctrl-C:\n{}",
            q.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(matches!(status.code(), Some(0 | 130)), "{status}:\n{}", q.output());
    std::thread::sleep(Duration::from_millis(500));
    assert!(!q.signal_group("-0"), "processes left behind after Ctrl-C:\n{}", q.output());
}
