//! [`Labels`]: the immutable, sorted label set and its packed representation.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::names::is_valid_legacy_label_name;
use super::{Label, LabelPair, LabelsBuilder, METRIC_NAME};
use crate::gostr;

/// An immutable set of labels, sorted by name, names unique.
///
/// # Representation
///
/// All names and values live in **one** string, `name0 value0 name1 value1 ...` back to back, with
/// a table of end offsets (`u32`), both behind a single `Arc`:
///
/// * clone is one atomic increment, whatever the size, so series, alerts and groups share sets
///   freely;
/// * building a set costs three allocations however many labels it has (a `Vec<(String, String)>`
///   or `Arc<[Label]>` of `Arc<str>` costs two per label), and the memory is the bytes plus 8
///   per label: this matters for the TSDB head and PromQL, which build millions of sets;
/// * lookups binary-search the offset table, iteration is a walk over it, and the hashes read
///   the bytes in place;
/// * [`Labels::hash`] is remembered in the allocation once computed (8 bytes), so hash maps keyed
///   by label sets, and series and alert lookups, hash each set once, and unequal sets usually
///   compare unequal without reading their text;
/// * the empty set is `None` and allocates nothing.
///
/// The remembered hash is an atomic, so clippy's `mutable_key_type` lint flags `Labels` as a map
/// key. That is a false positive (the atomic never changes what `Eq`, `Ord` or `Hash` see); the
/// cure is `ignore-interior-mutability = ["bytes::Bytes", "model::labels::Labels"]` in the
/// workspace's `clippy.toml`, not an `allow` at each use.
///
/// Prometheus made the same trade (its default `stringlabels` build packs a set into one string
/// with length prefixes); an offset table instead of length prefixes keeps `get` logarithmic and
/// needs no `unsafe` to hand out `&str`.
///
/// # Semantics
///
/// As Prometheus' `labels.Labels`: a value may be empty (Prometheus treats `name=""` as absent;
/// [`LabelsBuilder`] and [`Labels::without_empty`] drop such labels, the constructors keep
/// them), names are not validated here (see [`super::ValidationScheme`]). `Ord` is Prometheus'
/// `labels.Compare`: pairs compared in order, name then value, a prefix sorts first.
#[derive(Clone, Default)]
pub struct Labels {
    packed: Option<Arc<Packed>>,
}

struct Packed {
    /// [`Labels::hash`] once computed, 0 before (a true 0 is recomputed each time, harmlessly).
    hash: AtomicU64,
    text: Box<str>,
    /// `ends[2 * i]` is the end of name `i` in `text`, `ends[2 * i + 1]` the end of value `i`;
    /// name `i` starts where value `i - 1` ends.
    ends: Box<[u32]>,
}

impl Labels {
    /// The empty label set (`{}`); allocates nothing.
    pub const fn empty() -> Self {
        Labels { packed: None }
    }

    /// A set from pairs in any order: `(name, value)` tuples of string types, [`Label`]s, or
    /// references to them. When a name repeats, the last pair wins (as inserting into a map
    /// would). Empty values are kept.
    pub fn from_pairs<I>(pairs: I) -> Self
    where
        I: IntoIterator,
        I::Item: LabelPair,
    {
        let mut pairs: Vec<I::Item> = pairs.into_iter().collect();
        let sorted = pairs.windows(2).all(|w| w[0].name() < w[1].name());
        if !sorted {
            // Stable, so that among equal names the input order survives and the last wins.
            pairs.sort_by(|a, b| a.name().cmp(b.name()));
        }
        let text_len = pairs.iter().map(|p| p.name().len() + p.value().len()).sum();
        let mut packer = Packer::with_capacity(pairs.len(), text_len);
        for (i, p) in pairs.iter().enumerate() {
            let shadowed = pairs.get(i + 1).is_some_and(|next| next.name() == p.name());
            if !shadowed {
                packer.push(p.name(), p.value());
            }
        }
        packer.finish()
    }

    /// A builder starting from this set (Prometheus' `labels.NewBuilder(ls)`).
    pub fn builder(&self) -> LabelsBuilder {
        LabelsBuilder::new(self.clone())
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.packed.as_ref().map_or(0, |p| p.ends.len() / 2)
    }

