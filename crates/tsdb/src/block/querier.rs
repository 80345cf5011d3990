//! Reading a block through the `Querier` seam.
//!
//! The series of one `select` share one read buffer ([`ReadBuf`]): the engine reads them one
//! after another in label order, which is the order of their chunks on disk.

use std::sync::Arc;

use parking_lot::Mutex;

use model::labels::Labels;
use model::matcher::Matcher;
use model::storage::{FPoint, Querier, SelectHints, StorageError, StoredSeries};

use super::Block;
use super::reader::{BlockData, ReadBuf};

/// A querier over one block's samples in `[mint, maxt]`.
#[derive(Debug)]
pub struct BlockQuerier {
    block: Arc<BlockData>,
    mint: i64,
    maxt: i64,
}

impl BlockQuerier {
    pub fn new(block: &Block, mint: i64, maxt: i64) -> Self {
        BlockQuerier { block: block.inner.clone(), mint, maxt }
    }

    fn ids(&self, matchers: &[Matcher]) -> Vec<u32> {
        let n = self.block.series.len() as u32;
        let mut ids = self.block.postings.select(|| (0..n).collect(), matchers);
        ids.retain(|&id| self.block.series_overlaps(id, self.mint, self.maxt));
        ids
    }
}

#[derive(Debug)]
struct BlockSeriesRef {
    block: Arc<BlockData>,
    labels: Labels,
    id: u32,
    mint: i64,
    maxt: i64,
    buf: Arc<Mutex<ReadBuf>>,
}

impl StoredSeries for BlockSeriesRef {
    fn labels(&self) -> &Labels {
        &self.labels
    }

    fn floats_into(&self, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
        let mut buf = self.buf.lock();
        self.block.floats_into(self.id, mint.max(self.mint), maxt.min(self.maxt), out, &mut buf);
    }
}

impl Querier for BlockQuerier {
    fn select(
        &self,
        _hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<Arc<dyn StoredSeries>>, StorageError> {
        // Ids are in label order, so the result is sorted as it comes.
        let buf = Arc::new(Mutex::new(ReadBuf::default()));
        Ok(self
            .ids(matchers)
            .into_iter()
            .filter_map(|id| {
                let labels = self.block.series.get(id as usize)?.labels.clone();
                Some(Arc::new(BlockSeriesRef {
                    block: self.block.clone(),
                    labels,
                    id,
                    mint: self.mint,
                    maxt: self.maxt,
                    buf: buf.clone(),
                }) as Arc<dyn StoredSeries>)
            })
            .collect())
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        if matchers.is_empty() {
            return Ok(self.block.postings.names());
        }
        let mut names: Vec<String> = Vec::new();
        for id in self.ids(matchers) {
            if let Some(s) = self.block.series.get(id as usize) {
                names.extend(
                    s.labels.iter().filter(|l| !l.value.is_empty()).map(|l| l.name.to_string()),
                );
            }
        }
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        if matchers.is_empty() {
            return Ok(self
                .block
                .postings
                .values(name)
                .map(|v| v.keys().map(|k| k.to_string()).collect())
                .unwrap_or_default());
        }
        Ok(self.block.postings.values_among(name, &self.ids(matchers)))
    }
}
