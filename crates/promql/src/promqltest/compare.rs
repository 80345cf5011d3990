//! Matching a query's result against an eval's expectations, with upstream's float tolerance.

use std::fmt::Write as _;

use model::labels::Labels;
use model::storage::is_stale_nan;

use super::script::{Eval, ExpectedSeries};
use super::series::SeqValue;
use crate::value::{Sample, Series, Value};

/// Relative error allowed between expected and actual values.
pub const EPSILON: f64 = 1e-6;

pub use crate::stats::almost_equal;

/// A float as the reports print it (`+Inf`, `NaN`, `stale`, shortest round-trip otherwise).
pub fn fmt_f64(f: f64) -> String {
    if is_stale_nan(f) {
        "stale".into()
    } else if f.is_nan() {
        "NaN".into()
    } else if f == f64::INFINITY {
        "+Inf".into()
    } else if f == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        f.to_string()
    }
}

/// The times at which a matrix result's points are expected: the eval's range, or the
/// `expect range vector` range of an instant eval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

/// Checks `value` against the expectations of `eval`; the error says what differs.
pub fn compare_result(eval: &Eval, grid: Grid, value: &Value) -> Result<(), String> {
    match value {
        Value::Matrix(m) => compare_matrix(eval, grid, m),
        Value::Vector(v) => compare_vector(eval, v),
        Value::Scalar { f, .. } => {
            let Some(want) = eval.expected_scalar else {
                return Err(format!(
                    "expected vector or matrix result, but got scalar {}",
                    fmt_f64(*f)
                ));
            };
            if !almost_equal(want, *f, EPSILON) {
                return Err(format!("expected scalar {} but got {}", fmt_f64(want), fmt_f64(*f)));
            }
            Ok(())
        }
        Value::String { s, .. } => {
            let want = eval.expected_string.as_deref().unwrap_or("");
            if want != s {
                return Err(format!("expected string {want:?} but got {s:?}"));
            }
            Ok(())
        }
    }
}

fn find<'a>(eval: &'a Eval, metric: &Labels) -> Option<&'a ExpectedSeries> {
    eval.expected.iter().find(|e| &e.metric == metric)
}

fn compare_vector(eval: &Eval, vector: &[Sample]) -> Result<(), String> {
    if eval.expected_scalar.is_some() {
        return Err(format!("expected scalar result, but got vector {}", fmt_vector(vector)));
    }
    let mut seen = vec![false; eval.expected.len()];
    for (pos, s) in vector.iter().enumerate() {
        let Some(exp) = find(eval, &s.metric) else {
            return Err(format!(
                "unexpected metric {} in result, has value {}",
                s.metric,
                fmt_sample_value(s)
            ));
        };
        if eval.ordered && exp.pos != pos + 1 {
            return Err(format!(
                "expected metric {} at position {} but was at {}",
                s.metric,
                exp.pos,
                pos + 1
            ));
        }
        let want = match exp.values.first() {
            Some(SeqValue::Float(f)) => *f,
            Some(SeqValue::Omitted) => 0.0,
            Some(SeqValue::Histogram) => {
                return Err(format!(
                    "expected a histogram for {} but got {}",
                    s.metric,
                    fmt_sample_value(s)
                ));
            }
            None => {
                return Err(format!(
                    "expected line for {} (line {}) has no value",
                    s.metric, exp.line
                ));
            }
        };
        if s.h.is_some() {
            return Err(format!(
                "expected float value {} for {} but got a histogram",
                fmt_f64(want),
                s.metric
            ));
        }
        if !almost_equal(want, s.f, EPSILON) {
            return Err(format!(
                "expected {} for {} but got {}",
                fmt_f64(want),
                s.metric,
                fmt_f64(s.f)
            ));
        }
        if let Some(i) = eval.expected.iter().position(|e| e.metric == s.metric) {
            seen[i] = true;
        }
    }
    for (exp, seen) in eval.expected.iter().zip(seen) {
        if !seen {
            return Err(format!(
                "expected metric {} with {} not found",
                exp.metric,
                fmt_seq(&exp.values)
            ));
        }
    }
    Ok(())
}

/// Checks that a matrix is sorted by labels, as every range result must be.
pub fn assert_sorted(matrix: &[Series]) -> Result<(), String> {
    for (i, w) in matrix.windows(2).enumerate() {
        if w[0].metric > w[1].metric {
            return Err(format!(
                "matrix results should always be sorted by labels, but matrix is not sorted: series at index {} with labels {} sorts before series at index {i} with labels {}",
                i + 1,
                w[1].metric,
                w[0].metric
            ));
        }
    }
    Ok(())
}

