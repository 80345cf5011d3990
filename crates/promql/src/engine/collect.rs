//! Assembling a node's output series from per-step results.

use std::collections::HashMap;

use model::labels::Labels;

use super::QueryError;
use super::names::{dup_error, finish_series, output_labels};
use crate::value::{FPoint, Series};

/// Collects the samples a node produces step by step into series. Label sets are looked up
/// once per (input label set, flag), so repeated steps cost a hash lookup, not a new set.
pub(crate) struct Collector {
    single: bool,
    delayed: bool,
    steps: usize,
    pub series: Vec<Series>,
    by_labels: HashMap<Labels, usize>,
    /// Flagged inputs whose name is removed at once: input labels → slot.
    by_input: HashMap<Labels, usize>,
}

impl Collector {
    pub fn new(single: bool, delayed: bool, steps: usize) -> Self {
        Collector {
            single,
            delayed,
            steps,
            series: Vec::new(),
            by_labels: HashMap::new(),
            by_input: HashMap::new(),
        }
    }

    /// The output series for a sample labelled `metric` with flag `drop_name`.
    pub fn slot(&mut self, metric: &Labels, drop_name: bool) -> usize {
        if self.single {
            let (labels, flag) = output_labels(metric, drop_name, self.delayed);
            return self.new_series(labels, flag);
        }
        let drop_now = drop_name && !self.delayed;
        if drop_now && let Some(&i) = self.by_input.get(metric) {
            return i;
        }
        let (labels, flag) = output_labels(metric, drop_name, self.delayed);
        let i = match self.by_labels.get(&labels) {
            Some(&i) => i,
            None => {
                let i = self.new_series(labels.clone(), flag);
                self.by_labels.insert(labels, i);
                i
            }
        };
        if drop_now {
            self.by_input.insert(metric.clone(), i);
        }
        i
    }

    /// A new output series for labels already in their final form (no lookup).
    pub fn new_series(&mut self, metric: Labels, drop_name: bool) -> usize {
        self.series.push(Series { metric, drop_name, ..Series::default() });
        self.series.len() - 1
    }

    /// Adds the value at `t` to the series in `slot`.
    #[inline]
    pub fn push(&mut self, slot: usize, t: i64, f: f64) -> Result<(), QueryError> {
        let s = &mut self.series[slot];
        if s.floats.last().is_some_and(|p| p.t == t) {
            return Err(dup_error());
        }
        if s.floats.capacity() == 0 {
            s.floats.reserve_exact(self.steps.min(1024));
        }
        s.floats.push(FPoint { t, f });
        Ok(())
    }

    /// The series with at least one point.
    pub fn finish(self) -> Result<Vec<Series>, QueryError> {
        let series: Vec<Series> =
            self.series.into_iter().filter(|s| !s.floats.is_empty()).collect();
        if self.single { finish_series(series, true, self.delayed) } else { Ok(series) }
    }
}
