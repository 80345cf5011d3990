//! The test file as written: promtool's rule unit-test YAML, read strictly so that a misspelt
//! key is an error rather than a silently skipped expectation. Prometheus 2.42's fields plus
//! Prometheus 3's `fuzzy_compare` and `start_timestamp`.

use std::collections::BTreeMap;

use model::duration::Duration;
use serde::Deserialize;

/// A whole test file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// Rule files (paths or globs), relative to the test file's directory.
    #[serde(default, deserialize_with = "null_default")]
    pub rule_files: Vec<String>,
    /// Step of the evaluation loop; 1m when unset or zero.
    #[serde(default)]
    pub evaluation_interval: Option<Duration>,
    /// Group names in the order groups are evaluated at each step.
    #[serde(default, deserialize_with = "null_default")]
    pub group_eval_order: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub tests: Vec<TestGroup>,
    /// Prometheus 3's one-ULP float comparison. Accepted; klaxon always compares within
    /// promqltest's tolerance (1e-6 relative), which covers it.
    #[serde(default)]
    pub fuzzy_compare: bool,
}

/// One test group: input series and the expectations checked against them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestGroup {
    /// Spacing of the input series' samples; the evaluation interval when unset.
    #[serde(default)]
    pub interval: Option<Duration>,
    #[serde(default, deserialize_with = "null_default")]
    pub input_series: Vec<InputSeries>,
    #[serde(default, deserialize_with = "null_default")]
    pub alert_rule_test: Vec<AlertTestCase>,
    #[serde(default, deserialize_with = "null_default")]
    pub promql_expr_test: Vec<PromqlTestCase>,
    /// Visible to templates as `$externalLabels`; not attached to the alerts.
    #[serde(default, deserialize_with = "null_default")]
    pub external_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub external_url: String,
    #[serde(default)]
    pub name: String,
    /// Prometheus 3: the time of the first sample and evaluation (default the epoch), as unix
    /// seconds or RFC 3339; eval times stay offsets from it.
    #[serde(default)]
    pub start_timestamp: Option<StartTimestamp>,
}

/// `start_timestamp`, in ms since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartTimestamp(pub i64);

impl<'de> Deserialize<'de> for StartTimestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = StartTimestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("unix seconds or an RFC 3339 time")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<StartTimestamp, E> {
                parse_time(v).map(StartTimestamp).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<StartTimestamp, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<StartTimestamp, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<StartTimestamp, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// promtool's `parseTime`: float unix seconds (ms precision), else RFC 3339.
fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>()
        && secs.is_finite()
    {
        return Ok((secs * 1000.0).round() as i64);
    }
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| format!("cannot parse {s:?} to a valid timestamp"))
}

/// A series and its values in the expanding notation (`0+10x10`, `_`, `stale`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSeries {
    pub series: String,
    #[serde(default)]
    pub values: String,
}

/// The firing alerts of one alert name expected at one time.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertTestCase {
    #[serde(default)]
    pub eval_time: Duration,
    #[serde(default)]
    pub alertname: String,
    #[serde(default, deserialize_with = "null_default")]
    pub exp_alerts: Vec<ExpectedAlert>,
}

/// One expected alert: its labels without `alertname`, and its expanded annotations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAlert {
    #[serde(default, deserialize_with = "null_default")]
    pub exp_labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_default")]
    pub exp_annotations: BTreeMap<String, String>,
}

/// An instant query and its expected result.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromqlTestCase {
    #[serde(default)]
    pub expr: String,
    #[serde(default)]
    pub eval_time: Duration,
    #[serde(default, deserialize_with = "null_default")]
    pub exp_samples: Vec<ExpectedSample>,
}

/// One expected sample: series notation for the labels (`{}` for none) and the value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedSample {
    #[serde(default)]
    pub labels: String,
    #[serde(default)]
    pub value: f64,
}

/// A key written with no value (`exp_alerts:`) is empty, as Go's YAML decoder leaves it.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// Parses a test file's text; the error carries serde-saphyr's line and column.
pub fn parse(text: &str) -> Result<TestFile, String> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<Option<TestFile>>(text, options)
        .map(Option::unwrap_or_default)
        .map_err(|e| e.without_snippet().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_field() {
        let f = parse(
            r#"
rule_files: [a.yml]
evaluation_interval: 30s
group_eval_order: [g1, g2]
tests:
  - name: t
    interval: 1m
    external_labels: {region: eu}
    external_url: http://x
    input_series:
      - series: 'up{job="a"}'
        values: '1 0 0'
    alert_rule_test:
      - eval_time: 2m
        alertname: Down
        exp_alerts:
          - exp_labels: {job: a}
            exp_annotations: {summary: down}
    promql_expr_test:
      - expr: up
        eval_time: 0
        exp_samples:
          - labels: 'up{job="a"}'
            value: 1
"#,
        )
        .unwrap();
        assert_eq!(f.evaluation_interval, Some(Duration::from_secs(30)));
        let t = &f.tests[0];
        assert_eq!(t.interval, Some(Duration::from_secs(60)));
        assert_eq!(t.alert_rule_test[0].exp_alerts[0].exp_labels["job"], "a");
        assert_eq!(t.promql_expr_test[0].exp_samples[0].value, 1.0);
        assert_eq!(t.promql_expr_test[0].eval_time, Duration::ZERO);
    }

    #[test]
    fn keys_without_values_are_empty() {
        let f = parse(
            "rule_files:\ntests:\n  - input_series:\n    alert_rule_test:\n      - eval_time: 1m\n        alertname: A\n        exp_alerts:\n          - exp_labels:\n            exp_annotations:\n",
        )
        .unwrap();
        let a = &f.tests[0].alert_rule_test[0];
        assert!(a.exp_alerts[0].exp_labels.is_empty());
        assert!(f.rule_files.is_empty() && f.tests[0].input_series.is_empty());
    }

    #[test]
    fn unknown_keys_are_errors_with_a_position() {
        let e = parse("tests:\n  - nmae: x\n").unwrap_err();
        assert!(e.contains("nmae"), "{e}");
        assert!(e.contains('2'), "{e}");
        assert!(parse("").unwrap().tests.is_empty());
    }

    #[test]
    fn start_timestamps_as_unix_seconds_or_rfc3339() {
        let f = parse(
            "fuzzy_compare: true\ntests:\n  - start_timestamp: 1700000000\n  - start_timestamp: '2023-11-14T22:13:20Z'\n  - start_timestamp: 1.5\n",
        )
        .unwrap();
        assert!(f.fuzzy_compare);
        let ts: Vec<_> = f.tests.iter().map(|t| t.start_timestamp.unwrap().0).collect();
        assert_eq!(ts, vec![1_700_000_000_000, 1_700_000_000_000, 1500]);
        assert!(parse("tests:\n  - start_timestamp: yesterday\n").is_err());
    }
}