fn compare_matrix(eval: &Eval, grid: Grid, matrix: &[Series]) -> Result<(), String> {
    if eval.ordered {
        return Err("expected ordered result, but query returned a matrix".into());
    }
    if eval.expected_scalar.is_some() {
        return Err(format!("expected scalar result, but got matrix {}", fmt_matrix(matrix)));
    }
    assert_sorted(matrix)?;
    let mut seen = vec![false; eval.expected.len()];
    for s in matrix {
        let Some(i) = eval.expected.iter().position(|e| e.metric == s.metric) else {
            return Err(format!("unexpected metric {} in result, has {}", s.metric, fmt_points(s)));
        };
        seen[i] = true;
        let exp = &eval.expected[i];
        let mut floats = Vec::new();
        let mut histograms = 0;
        for (i, v) in exp.values.iter().enumerate() {
            let t = grid.start.saturating_add((i as i64).saturating_mul(grid.step));
            if t > grid.end || (grid.step == 0 && i > 0) {
                return Err(format!(
                    "expected {} points for {}, but query time range cannot return this many points",
                    exp.values.len(),
                    exp.metric
                ));
            }
            match v {
                SeqValue::Float(f) => floats.push((t, *f)),
                SeqValue::Histogram => histograms += 1,
                SeqValue::Omitted => {}
            }
        }
        if floats.len() != s.floats.len() || histograms != s.histograms.len() {
            return Err(format!(
                "expected {} float points and {histograms} histogram points for {}, but got {}",
                floats.len(),
                exp.metric,
                fmt_points(s)
            ));
        }
        for (i, ((t, f), got)) in floats.iter().zip(&s.floats).enumerate() {
            if *t != got.t {
                return Err(format!(
                    "expected float value at index {i} for {} to have timestamp {t}, but it had timestamp {} (result has {})",
                    exp.metric,
                    got.t,
                    fmt_points(s)
                ));
            }
            if !almost_equal(got.f, *f, EPSILON) {
                return Err(format!(
                    "expected float value at index {i} (t={t}) for {} to be {}, but got {} (result has {})",
                    exp.metric,
                    fmt_f64(*f),
                    fmt_f64(got.f),
                    fmt_points(s)
                ));
            }
        }
        if histograms > 0 {
            return Err(format!("cannot compare native histograms for {}", exp.metric));
        }
    }
    for (exp, seen) in eval.expected.iter().zip(seen) {
        if !seen {
            return Err(format!("expected metric {} not found", exp.metric));
        }
    }
    Ok(())
}

fn fmt_sample_value(s: &Sample) -> String {
    if s.h.is_some() { "a histogram".into() } else { fmt_f64(s.f) }
}

/// `[1 2 _ stale]`.
pub fn fmt_seq(values: &[SeqValue]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|v| match v {
            SeqValue::Omitted => "_".into(),
            SeqValue::Float(f) => fmt_f64(*f),
            SeqValue::Histogram => "{{...}}".into(),
        })
        .collect();
    format!("[{}]", items.join(" "))
}

/// At most this many elements of a result are printed.
const SHOWN: usize = 20;

fn fmt_vector(v: &[Sample]) -> String {
    let mut out = String::new();
    for s in v.iter().take(SHOWN) {
        let _ = write!(out, "{} => {}, ", s.metric, fmt_sample_value(s));
    }
    if v.len() > SHOWN {
        let _ = write!(out, "… ({} more)", v.len() - SHOWN);
    }
    format!("[{}]", out.trim_end_matches([',', ' ']))
}

fn fmt_matrix(m: &[Series]) -> String {
    let items: Vec<String> =
        m.iter().take(SHOWN).map(|s| format!("{} {}", s.metric, fmt_points(s))).collect();
    format!("[{}]", items.join(", "))
}

