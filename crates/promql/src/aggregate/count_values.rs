//! `count_values("label", v)`: per group, how many samples have each value; the value becomes
//! the label's value, formatted as Go's shortest plain decimal.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use model::labels::{Labels, METRIC_NAME};

use super::format::push_go_plain;
use super::grouping::{FastHasher, Grouper, Rule};
use crate::ast::{Aggregate, Grouping};
use crate::engine::QueryError;
use crate::value::{Annotations, Sample};

/// A (group, value) pair: the value's bits, all NaNs as one.
type Key = (usize, u64);

/// Output label sets remembered for (group, value) pairs are dropped once there are more than
/// this many per input sample, so a range query over ever-changing values stays bounded.
const LABEL_CACHE_PER_SAMPLE: usize = 4;

#[derive(Debug)]
pub(crate) struct CountValues {
    grouping: Grouping,
    has_grouping: bool,
    /// The value label and the grouping built for it (on the first step).
    state: Option<State>,
}

#[derive(Debug)]
struct State {
    label: String,
    grouper: Grouper,
    /// Whether the value label survives the grouping (not for `without (<the label>)`).
    add_value: bool,
    /// This step's counts in order of first appearance, and their index by key.
    counts: Vec<(Key, f64, usize)>,
    index: HashMap<Key, usize, BuildHasherDefault<FastHasher>>,
    labels: HashMap<Key, Labels, BuildHasherDefault<FastHasher>>,
    buf: String,
}

impl CountValues {
    pub(crate) fn new(spec: &Aggregate) -> CountValues {
        CountValues {
            grouping: spec.grouping.clone(),
            has_grouping: spec.has_grouping,
            state: None,
        }
    }

    pub(crate) fn step(
        &mut self,
        input: &[Sample],
        label: &str,
        t: i64,
        _annotations: &mut Annotations,
    ) -> Result<Vec<Sample>, QueryError> {
        // Any UTF-8 name but the empty one is valid (Prometheus' UTF-8 validation scheme).
        if label.is_empty() {
            return Err(QueryError::Execution(format!(
                "invalid label name {}",
                model::gostr::quote(label)
            )));
        }
        let state = match &mut self.state {
            Some(s) if s.label == label => s,
            state => state.insert(State::new(&self.grouping, self.has_grouping, label)),
        };
        Ok(state.step(input, t))
    }
}

impl State {
    fn new(grouping: &Grouping, has_grouping: bool, label: &str) -> State {
        // The value label is set before grouping: `by` always keeps it, `without` keeps it
        // unless listed (or it is `__name__`, which `without` drops). The groups are formed
        // without it and the value is added to their labels afterwards.
        let listed = grouping.labels.iter().any(|l| l == label);
        let (rule, add_value) = if has_grouping && grouping.without {
            let mut names = grouping.labels.clone();
            names.push(label.to_owned());
            let rule = Rule::new(&Grouping { without: true, labels: names }, true);
            (rule, !listed && label != METRIC_NAME)
        } else {
            let names = grouping.labels.iter().filter(|l| *l != label).cloned().collect();
            (Rule::new(&Grouping { without: false, labels: names }, true), true)
        };
        State {
            label: label.to_owned(),
            grouper: Grouper::new(rule, false),
            add_value,
            counts: Vec::new(),
            index: HashMap::default(),
            labels: HashMap::default(),
            buf: String::new(),
        }
    }

    fn step(&mut self, input: &[Sample], t: i64) -> Vec<Sample> {
        self.grouper.assign(input);
        self.counts.clear();
        self.index.clear();
        for (s, &gid) in input.iter().zip(self.grouper.group_ids()) {
            // Native histograms are not supported yet (Prometheus counts their text form).
            if s.h.is_some() {
                continue;
            }
            let bits = if s.f.is_nan() { f64::NAN.to_bits() } else { s.f.to_bits() };
            let key = (gid, if self.add_value { bits } else { 0 });
            match self.index.get(&key) {
                Some(&i) => self.counts[i].2 += 1,
                None => {
                    self.index.insert(key, self.counts.len());
                    self.counts.push((key, s.f, 1));
                }
            }
        }
        if self.labels.len() > LABEL_CACHE_PER_SAMPLE * input.len().max(1024) {
            self.labels.clear();
        }
        let mut out = Vec::with_capacity(self.counts.len());
        for &(key, f, n) in &self.counts {
            let metric = match self.labels.get(&key) {
                Some(l) => l.clone(),
                None => {
                    let base = self.grouper.labels(key.0);
                    let l = if self.add_value {
                        self.buf.clear();
                        push_go_plain(&mut self.buf, f);
                        let mut b = base.builder();
                        b.set(&self.label, &self.buf);
                        b.labels()
                    } else {
                        base.clone()
                    };
                    self.labels.insert(key, l.clone());
                    l
                }
            };
            out.push(Sample { metric, t, f: n as f64, h: None, drop_name: false });
        }
        out
    }
}
