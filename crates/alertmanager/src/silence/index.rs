//! Which silences could mute a label set, without looking at all of them.
//!
//! A silence matches only alerts that carry every label its `=` matchers require, so it is
//! filed under one such `(name, value)` pair (or, for a regex that is a finite set of literals
//! such as `api|web`, under each literal). Looking up an alert visits only the buckets of its
//! own labels. Among the eligible pairs a silence is filed under the one with the smallest
//! bucket, so 10k silences on `alertname="Deploy", instance="…"` spread by instance.
//!
//! Silences without such a pair fall back, in order of preference, to a regex's literal
//! prefix (`job=~"api-.*"` is filed under `job` + `api-`; an alert visits one bucket per
//! distinct prefix length in use for that label name) or to a label that must be present and
//! non-empty (`job=~".+"`, `job!=""`). Only silences with none of these (e.g. only `!=`
//! matchers) are checked for every alert.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use model::labels::Labels;
use model::matcher::MatchOp;

use super::Silence;

#[derive(Debug, Default)]
pub(crate) struct Index {
    by_label: HashMap<String, HashMap<String, Vec<Arc<Silence>>>>,
    by_prefix: HashMap<String, PrefixIndex>,
    by_presence: HashMap<String, Vec<Arc<Silence>>>,
    fallback: Vec<Arc<Silence>>,
    anchors: HashMap<String, Anchor>,
}

#[derive(Debug, Default)]
struct PrefixIndex {
    by_prefix: HashMap<String, Vec<Arc<Silence>>>,
    /// Distinct prefix lengths in use, with how many prefixes have each.
    lengths: BTreeMap<usize, usize>,
}

#[derive(Debug)]
enum Anchor {
    Fallback,
    Keys(String, Vec<String>),
    Prefix(String, String),
    Presence(String),
}

/// Extra cost of a prefix bucket over an exact one: every alert pays a lookup per length.
const PREFIX_PENALTY: usize = 4;
/// Extra cost of a presence bucket: every alert with the label visits it.
const PRESENCE_PENALTY: usize = 64;

enum Choice<'a> {
    Keys(&'a str, Vec<&'a str>),
    Prefix(&'a str, &'a str),
    Presence(&'a str),
}

fn remove_from(v: &mut Vec<Arc<Silence>>, id: &str) {
    v.retain(|s| s.id != id);
}

impl Index {
    fn bucket_len(&self, name: &str, value: &str) -> usize {
        self.by_label.get(name).and_then(|v| v.get(value)).map_or(0, Vec::len)
    }

