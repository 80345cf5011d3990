//! Cardinality and size figures for `/api/v1/status/tsdb`.

use std::sync::atomic::Ordering;

use model::labels::METRIC_NAME;

use super::Head;

/// One entry of a top-10 list: a name (metric, label, or `name=value`) and its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub name: String,
    pub value: u64,
}

/// What `/api/v1/status/tsdb` reports about the head, plus memory figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadStats {
    pub num_series: u64,
    /// Distinct `name=value` pairs.
    pub num_label_pairs: u64,
    pub chunk_count: u64,
    pub num_samples: u64,
    /// Earliest and latest sample times; `None` while the head is empty.
    pub min_time: Option<i64>,
    pub max_time: Option<i64>,
    /// Top 10 metric names by series count.
    pub series_count_by_metric_name: Vec<Stat>,
    /// Top 10 label names by number of distinct values.
    pub label_value_count_by_label_name: Vec<Stat>,
    /// Top 10 label names by bytes of `name` + `value` summed over series (upstream's measure).
    pub memory_in_bytes_by_label_name: Vec<Stat>,
    /// Top 10 `name=value` pairs by series count.
    pub series_count_by_label_value_pair: Vec<Stat>,
    /// Bytes held by chunks (encoded samples plus per-chunk bookkeeping).
    pub chunk_bytes: u64,
    /// Rough bytes held by the postings index.
    pub index_bytes: u64,
}

impl HeadStats {
    /// Chunk bytes per stored sample.
    pub fn bytes_per_sample(&self) -> f64 {
        if self.num_samples == 0 { 0.0 } else { self.chunk_bytes as f64 / self.num_samples as f64 }
    }
}

const TOP: usize = 10;

fn top(mut v: Vec<Stat>) -> Vec<Stat> {
    v.sort_unstable_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
    v.truncate(TOP);
    v
}

impl Head {
    /// Cardinality and size figures; walks the index and every series.
    pub fn stats(&self) -> HeadStats {
        let ix = self.index.read();
        let mut metrics = Vec::new();
        let mut label_values = Vec::new();
        let mut memory = Vec::new();
        let mut pairs = Vec::new();
        let mut num_pairs = 0u64;
        for (name, values) in ix.postings.iter() {
            num_pairs += values.len() as u64;
            label_values.push(Stat { name: name.to_string(), value: values.len() as u64 });
            let mut bytes = 0u64;
            for (value, ids) in values {
                let n = ids.len() as u64;
                if name == METRIC_NAME {
                    metrics.push(Stat { name: value.to_string(), value: n });
                }
                pairs.push(Stat { name: format!("{name}={value}"), value: n });
                bytes += (name.len() + value.len()) as u64 * n;
            }
            memory.push(Stat { name: name.to_string(), value: bytes });
        }
        let series = ix.series.clone();
        let index_bytes = ix.postings.heap_bytes() as u64;
        drop(ix);
        let chunk_bytes: usize = series.iter().map(|s| s.data.read().chunk_bytes()).sum();
        let range = self.time_range();
        HeadStats {
            num_series: series.len().saturating_sub(self.trunc.removed_series()) as u64,
            num_label_pairs: num_pairs,
            chunk_count: self.chunks.load(Ordering::Relaxed),
            num_samples: self.samples.load(Ordering::Relaxed),
            min_time: range.map(|r| r.0),
            max_time: range.map(|r| r.1),
            series_count_by_metric_name: top(metrics),
            label_value_count_by_label_name: top(label_values),
            memory_in_bytes_by_label_name: top(memory),
            series_count_by_label_value_pair: top(pairs),
            chunk_bytes: chunk_bytes as u64,
            index_bytes,
        }
    }
}