/// `3 float points [1 @[0] 2 @[60000] ...] and 0 histogram points`.
fn fmt_points(s: &Series) -> String {
    let mut pts: Vec<String> =
        s.floats.iter().take(SHOWN).map(|p| format!("{} @[{}]", fmt_f64(p.f), p.t)).collect();
    if s.floats.len() > SHOWN {
        pts.push("…".into());
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    format!(
        "{} float point{} [{}] and {} histogram point{}",
        s.floats.len(),
        plural(s.floats.len()),
        pts.join(" "),
        s.histograms.len(),
        plural(s.histograms.len())
    )
}

/// The expectations of an eval, one per line, for failure reports.
pub fn describe_expected(eval: &Eval) -> Vec<String> {
    if eval.expects_failure() {
        let what = eval
            .expect_fail
            .as_ref()
            .map(|e| e.describe())
            .or_else(|| eval.expected_fail_message.as_ref().map(|m| format!("message {m:?}")))
            .or_else(|| {
                eval.expected_fail_regexp.as_ref().map(|r| format!("pattern {:?}", r.as_str()))
            })
            .unwrap_or_else(|| "any error".into());
        return vec![format!("an error matching {what}")];
    }
    if let Some(f) = eval.expected_scalar {
        return vec![format!("scalar {}", fmt_f64(f))];
    }
    if let Some(s) = &eval.expected_string {
        return vec![format!("string {s:?}")];
    }
    if eval.expected.is_empty() {
        return vec!["(empty result)".into()];
    }
    eval.expected
        .iter()
        .take(SHOWN)
        .map(|e| format!("{} {}", e.metric, fmt_seq(&e.values).trim_matches(['[', ']'])))
        .chain(
            (eval.expected.len() > SHOWN)
                .then(|| format!("… ({} more)", eval.expected.len() - SHOWN)),
        )
        .collect()
}

/// A query result, one element per line, for failure reports.
pub fn describe_value(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = match value {
        Value::Scalar { f, .. } => vec![format!("scalar {}", fmt_f64(*f))],
        Value::String { s, .. } => vec![format!("string {s:?}")],
        Value::Vector(v) => {
            v.iter().take(SHOWN).map(|s| format!("{} {}", s.metric, fmt_sample_value(s))).collect()
        }
        Value::Matrix(m) => m
            .iter()
            .take(SHOWN)
            .map(|s| {
                let pts: Vec<String> = s
                    .floats
                    .iter()
                    .take(SHOWN)
                    .map(|p| format!("{}@{}", fmt_f64(p.f), p.t))
                    .collect();
                let more = if s.floats.len() > SHOWN { " …" } else { "" };
                let hist = if s.histograms.is_empty() {
                    String::new()
                } else {
                    format!(" (+{} histogram points)", s.histograms.len())
                };
                format!("{} {}{more}{hist}", s.metric, pts.join(" "))
            })
            .collect(),
    };
    let len = match value {
        Value::Vector(v) => v.len(),
        Value::Matrix(m) => m.len(),
        _ => 1,
    };
    if len > SHOWN {
        out.push(format!("… ({} more)", len - SHOWN));
    }
    if out.is_empty() {
        out.push("(empty result)".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promqltest::script::{Command, parse_script};
    use crate::value::FPoint;
    use model::storage::stale_nan;

    fn eval(text: &str) -> Eval {
        match parse_script(text).commands.into_iter().next() {
            Some(Command::Eval(e)) => *e,
            other => panic!("{other:?}"),
        }
    }

    fn sample(metric: Labels, f: f64) -> Sample {
        Sample { metric, t: 0, f, h: None, drop_name: false }
    }

    fn m(name: &str, pairs: &[(&str, &str)]) -> Labels {
        let mut all = vec![("__name__", name)];
        all.extend_from_slice(pairs);
        Labels::from_pairs(all)
    }

    const INSTANT: Grid = Grid { start: 0, end: 0, step: 0 };

    #[test]
    fn tolerance() {
        assert!(almost_equal(1.0, 1.0 + 1e-9, EPSILON));
        assert!(!almost_equal(1.0, 1.00001, EPSILON));
        assert!(almost_equal(1e20, 1e20 * (1.0 + 1e-7), EPSILON));
        assert!(!almost_equal(0.0, 1e-300, EPSILON));
        assert!(almost_equal(0.0, 0.0, EPSILON));
        assert!(almost_equal(f64::NAN, -f64::NAN, EPSILON));
        assert!(!almost_equal(f64::NAN, stale_nan(), EPSILON));
        assert!(almost_equal(stale_nan(), stale_nan(), EPSILON));
        assert!(!almost_equal(f64::NAN, 1.0, EPSILON));
        assert!(almost_equal(f64::INFINITY, f64::INFINITY, EPSILON));
        assert!(!almost_equal(f64::INFINITY, f64::NEG_INFINITY, EPSILON));
        assert!(!almost_equal(f64::INFINITY, f64::MAX, EPSILON));
    }

    #[test]
    fn vector_matching_ignores_order_unless_ordered() {
        let e = eval("eval instant at 0 x\n  x{a=\"1\"} 1\n  x{a=\"2\"} 2\n");
        let got =
            vec![sample(m("x", &[("a", "2")]), 2.0), sample(m("x", &[("a", "1")]), 1.0000000001)];
        assert_eq!(compare_result(&e, INSTANT, &Value::Vector(got.clone())), Ok(()));
        let mut ordered = e.clone();
        ordered.ordered = true;
        let err = compare_result(&ordered, INSTANT, &Value::Vector(got)).unwrap_err();
        assert!(err.contains("at position 2 but was at 1"), "{err}");
    }

    #[test]
    fn vector_mismatches() {
        let e = eval("eval instant at 0 x\n  x{a=\"1\"} 1\n");
        let wrong = Value::Vector(vec![sample(m("x", &[("a", "1")]), 2.0)]);
        assert_eq!(
            compare_result(&e, INSTANT, &wrong).unwrap_err(),
            r#"expected 1 for {__name__="x", a="1"} but got 2"#
        );
        let extra =
            Value::Vector(vec![sample(m("x", &[("a", "1")]), 1.0), sample(m("y", &[]), 1.0)]);
        assert!(
            compare_result(&e, INSTANT, &extra)
                .unwrap_err()
                .starts_with("unexpected metric {__name__=\"y\"}")
        );
        let missing = Value::Vector(vec![]);
        assert!(compare_result(&e, INSTANT, &missing).unwrap_err().contains("not found"));
        // The name is part of the label set.
        let unnamed = Value::Vector(vec![sample(Labels::from_pairs([("a", "1")]), 1.0)]);
        assert!(compare_result(&e, INSTANT, &unnamed).is_err());
        let scalar = Value::Scalar { t: 0, f: 1.0 };
        assert!(compare_result(&e, INSTANT, &scalar).is_err());
    }

    #[test]
    fn empty_expectation_wants_empty_vector() {
        let e = eval("eval instant at 0 x\n");
        assert_eq!(compare_result(&e, INSTANT, &Value::Vector(vec![])), Ok(()));
        assert!(
            compare_result(&e, INSTANT, &Value::Vector(vec![sample(m("x", &[]), 1.0)])).is_err()
        );
    }

    #[test]
    fn scalars_and_strings() {
        let e = eval("eval instant at 0 1\n  1\n");
        assert_eq!(compare_result(&e, INSTANT, &Value::Scalar { t: 0, f: 1.0 }), Ok(()));
        assert!(compare_result(&e, INSTANT, &Value::Scalar { t: 0, f: 1.1 }).is_err());
        assert!(compare_result(&e, INSTANT, &Value::Vector(vec![])).is_err());
        let e = eval("eval instant at 0 \"a\"\n  expect string \"a\"\n");
        assert_eq!(compare_result(&e, INSTANT, &Value::String { t: 0, s: "a".into() }), Ok(()));
        assert!(compare_result(&e, INSTANT, &Value::String { t: 0, s: "b".into() }).is_err());
    }

    fn series(metric: Labels, pts: &[(i64, f64)]) -> Series {
        Series {
            metric,
            floats: pts.iter().map(|&(t, f)| FPoint { t, f }).collect(),
            histograms: vec![],
            drop_name: false,
        }
    }

    #[test]
    fn matrix_points_by_time() {
        let e = eval("eval range from 0 to 2m step 1m x\n  x{a=\"1\"} 1 _ 3\n  x{a=\"2\"} _x2 5\n");
        let grid = Grid { start: 0, end: 120_000, step: 60_000 };
        let good = Value::Matrix(vec![
            series(m("x", &[("a", "1")]), &[(0, 1.0), (120_000, 3.0)]),
            series(m("x", &[("a", "2")]), &[(120_000, 5.0)]),
        ]);
        assert_eq!(compare_result(&e, grid, &good), Ok(()));
        let shifted = Value::Matrix(vec![
            series(m("x", &[("a", "1")]), &[(0, 1.0), (60_000, 3.0)]),
            series(m("x", &[("a", "2")]), &[(120_000, 5.0)]),
        ]);
        assert!(
            compare_result(&e, grid, &shifted).unwrap_err().contains("to have timestamp 120000")
        );
        let unsorted = Value::Matrix(vec![
            series(m("x", &[("a", "2")]), &[(120_000, 5.0)]),
            series(m("x", &[("a", "1")]), &[(0, 1.0), (120_000, 3.0)]),
        ]);
        assert!(compare_result(&e, grid, &unsorted).unwrap_err().contains("not sorted"));
        let too_many = eval("eval range from 0 to 1m step 1m x\n  x 1 2 3\n");
        let err = compare_result(
            &too_many,
            Grid { start: 0, end: 60_000, step: 60_000 },
            &Value::Matrix(vec![series(m("x", &[]), &[(0, 1.0), (60_000, 2.0)])]),
        )
        .unwrap_err();
        assert!(err.contains("cannot return this many points"), "{err}");
    }

    #[test]
    fn describes_for_reports() {
        let e = eval("eval instant at 0 x\n  x{a=\"1\"} 1\n");
        assert_eq!(describe_expected(&e), [r#"{__name__="x", a="1"} 1"#]);
        let v = Value::Vector(vec![sample(m("x", &[("a", "1")]), f64::INFINITY)]);
        assert_eq!(describe_value(&v), [r#"{__name__="x", a="1"} +Inf"#]);
        assert_eq!(describe_value(&Value::Vector(vec![])), ["(empty result)"]);
    }
}
