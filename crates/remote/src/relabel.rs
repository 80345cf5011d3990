//! What a series looks like on the wire: the external labels added where the series lacks
//! them, then `write_relabel_configs` applied (upstream's order). Results are cached per
//! series, since a shard sees the same series every scrape.

use std::collections::HashMap;

use model::labels::Labels;
use model::relabel::RelabelConfig;

/// Series remembered per shard before the cache starts over (bounds memory under churn).
const CACHE_LIMIT: usize = 100_000;

/// One shard's labeller (not shared, so no locks).
#[derive(Debug)]
pub(crate) struct WriteRelabeller {
    external: Vec<(String, String)>,
    configs: Vec<RelabelConfig>,
    cache: HashMap<Labels, Option<Labels>>,
}

impl WriteRelabeller {
    pub(crate) fn new(external: &Labels, configs: &[RelabelConfig]) -> Self {
        WriteRelabeller {
            external: external
                .iter()
                .filter(|l| !l.value.is_empty())
                .map(|l| (l.name.to_owned(), l.value.to_owned()))
                .collect(),
            configs: configs.to_vec(),
            cache: HashMap::new(),
        }
    }

    /// The outgoing labels of `series`, or `None` when relabelling drops it.
    pub(crate) fn process(&mut self, series: &Labels) -> Option<Labels> {
        if self.external.is_empty() && self.configs.is_empty() {
            return Some(series.clone());
        }
        if let Some(hit) = self.cache.get(series) {
            return hit.clone();
        }
        let out = self.compute(series);
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(series.clone(), out.clone());
        out
    }

    fn compute(&self, series: &Labels) -> Option<Labels> {
        let with_external = if self.external.iter().all(|(n, _)| series.has(n)) {
            series.clone()
        } else {
            let mut b = series.builder();
            for (name, value) in &self.external {
                if !series.has(name) {
                    b.set(name, value);
                }
            }
            b.labels()
        };
        if self.configs.is_empty() {
            return Some(with_external);
        }
        model::relabel::relabel(&with_external, &self.configs).filter(|l| !l.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_labels_only_where_absent() {
        let ext = Labels::from_pairs([("cluster", "eu"), ("replica", "a")]);
        let mut r = WriteRelabeller::new(&ext, &[]);
        let s = Labels::from_pairs([("__name__", "up"), ("cluster", "us")]);
        assert_eq!(
            r.process(&s),
            Some(Labels::from_pairs([("__name__", "up"), ("cluster", "us"), ("replica", "a")]))
        );
        // Cached answer is the same.
        assert_eq!(r.process(&s), r.compute(&s));
    }
}
