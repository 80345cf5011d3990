//! Reading several stores as one: series with equal labels are merged in time order.

use std::sync::Arc;

use model::labels::Labels;
use model::matcher::Matcher;
use model::storage::{FPoint, Querier, SelectHints, StorageError, StoredSeries};

/// Queriers over parts that together make a store, oldest first (blocks by time, the head
/// last). Where parts overlap in time, the sample of the earlier part wins a timestamp.
pub struct MergeQuerier<'a> {
    parts: Vec<Box<dyn Querier + 'a>>,
}

impl std::fmt::Debug for MergeQuerier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergeQuerier").field("parts", &self.parts.len()).finish()
    }
}

impl<'a> MergeQuerier<'a> {
    pub fn new(parts: Vec<Box<dyn Querier + 'a>>) -> Self {
        MergeQuerier { parts }
    }
}

/// One series found in several parts.
#[derive(Debug)]
struct MergedSeries {
    parts: Vec<Arc<dyn StoredSeries>>,
}

impl StoredSeries for MergedSeries {
    fn labels(&self) -> &Labels {
        // `parts` is never empty: built from a run of at least two series.
        self.parts[0].labels()
    }

    fn floats_into(&self, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
        let start = out.len();
        for p in &self.parts {
            p.floats_into(mint, maxt, out);
        }
        let added = &mut out[start..];
        if !added.windows(2).all(|w| w[0].t < w[1].t) {
            // Overlapping parts: stable sort keeps the earlier part first at equal times.
            added.sort_by_key(|p| p.t);
            let mut kept: Vec<FPoint> = Vec::with_capacity(added.len());
            for p in added.iter() {
                if kept.last().is_none_or(|k| k.t != p.t) {
                    kept.push(*p);
                }
            }
            out.truncate(start);
            out.extend(kept);
        }
    }
}

fn sorted_union(mut lists: Vec<Vec<String>>) -> Vec<String> {
    if lists.len() == 1 {
        return lists.pop().unwrap_or_default();
    }
    let mut all: Vec<String> = lists.into_iter().flatten().collect();
    all.sort_unstable();
    all.dedup();
    all
}

impl Querier for MergeQuerier<'_> {
    fn select(
        &self,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<Arc<dyn StoredSeries>>, StorageError> {
        let mut lists = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            let got = p.select(hints, matchers)?;
            if !got.is_empty() {
                lists.push(got);
            }
        }
        if lists.len() <= 1 {
            return Ok(lists.pop().unwrap_or_default());
        }
        Ok(merge_sorted(lists))
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let lists =
            self.parts.iter().map(|p| p.label_names(matchers)).collect::<Result<Vec<_>, _>>()?;
        Ok(sorted_union(lists))
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let lists = self
            .parts
            .iter()
            .map(|p| p.label_values(name, matchers))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(sorted_union(lists))
    }
}

/// Merges lists sorted by labels (parts oldest first) into one, joining equal label sets.
/// There are few parts (blocks and the head), so each step scans the heads of all lists.
fn merge_sorted(lists: Vec<Vec<Arc<dyn StoredSeries>>>) -> Vec<Arc<dyn StoredSeries>> {
    let total = lists.iter().map(Vec::len).sum();
    let mut out: Vec<Arc<dyn StoredSeries>> = Vec::with_capacity(total);
    let mut iters: Vec<std::iter::Peekable<std::vec::IntoIter<Arc<dyn StoredSeries>>>> =
        lists.into_iter().map(|l| l.into_iter().peekable()).collect();
    let mut run: Vec<Arc<dyn StoredSeries>> = Vec::new();
    loop {
        let mut min: Option<Labels> = None;
        for it in &mut iters {
            if let Some(s) = it.peek()
                && min.as_ref().is_none_or(|m| s.labels() < m)
            {
                min = Some(s.labels().clone());
            }
        }
        let Some(min) = min else { break };
        for it in &mut iters {
            if let Some(s) = it.next_if(|s| *s.labels() == min) {
                run.push(s);
            }
        }
        out.push(finish_run(std::mem::take(&mut run)));
    }
    out
}

fn finish_run(mut run: Vec<Arc<dyn StoredSeries>>) -> Arc<dyn StoredSeries> {
    if run.len() == 1
        && let Some(one) = run.pop()
    {
        return one;
    }
    Arc::new(MergedSeries { parts: run })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(Labels, Vec<FPoint>);

    impl StoredSeries for Fixed {
        fn labels(&self) -> &Labels {
            &self.0
        }
        fn floats_into(&self, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
            out.extend(self.1.iter().filter(|p| p.t >= mint && p.t <= maxt));
        }
    }

    fn s(name: &str, ts: &[(i64, f64)]) -> Arc<dyn StoredSeries> {
        let pts = ts.iter().map(|&(t, f)| FPoint { t, f }).collect();
        Arc::new(Fixed(Labels::from_pairs([("__name__", name)]), pts))
    }

    #[test]
    fn merges_sorted_parts_and_joins_equal_labels() {
        let lists = vec![
            vec![s("a", &[(1, 1.0)]), s("c", &[(1, 1.0), (3, 3.0)])],
            vec![s("b", &[(5, 5.0)]), s("c", &[(2, 2.0), (3, 99.0)])],
            vec![s("a", &[(7, 7.0)]), s("d", &[(1, 1.0)])],
        ];
        let got = merge_sorted(lists);
        let names: Vec<&str> = got.iter().map(|s| s.labels().metric_name().unwrap()).collect();
        assert_eq!(names, vec!["a", "b", "c", "d"]);
        let mut out = vec![FPoint { t: -1, f: 0.0 }];
        got[2].floats_into(0, 10, &mut out);
        // Overlap at t=3: the earlier part's sample wins; what was in `out` stays.
        let ts: Vec<(i64, f64)> = out.iter().map(|p| (p.t, p.f)).collect();
        assert_eq!(ts, vec![(-1, 0.0), (1, 1.0), (2, 2.0), (3, 3.0)]);
        out.clear();
        got[0].floats_into(0, 5, &mut out);
        assert_eq!(out, vec![FPoint { t: 1, f: 1.0 }]);
    }
}
