//! `klaxon template render` and `klaxon check templates`, run as a user runs them.

use std::path::Path;
use std::process::Command;

fn klaxon(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_klaxon")).args(args).output().expect("run klaxon");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p.to_string_lossy().into_owned()
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("klaxon-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

const NOTIFICATION: &str = r#"{
  "receiver": "team-x.slack",
  "status": "firing",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "HighMemory", "instance": "node-1:9100", "severity": "warning"},
     "annotations": {"summary": "Memory high on node-1"}, "startsAt": "2026-11-22T10:00:00Z",
     "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom:9090/graph", "fingerprint": "0123456789abcdef"},
    {"status": "resolved", "labels": {"alertname": "HighMemory", "instance": "node-2:9100", "severity": "warning"},
     "annotations": {"summary": "Memory high on node-2"}, "startsAt": "2026-11-22T09:00:00Z",
     "endsAt": "2026-11-22T09:30:00Z", "generatorURL": "http://prom:9090/graph", "fingerprint": "fedcba9876543210"}
  ],
  "groupLabels": {"alertname": "HighMemory"},
  "commonLabels": {"alertname": "HighMemory", "severity": "warning"},
  "commonAnnotations": {},
  "externalURL": "http://am:9093"
}"#;

#[test]
fn renders_a_custom_template_file_against_given_data() {
    let dir = tempdir("render");
    write(
        &dir,
        "custom.tmpl",
        r#"{{ define "custom_title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ end }}
{{ define "custom_slack_message" }}{{ range .Alerts.Firing }}{{ .Labels.instance }}: {{ .Annotations.summary }} since {{ .StartsAt.Format "15:04" }}
{{ end }}{{ end }}"#,
    );
    let data = write(&dir, "data.json", NOTIFICATION);
    let glob = format!("{}/*.tmpl", dir.display());
    let (code, out, err) = klaxon(&[
        "template",
        "render",
        "--template.glob",
        &glob,
        "--template.text",
        r#"{{ template "custom_title" . }}|{{ template "custom_slack_message" . }}"#,
        "--data",
        &data,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "[FIRING:1] HighMemory|node-1:9100: Memory high on node-1 since 10:00\n");
}

#[test]
fn renders_annotations_with_labels_and_value() {
    let dir = tempdir("annotation");
    let data = write(
        &dir,
        "a.json",
        r#"{"labels": {"alertname": "HighMemory", "instance": "node-1:9100"}, "value": 0.912345}"#,
    );
    let (code, out, err) = klaxon(&[
        "template",
        "render",
        "--mode",
        "annotation",
        "--data",
        &data,
        "--template.text",
        "{{ $labels.instance }}: memory at {{ $value | humanizePercentage }} ({{ printf \"%.2f\" $value }})",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "node-1:9100: memory at 91.23% (0.91)");
}

#[test]
fn template_errors_go_to_stderr_with_exit_code_1() {
    let (code, out, err) = klaxon(&["template", "render", "--template.text", "{{ .Foo }"]);
    assert_eq!(code, Some(1));
    assert!(out.is_empty());
    assert!(err.contains("template: ") && err.contains("unexpected"), "{err}");

    let dir = tempdir("badjson");
    let data = write(&dir, "bad.json", "{\n  \"receiver\": ,\n}");
    let (code, _, err) = klaxon(&["template", "render", "--template.text", "x", "--data", &data]);
    assert_eq!(code, Some(1));
    assert!(err.contains(&format!("{data}:2:")), "error should name file:line: {err}");

    let (code, _, err) =
        klaxon(&["template", "render", "--template.text", "x", "--data", "/nonexistent/d.json"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("/nonexistent/d.json"), "{err}");
}

#[test]
fn check_templates_reports_every_failure() {
    let dir = tempdir("check");
    // `alert_lines` takes a list of alerts: it is checked through its caller, not against Data.
    write(
        &dir,
        "good.tmpl",
        r#"{{ define "ok" }}{{ .CommonLabels.alertname }}: {{ template "alert_lines" .Alerts.Firing }}{{ end }}
{{ define "alert_lines" }}{{ range . }}{{ .Labels.instance }} {{ end }}{{ end }}"#,
    );
    let glob = format!("{}/good.tmpl", dir.display());
    let (code, out, err) = klaxon(&["check", "templates", &glob]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("SUCCESS"), "{out}");

    write(&dir, "parse.tmpl", r#"{{ define "broken" }}{{ if }}{{ end }}"#);
    let (code, _, err) = klaxon(&["check", "templates", &format!("{}/parse.tmpl", dir.display())]);
    assert_eq!(code, Some(1));
    assert!(err.contains("parse.tmpl") && err.contains("missing value for if"), "{err}");

    write(
        &dir,
        "exec.tmpl",
        r#"{{ define "first_alert" }}{{ (index .Alerts 5).Labels }}{{ end }}"#,
    );
    let (code, _, err) = klaxon(&["check", "templates", &format!("{}/exec.tmpl", dir.display())]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains(r#"template "first_alert""#) && err.contains("index out of range: 5"),
        "{err}"
    );

    let (code, _, err) = klaxon(&["check", "templates", &format!("{}/none-*.tmpl", dir.display())]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no template files match"), "{err}");
}
