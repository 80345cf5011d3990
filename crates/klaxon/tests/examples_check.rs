//! Every file under `examples/` passes `klaxon check`: `prometheus.yml` with `check config`
//! (which also checks the rule files it names), other YAML with `check rules`, Alertmanager
//! configs with `check alertmanager` (their templates rendered against example data), and
//! template files with `check templates`. A file no check covers fails the test, so a new
//! example cannot slip past.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").canonicalize().unwrap()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// What checks `path`, or `None` for documentation.
fn check_for(path: &Path) -> Option<&'static [&'static str]> {
    let name = path.file_name().unwrap().to_str().unwrap();
    let in_am_dir = path.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "alertmanager");
    if name.ends_with(".md") {
        None
    } else if name == "prometheus.yml" {
        Some(&["check", "config"])
    } else if name == "alertmanager.yml" || (in_am_dir && name.ends_with(".yml")) {
        Some(&["check", "alertmanager"])
    } else if name.ends_with(".tmpl") {
        Some(&["check", "templates"])
    } else if name.ends_with(".yml") || name.ends_with(".yaml") {
        Some(&["check", "rules"])
    } else {
        panic!("{}: no `klaxon check` covers this kind of file; add one here", path.display())
    }
}

#[test]
fn every_example_file_passes_klaxon_check() {
    let mut all = Vec::new();
    files(&examples(), &mut all);
    all.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &all {
        let Some(args) = check_for(path) else { continue };
        let out = Command::new(env!("CARGO_BIN_EXE_klaxon"))
            .args(args)
            .arg(path)
            .current_dir(path.parent().unwrap())
            .output()
            .unwrap();
        checked += 1;
        if !out.status.success() {
            failures.push(format!(
                "klaxon {} {}: {}\n{}{}",
                args.join(" "),
                path.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The three tutorials and the Alertmanager-only examples are all there.
    for dir in ["nginx-slack", "ecommerce-pagerduty", "node-memory-slack"] {
        for f in ["prometheus.yml", "alertmanager.yml", "README.md"] {
            assert!(examples().join(dir).join(f).is_file(), "examples/{dir}/{f} is missing");
        }
    }
    assert!(checked >= 12, "only {checked} files checked: {all:#?}");
}
