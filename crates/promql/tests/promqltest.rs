//! Runs every script in `tests/testdata/*.test` through the promqltest runner against the real
//! head; any failed eval (or unparsable command) fails the test, with the runner's report.

use std::path::Path;

use promql::promqltest::{Report, RunnerOptions, Status, run_script};
use tsdb::{Head, HeadOptions};

fn options() -> RunnerOptions {
    RunnerOptions::new(|| Box::new(Head::new(HeadOptions::default())))
}

#[test]
fn testdata_scripts_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata");
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "test"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let opts = options();
    let mut failures = Vec::new();
    let (mut passed, mut skipped) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let report = run_script(&text, &opts);
        passed += report.passed();
        skipped += report.skipped();
        for o in &report.outcomes {
            if matches!(o.status, Status::Fail(_)) {
                failures.push(promql::promqltest::report::format_outcome(&name, o));
            }
        }
        println!("{name}: {}", report.summary());
    }
    println!(
        "{} files: {passed} passed, {} failed, {skipped} skipped",
        files.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} failed evals:\n{}", failures.len(), failures.join("\n"));
}

fn run(text: &str) -> Report {
    run_script(text, &options())
}

fn statuses(report: &Report) -> Vec<(usize, &'static str)> {
    report
        .outcomes
        .iter()
        .map(|o| {
            let s = match o.status {
                Status::Pass => "PASS",
                Status::Fail(_) => "FAIL",
                Status::Skip(_) => "SKIP",
            };
            (o.line, s)
        })
        .collect()
}

/// The runner must tell right expectations from wrong ones; values computed by hand.
#[test]
fn right_and_wrong_expectations() {
    let report = run(concat!(
        "load 1m\n",
        "  m{a=\"x\"} 0+10x10\n",
        "  m{a=\"y\"} 1 2 3\n",
        "\n",
        // At 5m m{a="x"} is 50; m{a="y"} last sample (3 at 2m) is within the 5m lookback.
        "eval instant at 5m m\n",
        "  m{a=\"x\"} 50\n",
        "  m{a=\"y\"} 3\n",
        "\n",
        "eval instant at 5m m\n",
        "  m{a=\"x\"} 51\n",
        "  m{a=\"y\"} 3\n",
        "\n",
        // A missing element fails too.
        "eval instant at 5m m\n",
        "  m{a=\"x\"} 50\n",
        "\n",
        "eval range from 0 to 2m step 1m m{a=\"y\"}\n",
        "  m{a=\"y\"} 1 2 3\n",
        "\n",
        "eval range from 0 to 2m step 1m m{a=\"y\"}\n",
        "  m{a=\"y\"} 1 _ 3\n",
        "\n",
        "eval instant at 0 1 + 1\n",
        "  2\n",
        "\n",
        "eval instant at 0 1 + 1\n",
        "  3\n",
        "\n",
        "clear\n",
        "\n",
        "eval instant at 5m m\n",
    ));
    assert_eq!(
        statuses(&report),
        [
            (5, "PASS"),
            (9, "FAIL"),
            (13, "FAIL"),
            (16, "PASS"),
            (19, "FAIL"),
            (22, "PASS"),
            (25, "FAIL"),
            (30, "PASS"),
        ],
        "{:#?}",
        report.lines("inline")
    );
}

#[test]
fn expected_failures_and_skips() {
    let report = run(concat!(
        "load 1m\n",
        "  h {{schema:0 sum:1 count:1}}x3\n",
        "  f 1 2 3\n",
        "  g{a=\"1\"} 1\n",
        "  g{a=\"2\"} 1\n",
        "\n",
        "eval instant at 1m h\n",
        "\n",
        "eval instant at 1m f\n",
        "  f 2\n",
        "\n",
        // Both g series have the empty match group: one-to-one matching must fail.
        "eval instant at 0 f + on() g\n",
        "  expect fail\n",
        "\n",
        "eval instant at 0 f\n",
        "  expect fail\n",
        "\n",
        "eval instant at 1m f\n",
        "  f {{schema:0 sum:1 count:1}}\n",
    ));
    assert_eq!(
        statuses(&report),
        [(7, "SKIP"), (9, "PASS"), (12, "PASS"), (15, "FAIL"), (18, "SKIP")],
        "{:#?}",
        report.lines("inline")
    );
}

/// The runner uses upstream's test engine limit of 10,000 samples per query.
#[test]
fn test_engine_sample_limit() {
    let report = run(concat!(
        "load 1s\n",
        "  m 0+1x20000\n",
        "\n",
        // 10,001 samples in (0s, 10001s]: one too many.
        "eval instant at 10001s count_over_time(m[10001s])\n",
        "  expect fail msg: query processing would load too many samples into memory in query execution\n",
        "\n",
        // 9,999 samples in (1s, 10000s] stay within the limit.
        "eval instant at 10000s count_over_time(m[9999s])\n",
        "  {} 9999\n",
    ));
    assert_eq!(statuses(&report), [(4, "PASS"), (7, "PASS")], "{:#?}", report.lines("inline"));
}
