//! Label order of the head's series, remembered so that sorting a selection compares integers
//! instead of label sets.
//!
//! Ids are handed out in creation order, not label order, and a selection must come out
//! sorted by labels. The head keeps the rank of every series up to some id; a selection sorts
//! its older series by rank and merges in the few newer ones by comparing labels. The ranks are
//! brought up to date (one merge over all series) once enough new series have accumulated.

use std::sync::Arc;

use parking_lot::RwLock;

use super::MemSeries;

/// Ranks of series `0..rank.len()` in label order.
#[derive(Debug, Default)]
struct Ranks {
    /// Ids in label order.
    sorted: Vec<u32>,
    /// `rank[id]`: position of `id` in `sorted`.
    rank: Vec<u32>,
}

#[derive(Debug, Default)]
pub(crate) struct LabelOrder {
    ranks: RwLock<Arc<Ranks>>,
}

/// Unranked series tolerated before the ranks are rebuilt.
fn stale_limit(ranked: usize) -> usize {
    (ranked / 32).max(256)
}

impl LabelOrder {
    /// Sorts `series` (with their ids) by labels. `all` is every series of the head, for
    /// rebuilding the ranks when too many are unranked.
    pub fn sort(
        &self,
        series: &mut Vec<(u32, Arc<MemSeries>)>,
        all: &dyn Fn() -> Vec<Arc<MemSeries>>,
    ) {
        let mut ranks = self.ranks.read().clone();
        let unranked = series.iter().filter(|(id, _)| *id as usize >= ranks.rank.len()).count();
        if unranked > 0 {
            let all = all();
            if all.len() - ranks.rank.len() > stale_limit(ranks.rank.len()) {
                ranks = self.rebuild(&all);
            }
        }
        let n = ranks.rank.len();
        let (mut old, mut new): (Vec<_>, Vec<_>) =
            series.drain(..).partition(|(id, _)| (*id as usize) < n);
        old.sort_unstable_by_key(|(id, _)| ranks.rank[*id as usize]);
        if new.is_empty() {
            *series = old;
            return;
        }
        new.sort_unstable_by(|a, b| a.1.labels.cmp(&b.1.labels));
        series.reserve(old.len() + new.len());
        let mut new = new.into_iter().peekable();
        for o in old {
            while let Some(n) = new.next_if(|n| n.1.labels < o.1.labels) {
                series.push(n);
            }
            series.push(o);
        }
        series.extend(new);
    }

    fn rebuild(&self, all: &[Arc<MemSeries>]) -> Arc<Ranks> {
        let mut guard = self.ranks.write();
        if guard.rank.len() >= all.len() {
            return guard.clone();
        }
        let old = guard.clone();
        let mut fresh: Vec<u32> = (old.rank.len() as u32..all.len() as u32).collect();
        fresh.sort_unstable_by(|&a, &b| all[a as usize].labels.cmp(&all[b as usize].labels));
        let mut sorted = Vec::with_capacity(all.len());
        let mut fresh = fresh.into_iter().peekable();
        for &o in &old.sorted {
            let ol = &all[o as usize].labels;
            while let Some(f) = fresh.next_if(|&f| all[f as usize].labels < *ol) {
                sorted.push(f);
            }
            sorted.push(o);
        }
        sorted.extend(fresh);
        let mut rank = vec![0u32; sorted.len()];
        for (pos, &id) in sorted.iter().enumerate() {
            rank[id as usize] = pos as u32;
        }
        let ranks = Arc::new(Ranks { sorted, rank });
        *guard = ranks.clone();
        ranks
    }
}
