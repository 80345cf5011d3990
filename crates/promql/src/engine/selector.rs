//! Selectors: reading series from storage with lookback, staleness, `offset` and `@`.

use std::sync::Arc;

use model::matcher::Matcher;
use model::storage::{SelectHints, StoredSeries, is_stale_nan};

use super::QueryError;
use super::eval::Evaluator;
use super::steps::Steps;
use crate::ast::{MatrixSelector, VectorSelector};
use crate::value::{FPoint, Series};

/// Steps between limit checks inside one series' loop over a long range.
pub(crate) const LONG_LOOP: usize = 4096;

/// What an instant selector yields per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    /// The sample's value.
    Value,
    /// The sample's own timestamp in seconds (`timestamp(selector)`).
    Timestamp,
}

impl Evaluator<'_> {
    /// The series matching `matchers` with samples possibly in `[mint, maxt]`.
    pub fn select(
        &mut self,
        matchers: &[Matcher],
        hints: SelectHints,
    ) -> Result<Vec<Arc<dyn StoredSeries>>, QueryError> {
        let expanding =
            |e: model::storage::StorageError| QueryError::Storage(format!("expanding series: {e}"));
        let querier = self.storage.querier(hints.start, hints.end).map_err(expanding)?;
        querier.select(&hints, matchers).map_err(expanding)
    }

    /// An instant vector selector at every step: per series, the newest sample in
    /// `(ref − lookback, ref]` unless it is a staleness marker, stamped with the step time.
    pub fn vector_selector(
        &mut self,
        vs: &VectorSelector,
        steps: Steps,
        pick: Pick,
    ) -> Result<Vec<Series>, QueryError> {
        let at = self.at_time(vs.at);
        let reference = |t: i64| at.unwrap_or(t).saturating_sub(vs.offset);
        let (first, last) = (reference(steps.start), reference(steps.last()));
        let mint = first.saturating_sub(self.lookback).saturating_add(1);
        let hints =
            SelectHints { start: mint, end: last, step: steps.hint_step(), range: 0, func: None };
        let selected = self.select(&vs.matchers, hints)?;
        let n = steps.len();
        let mut out = Vec::new();
        let mut buf: Vec<FPoint> = Vec::new();
        for s in &selected {
            self.limits.tick()?;
            buf.clear();
            s.floats_into(mint, last, &mut buf);
            if buf.is_empty() {
                continue;
            }
            let mut points: Vec<FPoint> = Vec::new();
            let mut next = 0; // first sample after the reference time
            // Without @, only the steps within the lookback of the samples can see them.
            let reach = match at {
                None => steps.reaching(buf[0].t, buf[buf.len() - 1].t, vs.offset, self.lookback),
                Some(_) => 0..n,
            };
            for i in reach {
                let ts = steps.at(i);
                if i % LONG_LOOP == LONG_LOOP - 1 {
                    self.limits.check_now()?;
                    self.limits.fits(points.len())?;
                }
                let r = reference(ts);
                while next < buf.len() && buf[next].t <= r {
                    next += 1;
                }
                if next == 0 {
                    continue;
                }
                let p = buf[next - 1];
                if p.t <= r.saturating_sub(self.lookback) || is_stale_nan(p.f) {
                    continue;
                }
                if points.capacity() == 0 {
                    points.reserve_exact(n.min(LONG_LOOP));
                }
                let f = match pick {
                    Pick::Value => p.f,
                    Pick::Timestamp => p.t as f64 / 1000.0,
                };
                points.push(FPoint { t: ts, f });
            }
            if !points.is_empty() {
                self.limits.add(points.len())?;
                out.push(Series {
                    metric: s.labels().clone(),
                    floats: points,
                    histograms: Vec::new(),
                    drop_name: false,
                });
            }
        }
        Ok(out)
    }

    /// A range vector selector evaluated at `t`: per series the non-stale samples in
    /// `(ref − range, ref]`, at their own times.
    pub fn matrix_selector(
        &mut self,
        ms: &MatrixSelector,
        t: i64,
    ) -> Result<Vec<Series>, QueryError> {
        let vs = &ms.selector;
        let end = self.at_time(vs.at).unwrap_or(t).saturating_sub(vs.offset);
        let mint = end.saturating_sub(ms.range).saturating_add(1);
        let hints = SelectHints { start: mint, end, step: 0, range: ms.range, func: None };
        let selected = self.select(&vs.matchers, hints)?;
        let mut out = Vec::new();
        for s in &selected {
            self.limits.tick()?;
            let mut points = Vec::new();
            s.floats_into(mint, end, &mut points);
            points.retain(|p| !is_stale_nan(p.f));
            if !points.is_empty() {
                self.limits.add(points.len())?;
                out.push(Series {
                    metric: s.labels().clone(),
                    floats: points,
                    histograms: Vec::new(),
                    drop_name: false,
                });
            }
        }
        Ok(out)
    }
}
