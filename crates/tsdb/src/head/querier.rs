//! Reading the head: matchers through the postings, samples through each series' chunks.

use std::sync::Arc;

use model::labels::Labels;
use model::matcher::Matcher;
use model::storage::{FPoint, Querier, SelectHints, StorageError, StoredSeries};

use super::{Head, MemSeries, ReadView};

pub(crate) struct HeadQuerier<'a> {
    head: &'a Head,
    mint: i64,
    maxt: i64,
    /// The last commit this querier sees.
    view: Arc<ReadView>,
}

impl<'a> HeadQuerier<'a> {
    pub fn new(head: &'a Head, mint: i64, maxt: i64) -> Self {
        HeadQuerier { head, mint, maxt, view: head.read_view() }
    }

    /// Whether the head has samples in the querier's range at all.
    fn in_range(&self) -> bool {
        self.head.time_range().is_some_and(|(min, max)| min <= self.maxt && max >= self.mint)
    }

    /// The series matching `matchers` with visible samples in range, with their ids, in id
    /// order.
    fn matching(&self, matchers: &[Matcher]) -> Vec<(u32, Arc<MemSeries>)> {
        let ix = self.head.index.read();
        let n = ix.series.len() as u32;
        let ids = ix.postings.select(|| (0..n).collect(), matchers);
        let series: Vec<(u32, Arc<MemSeries>)> =
            ids.iter().filter_map(|&id| Some((id, ix.series.get(id as usize)?.clone()))).collect();
        drop(ix);
        series
            .into_iter()
            .filter(|(_, s)| {
                let d = s.data.read();
                d.overlaps(d.visible(self.view.seq), self.mint, self.maxt)
            })
            .collect()
    }
}

/// A head series as seen by one querier.
#[derive(Debug)]
pub(crate) struct HeadSeries {
    series: Arc<MemSeries>,
    view: Arc<ReadView>,
    mint: i64,
    maxt: i64,
}

impl StoredSeries for HeadSeries {
    fn labels(&self) -> &Labels {
        &self.series.labels
    }

    fn floats_into(&self, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
        let d = self.series.data.read();
        d.floats_into(d.visible(self.view.seq), mint.max(self.mint), maxt.min(self.maxt), out);
    }
}

impl Querier for HeadQuerier<'_> {
    fn select(
        &self,
        _hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<Arc<dyn StoredSeries>>, StorageError> {
        if !self.in_range() {
            return Ok(Vec::new());
        }
        let mut series = self.matching(matchers);
        self.head.order.sort(&mut series, &|| self.head.index.read().series.clone());
        Ok(series
            .into_iter()
            .map(|(_, series)| {
                Arc::new(HeadSeries {
                    series,
                    view: self.view.clone(),
                    mint: self.mint,
                    maxt: self.maxt,
                }) as Arc<dyn StoredSeries>
            })
            .collect())
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        if !self.in_range() {
            return Ok(Vec::new());
        }
        if matchers.is_empty() {
            return Ok(self.head.index.read().postings.names());
        }
        let mut names: Vec<String> = Vec::new();
        for (_, s) in self.matching(matchers) {
            names.extend(
                s.labels.iter().filter(|l| !l.value.is_empty()).map(|l| l.name.to_string()),
            );
        }
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        if !self.in_range() {
            return Ok(Vec::new());
        }
        if matchers.is_empty() {
            let ix = self.head.index.read();
            return Ok(ix
                .postings
                .values(name)
                .map(|v| v.keys().map(|k| k.to_string()).collect())
                .unwrap_or_default());
        }
        let mut values: Vec<String> = self
            .matching(matchers)
            .iter()
            .filter_map(|(_, s)| s.labels.get(name).filter(|v| !v.is_empty()).map(str::to_string))
            .collect();
        values.sort_unstable();
        values.dedup();
        Ok(values)
    }
}
