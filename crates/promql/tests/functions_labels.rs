//! label_replace and label_join.
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use functions_support::*;
use promql::functions::{ArgValue, lookup};
use promql::value::Sample;

fn input() -> Vec<Sample> {
    vec![
        sample(&[("__name__", "m"), ("src", "source-value-10"), ("dst", "orig")], 0.0),
        sample(&[("__name__", "m"), ("src", "source-value-20"), ("dst", "orig")], 1.0),
    ]
}

fn replace(
    v: &[Sample],
    dst: &str,
    repl: &str,
    src: &str,
    re: &str,
) -> Result<Vec<Sample>, String> {
    let args = [
        ArgValue::Vector(v),
        ArgValue::String(dst),
        ArgValue::String(repl),
        ArgValue::String(src),
        ArgValue::String(re),
    ];
    match step_fn("label_replace", &args, &[], 0).0 {
        Ok(promql::functions::StepOutput::Vector(v)) => Ok(v),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

fn texts(v: &[Sample]) -> Vec<String> {
    let mut t: Vec<String> = v.iter().map(|s| format!("{} {}", s.metric, s.f)).collect();
    t.sort();
    t
}

#[test]
fn label_replace_matches_the_whole_value() {
    let v = input();
    let out = replace(&v, "dst", "destination-$1", "src", "source-value-(.*)").unwrap();
    assert_eq!(
        texts(&out),
        [
            r#"{__name__="m", dst="destination-10", src="source-value-10"} 0"#,
            r#"{__name__="m", dst="destination-20", src="source-value-20"} 1"#,
        ]
    );
    // A substring match is no match: unchanged.
    let out = replace(&v, "dst", "x-$1", "src", "value-(.*)").unwrap();
    assert_eq!(texts(&out), texts(&v));
    assert!(lookup("label_replace").unwrap().keeps_name);
}

#[test]
fn label_replace_expansion_as_go() {
    let v = vec![sample(&[("src", "ab-cd")], 1.0)];
    let get = |repl: &str, re: &str| {
        let out = replace(&v, "dst", repl, "src", re).unwrap();
        out[0].metric.get("dst").map(str::to_string)
    };
    assert_eq!(get("$2-$1", "(.*)-(.*)").as_deref(), Some("cd-ab"));
    assert_eq!(get("${second}+${first}", "(?P<first>.*)-(?P<second>.*)").as_deref(), Some("cd+ab"));
    assert_eq!(get("$second.$first", "(?P<first>.*)-(?P<second>.*)").as_deref(), Some("cd.ab"));
    // `$1x` names a group "1x", which does not exist: nothing, so dst stays unset.
    assert_eq!(get("$1x", "(.*)"), None);
    assert_eq!(get("${1}x", "(.*)").as_deref(), Some("ab-cdx"));
    assert_eq!(get("$$1", "(.*)").as_deref(), Some("$1"));
    // Prometheus 3: `.` matches a newline too.
    let nl = vec![sample(&[("src", "a\nb")], 1.0)];
    let out = replace(&nl, "dst", "$1", "src", "(.*)").unwrap();
    assert_eq!(out[0].metric.get("dst"), Some("a\nb"));
}

#[test]
fn label_replace_missing_or_empty_source() {
    let v = input();
    // A missing source is "" and `(.*)` matches it.
    let out = replace(&v, "dst", "value-$1", "nonexistent", "(.*)").unwrap();
    assert!(out.iter().all(|s| s.metric.get("dst") == Some("value-")));
    // An empty result deletes the destination.
    let out = replace(&v, "dst", "", "dst", ".*").unwrap();
    assert!(out.iter().all(|s| !s.metric.has("dst")));
}

#[test]
fn label_replace_errors() {
    let v = input();
    assert_eq!(
        replace(&v, "dst", "$1", "src", "(.*").unwrap_err(),
        "invalid regular expression in label_replace(): (.*"
    );
    assert_eq!(
        replace(&v, "", "x", "src", "(.*)").unwrap_err(),
        "invalid destination label name in label_replace(): "
    );
    // Deleting `src` makes both samples {__name__="m", dst="orig"}.
    assert_eq!(
        replace(&v, "src", "", "", "").unwrap_err(),
        "vector cannot contain metrics with the same labelset"
    );
    // An empty input still checks its arguments.
    assert!(replace(&[], "dst", "$1", "src", "(").is_err());
}

#[test]
fn label_replace_name_flag() {
    let mut v = input();
    for s in &mut v {
        s.drop_name = true;
    }
    // Setting another label keeps the flag; setting __name__ clears it.
    let out = replace(&v, "dst", "x", "src", ".*").unwrap();
    assert!(out.iter().all(|s| s.drop_name));
    let out = replace(&v, "__name__", "renamed_$1", "src", "source-value-(.*)").unwrap();
    assert!(out.iter().all(|s| !s.drop_name));
    assert_eq!(out[0].metric.get("__name__"), Some("renamed_10"));
    // No match leaves the sample, flag included, alone.
    let out = replace(&v, "__name__", "x", "src", "nomatch").unwrap();
    assert!(out.iter().all(|s| s.drop_name));
}

fn join(v: &[Sample], dst: &str, sep: &str, srcs: &[&str]) -> Result<Vec<Sample>, String> {
    let mut args = vec![ArgValue::Vector(v), ArgValue::String(dst), ArgValue::String(sep)];
    args.extend(srcs.iter().map(|s| ArgValue::String(s)));
    match step_fn("label_join", &args, &[], 0).0 {
        Ok(promql::functions::StepOutput::Vector(v)) => Ok(v),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn label_join_joins_in_argument_order() {
    let v =
        vec![sample(&[("__name__", "m"), ("a", "1"), ("b", "2"), ("c", "3"), ("dst", "old")], 5.0)];
    let out = join(&v, "dst", "-", &["c", "a", "b"]).unwrap();
    assert_eq!(out[0].metric.get("dst"), Some("3-1-2"));
    assert_eq!(out[0].metric.get("__name__"), Some("m"));
    // Missing sources are empty strings.
    assert_eq!(join(&v, "dst", "-", &["a", "zz", "b"]).unwrap()[0].metric.get("dst"), Some("1--2"));
    // Nothing to join: the destination goes.
    assert!(!join(&v, "dst", ", ", &[]).unwrap()[0].metric.has("dst"));
    assert!(!join(&v, "dst", "", &["x", "y"]).unwrap()[0].metric.has("dst"));
    assert!(lookup("label_join").unwrap().keeps_name);
}

#[test]
fn label_join_errors() {
    let v = vec![
        sample(&[("label", "a"), ("this", "a")], 1.0),
        sample(&[("label", "b"), ("this", "a")], 1.0),
    ];
    assert_eq!(
        join(&v, "label", "", &["this"]).unwrap_err(),
        "vector cannot contain metrics with the same labelset"
    );
    assert_eq!(
        join(&v, "", "", &["this"]).unwrap_err(),
        "invalid destination label name in label_join(): "
    );
    assert_eq!(
        join(&v, "d", "", &["this", ""]).unwrap_err(),
        "invalid source label name in label_join(): "
    );
}