    /// Whether the set has no labels.
    pub fn is_empty(&self) -> bool {
        self.packed.is_none()
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        let p = self.packed.as_deref()?;
        p.find(name).ok().map(|i| p.value(i))
    }

    /// The value of label `name`, `""` if absent: Prometheus' `Labels.Get`, for code that treats
    /// a missing label and an empty one alike (matchers, templates, grouping).
    pub fn get_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Whether label `name` is present (even with an empty value).
    pub fn has(&self, name: &str) -> bool {
        self.packed.as_deref().is_some_and(|p| p.find(name).is_ok())
    }

    /// The metric name, the value of `__name__`.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// The labels in name order.
    pub fn iter(&self) -> Iter<'_> {
        match self.packed.as_deref() {
            Some(p) => Iter { text: &p.text, ends: &p.ends, front: 0, back: p.ends.len() / 2 },
            None => Iter { text: "", ends: &[], front: 0, back: 0 },
        }
    }

    /// The label names in order.
    pub fn names(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + '_ {
        self.iter().map(|l| l.name)
    }

    /// The bytes of all names and values (Prometheus' `ByteSize`, for memory accounting).
    pub fn byte_size(&self) -> usize {
        self.packed.as_ref().map_or(0, |p| p.text.len())
    }

    /// The labels for which `keep` holds. Returns a clone of `self` (no allocation) when all are
    /// kept.
    pub fn filter(&self, mut keep: impl FnMut(Label<'_>) -> bool) -> Labels {
        let mut iter = self.iter();
        let Some(first_dropped) = iter.position(|l| !keep(l)) else {
            return self.clone();
        };
        let mut packer = Packer::with_capacity(self.len(), self.byte_size());
        for l in self.iter().take(first_dropped) {
            packer.push(l.name, l.value);
        }
        for l in iter {
            if keep(l) {
                packer.push(l.name, l.value);
            }
        }
        packer.finish()
    }

    /// The set without the labels named in `names` (exactly those; see
    /// [`Labels::drop_metric_name`] for `__name__`).
    pub fn without<S: AsRef<str>>(&self, names: &[S]) -> Labels {
        self.filter(|l| !names.iter().any(|n| n.as_ref() == l.name))
    }

    /// The set reduced to the labels named in `names`.
    pub fn keep_only<S: AsRef<str>>(&self, names: &[S]) -> Labels {
        self.filter(|l| names.iter().any(|n| n.as_ref() == l.name))
    }

    /// The set without `__name__` (PromQL functions and most binary operators drop it).
    pub fn drop_metric_name(&self) -> Labels {
        if !self.has(METRIC_NAME) {
            return self.clone();
        }
        self.filter(|l| l.name != METRIC_NAME)
    }

    /// The set without labels whose value is empty (Prometheus' `WithoutEmpty`).
    pub fn without_empty(&self) -> Labels {
        self.filter(|l| !l.value.is_empty())
    }

    /// The order prometheus/common's `LabelSet.Before` defines, which Alertmanager uses to sort
    /// alert groups in its API: fewer labels first; among sets of one size, the first name (in
    /// sorted order of all names of both) that only one of them has puts the set *lacking* it
    /// first, else the first differing value decides.
    pub fn cmp_by_size(&self, other: &Labels) -> Ordering {
        match self.len().cmp(&other.len()) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        for (a, b) in self.iter().zip(other.iter()) {
            match a.name.cmp(b.name) {
                // `a.name` sorts first and `other` lacks it: `other` is before.
                Ordering::Less => return Ordering::Greater,
                Ordering::Greater => return Ordering::Less,
                Ordering::Equal => match a.value.cmp(b.value) {
                    Ordering::Equal => {}
                    unequal => return unequal,
                },
            }
        }
        Ordering::Equal
    }

    /// Displays as `{a="1",b="2"}`: Prometheus' `StringNoSpace`.
    pub fn display_no_space(&self) -> impl fmt::Display + '_ {
        DisplayLabels { labels: self, separator: "," }
    }

    /// `compute()`, remembered in the allocation: the implementation of [`Labels::hash`].
    pub(super) fn memo_hash(&self, compute: impl FnOnce() -> u64) -> u64 {
        let Some(p) = self.packed.as_deref() else {
            return compute();
        };
        match p.hash.load(Relaxed) {
            0 => {
                let h = compute();
                p.hash.store(h, Relaxed);
                h
            }
            h => h,
        }
    }

    /// Whether both handles share one allocation (then they are certainly equal). Stores use
    /// it to check that they keep one copy of a set, not several.
    pub fn same_allocation(&self, other: &Labels) -> bool {
        match (&self.packed, &other.packed) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Packed {
    fn len(&self) -> usize {
        self.ends.len() / 2
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.ends[2 * i - 1] as usize }
    }

    fn name(&self, i: usize) -> &str {
        &self.text[self.start(i)..self.ends[2 * i] as usize]
    }

    fn value(&self, i: usize) -> &str {
        &self.text[self.ends[2 * i] as usize..self.ends[2 * i + 1] as usize]
    }

    /// Binary search for `name`: `Ok(index)` or `Err(insertion point)`.
    fn find(&self, name: &str) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.name(mid).cmp(name) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }
}

