//! `klaxon alertmanager` as a process: flags, startup errors, logging formats, reload by
//! SIGHUP and `/-/reload`, graceful shutdown, and `klaxon check alertmanager`.
//!
//! `cargo test -p klaxon --test am_cli -- --test-threads 16`

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::*;

const GOOD: &str = "route:\n  receiver: default\n  group_wait: 1s\nreceivers:\n- name: default\n";

fn run(args: &[&str]) -> std::process::Output {
    Command::new(binary()).args(args).output().expect("run klaxon")
}

fn start_args(dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        "alertmanager".to_string(),
        format!("--config.file={}", dir.join("config.yml").display()),
        format!("--storage.path={}", dir.join("data").display()),
        "--web.listen-address=127.0.0.1:0".to_string(),
        "--cluster.listen-address=".to_string(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// Runs a server start that must fail; returns (exit code, stderr).
fn failing_start(config: &str, extra: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yml"), config).unwrap();
    let mut child = Command::new(binary())
        .args(start_args(dir.path(), extra))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server with a bad start did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn invalid_config_at_start_exits_1_with_position() {
    let (code, err) =
        failing_start("route:\n  receiver: nowhere\nreceivers:\n- name: default\n", &[]);
    assert_eq!(code, Some(1), "{err}");
    // The error is a logfmt value: its quotes are escaped.
    assert!(err.contains(r#"undefined receiver \"nowhere\" used in route"#), "{err}");
    assert!(err.contains("level=error"), "{err}");
    assert!(err.contains("config.yml:"), "names the file: {err}");
    let (code, err) = failing_start(
        "route:\n  receiver: default\n  bogus: 1\nreceivers:\n- name: default\n",
        &[],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("config.yml:3:"), "line of the unknown key: {err}");
}

#[test]
fn missing_config_file_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "alertmanager",
        &format!("--config.file={}", dir.path().join("nope.yml").display()),
        &format!("--storage.path={}", dir.path().join("data").display()),
        "--web.listen-address=127.0.0.1:0",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("nope.yml"), "{err}");
}

#[test]
fn feature_flag_errors_stop_the_start() {
    let (code, err) = failing_start(GOOD, &["--enable-feature=bogus"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("unknown option 'bogus' for --enable-feature"), "{err}");
    let (code, err) = failing_start(GOOD, &["--enable-feature=classic-mode,utf8-strict-mode"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot have both classic and UTF-8 modes enabled"), "{err}");
    let (code, err) = failing_start(GOOD, &["--log.level=loud"]);
    assert_eq!(code, Some(1), "{err}");
    let (code, err) = failing_start(GOOD, &["--web.external-url=ftp://x/"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("only 'http' and 'https' are supported"), "{err}");
}

#[test]
fn json_logs_and_all_interfaces_listen_address() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yml"), GOOD).unwrap();
    let mut args = start_args(dir.path(), &["--log.format=json"]);
    args[3] = "--web.listen-address=:0".to_string();
    let mut child = Command::new(binary())
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut found = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["time"].is_string() && v["level"].is_string() && v["source"].is_string(), "{v}");
        if v["msg"] == "Listening on" {
            found = Some(v["address"].as_str().unwrap().to_string());
            break;
        }
    }
    let addr = found.expect("a Listening on line");
    let port = addr.rsplit(':').next().unwrap();
    assert_ne!(port, "0", "the real bound port is logged: {addr}");
    // `:port` listens on every interface, loopback included.
    let ok = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).is_ok();
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "connect to 127.0.0.1:{port}");
    assert!(dir.path().join("data").is_dir(), "--storage.path is created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_with_bad_config_keeps_the_old_one() {
    let mut am = Am::start(GOOD, Opts::default()).await;
    assert!(am.storage_path().is_dir(), "--storage.path created");
    let original = || async {
        am.get_json("/api/v2/status").await["config"]["original"].as_str().unwrap().to_string()
    };
    assert!(original().await.contains("group_wait: 1s"));
    am.write_config("route:\n  receiver: missing\nreceivers:\n- name: default\n");
    am.signal("HUP");
    let logged = |am: &Am| {
        am.stderr().lines().any(|l| l.contains("level=error") && l.contains("undefined receiver"))
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !logged(&am) {
        assert!(Instant::now() < deadline, "reload error not logged:\n{}", am.stderr_tail(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(original().await.contains("group_wait: 1s"), "old config kept");
    // `/-/reload` says the same with a 500.
    let r = am.client.post(am.url("/-/reload")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 500);
    assert!(r.text().await.unwrap().contains("failed to reload config"));
    // A good config is taken.
    am.write_config("route:\n  receiver: other\nreceivers:\n- name: other\n");
    am.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !original().await.contains("receiver: other") {
        assert!(Instant::now() < deadline, "new config never applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let receivers = am.get_json("/api/v2/receivers").await;
    assert_eq!(receivers[0]["name"], "other");
    am.signal("INT");
    let status = am.wait_exit(Duration::from_secs(10)).await.expect("exits on SIGINT");
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_url_sets_prefix_and_links() {
    let wh = Webhook::start().await;
    let config = webhook_config(&wh.url, "  group_wait: 0s\n  group_interval: 1m");
    let opts = Opts {
        route_prefix: Some("/am".into()),
        extra_args: vec!["--web.external-url=http://alerts.example.com/am/".into()],
        ..Default::default()
    };
    let am = Am::start(&config, opts).await;
    am.push(&Clock::now(), &[alert(&["alertname", "x"])]).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while wh.batches().is_empty() {
        assert!(Instant::now() < deadline, "no notification");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(wh.batches()[0].payload["externalURL"], "http://alerts.example.com/am");
}

#[test]
fn check_alertmanager_reports_like_amtool() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yml");
    let bad = dir.path().join("bad.yml");
    std::fs::write(&good, "route:\n  receiver: default\ninhibit_rules:\n- equal: [a]\nreceivers:\n- name: default\n- name: other\n").unwrap();
    std::fs::write(
        &bad,
        "route:\n  receiver: default\n  group_interval: 0s\nreceivers:\n- name: default\n",
    )
    .unwrap();
    let out = run(&["check", "alertmanager", good.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("Checking '{}'  SUCCESS", good.display())), "{stdout}");
    for line in [
        "Found:",
        " - global config",
        " - route",
        " - 1 inhibit rules",
        " - 2 receivers",
        " - 0 templates",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    let out = run(&["check", "alertmanager", good.to_str().unwrap(), bad.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains(&format!("Checking '{}'  FAILED: ", bad.display())), "{stdout}");
    assert!(stdout.contains("group_interval cannot be zero"), "{stdout}");
    assert!(stderr.contains("failed to validate 1 file(s)"), "{stderr}");
}

#[test]
fn check_alertmanager_renders_templates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.tmpl"),
        "{{ define \"x\" }}{{ .Status | nosuchfunc }}{{ end }}",
    )
    .unwrap();
    let cfg = dir.path().join("am.yml");
    std::fs::write(
        &cfg,
        "templates: ['*.tmpl']\nroute:\n  receiver: default\nreceivers:\n- name: default\n",
    )
    .unwrap();
    let out = run(&["check", "alertmanager", cfg.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(" - 1 templates"), "{stdout}");
    assert!(stdout.contains("nosuchfunc"), "{stdout}");
}

#[test]
fn example_configs_pass_the_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/alertmanager");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .map(|p| p.display().to_string())
        .collect();
    // The tutorials' own directories (examples/<scenario>/alertmanager.yml).
    for e in std::fs::read_dir(dir.join("..")).unwrap().filter_map(|e| e.ok()) {
        let am = e.path().join("alertmanager.yml");
        if am.is_file() {
            files.push(am.display().to_string());
        }
    }
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let mut args = vec!["check", "alertmanager"];
    args.extend(files.iter().map(String::as_str));
    let out = run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches("  SUCCESS\n").count(), files.len(), "{stdout}");
    // node-memory-slack's template file is found and renders.
    assert!(stdout.contains(" - 1 templates\n  SUCCESS"), "{stdout}");
}

/// Reads `child`'s stderr on a thread; returns the `Listening on` address and every line
/// read until then (or panics after 20 s).
fn listening_address(
    child: &mut std::process::Child,
) -> (String, std::sync::mpsc::Receiver<String>) {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = String::new();
    while Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) else { continue };
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("Listening on")
            && let Some(a) = line.split_whitespace().find_map(|w| w.strip_prefix("address="))
        {
            return (a.trim_matches('"').to_string(), rx);
        }
    }
    let _ = child.kill();
    panic!("no `Listening on ... address=` line; stderr:\n{seen}");
}

/// A file of the shared test PKI (CA, server and client certificates and keys).
fn tls_testdata(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../alertmanager/tests/testdata/tls")
        .join(name)
}

/// bcrypt (cost 4) of "am-secret".
const AM_SECRET_HASH: &str = "$2b$04$8IvKsyL4nbIZH0rGY.gqI.mLE6evr7t9LTmMqFFWA88AG4m46GJbq";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_config_serves_https_with_basic_auth() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yml"), GOOD).unwrap();
    std::fs::create_dir(dir.path().join("tls")).unwrap();
    for f in ["server.crt", "server.key"] {
        std::fs::copy(tls_testdata(f), dir.path().join("tls").join(f)).unwrap();
    }
    // Relative paths: from the web config file's directory, not the working directory.
    std::fs::write(
        dir.path().join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: tls/server.crt\n  key_file: tls/server.key\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n\
             basic_auth_users:\n  admin: {AM_SECRET_HASH}\n"
        ),
    )
    .unwrap();
    let web = format!("--web.config.file={}", dir.path().join("web.yml").display());
    let mut child = Command::new(binary())
        .args(start_args(dir.path(), &[&web]))
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (addr, lines) = listening_address(&mut child);
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let tls_line = lines.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(tls_line.contains("TLS is enabled.") && tls_line.contains("http2=true"), "{tls_line}");

    let ca =
        reqwest::Certificate::from_pem(&std::fs::read(tls_testdata("ca.crt")).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([ca])
        .resolve("localhost", addr)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/api/v2/status", addr.port());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        let r = client.get(&url).basic_auth("admin", Some("am-secret")).send().await;
        if let Ok(r) = r
            && r.status() == 200
        {
            assert_eq!(r.headers()["x-frame-options"], "deny");
            break r.json::<serde_json::Value>().await.unwrap();
        }
        assert!(Instant::now() < deadline, "no 200 over https");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        status["config"]["original"].as_str().unwrap().contains("receiver: default"),
        "{status}"
    );

    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Basic");
    let r = client.get(&url).basic_auth("admin", Some("nope")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // No plain HTTP on that port.
    let plain = reqwest::Client::new()
        .get(format!("http://{addr}/api/v2/status"))
        .basic_auth("admin", Some("am-secret"))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn bad_web_config_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web.yml");
    std::fs::write(&web, "tls_server_config:\n  cert_file: x.crt\n  kye_file: x.key\n").unwrap();
    let (code, err) = failing_start(GOOD, &[&format!("--web.config.file={}", web.display())]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("{}:3:3: unknown field `kye_file`", web.display())), "{err}");
}

/// Socket activation through systemd's own test tool, when the machine has it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_socket_activation_serves_the_passed_socket() {
    if Command::new("systemd-socket-activate").arg("--version").output().is_err() {
        eprintln!("systemd-socket-activate is not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yml"), GOOD).unwrap();
    // A free port for the tool to listen on (it binds it itself).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["-l".to_string(), listen.clone(), binary().to_string()];
    args.extend(start_args(dir.path(), &["--web.systemd-socket"]));
    let mut child = Command::new("systemd-socket-activate")
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://{listen}/api/v2/status");
    let deadline = Instant::now() + Duration::from_secs(20);
    // The tool starts klaxon on the first connection, which waits in the socket's backlog.
    loop {
        if let Ok(r) =
            reqwest::Client::new().get(&url).timeout(Duration::from_secs(15)).send().await
            && r.status() == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "nothing answered on the activated socket");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (addr, _) = listening_address(&mut child);
    assert_eq!(addr, listen);
    let _ = child.kill();
    let _ = child.wait();
}
