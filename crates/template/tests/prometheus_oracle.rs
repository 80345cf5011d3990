//! Prometheus annotation templates against Go: every case of `tests/data/prometheus/cases.txt`
//! must expand exactly as Go expanded it with Prometheus' functions (`expected.txt`, written by
//! `scripts/oracle/promtemplate/regen.sh`), output and error text byte for byte.
//!
//! The fake query engine mirrors `fakeQuery` in `scripts/oracle/promtemplate/main.go`.

use std::collections::BTreeMap;
use std::path::Path;

use template::prometheus::{AnnotationData, Expander, FuncContext, QuerySample};

mod sections;
use sections::parse_sections;

fn sample(labels: &[(&str, &str)], value: f64) -> QuerySample {
    QuerySample::new(labels.iter().copied(), value)
}

/// The query engine every case sees.
fn fake_query(q: &str) -> Result<Vec<QuerySample>, String> {
    Ok(match q {
        "up" => vec![
            sample(&[("__name__", "up"), ("instance", "b.example.com:9100"), ("job", "node")], 1.0),
            sample(&[("__name__", "up"), ("instance", "a.example.com:9100"), ("job", "node")], 0.0),
            sample(&[("__name__", "up"), ("instance", "10.0.0.3:9090"), ("job", "api")], 1.0),
        ],
        "build_info" => vec![sample(
            &[("__name__", "build_info"), ("version", "2.53.0"), ("__value__", "2.53.0")],
            1.0,
        )],
        "sum(up)" => vec![sample(&[], 2.0)],
        "nan" => vec![sample(&[("kind", "nan")], f64::NAN)],
        "big" => vec![sample(&[("instance", "x")], 1.5e12)],
        "disk_free_ratio" => vec![
            sample(&[("mountpoint", "/"), ("device", "sda1")], 0.0731),
            sample(&[("mountpoint", "/data"), ("device", "sdb1")], 0.4567),
        ],
        "error" => return Err("query timed out in expression evaluation".into()),
        _ => Vec::new(),
    })
}

/// Expands one case: `(output, error)`.
fn run_case(sections: &BTreeMap<String, String>) -> (String, Option<String>) {
    let mut opts = BTreeMap::new();
    for f in sections.get("options").map(String::as_str).unwrap_or("").split_whitespace() {
        let (k, v) = f.split_once('=').unwrap_or((f, ""));
        opts.insert(k.to_string(), v.to_string());
    }
    let alert = opts.get("alert").cloned().unwrap_or_else(|| "Test".to_string());
    let ts: i64 = opts.get("ts").map(|t| t.parse().expect("ts")).unwrap_or(1_700_000_000_000);
    let json: serde_json::Value =
        serde_json::from_str(sections.get("data").map(String::as_str).unwrap_or("{}"))
            .expect("case data is JSON");
    let data = AnnotationData::from_json(&json).expect("case data");
    let ctx =
        FuncContext { timestamp_ms: ts, external_url: data.external_url.clone(), query: None }
            .with_query(fake_query);
    let text = sections.get("template").cloned().unwrap_or_default();
    match Expander::alert(&alert, &text, &data, &ctx).expand() {
        Ok(out) => (out, None),
        Err(e) => (String::new(), Some(e)),
    }
}

#[test]
fn prometheus_templates_match_go() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/prometheus");
    let cases = std::fs::read_to_string(dir.join("cases.txt")).expect("cases.txt");
    let expected = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
    let expected: BTreeMap<String, BTreeMap<String, String>> =
        parse_sections(&expected).into_iter().collect();
    let cases = parse_sections(&cases);
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (name, sections) in &cases {
        let want = expected.get(name).unwrap_or_else(|| panic!("no expected output for {name}"));
        let (out, err) = run_case(sections);
        let want_out = want.get("output").cloned().unwrap_or_default();
        let want_err = want.get("error").cloned();
        if out != want_out || err != want_err {
            failures.push(format!(
                "{name}\n  template: {:?}\n  want: {want_out:?} / {want_err:?}\n  got:  {out:?} / {err:?}",
                sections.get("template").map(String::as_str).unwrap_or("")
            ));
        }
    }
    let passed = cases.len() - failures.len();
    eprintln!("prometheus templates: {passed} of {} cases match Go", cases.len());
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
