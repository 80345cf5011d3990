//! Rule unit tests in the `promtool test rules` format: input series, the rule files under
//! test, and the alerts and PromQL results expected at given times (see the spec's §7).
//!
//! - [`format`]: the test file's YAML, read strictly.
//! - [`input`]: input series loaded into the store step by step.
//! - [`runner`]: one test group evaluated as promtool does.
//! - [`compare`]: expected against got, printed in promtool's shape plus a line diff.
//!
//! [`run_file`] runs one file and returns its failures; [`run_files`] prints what promtool
//! prints (`Unit Testing:  FILE`, `  SUCCESS` or `  FAILED:` and the failures).

pub mod compare;
pub mod format;
pub mod input;
pub mod runner;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use model::duration::Duration;
use model::regex::GoRegex;

use crate::file::{ParseOptions, load_files_with};
use runner::{FileSettings, run_group};

/// promtool's flags.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--run`: only test groups whose name matches one of these (unanchored); all when empty.
    pub run: Vec<GoRegex>,
    /// `--ignore-unknown-fields`: accept unknown keys in the rule files under test.
    pub ignore_unknown_fields: bool,
}

impl Options {
    fn selects(&self, name: &str) -> bool {
        self.run.is_empty() || self.run.iter().any(|re| re.is_match(name))
    }
}

/// What running one test file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOutcome {
    /// Failures, each in promtool's wording (possibly several lines); empty when it passed.
    pub errors: Vec<String>,
    /// Things worth saying that do not fail the file (a rule-file pattern matching nothing).
    pub warnings: Vec<String>,
}

impl FileOutcome {
    pub fn passed(&self) -> bool {
        self.errors.is_empty()
    }

    fn failed(errors: Vec<String>, warnings: Vec<String>) -> Self {
        FileOutcome { errors, warnings }
    }
}

/// Runs every test group of the file at `path`.
pub async fn run_file(path: &Path) -> FileOutcome {
    run_file_with(path, &Options::default()).await
}

/// [`run_file`] with options.
pub async fn run_file_with(path: &Path, opts: &Options) -> FileOutcome {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return FileOutcome::failed(vec![format!("{}: {e}", path.display())], vec![]),
    };
    let file = match format::parse(&text) {
        Ok(f) => f,
        Err(e) => return FileOutcome::failed(vec![format!("{}: {e}", path.display())], vec![]),
    };
    let base = path.parent().unwrap_or(Path::new(""));
    let (rule_paths, warnings) = resolve_rule_files(base, &file.rule_files);

    let mut group_order = HashMap::new();
    for (i, name) in file.group_eval_order.iter().enumerate() {
        if group_order.insert(name.clone(), i).is_some() {
            return FileOutcome::failed(
                vec![format!("group name repeated in evaluation order: {name}")],
                warnings,
            );
        }
    }
    let parse_opts =
        ParseOptions { ignore_unknown_fields: opts.ignore_unknown_fields, ..Default::default() };
    let rule_files = match load_files_with(&rule_paths, parse_opts) {
        Ok(f) => f,
        Err(errs) => {
            return FileOutcome::failed(errs.iter().map(ToString::to_string).collect(), warnings);
        }
    };
    let settings = FileSettings {
        evaluation_interval: file
            .evaluation_interval
            .filter(|d| d.as_millis() > 0)
            .unwrap_or(Duration::from_secs(60)),
        group_order,
        rule_files,
    };
    let mut errors = Vec::new();
    for tg in file.tests.iter().filter(|tg| opts.selects(&tg.name)) {
        errors.extend(run_group(tg, &settings).await);
    }
    FileOutcome { errors, warnings }
}

/// Rule-file patterns joined to the test file's directory (unless absolute) and globbed; a
/// pattern matching nothing is a warning, as in promtool.
fn resolve_rule_files(base: &Path, patterns: &[String]) -> (Vec<PathBuf>, Vec<String>) {
    let mut paths = Vec::new();
    let mut warnings = Vec::new();
    for p in patterns {
        let full = if p.is_empty() || Path::new(p).is_absolute() {
            PathBuf::from(p)
        } else {
            base.join(p)
        };
        let pattern = full.to_string_lossy().into_owned();
        let matched: Vec<PathBuf> = match glob::glob(&pattern) {
            Ok(m) => m.filter_map(Result::ok).collect(),
            Err(e) => {
                warnings.push(format!("bad pattern {pattern}: {e}"));
                continue;
            }
        };
        if matched.is_empty() {
            warnings.push(format!("no file match pattern {pattern}"));
        }
        paths.extend(matched);
    }
    (paths, warnings)
}

