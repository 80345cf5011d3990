//! Expected against got, printed in promtool's shape (so people reading either tool's output
//! recognise it) and followed by a line diff, which is what one actually reads to spot the
//! difference in a long label set.

use std::cmp::Ordering;
use std::fmt::Write as _;

use model::labels::Labels;
use promql::promqltest::compare::{EPSILON, almost_equal};

/// An alert as compared: its labels (with `alertname`) and its expanded annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEntry {
    pub labels: Labels,
    pub annotations: Labels,
}

impl Ord for AlertEntry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.labels.cmp(&other.labels).then_with(|| self.annotations.cmp(&other.annotations))
    }
}

impl PartialOrd for AlertEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A sample as compared.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleEntry {
    pub labels: Labels,
    pub value: f64,
}

/// Whether two sorted sample lists match: same labels, values equal within upstream's
/// promqltest tolerance (which also treats two NaNs as equal).
pub fn samples_match(exp: &[SampleEntry], got: &[SampleEntry]) -> bool {
    exp.len() == got.len()
        && exp
            .iter()
            .zip(got)
            .all(|(e, g)| e.labels == g.labels && almost_equal(e.value, g.value, EPSILON))
}

/// An alert list as promtool prints it: `[]`, or numbered `Labels:`/`Annotations:` entries.
pub fn alerts_string(alerts: &[AlertEntry]) -> String {
    if alerts.is_empty() {
        return "[]".into();
    }
    let mut s = String::from("[");
    for (i, a) in alerts.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let entry = format!("\nLabels:{}\nAnnotations:{}", a.labels, a.annotations);
        let _ = write!(s, "\n{i}:{}", indent_lines(&entry, "  "));
    }
    s.push_str("\n]");
    s
}

/// A sample list as promtool prints it: `nil`, or `labels value` joined by `, `.
pub fn samples_string(samples: &[SampleEntry]) -> String {
    if samples.is_empty() {
        return "nil".into();
    }
    samples
        .iter()
        .map(|s| format!("{} {}", s.labels, go_float_e(s.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prefixes every line but the first with `indent` (promtool's `indentLines`).
pub fn indent_lines(text: &str, indent: &str) -> String {
    text.split('\n').collect::<Vec<_>>().join(&format!("\n{indent}"))
}

/// Go's `strconv.FormatFloat(f, 'E', -1, 64)`: shortest digits, `E`, a sign and at least two
/// exponent digits (`5E+01`, `1.5E-07`), `+Inf`, `-Inf`, `NaN`.
pub fn go_float_e(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let s = format!("{f:E}");
    let Some((mantissa, exp)) = s.split_once('E') else {
        return s;
    };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}E{sign}{digits:0>2}")
}

/// A line diff of `exp` against `got` (longest common subsequence): common lines indented,
/// missing ones with `-`, unexpected ones with `+`, each line prefixed by `indent`.
pub fn line_diff(exp: &str, got: &str, indent: &str) -> String {
    let a: Vec<&str> = exp.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] =
                if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "{indent}  {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "{indent}- {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "{indent}+ {}", b[j]);
            j += 1;
        }
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// One alert per line with its annotations, for the line diff.
pub fn alerts_lines(alerts: &[AlertEntry]) -> String {
    alerts.iter().map(|a| format!("{} {}", a.labels, a.annotations)).collect::<Vec<_>>().join("\n")
}

/// One sample per line, for the line diff.
pub fn samples_lines(samples: &[SampleEntry]) -> String {
    samples
        .iter()
        .map(|s| format!("{} {}", s.labels, go_float_e(s.value)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn floats_print_as_go_does() {
        assert_eq!(go_float_e(50.0), "5E+01");
        assert_eq!(go_float_e(1.5), "1.5E+00");
        assert_eq!(go_float_e(0.0), "0E+00");
        assert_eq!(go_float_e(1.5e-7), "1.5E-07");
        assert_eq!(go_float_e(-2.5e300), "-2.5E+300");
        assert_eq!(go_float_e(f64::INFINITY), "+Inf");
        assert_eq!(go_float_e(f64::NAN), "NaN");
    }

    #[test]
    fn alert_lists_print_as_promtool_does() {
        assert_eq!(alerts_string(&[]), "[]");
        let a = AlertEntry {
            labels: labels(&[("alertname", "A"), ("job", "x")]),
            annotations: labels(&[("summary", "s")]),
        };
        let b =
            AlertEntry { labels: labels(&[("alertname", "A")]), annotations: Labels::default() };
        assert_eq!(
            alerts_string(&[a, b]),
            "[\n0:\n  Labels:{alertname=\"A\", job=\"x\"}\n  Annotations:{summary=\"s\"},\n1:\n  \
             Labels:{alertname=\"A\"}\n  Annotations:{}\n]"
        );
    }

    #[test]
    fn samples_print_and_match_with_tolerance() {
        let e = vec![SampleEntry { labels: labels(&[("a", "b")]), value: 5.0 }];
        assert_eq!(samples_string(&e), "{a=\"b\"} 5E+00");
        assert_eq!(samples_string(&[]), "nil");
        let g = vec![SampleEntry { labels: labels(&[("a", "b")]), value: 5.000_000_000_1 }];
        assert!(samples_match(&e, &g));
        let g = vec![SampleEntry { labels: labels(&[("a", "b")]), value: 5.1 }];
        assert!(!samples_match(&e, &g));
        assert!(!samples_match(&e, &[]));
    }

    #[test]
    fn line_diff_marks_missing_and_extra_lines() {
        let d = line_diff("a\nb\nc", "a\nc\nd", "  ");
        assert_eq!(d, "    a\n  - b\n    c\n  + d");
        assert_eq!(line_diff("", "x", ""), "+ x");
    }
}
