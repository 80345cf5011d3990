//! Which output group each input series belongs to, remembered across steps.
//!
//! An aggregation node is called once per step of a range query with that step's samples, and
//! the same series come back step after step (usually as the same shared `Labels`, in the same
//! order). So grouping is worked out once per distinct series: a per-position memory of the last
//! step's input answers with a pointer comparison, a map keyed by the series' labels (whose hash
//! is remembered in the label set) answers the rest, and only a series never seen before has its
//! group labels built.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use model::labels::{Label, Labels, METRIC_NAME};

use crate::ast::Grouping;
use crate::value::Sample;

/// How a series' labels map to its group's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// No grouping clause (or `by ()`): one group with no labels.
    All,
    /// `by (...)`: only the listed labels (sorted, unique).
    By(Vec<String>),
    /// `without (...)`: every label except the listed ones (sorted, unique) and `__name__`.
    Without(Vec<String>),
}

impl Rule {
    pub(crate) fn new(grouping: &Grouping, has_grouping: bool) -> Rule {
        let mut names = grouping.labels.clone();
        names.sort_unstable();
        names.dedup();
        match (has_grouping, grouping.without) {
            (true, true) => Rule::Without(names),
            (true, false) if !names.is_empty() => Rule::By(names),
            _ => Rule::All,
        }
    }

    /// The labels of `metric` that make its group, in name order. Empty values count as
    /// absent. `by` looks its few names up; `without` walks the series' labels.
    fn selected<'a>(&'a self, metric: &'a Labels) -> impl Iterator<Item = Label<'a>> + 'a {
        let (by, without) = match self {
            Rule::All => (None, None),
            Rule::By(names) => (Some(names.as_slice()), None),
            Rule::Without(names) => (None, Some(names.as_slice())),
        };
        let by = by
            .into_iter()
            .flatten()
            .filter_map(move |n| metric.get(n).filter(|v| !v.is_empty()).map(|v| Label::new(n, v)));
        let without = without.into_iter().flat_map(move |names| {
            metric.iter().filter(move |l| {
                !l.value.is_empty()
                    && l.name != METRIC_NAME
                    && names.binary_search_by(|n| n.as_str().cmp(l.name)).is_err()
            })
        });
        by.chain(without)
    }

    /// The labels of the group `metric` belongs to.
    pub(crate) fn group_labels(&self, metric: &Labels) -> Labels {
        match self {
            Rule::All => Labels::empty(),
            _ => Labels::from_pairs(self.selected(metric)),
        }
    }

    /// A hash of [`Rule::group_labels`], without building them.
    fn group_hash(&self, metric: &Labels) -> u64 {
        let mut h = FastHasher::default();
        for l in self.selected(metric) {
            h.write(l.name.as_bytes());
            h.write_u8(0xff);
            h.write(l.value.as_bytes());
            h.write_u8(0xff);
        }
        h.finish()
    }
}

/// Assigns input samples to series ids and group ids, caching across steps.
#[derive(Debug)]
pub(crate) struct Grouper {
    rule: Rule,
    /// Whether callers need per-series ids (else `Rule::All` skips all lookups).
    want_series: bool,
    /// The previous step's input by position: its labels and series id.
    prev: Vec<(Labels, usize)>,
    series: HashMap<Labels, usize, FastBuild>,
    series_group: Vec<usize>,
    /// Groups by the hash of their labels; `group_next` chains groups whose hashes collide.
    groups: HashMap<u64, usize, FastBuild>,
    group_next: Vec<Option<usize>>,
    group_labels: Vec<Labels>,
    /// This step's answer: series id and group id of each input sample.
    series_ids: Vec<usize>,
    group_ids: Vec<usize>,
}

impl Grouper {
    pub(crate) fn new(rule: Rule, want_series: bool) -> Grouper {
        let mut g = Grouper {
            rule,
            want_series,
            prev: Vec::new(),
            series: HashMap::default(),
            series_group: Vec::new(),
            groups: HashMap::default(),
            group_next: Vec::new(),
            group_labels: Vec::new(),
            series_ids: Vec::new(),
            group_ids: Vec::new(),
        };
        if g.rule == Rule::All {
            g.group_labels.push(Labels::empty());
            g.group_next.push(None);
            g.groups.insert(FastHasher::default().finish(), 0);
        }
        g
    }

    /// Works out the series and group of every sample of `input` (see [`Grouper::group_ids`]).
    pub(crate) fn assign(&mut self, input: &[Sample]) {
        self.series_ids.clear();
        self.group_ids.clear();
        if self.rule == Rule::All && !self.want_series {
            self.group_ids.resize(input.len(), 0);
            return;
        }
        if self.series.is_empty() {
            // First step: size for this input rather than growing through it.
            self.series.reserve(input.len());
            self.prev.reserve(input.len());
        }
        self.prev.truncate(input.len());
        for (i, s) in input.iter().enumerate() {
            let sid = match self.prev.get(i) {
                // Usually the same allocation as last step: a pointer comparison.
                Some((seen, sid)) if *seen == s.metric => *sid,
                _ => {
                    let sid = self.series_id(&s.metric);
                    let entry = (s.metric.clone(), sid);
                    match self.prev.get_mut(i) {
                        Some(slot) => *slot = entry,
                        None => self.prev.push(entry),
                    }
                    sid
                }
            };
            if self.want_series {
                self.series_ids.push(sid);
            }
            self.group_ids.push(self.series_group[sid]);
        }
    }

