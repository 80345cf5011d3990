//! The store a backtest reads: stored history with the rules' own output laid over it.
//!
//! Series named like something the replayed rules write (their recorded metrics, `ALERTS`,
//! `ALERTS_FOR_STATE`) are taken only from the replay's results, never from history: a
//! server that already runs these rules has recorded them at other timestamps, and mixing
//! both would show the old rules' output, not the files under test.

use std::collections::HashSet;
use std::sync::Arc;

use model::matcher::Matcher;
use model::storage::{Querier, SelectHints, Storage, StorageError, StoredSeries};

/// History (`base`) and replay output (`results`) read as one store.
#[derive(Clone)]
pub struct ShadowStorage {
    base: Arc<dyn Storage>,
    results: Arc<dyn Storage>,
    shadowed: Arc<HashSet<String>>,
}

impl std::fmt::Debug for ShadowStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowStorage").field("shadowed", &self.shadowed).finish_non_exhaustive()
    }
}

impl ShadowStorage {
    /// Reads `base` except for series whose metric name is in `shadowed`, which come from
    /// `results` only.
    pub fn new(
        base: Arc<dyn Storage>,
        results: Arc<dyn Storage>,
        shadowed: impl IntoIterator<Item = String>,
    ) -> Self {
        ShadowStorage { base, results, shadowed: Arc::new(shadowed.into_iter().collect()) }
    }
}

impl Storage for ShadowStorage {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(ShadowQuerier {
            base: self.base.querier(mint, maxt)?,
            results: self.results.querier(mint, maxt)?,
            shadowed: &self.shadowed,
        }))
    }
}

struct ShadowQuerier<'a> {
    base: Box<dyn Querier + 'a>,
    results: Box<dyn Querier + 'a>,
    shadowed: &'a HashSet<String>,
}

impl Querier for ShadowQuerier<'_> {
    fn select(
        &self,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<Arc<dyn StoredSeries>>, StorageError> {
        let mut out: Vec<Arc<dyn StoredSeries>> = self
            .base
            .select(hints, matchers)?
            .into_iter()
            .filter(|s| !s.labels().metric_name().is_some_and(|n| self.shadowed.contains(n)))
            .collect();
        out.extend(self.results.select(hints, matchers)?);
        out.sort_by(|a, b| a.labels().cmp(b.labels()));
        Ok(out)
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let mut names = self.base.label_names(matchers)?;
        names.extend(self.results.label_names(matchers)?);
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let mut values = self.base.label_values(name, matchers)?;
        values.extend(self.results.label_values(name, matchers)?);
        values.sort();
        values.dedup();
        Ok(values)
    }
}
