//! The rule manager's self-metrics under upstream's names, each group's labelled
//! `rule_group="<file>;<name>"`.
//!
//! `prometheus-client` has no summary type, so upstream's summaries
//! `prometheus_rule_evaluation_duration_seconds` and `prometheus_rule_group_duration_seconds`
//! are histograms here (buckets 0.01, 0.1, 1, 10 s, as upstream's `_histogram_seconds`
//! twins): `_sum` and `_count` mean the same, quantile lines are replaced by buckets.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The label set of one group's series.
pub type GroupLabel = Vec<(String, String)>;

type FloatGauge = Gauge<f64, AtomicU64>;

const DURATION_BUCKETS: [f64; 4] = [0.01, 0.1, 1.0, 10.0];

/// All rule metrics; cheap to clone (handles to the same series).
#[derive(Debug, Clone)]
pub struct RuleMetrics {
    pub evaluations: Family<GroupLabel, Counter>,
    pub evaluation_failures: Family<GroupLabel, Counter>,
    pub iterations: Family<GroupLabel, Counter>,
    pub iterations_missed: Family<GroupLabel, Counter>,
    pub interval_seconds: Family<GroupLabel, FloatGauge>,
    pub last_duration_seconds: Family<GroupLabel, FloatGauge>,
    pub last_evaluation_timestamp_seconds: Family<GroupLabel, FloatGauge>,
    pub last_rule_duration_sum_seconds: Family<GroupLabel, FloatGauge>,
    pub last_restore_duration_seconds: Family<GroupLabel, FloatGauge>,
    pub last_evaluation_samples: Family<GroupLabel, FloatGauge>,
    pub rules: Family<GroupLabel, FloatGauge>,
    pub evaluation_duration: Histogram,
    pub group_duration: Histogram,
}

impl Default for RuleMetrics {
    fn default() -> Self {
        RuleMetrics {
            evaluations: Family::default(),
            evaluation_failures: Family::default(),
            iterations: Family::default(),
            iterations_missed: Family::default(),
            interval_seconds: Family::default(),
            last_duration_seconds: Family::default(),
            last_evaluation_timestamp_seconds: Family::default(),
            last_rule_duration_sum_seconds: Family::default(),
            last_restore_duration_seconds: Family::default(),
            last_evaluation_samples: Family::default(),
            rules: Family::default(),
            evaluation_duration: Histogram::new(DURATION_BUCKETS),
            group_duration: Histogram::new(DURATION_BUCKETS),
        }
    }
}

impl RuleMetrics {
    /// The `rule_group` label of a group (upstream's `GroupKey`).
    pub fn group_label(file: &str, name: &str) -> GroupLabel {
        vec![("rule_group".to_string(), format!("{file};{name}"))]
    }

    /// Creates a new group's series (so they show as 0 before the first evaluation, as
    /// upstream's do) and sets its static gauges.
    pub fn add_group(&self, label: &GroupLabel, interval_secs: f64, rules: usize) {
        let _ = self.evaluations.get_or_create(label);
        let _ = self.evaluation_failures.get_or_create(label);
        let _ = self.iterations.get_or_create(label);
        let _ = self.iterations_missed.get_or_create(label);
        let _ = self.last_duration_seconds.get_or_create(label);
        let _ = self.last_evaluation_timestamp_seconds.get_or_create(label);
        let _ = self.last_rule_duration_sum_seconds.get_or_create(label);
        let _ = self.last_evaluation_samples.get_or_create(label);
        self.interval_seconds.get_or_create(label).set(interval_secs);
        self.rules.get_or_create(label).set(rules as f64);
    }

    /// Forgets a removed group's series.
    pub fn remove_group(&self, label: &GroupLabel) {
        self.evaluations.remove(label);
        self.evaluation_failures.remove(label);
        self.iterations.remove(label);
        self.iterations_missed.remove(label);
        self.interval_seconds.remove(label);
        self.last_duration_seconds.remove(label);
        self.last_evaluation_timestamp_seconds.remove(label);
        self.last_rule_duration_sum_seconds.remove(label);
        self.last_restore_duration_seconds.remove(label);
        self.last_evaluation_samples.remove(label);
        self.rules.remove(label);
    }

    /// Registers everything (counters get their `_total` suffix from the registry).
    pub fn register_metrics(&self, registry: &mut Registry) {
        let counters = [
            (
                "prometheus_rule_evaluations",
                "The total number of rule evaluations.",
                &self.evaluations,
            ),
            (
                "prometheus_rule_evaluation_failures",
                "The total number of rule evaluation failures.",
                &self.evaluation_failures,
            ),
            (
                "prometheus_rule_group_iterations",
                "The total number of scheduled rule group evaluations, whether executed or missed.",
                &self.iterations,
            ),
            (
                "prometheus_rule_group_iterations_missed",
                "The total number of rule group evaluations missed due to slow rule group evaluation.",
                &self.iterations_missed,
            ),
        ];
        for (name, help, family) in counters {
            registry.register(name, help, family.clone());
        }
        let gauges = [
            (
                "prometheus_rule_group_interval_seconds",
                "The interval of a rule group.",
                &self.interval_seconds,
            ),
            (
                "prometheus_rule_group_last_duration_seconds",
                "The duration of the last rule group evaluation.",
                &self.last_duration_seconds,
            ),
            (
                "prometheus_rule_group_last_evaluation_timestamp_seconds",
                "The timestamp of the last rule group evaluation in seconds.",
                &self.last_evaluation_timestamp_seconds,
            ),
            (
                "prometheus_rule_group_last_rule_duration_sum_seconds",
                "The sum of time in seconds it took to evaluate each rule in the group regardless of concurrency.",
                &self.last_rule_duration_sum_seconds,
            ),
            (
                "prometheus_rule_group_last_restore_duration_seconds",
                "The duration of the last alert rules alerts restoration using the `ALERTS_FOR_STATE` series.",
                &self.last_restore_duration_seconds,
            ),
            (
                "prometheus_rule_group_last_evaluation_samples",
                "The number of samples returned during the last rule group evaluation.",
                &self.last_evaluation_samples,
            ),
            ("prometheus_rule_group_rules", "The number of rules.", &self.rules),
        ];
        for (name, help, family) in gauges {
            registry.register(name, help, family.clone());
        }
        registry.register(
            "prometheus_rule_evaluation_duration_seconds",
            "The duration for a rule to execute.",
            self.evaluation_duration.clone(),
        );
        registry.register(
            "prometheus_rule_group_duration_seconds",
            "The duration of rule group evaluations.",
            self.group_duration.clone(),
        );
    }
}
