//! Aggregation operators, one step at a time.

use crate::ast::Aggregate;
use crate::engine::QueryError;
use crate::value::{Annotations, Sample};

/// The parameter of `topk`, `bottomk`, `quantile`, `limitk`, `limit_ratio` (a number) or
/// `count_values` (a label name) at one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    None,
    Number(f64),
    Label(&'a str),
}

/// Evaluates one aggregation node; created once per node and query, called once per step, so
/// it may cache per-series grouping work across steps.
#[derive(Debug)]
pub struct Aggregator {
    spec: Aggregate,
}

impl Aggregator {
    pub fn new(spec: &Aggregate) -> Self {
        Aggregator { spec: spec.clone() }
    }

    /// Aggregates `input` (the argument's samples at step `t`). Output samples have `t` = `t`.
    pub fn step(
        &mut self,
        input: &[Sample],
        param: Param<'_>,
        t: i64,
        annotations: &mut Annotations,
    ) -> Result<Vec<Sample>, QueryError> {
        let _ = (&self.spec, input, param, t, annotations);
        Ok(Vec::new())
    }
}