/// Runs the files in order, printing as promtool does: progress and successes on `out`,
/// `  FAILED:` and the failures on `err` (each followed by a blank line on `out`). Returns
/// whether every file passed.
pub async fn run_files(
    paths: &[PathBuf],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    run_files_with(paths, &Options::default(), out, err).await
}

/// [`run_files`] with options.
pub async fn run_files_with(
    paths: &[PathBuf],
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let mut all_passed = true;
    for path in paths {
        writeln!(out, "Unit Testing:  {}", path.display())?;
        out.flush()?;
        let outcome = run_file_with(path, opts).await;
        for w in &outcome.warnings {
            writeln!(err, "  WARNING: {w}")?;
        }
        if outcome.passed() {
            writeln!(out, "  SUCCESS")?;
        } else {
            all_passed = false;
            writeln!(err, "  FAILED:")?;
            for e in &outcome.errors {
                writeln!(err, "{e}")?;
                err.flush()?;
                writeln!(out)?;
            }
        }
        writeln!(out)?;
    }
    Ok(all_passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/rules")
    }

    /// Every test file of the corpus at the repository root passes (the same files pass with
    /// Prometheus 2.42's promtool; see scripts/interop/promtool-test-rules.sh).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn corpus_passes() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".test.yml"))
            .collect();
        files.sort();
        assert!(files.len() >= 60, "{} corpus files", files.len());
        let mut failures = Vec::new();
        for f in &files {
            let outcome = run_file(f).await;
            if !outcome.passed() {
                failures.push(format!("{}:\n{}", f.display(), outcome.errors.join("\n")));
            }
        }
        assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n\n"));
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const RULES: &str = "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 1m\n        labels: {severity: page}\n        annotations: {summary: '{{ $labels.job }} down'}\n";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failures_are_reported_in_promtools_shape() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "r.yml", RULES);
        let t = write(
            dir.path(),
            "t.yml",
            r#"
rule_files: [r.yml]
tests:
  - name: named
    interval: 1m
    input_series:
      - series: 'up{job="a"}'
        values: '0 0 0'
    alert_rule_test:
      - eval_time: 2m
        alertname: Down
        exp_alerts:
          - exp_labels: {severity: page, job: b}
            exp_annotations: {summary: b down}
    promql_expr_test:
      - expr: up
        eval_time: 1m
        exp_samples:
          - labels: 'up{job="a"}'
            value: 1
"#,
        );
        let outcome = run_file(&t).await;
        assert_eq!(outcome.errors.len(), 2, "{:#?}", outcome.errors);
        let alert = &outcome.errors[0];
        assert!(
            alert.starts_with(
                "    name: named,\n    alertname: Down, time: 2m, \n        exp:[\n            0:\n              Labels:{alertname=\"Down\", job=\"b\", severity=\"page\"}\n              Annotations:{summary=\"b down\"}\n            ], \n        got:[\n            0:\n              Labels:{alertname=\"Down\", job=\"a\", severity=\"page\"}\n"
            ),
            "{alert}"
        );
        assert!(
            alert.contains("diff (-exp +got):\n          - {alertname=\"Down\", job=\"b\""),
            "{alert}"
        );
        assert!(alert.contains("\n          + {alertname=\"Down\", job=\"a\""), "{alert}");
        assert!(
            outcome.errors[1].starts_with(
                "    expr: \"up\", time: 1m,\n        exp: {__name__=\"up\", job=\"a\"} 1E+00\n        got: {__name__=\"up\", job=\"a\"} 0E+00\n"
            ),
            "{}",
            outcome.errors[1]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pending_alerts_are_not_reported_and_fire_after_for() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "r.yml", RULES);
        let t = write(
            dir.path(),
            "t.yml",
            r#"
rule_files: [r.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="a"}'
        values: '0 0 0'
    alert_rule_test:
      - eval_time: 30s
        alertname: Down
      - eval_time: 1m30s
        alertname: Down
        exp_alerts:
          - exp_labels: {severity: page, job: a}
            exp_annotations: {summary: a down}
"#,
        );
        assert_eq!(run_file(&t).await, FileOutcome::default());
    }

    /// Prometheus 3's start_timestamp shifts samples, evaluations and time(); eval times stay
    /// offsets.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn start_timestamp_shifts_everything() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "r.yml", RULES);
        let t = write(
            dir.path(),
            "t.yml",
            r#"
rule_files: [r.yml]
tests:
  - interval: 1m
    start_timestamp: 1700000000
    input_series:
      - series: 'up{job="a"}'
        values: '1 0 0'
    alert_rule_test:
      - eval_time: 1m
        alertname: Down
      - eval_time: 2m
        alertname: Down
        exp_alerts:
          - exp_labels: {severity: page, job: a}
            exp_annotations: {summary: a down}
    promql_expr_test:
      - expr: time()
        eval_time: 1m
        exp_samples:
          - labels: '{}'
            value: 1700000060
      - expr: timestamp(up)
        eval_time: 90s
        exp_samples:
          - labels: '{job="a"}'
            value: 1700000060
"#,
        );
        assert_eq!(run_file(&t).await, FileOutcome::default());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn run_selects_test_groups_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let t = write(
            dir.path(),
            "t.yml",
            "tests:\n  - name: good one\n  - name: bad one\n    promql_expr_test: [{expr: '1', eval_time: 0}]\n",
        );
        assert_eq!(run_file(&t).await.errors.len(), 1);
        let re = |p: &str| GoRegex::new(p, model::regex::Anchoring::Unanchored).unwrap();
        let opts = Options { run: vec![re("^good")], ..Options::default() };
        assert!(run_file_with(&t, &opts).await.passed());
        let opts = Options { run: vec![re("nothing"), re("bad")], ..Options::default() };
        assert_eq!(run_file_with(&t, &opts).await.errors.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn file_level_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "r.yml", RULES);
        let t = write(dir.path(), "t.yml", "rule_files: [r.yml]\ntest: []\n");
        let o = run_file(&t).await;
        assert!(o.errors[0].contains("test"), "{o:?}");

        let t = write(dir.path(), "t2.yml", "group_eval_order: [a, a]\n");
        let o = run_file(&t).await;
        assert_eq!(o.errors, vec!["group name repeated in evaluation order: a".to_string()]);

        let t = write(dir.path(), "t3.yml", "rule_files: [nothing-*.yml]\ntests: []\n");
        let o = run_file(&t).await;
        assert!(o.passed());
        assert!(o.warnings[0].starts_with("no file match pattern "), "{o:?}");

        let t =
            write(dir.path(), "t4.yml", "tests:\n  - alert_rule_test:\n      - eval_time: 1m\n");
        let o = run_file(&t).await;
        assert_eq!(
            o.errors,
            vec![
                "an item under alert_rule_test misses required attribute alertname at eval_time 1m"
                    .to_string()
            ]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rule_evaluation_errors_stop_the_group() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "r.yml",
            "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: a * on (x) b\n",
        );
        let t = write(
            dir.path(),
            "t.yml",
            r#"
rule_files: [r.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'a{x="1", y="1"}'
        values: '1'
      - series: 'a{x="1", y="2"}'
        values: '1'
      - series: 'b{x="1"}'
        values: '1'
    promql_expr_test:
      - expr: r
        eval_time: 2m
"#,
        );
        let o = run_file(&t).await;
        assert_eq!(o.errors.len(), 1, "{o:?}");
        assert!(o.errors[0].starts_with("    rule: r, time: 0s, err: "), "{o:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn run_files_prints_like_promtool() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "r.yml", RULES);
        let good = write(dir.path(), "good.yml", "rule_files: [r.yml]\ntests: []\n");
        let bad = write(
            dir.path(),
            "bad.yml",
            "tests: [{promql_expr_test: [{expr: '1', eval_time: 0}]}]\n",
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let ok = run_files(&[good.clone(), bad.clone()], &mut out, &mut err).await.unwrap();
        assert!(!ok);
        let out = String::from_utf8(out).unwrap();
        let err = String::from_utf8(err).unwrap();
        assert_eq!(
            out,
            format!(
                "Unit Testing:  {}\n  SUCCESS\n\nUnit Testing:  {}\n\n\n",
                good.display(),
                bad.display()
            )
        );
        assert!(
            err.starts_with(
                "  FAILED:\n    expr: \"1\", time: 0s,\n        exp: nil\n        got: {} 1E+00\n"
            ),
            "{err}"
        );
    }
}
