//! `klaxon tsdb import openmetrics`, run as a user would.

use std::path::Path;
use std::process::{Command, Output};

fn klaxon(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klaxon"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run klaxon")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write input file");
    path.to_string_lossy().into_owned()
}

const HISTORY: &str = "\
# HELP http_requests Requests served.
# TYPE http_requests counter
http_requests_total{code=\"200\"} 1 7199.999
http_requests_total{code=\"200\"} 3 7200
http_requests_total{code=\"500\"} 1 7200.5 # {trace_id=\"x\"} 1 7200
# TYPE temperature_celsius gauge
# UNIT temperature_celsius celsius
temperature_celsius 21.5 100
# EOF
";

#[test]
fn imports_a_file_and_reports_blocks_samples_and_series() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "history.om", HISTORY);
    let out_dir = tmp.path().join("tsdb");
    let out =
        klaxon(tmp.path(), &["tsdb", "import", "openmetrics", &file, out_dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    // 7199.999 s and 100 s fall in the block [0, 2h); 7200 s and 7200.5 s in [2h, 4h). Columns
    // as promtool's: ULID, min time, max time (exclusive), duration, samples, chunks, series,
    // size.
    let rows: Vec<Vec<&str>> =
        stdout.lines().skip(1).take(2).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert_eq!(rows[0][1..5], ["100000", "7200000", "1h58m20s", "2"], "{stdout}");
    assert_eq!(rows[0][6], "2", "{stdout}");
    assert_eq!(rows[1][1..5], ["7200000", "7200501", "501ms", "2"], "{stdout}");
    assert_eq!(rows[1][6], "2", "{stdout}");
    // Both blocks are on disk, under their ids.
    for row in &rows {
        assert_eq!(row[0].len(), 26, "{stdout}");
        assert!(out_dir.join(row[0]).join("meta.json").is_file(), "{}", row[0]);
    }
    assert!(
        stdout.contains(
            "imported 4 samples of 3 series (2 metric families with metadata, not stored) into 2 block(s)"
        ),
        "{stdout}"
    );
}

#[test]
fn output_dir_defaults_to_data_and_quiet_prints_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "history.om", HISTORY);
    let out = klaxon(tmp.path(), &["tsdb", "import", "openmetrics", &file]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("under data/"));
    let out = klaxon(tmp.path(), &["tsdb", "import", "openmetrics", "--quiet", &file]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn errors_name_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("bad.om", "a 1 1\nb{x=\"1\" 2 2\n# EOF\n", "bad.om:2:8: expected ',' or '}', got \" \""),
        ("noeof.om", "a 1 1\n", "noeof.om:2:1: data does not end with # EOF"),
        (
            "nots.om",
            "a 1 1\nb 2\n# EOF\n",
            "nots.om:2:1: expected timestamp for series {__name__=\"b\"}, got none",
        ),
        ("after.om", "a 1 1\n# EOF\nb 1 1\n", "after.om:3:1: unexpected data after # EOF"),
        (
            "dup.om",
            "a 1 10\na 2 10\n# EOF\n",
            "dup.om: duplicate sample for timestamp 10000 with different values in series {__name__=\"a\"}",
        ),
    ];
    for (name, text, want) in cases {
        let file = write(tmp.path(), name, text);
        let out = klaxon(tmp.path(), &["tsdb", "import", "openmetrics", &file, "out"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: want {want:?} in {stderr:?}");
        assert!(out.stdout.is_empty(), "{name}");
    }
    let out = klaxon(tmp.path(), &["tsdb", "import", "openmetrics", "missing.om", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.om: "));
}

#[test]
fn bad_label_flag_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "history.om", HISTORY);
    let out = klaxon(tmp.path(), &["tsdb", "import", "openmetrics", "--label", "novalue", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected NAME=VALUE"));
}
