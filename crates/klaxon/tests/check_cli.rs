//! `klaxon check rules` and `klaxon check config`, run as a user runs them: promtool's output
//! and exit codes, klaxon's warnings on stderr.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use axum::Router;
use axum::body::Bytes;
use axum::response::IntoResponse;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/tests/testdata/rulefiles")
}

/// Runs klaxon in `dir` with `stdin` fed in; (exit code, stdout, stderr).
fn klaxon_in(dir: &Path, args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_klaxon"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run klaxon");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let o: Output = child.wait_with_output().expect("wait");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn check(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    klaxon_in(&fixtures(), &all, "")
}

#[test]
fn good_rules_succeed() {
    let (code, out, err) = check(&["rules", "good.yml", "empty.yml"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out,
        "Checking good.yml\n  SUCCESS: 3 rules found\n\nChecking empty.yml\n  SUCCESS: 0 rules found\n\n"
    );
    assert_eq!(err, "");
}

#[test]
fn bad_rules_fail_with_every_error() {
    let (code, out, err) = check(&["rules", "bad_groups.yml", "good.yml"]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "Checking bad_groups.yml\nChecking good.yml\n  SUCCESS: 3 rules found\n\n");
    assert_eq!(
        err,
        "  FAILED:\n\
         bad_groups.yml: 4:5: groupname: \"dup\" is repeated in the same file\n\
         bad_groups.yml: 6:5: Groupname must not be empty\n\
         bad_groups.yml: 8:17: invalid label name: __name__\n"
    );
}

#[test]
fn missing_file_fails() {
    let (code, _, err) = check(&["rules", "nope.yml"]);
    assert_eq!(code, Some(1));
    assert_eq!(err, "  FAILED:\nnope.yml: open nope.yml: no such file or directory\n");
}

#[test]
fn duplicates_are_a_lint_finding() {
    let (code, out, err) = check(&["rules", "duplicates.yml"]);
    assert_eq!(code, Some(0));
    assert_eq!(out, "Checking duplicates.yml\n\n");
    assert_eq!(
        err,
        "  FAILED:\nlint error 2 duplicate rule(s) found.\nMetric: Down\nLabel(s):\nMetric: job:up:sum\nLabel(s):\n\tteam: x\nMight cause inconsistency while recording expressions\n"
    );
    let (code, _, _) = check(&["rules", "--lint-fatal", "duplicates.yml"]);
    assert_eq!(code, Some(3));
    let (code, out, err) = check(&["rules", "--lint=none", "--lint-fatal", "duplicates.yml"]);
    assert_eq!(code, Some(0));
    assert_eq!(out, "Checking duplicates.yml\n  SUCCESS: 5 rules found\n\n");
    assert_eq!(err, "");
}

#[test]
fn klaxon_warnings_go_to_stderr_and_keep_success() {
    let (code, out, err) = check(&["rules", "--lint-fatal", "lint.yml", "multi_doc.yml"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "Checking lint.yml\n  SUCCESS: 4 rules found\n\nChecking multi_doc.yml\n  SUCCESS: 1 rules found\n\n"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert_eq!(
        lines[0],
        "  WARNING: lint.yml:5:9: group \"lint\", rule 1, \"ShortFor\": 'for' (30s) is shorter than the group's evaluation interval (2m); the alert fires after 2m at the earliest"
    );
    assert_eq!(
        lines[1],
        "  WARNING: lint.yml:8:9: group \"lint\", rule 2, \"MissingLabel\": annotation \"summary\" uses $labels.instance, but the expression's result only has the labels {job}"
    );
    // The column inside the template is the template engine's business: not pinned here.
    assert!(
        lines[2].starts_with("  WARNING: lint.yml:16:9: group \"lint\", rule 4, \"BadTemplate\": annotation \"summary\" fails when rendered with example data: "),
        "{err}"
    );
    assert_eq!(
        lines[3],
        "  WARNING: Multiple document yaml rules files are not supported, only the first document is processed"
    );
}

#[test]
fn reads_standard_input_without_files() {
    let good = std::fs::read_to_string(fixtures().join("good.yml")).expect("fixture");
    let (code, out, err) = klaxon_in(&fixtures(), &["check", "rules"], &good);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Checking standard input\n  SUCCESS: 3 rules found\n\n");
    let (code, out, err) = klaxon_in(
        &fixtures(),
        &["check", "rules"],
        "groups:\n- name: g\n  rules:\n  - record: x\n",
    );
    assert_eq!(code, Some(1));
    assert_eq!(out, "Checking standard input\n");
    assert_eq!(
        err,
        "  FAILED:\n4:5: group \"g\", rule 1, \"x\": field 'expr' must be set in rule\n"
    );
}

/// A config directory: `prometheus.yml` naming `rules/*.yml` and `extra.yml`.
fn config_dir(extra_exists: bool, rules: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("rules")).expect("mkdir");
    for (name, text) in rules {
        std::fs::write(dir.path().join("rules").join(name), text).expect("write");
    }
    if extra_exists {
        std::fs::write(dir.path().join("extra.yml"), "groups: []\n").expect("write");
    }
    std::fs::write(
        dir.path().join("prometheus.yml"),
        "global:\n  evaluation_interval: 5m\nrule_files:\n  - rules/*.yml\n  - extra.yml\nscrape_configs:\n  - job_name: slow\n    scrape_interval: 10m\n    static_configs:\n      - targets: [localhost:9090]\n",
    )
    .expect("write");
    dir
}

#[test]
fn config_checks_its_rule_files() {
    let good = std::fs::read_to_string(fixtures().join("good.yml")).expect("fixture");
    let dir = config_dir(
        true,
        &[
            ("a.yml", &good),
            ("b.yml", "groups:\n- name: x\n  rules:\n  - alert: A\n    expr: up\n    for: 1m\n"),
        ],
    );
    let (code, out, err) = klaxon_in(dir.path(), &["check", "config", "prometheus.yml"], "");
    assert_eq!(code, Some(0), "{err}");
    // Rule file paths are the config's directory joined with the pattern, as upstream.
    assert_eq!(
        out,
        "Checking prometheus.yml\n  SUCCESS: 3 rule files found\n SUCCESS: prometheus.yml is valid prometheus config file syntax\n\n\
         Checking rules/a.yml\n  SUCCESS: 3 rules found\n\n\
         Checking rules/b.yml\n  SUCCESS: 1 rules found\n\n\
         Checking extra.yml\n  SUCCESS: 0 rules found\n\n"
    );
    // The global evaluation interval (5m) is what `for: 1m` is compared with.
    assert_eq!(
        err,
        "  WARNING: rules/b.yml:4:5: group \"x\", rule 1, \"A\": 'for' (1m) is shorter than the group's evaluation interval (5m); the alert fires after 5m at the earliest\n"
    );

    let (code, out, _) =
        klaxon_in(dir.path(), &["check", "config", "--syntax-only", "prometheus.yml"], "");
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "Checking prometheus.yml\n SUCCESS: prometheus.yml is valid prometheus config file syntax\n\n"
    );

    let (code, _, err) = klaxon_in(
        dir.path(),
        &["check", "config", "--lint=all", "--lint-fatal", "prometheus.yml"],
        "",
    );
    assert_eq!(code, Some(3));
    assert!(
        err.starts_with("  FAILED: too long scrape interval found, data point will be marked as stale - job: slow, interval: 10m\n"),
        "{err}"
    );
}

#[test]
fn config_fails_on_missing_rule_file_and_bad_rules() {
    let dir = config_dir(false, &[]);
    let (code, out, err) = klaxon_in(dir.path(), &["check", "config", "prometheus.yml"], "");
    assert_eq!(code, Some(1));
    assert_eq!(out, "Checking prometheus.yml\n\n");
    assert_eq!(err, "  FAILED: \"extra.yml\" does not point to an existing file\n");

    let dir = config_dir(
        true,
        &[("bad.yml", "groups:\n- name: g\n  rules:\n  - record: a{b}\n    expr: up\n")],
    );
    let (code, _, err) = klaxon_in(dir.path(), &["check", "config", "prometheus.yml"], "");
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "  FAILED:\nrules/bad.yml: 4:13: group \"g\", rule 1, \"a{b}\": braces present in the recording rule name; should it be in expr?: a{b}\n"
    );

    std::fs::write(dir.path().join("prometheus.yml"), "global:\n  scrape_interval: 1x\n")
        .expect("write");
    let (code, _, err) = klaxon_in(dir.path(), &["check", "config", "prometheus.yml"], "");
    assert_eq!(code, Some(1));
    assert!(err.starts_with("  FAILED: prometheus.yml:2:"), "{err}");
}

