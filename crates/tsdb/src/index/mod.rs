//! The inverted index shared by the head and by loaded blocks: label name → value → postings
//! (sorted series ids), and matcher evaluation over it.

pub mod postings;

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::regex::GoRegex;

/// A hasher for keys that are already good 64-bit hashes (label-set hashes, `Labels` whose
/// `Hash` writes its remembered xxHash).
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not used by our keys; a simple FNV-style fold keeps it correct if it ever is.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u32(&mut self, n: u32) {
        // Series ids: spread them so the table's low bits differ.
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Hash maps keyed by a value that is its own hash.
pub type IdBuild = BuildHasherDefault<IdHasher>;

/// Values of one label name, sorted, each with its postings.
pub type ValueMap = BTreeMap<Box<str>, Vec<u32>>;

/// Label name → value → series ids in increasing order. Empty values are not indexed: a label
/// with an empty value is the same as no label, as in Prometheus.
#[derive(Debug, Default)]
pub struct MemPostings {
    by_name: HashMap<Box<str>, ValueMap>,
}

impl MemPostings {
    /// Indexes series `id` under each of its labels. Ids normally arrive in increasing order;
    /// an earlier one is inserted in place.
    pub fn add(&mut self, id: u32, labels: &Labels) {
        for l in labels.iter() {
            if l.value.is_empty() {
                continue;
            }
            let values = match self.by_name.get_mut(l.name) {
                Some(v) => v,
                None => self.by_name.entry(l.name.into()).or_default(),
            };
            let list = match values.get_mut(l.value) {
                Some(list) => list,
                None => values.entry(l.value.into()).or_default(),
            };
            match list.last() {
                Some(&last) if last >= id => {
                    if let Err(pos) = list.binary_search(&id) {
                        list.insert(pos, id);
                    }
                }
                _ => list.push(id),
            }
        }
    }

    /// Unindexes series: drops each of `ids` (sorted) from the postings of its labels, and
    /// values and names left without series. Used when the head drops series it truncated.
    pub fn remove(&mut self, ids: &[u32], labels: &[&Labels]) {
        let mut touched: Vec<(&str, &str)> =
            labels.iter().flat_map(|ls| ls.iter().map(|l| (l.name, l.value))).collect();
        touched.sort_unstable();
        touched.dedup();
        for (name, value) in touched {
            let Some(values) = self.by_name.get_mut(name) else { continue };
            if let Some(list) = values.get_mut(value) {
                list.retain(|id| ids.binary_search(id).is_err());
                if list.is_empty() {
                    values.remove(value);
                } else if list.capacity() > 2 * list.len() + 8 {
                    list.shrink_to_fit();
                }
            }
            if values.is_empty() {
                self.by_name.remove(name);
            }
        }
    }

    /// The values of label `name`, if any series has it.
    pub fn values(&self, name: &str) -> Option<&ValueMap> {
        self.by_name.get(name)
    }

    /// The series with `name="value"`.
    #[cfg(test)]
    pub fn get(&self, name: &str, value: &str) -> &[u32] {
        self.by_name.get(name).and_then(|v| v.get(value)).map_or(&[], Vec::as_slice)
    }

    /// Every indexed label name with its values, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ValueMap)> {
        self.by_name.iter().map(|(n, v)| (&**n, v))
    }

    /// All label names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.by_name.keys().map(|n| n.to_string()).collect();
        names.sort_unstable();
        names
    }

    /// Rough heap bytes held (keys, values and postings), for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.by_name
            .iter()
            .map(|(n, values)| {
                n.len()
                    + 48
                    + values.iter().map(|(v, ids)| v.len() + 48 + ids.capacity() * 4).sum::<usize>()
            })
            .sum()
    }

    /// The series ids matching all `matchers`, sorted. `all` lists every series id (the
    /// starting set when no matcher narrows by itself). A matcher that matches the empty
    /// string also selects series without the label.
    pub fn select(&self, all: impl FnOnce() -> Vec<u32>, matchers: &[Matcher]) -> Vec<u32> {
        let mut include: Vec<Vec<u32>> = Vec::new();
        let mut exclude: Vec<Vec<u32>> = Vec::new();
        for m in matchers {
            let values = self.values(m.name());
            if m.matches("") {
                if m.regex().is_some_and(GoRegex::matches_everything) {
                    continue;
                }
                // Selected: series without the label, and those whose value matches. So drop
                // the series whose value does not match.
                if let Some(values) = values {
                    let lists = lists_where(values, m, false);
                    if !lists.is_empty() {
                        exclude.push(postings::union(&lists));
                    }
                }
            } else {
                let Some(values) = values else { return Vec::new() };
                let lists = lists_where(values, m, true);
                if lists.is_empty() {
                    return Vec::new();
                }
                include.push(postings::union(&lists));
            }
        }
        include.sort_by_key(Vec::len);
        let mut ids = match include.split_first() {
            None => all(),
            Some((first, rest)) => {
                let mut ids = first.clone();
                for other in rest {
                    if ids.is_empty() {
                        break;
                    }
                    ids = postings::intersect(&ids, other);
                }
                ids
            }
        };
        for ex in &exclude {
            if ids.is_empty() {
                break;
            }
            ids = postings::subtract(&ids, ex);
        }
        ids
    }

    /// Values of `name` held by at least one of `ids` (sorted ids), sorted.
    pub fn values_among(&self, name: &str, ids: &[u32]) -> Vec<String> {
        let Some(values) = self.values(name) else { return Vec::new() };
        values
            .iter()
            .filter(|(_, list)| intersects(list, ids))
            .map(|(v, _)| v.to_string())
            .collect()
    }
}

/// Whether two sorted lists share an id.
fn intersects(a: &[u32], b: &[u32]) -> bool {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().any(|id| large.binary_search(id).is_ok())
}

/// The postings of the values `v` of one label for which `m.matches(v) == want`.
fn lists_where<'a>(values: &'a ValueMap, m: &Matcher, want: bool) -> Vec<&'a [u32]> {
    match (m.op(), want, m.regex()) {
        (MatchOp::Equal, true, _) | (MatchOp::NotEqual, false, _) => {
            values.get(m.value()).map(Vec::as_slice).into_iter().collect()
        }
        (MatchOp::Regex, true, Some(re)) | (MatchOp::NotRegex, false, Some(re)) => {
            regex_lists(values, re)
        }
        _ => values.iter().filter(|(v, _)| m.matches(v) == want).map(|(_, l)| &l[..]).collect(),
    }
}

/// The postings of the values matching `re`: looked up directly for a literal set
/// (`a|b|c`), a range scan for a literal prefix (`foo.*`), otherwise every value tested.
fn regex_lists<'a>(values: &'a ValueMap, re: &GoRegex) -> Vec<&'a [u32]> {
    if let Some(set) = re.literal_set() {
        return set.iter().filter_map(|s| values.get(s.as_str())).map(Vec::as_slice).collect();
    }
    if let Some(prefix) = re.literal_prefix() {
        return values
            .range::<str, _>((std::ops::Bound::Included(prefix), std::ops::Bound::Unbounded))
            .take_while(|(v, _)| v.starts_with(prefix))
            .filter(|(v, _)| re.is_match(v))
            .map(|(_, l)| &l[..])
            .collect();
    }
    values.iter().filter(|(v, _)| re.is_match(v)).map(|(_, l)| &l[..]).collect()
}

#[cfg(test)]
mod tests;
