//! `klaxon test promql FILE...`: runs upstream-format PromQL test scripts (promqltest) against
//! an in-memory head. Prints every failed and skipped eval, a summary per file, and last
//! `N passed, M failed, K skipped`; exits 0 only when nothing failed.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use promql::promqltest::report::{format_outcome, summary_line};
use promql::promqltest::{RunnerOptions, Status, run_script};
use tsdb::{Head, HeadOptions};

pub fn run(files: &[PathBuf]) -> ExitCode {
    let mut out = io::stdout().lock();
    match run_to(files, &mut out) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("klaxon test promql: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the scripts, writing the report to `out`; returns how many evals failed (an unreadable
/// file counts as one).
fn run_to(files: &[PathBuf], out: &mut impl Write) -> io::Result<usize> {
    let opts = RunnerOptions::new(|| Box::new(Head::new(HeadOptions::default())));
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                writeln!(out, "{name}: FAIL cannot read the file: {e}")?;
                failed += 1;
                continue;
            }
        };
        let report = run_script(&text, &opts);
        for o in &report.outcomes {
            if !matches!(o.status, Status::Pass) {
                writeln!(out, "{}", format_outcome(&name, o))?;
            }
        }
        writeln!(out, "{name}: {}", report.summary())?;
        passed += report.passed();
        failed += report.failed();
        skipped += report.skipped();
    }
    writeln!(out, "{}", summary_line(passed, failed, skipped))?;
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_failures_skips_and_totals() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.test");
        // 0+5x4 at 1m steps: 10 at 2m; 1 + 2 is 3.
        std::fs::write(
            &good,
            "load 1m\n  m 0+5x4\n\neval instant at 2m m\n  m 10\n\neval instant at 0 1 + 2\n  3\n",
        )
        .unwrap();
        let bad = dir.path().join("bad.test");
        std::fs::write(
            &bad,
            "load 1m\n  m 1\n  h {{count:1}}\n\neval instant at 0 m\n  m 2\n\neval instant at 0 h\n",
        )
        .unwrap();
        let missing = dir.path().join("missing.test");

        let mut out = Vec::new();
        assert_eq!(run_to(std::slice::from_ref(&good), &mut out).unwrap(), 0);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(
                "good.test: 2 passed, 0 failed, 0 skipped\n2 passed, 0 failed, 0 skipped\n"
            ),
            "{text}"
        );

        let mut out = Vec::new();
        assert_eq!(run_to(&[good, bad, missing], &mut out).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("bad.test:5: FAIL eval instant at 0s m\n"), "{text}");
        assert!(text.contains("bad.test:8: SKIP ("), "{text}");
        assert!(text.contains("missing.test: FAIL cannot read the file"), "{text}");
        assert!(text.ends_with("2 passed, 2 failed, 1 skipped\n"), "{text}");
    }
}
