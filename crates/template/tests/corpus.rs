//! The differential corpus: every case in `tests/corpus/*.cases` must render exactly as Go's
//! `text/template` rendered it (`*.expected`, written by `scripts/oracle/template/regen.sh`).
//!
//! The typed fixture and the test functions mirror those of `scripts/oracle/template/main.go`.

mod fixtures;
mod sections;

use sections::parse_sections;

use std::collections::BTreeMap;
use std::path::Path;

use fixtures::{am_fixture, test_funcs, typed_fixture};
use template::{ArgType, Func, FuncMap, MissingKey, SafeKind, Signature, Template, Value};

/// The extra functions of `mode=html` cases (as `htmlFuncs` in the oracle).
fn html_funcs() -> FuncMap {
    let mk = |kind: SafeKind| {
        Func::new(Signature::fixed(&[ArgType::String]), move |a| {
            Ok(Value::safe(kind, a[0].as_str().unwrap_or("")))
        })
    };
    FuncMap::new()
        .with("safeHtml", mk(SafeKind::Html))
        .with("safeUrl", mk(SafeKind::Url))
        .with("safeAttr", mk(SafeKind::HtmlAttr))
        .with("safeJs", mk(SafeKind::Js))
        .with("safeCss", mk(SafeKind::Css))
}

fn run_case(sections: &BTreeMap<String, String>) -> (String, Option<String>) {
    let mut opts = BTreeMap::new();
    for f in sections.get("options").map(String::as_str).unwrap_or("").split_whitespace() {
        let (k, v) = f.split_once('=').unwrap_or((f, ""));
        opts.insert(k.to_string(), v.to_string());
    }
    let name = opts.get("name").cloned().unwrap_or_else(|| "t".to_string());
    let mut t = Template::new(name).funcs(&test_funcs());
    if opts.get("mode").map(String::as_str) == Some("html") {
        t = t.funcs(&html_funcs()).html();
    }
    if let Some(d) = opts.get("delims") {
        let (l, r) = d.split_once(',').unwrap_or((d, ""));
        t = t.delims(l, r);
    }
    if let Some(mk) = opts.get("missingkey") {
        t = t.missing_key(match mk.as_str() {
            "zero" => MissingKey::Zero,
            "error" => MissingKey::Error,
            _ => MissingKey::Invalid,
        });
    }
    let text = sections.get("template").cloned().unwrap_or_default();
    if let Err(e) = t.parse_in_place(&text) {
        return (String::new(), Some(e.to_string()));
    }
    if let Some(t2) = sections.get("template2") {
        let mut sub = t.new_named("t2");
        if let Err(e) = sub.parse_in_place(t2) {
            return (String::new(), Some(e.to_string()));
        }
        // The set is shared through `sub` now.
        t = sub.lookup(t.name()).expect("top template still defined");
    }
    let data = if opts.get("fixture").map(String::as_str) == Some("typed") {
        typed_fixture()
    } else if opts.get("fixture").map(String::as_str) == Some("typed-nofunc") {
        match typed_fixture() {
            Value::Map(m) => {
                let mut m = (*m).clone();
                m.entries.remove("fn");
                m.entries.remove("failfn");
                Value::Map(std::sync::Arc::new(m))
            }
            other => other,
        }
    } else if opts.get("fixture").map(String::as_str) == Some("am") {
        am_fixture()
    } else {
        match sections.get("data").map(|d| d.trim()).filter(|d| !d.is_empty()) {
            Some(d) => Value::from_json(&serde_json::from_str(d).expect("case data is JSON")),
            None => Value::Nil,
        }
    };
    let mut out = String::new();
    let r = match opts.get("exec") {
        Some(name) => match t.lookup(name) {
            Some(sub) => sub.execute_to(&mut out, &data),
            None => t.execute_template(name, &data).map(|_| ()),
        },
        None => t.execute_to(&mut out, &data),
    };
    (out, r.err().map(|e| e.to_string()))
}

#[test]
fn corpus_matches_go() {
    // KLAXON_TEMPLATE_CORPUS points at another directory of cases (e.g. generated ones).
    let dir = match std::env::var_os("KLAXON_TEMPLATE_CORPUS") {
        Some(d) => std::path::PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cases"))
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for f in &files {
        let cases = parse_sections(&std::fs::read_to_string(f).expect("read cases"));
        let expected_path = f.with_extension("expected");
        let expected: BTreeMap<String, BTreeMap<String, String>> =
            parse_sections(&std::fs::read_to_string(&expected_path).unwrap_or_default())
                .into_iter()
                .collect();
        for (name, sections) in &cases {
            total += 1;
            let Some(exp) = expected.get(name) else {
                failures
                    .push(format!("{}: {name}: no expected output (run regen.sh)", f.display()));
                continue;
            };
            let (out, err) = run_case(sections);
            let exp_out = exp.get("output").cloned().unwrap_or_default();
            let exp_err = exp.get("error").cloned();
            if out != exp_out || err != exp_err {
                failures.push(format!(
                    "{}: {name}\n  template: {:?}\n  want out: {exp_out:?}\n  got  out: {out:?}\n  want err: {exp_err:?}\n  got  err: {err:?}",
                    f.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
                    sections.get("template").map(String::as_str).unwrap_or("")
                ));
            }
        }
    }
    eprintln!("template corpus: {}/{} cases match Go", total - failures.len(), total);
    // The committed corpus holds 2350 cases; an ad-hoc KLAXON_TEMPLATE_CORPUS may hold fewer.
    let minimum = if std::env::var_os("KLAXON_TEMPLATE_CORPUS").is_some() { 1 } else { 2000 };
    assert!(total >= minimum, "only {total} cases found");
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from Go:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