/// Appends labels, already sorted by name and unique, into a new [`Labels`].
pub(super) struct Packer {
    text: String,
    ends: Vec<u32>,
}

impl Packer {
    pub(super) fn with_capacity(labels: usize, text: usize) -> Self {
        Packer { text: String::with_capacity(text), ends: Vec::with_capacity(2 * labels) }
    }

    /// Appends a label; the caller keeps names sorted and unique.
    ///
    /// # Panics
    ///
    /// If the set's text passes 4 GiB, which no input that klaxon accepts can reach.
    pub(super) fn push(&mut self, name: &str, value: &str) {
        debug_assert!(
            self.ends.len() < 2 || {
                let start = if self.ends.len() == 2 { 0 } else { self.ends[self.ends.len() - 3] };
                &self.text[start as usize..self.ends[self.ends.len() - 2] as usize] < name
            },
            "labels pushed out of order or twice: {name:?}"
        );
        self.text.push_str(name);
        self.ends.push(offset(self.text.len()));
        self.text.push_str(value);
        self.ends.push(offset(self.text.len()));
    }

    pub(super) fn finish(self) -> Labels {
        if self.ends.is_empty() {
            return Labels::empty();
        }
        let packed = Packed {
            hash: AtomicU64::new(0),
            text: self.text.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
        };
        Labels { packed: Some(Arc::new(packed)) }
    }
}

/// `len` as an offset into a label text.
///
/// # Panics
///
/// Past 4 GiB, which no input that klaxon accepts can reach.
pub(super) fn offset(len: usize) -> u32 {
    u32::try_from(len).unwrap_or_else(|_| panic!("label set text of {len} bytes exceeds 4 GiB"))
}

/// Iterator over a [`Labels`] in name order.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    text: &'a str,
    ends: &'a [u32],
    front: usize,
    back: usize,
}

impl<'a> Iter<'a> {
    fn label(&self, i: usize) -> Label<'a> {
        let start = if i == 0 { 0 } else { self.ends[2 * i - 1] as usize };
        let name_end = self.ends[2 * i] as usize;
        let value_end = self.ends[2 * i + 1] as usize;
        Label { name: &self.text[start..name_end], value: &self.text[name_end..value_end] }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Label<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        let l = self.label(self.front);
        self.front += 1;
        Some(l)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        Some(self.label(self.back))
    }
}

impl ExactSizeIterator for Iter<'_> {}
impl std::iter::FusedIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Labels {
    type Item = Label<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<P: LabelPair> FromIterator<P> for Labels {
    fn from_iter<I: IntoIterator<Item = P>>(iter: I) -> Self {
        Labels::from_pairs(iter)
    }
}

impl PartialEq for Labels {
    fn eq(&self, other: &Self) -> bool {
        match (self.packed.as_deref(), other.packed.as_deref()) {
            (Some(a), Some(b)) => {
                if self.same_allocation(other) {
                    return true;
                }
                let (ha, hb) = (a.hash.load(Relaxed), b.hash.load(Relaxed));
                if ha != 0 && hb != 0 && ha != hb {
                    return false;
                }
                a.ends == b.ends && a.text == b.text
            }
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for Labels {}

impl Ord for Labels {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.same_allocation(other) {
            return Ordering::Equal;
        }
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Labels {
    /// Writes the remembered [`Labels::hash`]: one `u64` however large the set.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(Labels::hash(self));
    }
}

impl fmt::Display for Labels {
    /// Prometheus' `labels.String()`: `{__name__="up", job="x"}`. Values are Go-quoted; names
    /// are written bare when they are legacy label names, else Go-quoted (UTF-8 names).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        DisplayLabels { labels: self, separator: ", " }.fmt(f)
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Labels{self}")
    }
}

struct DisplayLabels<'a> {
    labels: &'a Labels,
    separator: &'static str,
}

impl fmt::Display for DisplayLabels<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, l) in self.labels.iter().enumerate() {
            if i > 0 {
                f.write_str(self.separator)?;
            }
            if is_valid_legacy_label_name(l.name) {
                f.write_str(l.name)?;
            } else {
                write_quoted(f, l.name)?;
            }
            f.write_str("=")?;
            write_quoted(f, l.value)?;
        }
        f.write_str("}")
    }
}

