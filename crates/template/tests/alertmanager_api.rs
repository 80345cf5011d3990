//! The Alertmanager template API: loading user files over the defaults, data from JSON, the
//! example data, `routeLabels`, errors.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use template::alertmanager::{Data, Kv, Templates, TemplatesError};
use template::gofmt::{GoLocation, GoTime};

fn now() -> GoTime {
    GoTime::date(2024, 1, 2, 3, 4, 5, 0, &GoLocation::utc())
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("klaxon-am-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn example_data_is_amtools() {
    let d = Data::example_at(&now());
    let t = Templates::with_defaults();
    let out = t
        .execute_text(
            "{{ .Receiver }} {{ .Status }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }} {{ .ExternalURL }} {{ (index .Alerts 0).StartsAt.Format \"15:04\" }}-{{ (index .Alerts 1).StartsAt.Format \"15:04\" }} {{ .CommonAnnotations }}",
            &d,
        )
        .unwrap();
    assert_eq!(
        out,
        "receiver alertstatus 1 1 https://example.com 02:59-02:54 commonannotationkey1=commonannotationvalue1, commonannotationkey2=commonannotationvalue2"
    );
    // The wall-clock variant renders too.
    assert!(
        t.execute_text(r#"{{ template "slack.default.fallback" . }}"#, &Data::example()).is_ok()
    );
}

#[test]
fn webhook_json_decodes() {
    let j: serde_json::Value = serde_json::from_str(
        r#"{"version":"4","groupKey":"{}:{}","truncatedAlerts":0,"status":"firing","receiver":"team\\.x",
            "groupLabels":{"alertname":"Up"},"commonLabels":{"alertname":"Up","job":"a"},
            "commonAnnotations":{},"externalURL":"http://am:9093",
            "alerts":[{"status":"firing","labels":{"alertname":"Up","job":"a"},"annotations":{"summary":"s"},
              "startsAt":"2024-01-02T03:04:05.5+01:00","endsAt":"0001-01-01T00:00:00Z",
              "generatorURL":"http://prom","fingerprint":"abc"}]}"#,
    )
    .unwrap();
    let d = Data::from_json(&j).unwrap();
    assert_eq!(d.receiver, r"team\.x");
    assert_eq!(d.alerts.len(), 1);
    assert_eq!(d.alerts[0].labels, Kv::from_pairs([("alertname", "Up"), ("job", "a")]));
    let t = Templates::with_defaults();
    let out = t
        .execute_text(
            r#"{{ template "__subject" . }}|{{ range .Alerts }}{{ .StartsAt }}|{{ .EndsAt.IsZero }}{{ end }}|{{ template "__alertmanagerURL" . }}"#,
            &d,
        )
        .unwrap();
    assert_eq!(
        out,
        "[FIRING:1] Up (a)|2024-01-02 03:04:05.5 +0100 +0100|true|http://am:9093/#/alerts?receiver=team%5C.x"
    );
    let err = Data::from_json(&serde_json::json!({"alerts": "x"})).unwrap_err();
    assert!(err.contains("cannot unmarshal string"), "{err}");
    let err =
        Data::from_json(&serde_json::json!({"alerts": [{"startsAt": "yesterday"}]})).unwrap_err();
    assert!(err.contains("parsing time"), "{err}");
}

#[test]
fn user_files_override_defaults_in_glob_order() {
    let dir = tmpdir("override");
    std::fs::write(
        dir.join("a.tmpl"),
        r#"{{ define "__subject" }}A {{ .Status }}{{ end }}{{ define "mine" }}a{{ end }}"#,
    )
    .unwrap();
    std::fs::write(dir.join("b.tmpl"), r#"{{ define "mine" }}b{{ end }}"#).unwrap();
    std::fs::write(dir.join("c.txt"), r#"{{ define "mine" }}c{{ end }}"#).unwrap();
    let t = Templates::from_globs(&[format!("{}/*.tmpl", dir.display())]).unwrap();
    assert_eq!(t.files().len(), 2);
    let d = Data::example_at(&now());
    // slack.default.title calls __subject, so the override reaches it, as in Alertmanager.
    assert_eq!(
        t.execute_text(r#"{{ template "slack.default.title" . }}|{{ template "mine" . }}"#, &d)
            .unwrap(),
        "A alertstatus|b"
    );
    assert!(t.template_names().iter().any(|n| n == "a.tmpl"));
    // A glob matching nothing is fine.
    assert!(Templates::from_globs(&[format!("{}/*.none", dir.display())]).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_errors_name_the_file() {
    let dir = tmpdir("errors");
    std::fs::write(dir.join("bad.tmpl"), "ok\n{{ if }}").unwrap();
    let err = Templates::from_globs(&[format!("{}/*.tmpl", dir.display())]).unwrap_err();
    assert!(matches!(err, TemplatesError::Parse { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("bad.tmpl") && msg.contains("template: bad.tmpl:2: missing value for if"),
        "{msg}"
    );
    let err = Templates::from_globs(&[format!("{}/[", dir.display())]).unwrap_err();
    assert!(err.to_string().ends_with("syntax error in pattern"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn execution() {
    let t = Templates::with_defaults();
    let d = Data::example_at(&now());
    assert_eq!(t.execute_text("", &d).unwrap(), "");
    assert_eq!(t.execute_text("  ", &d).unwrap(), "  ");
    assert_eq!(t.execute_text("{{/* c */}}", &d).unwrap(), "");
    let err = t.execute_text("{{ .Nope }}", &d).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"template: :1:3: executing "" at <.Nope>: can't evaluate field Nope in type template.Data"#
    );
    assert_eq!(
        t.execute_html(r#"<b title="{{ .Receiver }}">{{ "<&>" }}</b>{{ safeHtml "<i>" }}"#, &d)
            .unwrap(),
        r#"<b title="receiver">&lt;&amp;&gt;</b><i>"#
    );
    assert_eq!(t.execute_html("", &d).unwrap(), "");
    // Executing does not leak definitions into the set.
    t.execute_text(r#"{{ define "__subject" }}x{{ end }}"#, &d).unwrap();
    assert_eq!(
        t.execute_text(r#"{{ template "email.default.subject" . }}"#, &d).unwrap(),
        "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "
    );
}

#[test]
fn route_labels() {
    let t = Templates::with_clock(Arc::new(now));
    let mut d = Data::example_at(&now());
    d.route_labels = Kv::from_pairs([
        ("team", "{{ .Receiver }}-oncall"),
        ("x", r#"<{{ routeLabels "team" }}>"#),
    ]);
    assert_eq!(
        t.execute_text(r#"{{ routeLabels "x" }} {{ now.Year }}"#, &d).unwrap(),
        "<receiver-oncall> 2024"
    );
    d.route_labels_rendered = true;
    assert_eq!(
        t.execute_text(r#"{{ routeLabels "x" }}"#, &d).unwrap(),
        r#"<{{ routeLabels "team" }}>"#
    );
}

#[test]
fn title_is_x_text_title() {
    use template::alertmanager::title;
    assert_eq!(title("the QUICK brown-fox's tail", false), "The Quick Brown-Fox's Tail");
    assert_eq!(title("the QUICK brown", true), "The QUICK Brown");
}

#[test]
fn templates_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templates>();
    let t = Templates::with_defaults();
    let mut d = Data::example_at(&now());
    d.route_labels = Kv::from_pairs([("team", "{{ .Receiver }}")]);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (t, d) = (t.clone(), d.clone());
            std::thread::spawn(move || {
                t.execute_text(r#"{{ routeLabels "team" }}|{{ template "__subject" . }}"#, &d)
                    .unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "receiver|[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 ");
    }
}

mod no_panic {
    use proptest::prelude::*;
    use template::Value;

    proptest! {
        #[test]
        fn string_functions_never_panic(s in "\\PC{0,12}|[%a-f0-9+/=_\\-]{0,12}", t in "\\PC{0,6}") {
            let f = template::alertmanager::funcs();
            for name in ["toUpper", "toLower", "title", "trimSpace", "urlUnescape", "base64encode",
                         "base64decode", "humanizeDuration", "safeHtml", "safeUrl", "toJson"] {
                let _ = f.get(name).unwrap().call(&[Value::from(s.as_str())]);
            }
            for name in ["match", "toDate", "mustToDate"] {
                let _ = f.get(name).unwrap().call(&[Value::from(t.as_str()), Value::from(s.as_str())]);
            }
            let _ = f.get("reReplaceAll").unwrap().call(&[Value::from(t.as_str()), Value::from("$1"), Value::from(s.as_str())]);
        }
    }

    #[test]
    fn url_unescape_quotes_partial_utf8_as_go() {
        let f = template::alertmanager::funcs();
        let err = f.get("urlUnescape").unwrap().call(&[Value::from("%\u{10000}")]).unwrap_err();
        assert_eq!(err, r#"invalid URL escape "%\xf0\x90""#);
    }
}

#[test]
fn every_default_renders_with_example_data() {
    use template::alertmanager::defaults::{NOT_DATA_NAMES, is_default_name};
    let t = Templates::with_defaults();
    let d = Data::example_at(&now()).to_value();
    for name in t.template_names() {
        assert!(is_default_name(&name), "{name}");
        let r = t.execute_named(&name, &d);
        assert_eq!(r.is_err(), NOT_DATA_NAMES.contains(&name.as_str()), "{name}: {r:?}");
    }
}
