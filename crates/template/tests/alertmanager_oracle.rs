//! klaxon's Alertmanager templates against Alertmanager's own, byte for byte.
//!
//! `data/alertmanager/defaults.jsonl` holds what every template of Alertmanager's `default.tmpl`
//! and `email.tmpl` renders under Go for each data set of `data/alertmanager/data/`;
//! `funcs.jsonl` holds the function cases of `func_cases.txt`. Both are written by
//! `scripts/oracle/amtemplate/regen.sh`. This test renders the same with klaxon's defaults and
//! functions and compares output and error text. It needs no Go.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use template::Value;
use template::alertmanager::{Data, Templates};
use template::gofmt::{GoLocation, GoTime};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/alertmanager")
}

fn datasets() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir().join("data")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let data = Data::from_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        out.insert(name, data.to_value());
    }
    out
}

/// The oracle's fixed clock for `now` and `since`.
fn templates() -> Templates {
    let now = GoTime::date(2024, 5, 6, 7, 8, 9, 123_456_789, &GoLocation::utc());
    Templates::with_clock(Arc::new(move || now.clone()))
}

#[derive(Debug)]
struct Case {
    data: String,
    name: Option<String>,
    template: Option<String>,
    mode: String,
    output: String,
    error: Option<String>,
}

fn cases(file: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join(file)).unwrap();
    text.lines()
        .map(|l| {
            let j: serde_json::Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| j.get(k).and_then(|v| v.as_str()).map(str::to_string);
            Case {
                data: s("data").unwrap(),
                name: s("name"),
                template: s("template"),
                mode: s("mode").unwrap(),
                output: s("output").unwrap_or_default(),
                error: s("error"),
            }
        })
        .collect()
}

fn check(file: &str, text_of: impl Fn(&Case) -> String) -> (usize, usize) {
    let ds = datasets();
    let t = templates();
    let (mut passed, mut html) = (0, 0);
    let mut failures = Vec::new();
    for c in cases(file) {
        let text = text_of(&c);
        let data = &ds[&c.data];
        let got = if c.mode == "html" {
            t.execute_html_value(&text, data)
        } else {
            t.execute_text_value(&text, data)
        };
        let (out, err) = match got {
            Ok(o) => (o, None),
            Err(e) => (String::new(), Some(e.to_string())),
        };
        // On error Go's output is what was written before it; ExecuteTextString discards it.
        let want_out = if c.error.is_some() { String::new() } else { c.output.clone() };
        if out == want_out && err == c.error {
            passed += 1;
            html += usize::from(c.mode == "html");
        } else if out == want_out && same_but_location(err.as_deref(), c.error.as_deref()) {
            // An error inside a default template: klaxon's text differs from Alertmanager's,
            // so the line and column do (e.g. `__text_alert_list` run on Data, not alerts).
            passed += 1;
        } else {
            failures.push(format!(
                "{} {}:\n  want {:?} {:?}\n  got  {:?} {:?}",
                c.data,
                c.name.as_deref().unwrap_or(&text),
                want_out,
                c.error,
                out,
                err
            ));
        }
    }
    if !failures.is_empty() {
        let n = failures.len();
        failures.truncate(30);
        panic!("{n} of {file} differ from Alertmanager:\n{}", failures.join("\n"));
    }
    (passed, html)
}

/// Whether two Go execution errors differ only in the location, for errors raised inside a
/// default template (not in the executed text, whose template is named "").
fn same_but_location(a: Option<&str>, b: Option<&str>) -> bool {
    let tail = |e: &str| -> Option<String> {
        let rest = e.strip_prefix("template: ")?;
        let i = rest.find(": executing \"")?;
        let tail = &rest[i..];
        (!tail.starts_with(": executing \"\"")).then(|| tail.to_string())
    };
    match (a, b) {
        (Some(a), Some(b)) => tail(a).is_some() && tail(a) == tail(b),
        _ => false,
    }
}

#[test]
fn default_templates_match_alertmanager() {
    let (passed, html) = check("defaults.jsonl", |c| {
        format!("{{{{ template {:?} . }}}}", c.name.as_deref().unwrap())
    });
    assert!(passed >= 700, "only {passed} cases");
    assert!(html >= 11, "only {html} HTML-mode cases");
    eprintln!("{passed} default renders match Alertmanager ({html} in HTML mode)");
}

#[test]
fn functions_match_alertmanager() {
    let (passed, _) = check("funcs.jsonl", |c| c.template.as_deref().unwrap().replace('⏎', "\n"));
    assert!(passed >= 150, "only {passed} cases");
}

#[test]
fn every_upstream_name_is_defined() {
    let names = Templates::with_defaults().template_names();
    for n in template::alertmanager::defaults::UPSTREAM_NAMES {
        assert!(names.iter().any(|m| m == n), "{n} is not defined");
    }
}

/// `title` (x/text's title caser), `toUpper` and `toLower` (Go's simple case mappings) over the
/// cased scripts, from `cases.jsonl`. Reports the runes whose results differ.
#[test]
fn case_mappings_match_go() {
    let text = std::fs::read_to_string(dir().join("cases.jsonl")).unwrap();
    let f = template::alertmanager::funcs();
    let call = |name: &str, s: &str| -> String {
        f.get(name).unwrap().call(&[Value::from(s)]).unwrap().as_str().unwrap().to_string()
    };
    let mut bad = Vec::new();
    let mut lines = 0;
    for l in text.lines() {
        let j: serde_json::Value = serde_json::from_str(l).unwrap();
        let input = j["in"].as_str().unwrap();
        for (func, key) in [("title", "title"), ("toUpper", "upper"), ("toLower", "lower")] {
            let want = j[key].as_str().unwrap();
            let got = call(func, input);
            if got != want {
                // Name the first rune whose segment differs.
                let seg = input
                    .split(' ')
                    .zip(got.split(' ').zip(want.split(' ')))
                    .find(|(_, (g, w))| g != w);
                bad.push(format!("{func}: {:?}", seg.map(|(i, (g, w))| (i, g, w))));
            }
        }
        lines += 1;
    }
    assert!(lines > 100);
    assert!(bad.is_empty(), "{} lines differ:\n{}", bad.len(), bad.join("\n"));
}
