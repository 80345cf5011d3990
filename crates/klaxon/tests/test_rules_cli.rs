//! `klaxon test rules`: promtool's output shape and exit codes, and the rule unit-test corpus
//! at `tests/rules/` (which also passes with Prometheus 2.42's promtool; see
//! scripts/interop/promtool-test-rules.sh).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn klaxon(args: &[&Path]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_klaxon"));
    cmd.args(["test", "rules"]);
    cmd.args(args);
    cmd.output().expect("run klaxon")
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/rules")
}

const RULES: &str = r#"groups:
  - name: availability
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 1m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} down"
"#;

const FAILING: &str = r#"rule_files: [rules.yml]
tests:
  - name: wrong expectations
    interval: 1m
    input_series:
      - series: 'up{job="node", instance="n1"}'
        values: '0 0 0'
    alert_rule_test:
      - eval_time: 2m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: n2}
            exp_annotations:
              summary: "n2 down"
    promql_expr_test:
      - expr: up
        eval_time: 1m
        exp_samples:
          - labels: 'up{job="node", instance="n1"}'
            value: 1
"#;

#[test]
fn passing_file_prints_success_and_exits_0() {
    let file = corpus().join("tutorial_instance_down.test.yml");
    let out = klaxon(&[&file]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout, format!("Unit Testing:  {}\n  SUCCESS\n\n", file.display()));
    assert!(out.stderr.is_empty());
}

#[test]
fn failing_file_prints_promtools_diff_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yml"), RULES).unwrap();
    let file = dir.path().join("test.yml");
    std::fs::write(&file, FAILING).unwrap();
    let good = corpus().join("for_zero.test.yml");

    let out = klaxon(&[&file, &good]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.starts_with(&format!("Unit Testing:  {}\n", file.display())), "{stdout}");
    assert!(stdout.ends_with(&format!("Unit Testing:  {}\n  SUCCESS\n\n", good.display())));
    let expected = r#"  FAILED:
    name: wrong expectations,
    alertname: InstanceDown, time: 2m, 
        exp:[
            0:
              Labels:{alertname="InstanceDown", instance="n2", job="node", severity="page"}
              Annotations:{summary="n2 down"}
            ], 
        got:[
            0:
              Labels:{alertname="InstanceDown", instance="n1", job="node", severity="page"}
              Annotations:{summary="n1 down"}
            ]
        diff (-exp +got):
          - {alertname="InstanceDown", instance="n2", job="node", severity="page"} {summary="n2 down"}
          + {alertname="InstanceDown", instance="n1", job="node", severity="page"} {summary="n1 down"}
    expr: "up", time: 1m,
        exp: {__name__="up", instance="n1", job="node"} 1E+00
        got: {__name__="up", instance="n1", job="node"} 0E+00
        diff (-exp +got):
          - {__name__="up", instance="n1", job="node"} 1E+00
          + {__name__="up", instance="n1", job="node"} 0E+00
"#;
    assert_eq!(stderr, expected);
}

#[test]
fn run_flag_selects_test_groups() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yml"), RULES).unwrap();
    let file = dir.path().join("test.yml");
    std::fs::write(&file, FAILING).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_klaxon"));
    let out = cmd.args(["test", "rules", "--run", "^right"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_klaxon"));
    let out = cmd.args(["test", "rules", "--run", "wrong"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unreadable_and_invalid_files_fail() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yml");
    let invalid = dir.path().join("invalid.yml");
    std::fs::write(&invalid, "tests:\n  - intervall: 1m\n").unwrap();
    let out = klaxon(&[&missing, &invalid]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.yml"), "{stderr}");
    assert!(stderr.contains("intervall"), "{stderr}");
}

#[test]
fn no_files_is_a_usage_error() {
    let out = klaxon(&[]);
    assert_eq!(out.status.code(), Some(2));
}

/// The whole corpus through the binary, in one run.
#[test]
fn corpus_passes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".test.yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 60, "{} corpus files", files.len());
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = klaxon(&refs);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches("  SUCCESS\n").count(), files.len(), "{stdout}");
}