    fn series_id(&mut self, metric: &Labels) -> usize {
        if let Some(&sid) = self.series.get(metric) {
            return sid;
        }
        let gid = self.group_of(metric);
        let sid = self.series_group.len();
        self.series_group.push(gid);
        self.series.insert(metric.clone(), sid);
        sid
    }

    /// The group of a series not seen before; its labels are built only for a new group.
    fn group_of(&mut self, metric: &Labels) -> usize {
        let hash = self.rule.group_hash(metric);
        let head = self.groups.get(&hash).copied();
        let mut next = head;
        while let Some(gid) = next {
            if self.group_labels[gid].iter().eq(self.rule.selected(metric)) {
                return gid;
            }
            next = self.group_next[gid];
        }
        let gid = self.group_labels.len();
        self.group_labels.push(self.rule.group_labels(metric));
        self.group_next.push(head);
        self.groups.insert(hash, gid);
        gid
    }

    /// The group of each sample of the last [`Grouper::assign`]ed input, dense from 0.
    pub(crate) fn group_ids(&self) -> &[usize] {
        &self.group_ids
    }

    /// The series id of each sample of the last input (empty unless `want_series`), dense
    /// from 0 and stable across steps.
    pub(crate) fn series_ids(&self) -> &[usize] {
        &self.series_ids
    }

    /// The number of groups seen so far (group ids are below it).
    pub(crate) fn group_count(&self) -> usize {
        self.group_labels.len()
    }

    /// The number of distinct series seen so far.
    pub(crate) fn series_count(&self) -> usize {
        self.series_group.len()
    }

    pub(crate) fn labels(&self, gid: usize) -> &Labels {
        &self.group_labels[gid]
    }
}

type FastBuild = BuildHasherDefault<FastHasher>;

/// A multiply-rotate hasher (as rustc's FxHash) for keys that are already good hashes
/// (`Labels` hash themselves as their remembered xxHash) or small and trusted: these maps are
/// per query and never keyed by anything an attacker can aim at.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak; hash tables index by them.
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pairs: &[(&str, &str)]) -> Sample {
        Sample { metric: Labels::from_pairs(pairs), t: 0, f: 0.0, h: None, drop_name: false }
    }

    #[test]
    fn colliding_group_hashes_still_separate_groups() {
        let rule = Rule::By(vec!["job".into()]);
        let mut g = Grouper::new(rule.clone(), true);
        g.assign(&[sample(&[("job", "a"), ("i", "1")])]);
        assert_eq!(g.group_ids(), [0]);
        // Pretend job="b" hashes like job="a".
        let b = sample(&[("job", "b"), ("i", "2")]);
        g.groups.insert(rule.group_hash(&b.metric), 0);
        g.assign(std::slice::from_ref(&b));
        assert_eq!(g.group_ids(), [1]);
        assert_eq!(g.labels(1), &Labels::from_pairs([("job", "b")]));
        // Walking the chain past a mismatch finds the right group.
        let a2 = sample(&[("job", "a"), ("i", "3")]);
        g.groups.insert(rule.group_hash(&a2.metric), 1);
        g.group_next[1] = Some(0);
        g.assign(&[a2, sample(&[("job", "b"), ("i", "4")])]);
        assert_eq!(g.group_ids(), [0, 1]);
        assert_eq!(g.group_count(), 2);
        assert_eq!(g.series_count(), 4);
    }

    #[test]
    fn series_ids_are_stable_across_steps_and_orders() {
        let mut g = Grouper::new(Rule::All, true);
        let x = sample(&[("a", "1")]);
        let y = sample(&[("a", "2")]);
        g.assign(&[x.clone(), y.clone()]);
        assert_eq!((g.series_ids(), g.group_ids()), (&[0, 1][..], &[0, 0][..]));
        g.assign(&[y, sample(&[("a", "3")]), sample(&[("a", "1")])]);
        assert_eq!(g.series_ids(), [1, 2, 0]);
        // Without series ids wanted, the single group needs no lookups at all.
        let mut g = Grouper::new(Rule::All, false);
        g.assign(&[x]);
        assert_eq!((g.series_ids(), g.group_ids()), (&[][..], &[0][..]));
    }

    #[test]
    fn rules_from_clauses() {
        let grouping = |without, labels: &[&str]| Grouping {
            without,
            labels: labels.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(Rule::new(&grouping(false, &[]), false), Rule::All);
        assert_eq!(Rule::new(&grouping(true, &[]), false), Rule::All);
        assert_eq!(Rule::new(&grouping(false, &[]), true), Rule::All);
        assert_eq!(Rule::new(&grouping(true, &[]), true), Rule::Without(vec![]));
        assert_eq!(
            Rule::new(&grouping(false, &["b", "a", "b"]), true),
            Rule::By(vec!["a".into(), "b".into()])
        );
        let m = Labels::from_pairs([("__name__", "x"), ("a", "1"), ("b", ""), ("c", "3")]);
        assert_eq!(
            Rule::By(vec!["a".into(), "b".into()]).group_labels(&m),
            Labels::from_pairs([("a", "1")])
        );
        assert_eq!(
            Rule::Without(vec!["c".into()]).group_labels(&m),
            Labels::from_pairs([("a", "1")])
        );
    }
}
