//! Subqueries: an inner expression evaluated on its own grid of absolute step multiples.

use super::QueryError;
use super::eval::{Evaluator, Val};
use super::steps::Steps;
use crate::ast::Subquery;
use crate::value::{FPoint, Series};

impl Evaluator<'_> {
    /// The inner grid covering every window the parent steps read: the multiples of the
    /// subquery step in `(first − offset − range, last − offset]`, or around the `@` time.
    fn subquery_steps(&self, sq: &Subquery, parent: Steps) -> Result<Option<Steps>, QueryError> {
        let interval = sq.step.unwrap_or(self.opts.default_subquery_step);
        if interval <= 0 {
            return Err(QueryError::Execution(format!(
                "subquery step must be positive, got {interval}ms"
            )));
        }
        let (first, last) = match self.at_time(sq.at) {
            Some(at) => (at, at),
            None => (parent.start, parent.last()),
        };
        let end = last.saturating_sub(sq.offset);
        let low = first.saturating_sub(sq.offset).saturating_sub(sq.range);
        // The first multiple of the step after `low` (i128: no overflow at the extremes).
        let (low, step) = (i128::from(low), i128::from(interval));
        let mut first_multiple = low.div_euclid(step) * step;
        if first_multiple <= low {
            first_multiple += step;
        }
        let Ok(start) = i64::try_from(first_multiple) else {
            return Ok(None);
        };
        if start > end {
            return Ok(None);
        }
        Ok(Some(Steps { start, end, interval }))
    }

    /// The subquery's series over every window the parent steps need, points at inner times.
    pub fn subquery_series(
        &mut self,
        sq: &Subquery,
        parent: Steps,
    ) -> Result<Vec<Series>, QueryError> {
        let Some(inner) = self.subquery_steps(sq, parent)? else {
            return Ok(Vec::new());
        };
        match self.eval(&sq.expr, inner)? {
            Val::Vector(series) => Ok(series),
            Val::Scalar(v) => Ok(vec![Series {
                floats: inner.iter().zip(v).map(|((_, t), f)| FPoint { t, f }).collect(),
                ..Series::default()
            }]),
            Val::Matrix(_) | Val::String(_) => Err(QueryError::Execution(
                "subquery is only allowed on instant vector or scalar expressions".into(),
            )),
        }
    }

    /// A subquery as a range vector at time `t`.
    pub fn subquery_at(&mut self, sq: &Subquery, t: i64) -> Result<Vec<Series>, QueryError> {
        self.subquery_series(sq, Steps::single(t, 1))
    }
}
