//! A development aid: runs promqltest scripts named in `KLAXON_PROMQL_SCRIPTS` (colon-separated
//! paths) through the engine and prints every failure. Ignored by default; run with
//! `KLAXON_PROMQL_SCRIPTS=a.test:b.test cargo test -p klaxon-promql --test engine_conformance -- --ignored --nocapture`.

use promql::promqltest::{RunnerOptions, run_script};
use tsdb::{Head, HeadOptions};

#[test]
#[ignore = "reads scripts outside the repository"]
fn run_named_scripts() {
    let Ok(paths) = std::env::var("KLAXON_PROMQL_SCRIPTS") else {
        return;
    };
    let mut opts = RunnerOptions::new(|| Box::new(Head::new(HeadOptions::default())));
    // `KLAXON_PROMQL_IMMEDIATE_NAMES=1` runs without delayed name removal (the server default).
    if std::env::var_os("KLAXON_PROMQL_IMMEDIATE_NAMES").is_some() {
        opts.engine.delayed_name_removal = false;
    }
    for path in paths.split(':').filter(|p| !p.is_empty()) {
        let text = std::fs::read_to_string(path).unwrap();
        let report = run_script(&text, &opts);
        for line in report.lines(path) {
            if !line.contains(": PASS") {
                println!("{line}");
            }
        }
        println!("{path}: {}", report.summary());
    }
}
