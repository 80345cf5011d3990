//! The public API of `template::prometheus`: the function map in a template of one's own, the
//! expander over other data, the annotation data, and robustness of the helpers on odd input.

use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use template::prometheus::{
    self, AnnotationData, Expander, FuncContext, QuerySample, humanize, humanize_duration,
    strip_domain, strip_port, title,
};
use template::{MissingKey, Template, Value};

#[test]
fn funcs_work_in_any_template() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let ctx = FuncContext { timestamp_ms: 1_500, ..FuncContext::default() }.with_query(move |q| {
        log.lock().map_err(|e| e.to_string())?.push(q.to_string());
        Ok(vec![
            QuerySample::new([("instance", "b")], 2.0),
            QuerySample::new([("instance", "a")], 1.0),
            QuerySample::new([("instance", "a"), ("x", "2")], 3.0),
        ])
    });
    let t = Template::new("t")
        .funcs(&prometheus::funcs(&ctx))
        .missing_key(MissingKey::Zero)
        .parse(
            r#"{{ range query "m" | sortByLabel "instance" }}{{ .Labels.instance }}{{ .Value }} {{ end }}{{ now }} {{ pathPrefix }}"#,
        )
        .unwrap();
    assert_eq!(t.execute(&Value::Nil).unwrap(), "a1 a3 b2 1.5 ");
    assert_eq!(seen.lock().unwrap().as_slice(), ["m"]);
}

#[test]
fn query_errors_and_missing_engine() {
    let data = AnnotationData::example();
    let failing = FuncContext::default().with_query(|_| Err("boom".into()));
    let e = Expander::alert("A", r#"{{ query "up" }}"#, &data, &failing);
    assert!(e.expand().unwrap_err().ends_with("error calling query: boom"));
    assert!(e.expand_or_error_text().starts_with("<error expanding template: error executing"));
    let none = Expander::alert("A", r#"{{ query "up" }}"#, &data, &FuncContext::default());
    assert!(none.expand().unwrap_err().ends_with("error calling query: no query engine"));
}

#[test]
fn expander_over_other_data() {
    let ctx =
        FuncContext { external_url: "https://p.example.com/sub/".into(), ..Default::default() };
    let data = Value::map([("n", Value::Float(2048.0))]);
    let e = Expander::new(
        "console",
        "{{ .n | humanize1024 }} {{ externalURL }} {{ pathPrefix }}",
        data,
        &ctx,
    );
    assert_eq!(e.expand().unwrap(), "2ki https://p.example.com/sub/ /sub/");
    let bad = Expander::new("console", "{{ if }}", Value::Nil, &ctx);
    assert_eq!(
        bad.expand().unwrap_err(),
        "error parsing template console: template: console:1: missing value for if"
    );
}

#[test]
fn annotation_data() {
    let example = AnnotationData::example();
    assert_eq!(example.labels.get("job").map(String::as_str), Some("prometheus"));
    let j = serde_json::json!({
        "labels": {"instance": "x:1"}, "value": 0.25,
        "externalLabels": {"cluster": "c"}, "externalURL": "http://h"
    });
    let d = AnnotationData::from_json(&j).unwrap();
    assert_eq!(d.value, 0.25);
    assert_eq!(d.external_url, "http://h");
    let out = Expander::alert(
        "X",
        "{{ $externalLabels.cluster }} {{ $value | humanizePercentage }} {{ .ExternalURL }}",
        &d,
        &FuncContext::default(),
    )
    .expand()
    .unwrap();
    assert_eq!(out, "c 25% http://h");
    for bad in [
        serde_json::json!({"value": true}),
        serde_json::json!({"value": "abc"}),
        serde_json::json!({"labels": ["a"]}),
        serde_json::json!({"nope": 1}),
        serde_json::json!("x"),
    ] {
        assert!(AnnotationData::from_json(&bad).is_err(), "{bad}");
    }
}

#[test]
fn helpers() {
    assert_eq!(humanize(1e-30), "1e-06y");
    assert_eq!(humanize_duration(3661.0), "1h 1m 1s");
    assert_eq!(title("node exporter's up.time"), "Node Exporter's Up.time");
    assert_eq!(strip_port("[::1]:80"), "::1");
    assert_eq!(strip_domain("a.b.c:80"), "a:80");
    assert!(format!("{:?}", FuncContext::default()).contains("localhost:9090"));
}

proptest! {
    #[test]
    fn helpers_never_panic(s in ".{0,40}", f in any::<f64>()) {
        let _ = title(&s);
        let _ = strip_port(&s);
        let _ = strip_domain(&s);
        let _ = humanize(f);
        let _ = humanize_duration(f);
        let _ = prometheus::humanize1024(f);
        let _ = prometheus::humanize_timestamp(f);
        let _ = prometheus::parse_duration(&s);
        let data = AnnotationData { value: f, ..AnnotationData::example() };
        let text = format!("{{{{ humanize {:?} }}}}{{{{ toTime {:?} }}}}", s, s);
        let _ = Expander::alert("P", &text, &data, &FuncContext::default()).expand();
    }
}