#[test]
fn url_reports_selectors_without_series() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new().route(
        "/api/v1/series",
        axum::routing::post(|body: Bytes| async move {
            let params: Vec<(String, String)> =
                url::form_urlencoded::parse(&body).into_owned().collect();
            let sel = params.iter().find(|(k, _)| k == "match[]").map(|(_, v)| v.clone());
            let data = if sel.as_deref().is_some_and(|s| s.contains("typo")) {
                "[]"
            } else {
                r#"[{"__name__":"up","job":"x"}]"#
            };
            (
                [("content-type", "application/json")],
                format!(r#"{{"status":"success","data":{data}}}"#),
            )
                .into_response()
        }),
    );
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("r.yml"),
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(typo_total{job=\"x\"}[5m]) > 0 and up\n  - alert: B\n    expr: absent(typo_gone)\n",
    )
    .expect("write");
    let (code, out, err) = klaxon_in(dir.path(), &["check", "rules", "--url", &url, "r.yml"], "");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Checking r.yml\n  SUCCESS: 2 rules found\n\n");
    assert_eq!(
        err,
        format!(
            "  WARNING: r.yml:5:11: group \"g\", rule 1, \"A\": selector typo_total{{job=\"x\"}} matches no series on {url} in the last hour\n"
        )
    );
}