/// Writes `s` as Go's `strconv.Quote` would, without allocating in the common case.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let plain = s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        f.write_str("\"")?;
        f.write_str(s)?;
        f.write_str("\"")
    } else {
        f.write_str(&gostr::quote(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs)
    }

    /// Two sets (as pairs) and how the first compares to the second.
    type OrderCase<'a> = (&'a [(&'a str, &'a str)], &'a [(&'a str, &'a str)], Ordering);

    #[test]
    fn construction_sorts_and_dedups_last_wins() {
        let l = ls(&[("job", "a"), ("__name__", "up"), ("job", "b"), ("instance", "x")]);
        let pairs: Vec<_> = l.iter().map(|l| (l.name, l.value)).collect();
        assert_eq!(pairs, [("__name__", "up"), ("instance", "x"), ("job", "b")]);
        assert_eq!(l.len(), 3);
        let sorted_dup = ls(&[("a", "1"), ("a", "2"), ("b", "3")]);
        assert_eq!(sorted_dup.to_string(), r#"{a="2", b="3"}"#);
    }

    #[test]
    fn empty_set() {
        let e = Labels::empty();
        assert!(e.is_empty());
        assert_eq!(e.len(), 0);
        assert_eq!(e.to_string(), "{}");
        assert_eq!(e, ls(&[]));
        assert_eq!(e, Labels::default());
        assert_eq!(e.get(""), None);
        assert_eq!(e.iter().next(), None);
        assert_eq!(e.byte_size(), 0);
    }

    #[test]
    fn lookups() {
        let l = ls(&[("b", "2"), ("a", "1"), ("c", ""), ("__name__", "m")]);
        assert_eq!(l.get("a"), Some("1"));
        assert_eq!(l.get("b"), Some("2"));
        assert_eq!(l.get("c"), Some(""));
        assert_eq!(l.get("d"), None);
        assert_eq!(l.get(""), None);
        assert_eq!(l.get_or_empty("d"), "");
        assert!(l.has("c"));
        assert!(!l.has("aa"));
        assert_eq!(l.metric_name(), Some("m"));
        assert_eq!(l.names().collect::<Vec<_>>(), ["__name__", "a", "b", "c"]);
        assert_eq!(l.iter().next_back(), Some(Label::new("c", "")));
        assert_eq!(l.iter().rev().nth(1), Some(Label::new("b", "2")));
        assert_eq!(l.iter().len(), 4);
        assert_eq!(l.byte_size(), "__name__mab12c".len());
        for l2 in &l {
            assert_eq!(l.get(l2.name), Some(l2.value));
        }
    }

    #[test]
    fn display_matches_prometheus() {
        let l = ls(&[("__name__", "up"), ("job", "x"), ("instance", "localhost:9090")]);
        assert_eq!(l.to_string(), r#"{__name__="up", instance="localhost:9090", job="x"}"#);
        assert_eq!(
            l.display_no_space().to_string(),
            r#"{__name__="up",instance="localhost:9090",job="x"}"#
        );
        // UTF-8 names are quoted, legacy names are not; a colon is not legal in a label name.
        let u = ls(&[("a.b", "1"), ("c:d", "2"), ("_ok9", "3"), ("9x", "4"), ("ünï", "5")]);
        assert_eq!(u.to_string(), r#"{"9x"="4", _ok9="3", "a.b"="1", "c:d"="2", "ünï"="5"}"#);
        // Values as Go's %q: escapes, printable Unicode kept, others \u-escaped.
        let v = ls(&[
            ("a", "q\"b\\n\nt\tx\x07\x7f"),
            ("b", "héllo ☃ 😀"),
            ("c", "\u{a0}\u{200b}\u{feff}"),
        ]);
        assert_eq!(
            v.to_string(),
            r#"{a="q\"b\\n\nt\tx\a\x7f", b="héllo ☃ 😀", c="\u00a0\u200b\ufeff"}"#
        );
        assert_eq!(format!("{v:?}"), format!("Labels{v}"));
    }

    #[test]
    fn ordering_is_prometheus_compare() {
        let cases: &[OrderCase] = &[
            (&[("a", "1")], &[("a", "1")], Ordering::Equal),
            (&[("a", "1")], &[("a", "2")], Ordering::Less),
            (&[("a", "1")], &[("b", "0")], Ordering::Less),
            (&[("a", "1")], &[("a", "1"), ("b", "0")], Ordering::Less),
            (&[("aa", "1")], &[("a", "1"), ("b", "0")], Ordering::Greater),
            (&[("a", "10")], &[("a", "9")], Ordering::Less),
            (&[], &[("a", "")], Ordering::Less),
            (&[("a", ""), ("b", "")], &[("a", "x")], Ordering::Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(ls(a).cmp(&ls(b)), *want, "{a:?} vs {b:?}");
            assert_eq!(ls(b).cmp(&ls(a)), want.reverse(), "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn cmp_by_size_is_common_before() {
        let cases: &[OrderCase] = &[
            (&[("z", "9")], &[("a", "1"), ("b", "1")], Ordering::Less),
            // Same size: `a` only in the left; the set lacking the first such name comes first.
            (&[("a", "1")], &[("b", "1")], Ordering::Greater),
            (&[("a", "1"), ("c", "1")], &[("a", "1"), ("b", "1")], Ordering::Less),
            (&[("a", "1")], &[("a", "2")], Ordering::Less),
            (&[("a", "1")], &[("a", "1")], Ordering::Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(ls(a).cmp_by_size(&ls(b)), *want, "{a:?} vs {b:?}");
            assert_eq!(ls(b).cmp_by_size(&ls(a)), want.reverse(), "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn filtering() {
        let l = ls(&[("__name__", "up"), ("a", "1"), ("b", ""), ("c", "3")]);
        assert_eq!(l.without(&["a", "zz"]), ls(&[("__name__", "up"), ("b", ""), ("c", "3")]));
        assert_eq!(l.keep_only(&["a".to_string(), "c".to_string()]), ls(&[("a", "1"), ("c", "3")]));
        assert_eq!(l.drop_metric_name(), ls(&[("a", "1"), ("b", ""), ("c", "3")]));
        assert_eq!(l.without_empty(), ls(&[("__name__", "up"), ("a", "1"), ("c", "3")]));
        assert_eq!(l.keep_only::<&str>(&[]), Labels::empty());
        // Nothing removed: the very same allocation comes back.
        assert!(l.without(&["x"]).same_allocation(&l));
        let no_name = ls(&[("a", "1")]);
        assert!(no_name.drop_metric_name().same_allocation(&no_name));
    }

    #[test]
    fn equality_and_std_hash() {
        use std::collections::HashSet;
        let a = ls(&[("a", "bc")]);
        let b = ls(&[("ab", "c")]);
        assert_ne!(a, b, "same text, different split");
        let set: HashSet<Labels> = [a.clone(), b.clone(), a.clone()].into_iter().collect();
        assert_eq!(set.len(), 2);
        assert_eq!(a, a.clone());
        assert_eq!(ls(&[("a", "bc")]), a);
        // With both hashes remembered, equal sets still compare equal and unequal ones unequal.
        let a2 = ls(&[("a", "bc")]);
        assert_eq!((a.hash(), b.hash()), (a2.hash(), ls(&[("ab", "c")]).hash()));
        assert_eq!(a, a2);
        assert_ne!(a, b);
    }

    #[test]
    fn from_iterators() {
        let l: Labels = vec![("b".to_string(), "2".to_string()), ("a".into(), "1".into())]
            .into_iter()
            .collect();
        let m: Labels = l.iter().collect();
        assert_eq!(l, m);
        let h: std::collections::HashMap<String, String> =
            [("x".to_string(), "y".to_string())].into();
        let from_map: Labels = h.iter().collect();
        assert_eq!(from_map.to_string(), r#"{x="y"}"#);
    }
}
