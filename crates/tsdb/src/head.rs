//! The in-memory head. PLACEHOLDER: a plain sorted map so that other crates can build against
//! the seam; the tsdb work replaces it with postings and XOR chunks behind the same API.

use std::collections::BTreeMap;
use std::sync::Arc;

use model::labels::Labels;
use model::matcher::Matcher;
use model::storage::{
    AppendError, Appendable, Appender, FPoint, Querier, SelectHints, Storage, StorageError,
    StoredSeries,
};
use parking_lot::RwLock;

/// Settings of the head.
#[derive(Debug, Clone, Default)]
pub struct HeadOptions {}

/// The in-memory head block.
#[derive(Debug, Default)]
pub struct Head {
    series: RwLock<BTreeMap<Labels, Arc<RwLock<Vec<FPoint>>>>>,
}

impl Head {
    pub fn new(_opts: HeadOptions) -> Self {
        Head::default()
    }
}

#[derive(Debug)]
struct Snapshot {
    labels: Labels,
    points: Vec<FPoint>,
}

impl StoredSeries for Snapshot {
    fn labels(&self) -> &Labels {
        &self.labels
    }
    fn floats_into(&self, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
        out.extend(self.points.iter().filter(|p| p.t >= mint && p.t <= maxt));
    }
}

struct HeadQuerier<'a> {
    head: &'a Head,
    mint: i64,
    maxt: i64,
}

fn matches(labels: &Labels, matchers: &[Matcher]) -> bool {
    matchers.iter().all(|m| m.matches(labels.get_or_empty(m.name())))
}

impl Querier for HeadQuerier<'_> {
    fn select(
        &self,
        _hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<Arc<dyn StoredSeries>>, StorageError> {
        let map = self.head.series.read();
        let mut out: Vec<Arc<dyn StoredSeries>> = Vec::new();
        for (labels, points) in map.iter() {
            if matches(labels, matchers) {
                let points: Vec<FPoint> = points
                    .read()
                    .iter()
                    .filter(|p| p.t >= self.mint && p.t <= self.maxt)
                    .copied()
                    .collect();
                out.push(Arc::new(Snapshot { labels: labels.clone(), points }));
            }
        }
        Ok(out)
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let map = self.head.series.read();
        let mut names: Vec<String> = map
            .keys()
            .filter(|l| matches(l, matchers))
            .flat_map(|l| l.names().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let map = self.head.series.read();
        let mut values: Vec<String> = map
            .keys()
            .filter(|l| matches(l, matchers))
            .filter_map(|l| l.get(name).map(str::to_owned))
            .collect();
        values.sort();
        values.dedup();
        Ok(values)
    }
}

impl Storage for Head {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(HeadQuerier { head: self, mint, maxt }))
    }
}

struct HeadAppender<'a> {
    head: &'a Head,
    pending: Vec<(Labels, FPoint)>,
}

impl Appender for HeadAppender<'_> {
    fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
        self.pending.push((labels.clone(), FPoint { t, f }));
        Ok(())
    }
    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        let mut map = self.head.series.write();
        for (labels, p) in self.pending {
            let series = map.entry(labels).or_default();
            let mut points = series.write();
            if points.last().is_none_or(|last| last.t < p.t) {
                points.push(p);
            }
        }
        Ok(())
    }
    fn rollback(self: Box<Self>) {}
}

impl Appendable for Head {
    fn appender(&self) -> Box<dyn Appender + '_> {
        Box::new(HeadAppender { head: self, pending: Vec::new() })
    }
}