    /// The cheapest bucket the silence can be filed under, if any.
    fn choose<'a>(&self, s: &'a Silence) -> Option<Choice<'a>> {
        let mut best: Option<(usize, Choice<'a>)> = None;
        let mut consider = |cost: usize, c: Choice<'a>| {
            if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                best = Some((cost, c));
            }
        };
        for m in s.matchers.iter() {
            let name = m.name();
            let presence_cost = PRESENCE_PENALTY + self.by_presence.get(name).map_or(0, Vec::len);
            match m.op() {
                MatchOp::Equal if !m.value().is_empty() => {
                    consider(self.bucket_len(name, m.value()), Choice::Keys(name, vec![m.value()]))
                }
                MatchOp::NotEqual if m.value().is_empty() => {
                    consider(presence_cost, Choice::Presence(name))
                }
                MatchOp::Regex => {
                    let Some(re) = m.regex() else { continue };
                    if let Some(set) = re.literal_set()
                        // An empty literal would also match alerts without the label.
                        && set.iter().all(|v| !v.is_empty())
                    {
                        let cost =
                            set.len() + set.iter().map(|v| self.bucket_len(name, v)).sum::<usize>();
                        let values = set.iter().map(String::as_str).collect();
                        consider(cost, Choice::Keys(name, values));
                    } else if let Some(prefix) = re.literal_prefix().filter(|p| !p.is_empty()) {
                        let n = self
                            .by_prefix
                            .get(name)
                            .and_then(|p| p.by_prefix.get(prefix))
                            .map_or(0, Vec::len);
                        consider(PREFIX_PENALTY + n, Choice::Prefix(name, prefix));
                    } else if !re.matches_empty() {
                        consider(presence_cost, Choice::Presence(name));
                    }
                }
                MatchOp::NotRegex if !m.matches("") => {
                    consider(presence_cost, Choice::Presence(name))
                }
                _ => {}
            }
        }
        best.map(|(_, c)| c)
    }

    pub(crate) fn insert(&mut self, s: Arc<Silence>) {
        self.remove(&s.id);
        let anchor = match self.choose(&s) {
            Some(Choice::Keys(name, values)) => {
                let by_value = self.by_label.entry(name.to_string()).or_default();
                for v in &values {
                    by_value.entry(v.to_string()).or_default().push(s.clone());
                }
                Anchor::Keys(name.to_string(), values.into_iter().map(str::to_string).collect())
            }
            Some(Choice::Prefix(name, prefix)) => {
                let p = self.by_prefix.entry(name.to_string()).or_default();
                let bucket = p.by_prefix.entry(prefix.to_string()).or_default();
                if bucket.is_empty() {
                    *p.lengths.entry(prefix.len()).or_default() += 1;
                }
                bucket.push(s.clone());
                Anchor::Prefix(name.to_string(), prefix.to_string())
            }
            Some(Choice::Presence(name)) => {
                self.by_presence.entry(name.to_string()).or_default().push(s.clone());
                Anchor::Presence(name.to_string())
            }
            None => {
                self.fallback.push(s.clone());
                Anchor::Fallback
            }
        };
        self.anchors.insert(s.id.clone(), anchor);
    }

    pub(crate) fn remove(&mut self, id: &str) {
        match self.anchors.remove(id) {
            None => {}
            Some(Anchor::Fallback) => remove_from(&mut self.fallback, id),
            Some(Anchor::Presence(name)) => {
                if let Some(v) = self.by_presence.get_mut(&name) {
                    remove_from(v, id);
                    if v.is_empty() {
                        self.by_presence.remove(&name);
                    }
                }
            }
            Some(Anchor::Prefix(name, prefix)) => {
                let Some(p) = self.by_prefix.get_mut(&name) else { return };
                if let Some(b) = p.by_prefix.get_mut(&prefix) {
                    remove_from(b, id);
                    if b.is_empty() {
                        p.by_prefix.remove(&prefix);
                        if let Some(n) = p.lengths.get_mut(&prefix.len()) {
                            *n -= 1;
                            if *n == 0 {
                                p.lengths.remove(&prefix.len());
                            }
                        }
                    }
                }
                if p.by_prefix.is_empty() {
                    self.by_prefix.remove(&name);
                }
            }
            Some(Anchor::Keys(name, values)) => {
                let Some(by_value) = self.by_label.get_mut(&name) else { return };
                for v in values {
                    if let Some(b) = by_value.get_mut(&v) {
                        remove_from(b, id);
                        if b.is_empty() {
                            by_value.remove(&v);
                        }
                    }
                }
                if by_value.is_empty() {
                    self.by_label.remove(&name);
                }
            }
        }
    }

    /// Calls `f` on every silence that may match `labels` (each at most once: a silence is
    /// filed under one label name, and an alert has one value for it).
    pub(crate) fn candidates(&self, labels: &Labels, mut f: impl FnMut(&Arc<Silence>)) {
        for l in labels.iter() {
            if let Some(bucket) = self.by_label.get(l.name).and_then(|v| v.get(l.value)) {
                bucket.iter().for_each(&mut f);
            }
            if let Some(p) = self.by_prefix.get(l.name) {
                for &len in p.lengths.keys() {
                    if len > l.value.len() {
                        break;
                    }
                    if let Some(b) = l.value.get(..len).and_then(|head| p.by_prefix.get(head)) {
                        b.iter().for_each(&mut f);
                    }
                }
            }
            if let Some(b) = self.by_presence.get(l.name) {
                b.iter().for_each(&mut f);
            }
        }
        self.fallback.iter().for_each(f);
    }

    pub(crate) fn len(&self) -> usize {
        self.anchors.len()
    }

    /// How many indexed silences must be checked for every alert.
    pub(crate) fn fallback_len(&self) -> usize {
        self.fallback.len()
    }
}
