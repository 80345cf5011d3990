//! [`LabelsBuilder`]: edits on top of a base [`Labels`] without copying it until the end.

use std::ops::Range;

use super::set::{Packer, offset};
use super::{Label, Labels};

/// Changes to a base label set: set, delete, keep; then [`LabelsBuilder::labels`] builds the
/// result in one pass.
///
/// Prometheus' `labels.Builder` semantics, which relabelling, rule labels and PromQL rely on:
///
/// * setting a label to `""` deletes it (an empty label is the same as a missing one), and base
///   labels with empty values are dropped from the result;
/// * a later change to a name overrides an earlier one;
/// * reading ([`get`](Self::get), [`for_each`](Self::for_each)) sees the changes so far.
///
/// One difference: [`keep`](Self::keep) also removes labels added with `set` whose names are not
/// listed (upstream only looks at the base), which is what its callers mean.
///
/// A builder over [`Labels::empty`] (`LabelsBuilder::default()`) collects labels in any order,
/// like Prometheus' `ScratchBuilder`. Reuse one builder with [`reset`](Self::reset): the strings
/// it is given are copied into one buffer that is kept, so a reused builder does not allocate
/// until [`labels`](Self::labels) builds the result. (Replaced values stay in that buffer until
/// the next reset.)
#[derive(Debug, Clone, Default)]
pub struct LabelsBuilder {
    base: Labels,
    base_has_empty: bool,
    /// The names and values of `add` and `del`, back to back.
    arena: String,
    /// Labels set, sorted by name, values non-empty; they win over the base.
    add: Vec<Added>,
    /// Names of base labels deleted, sorted.
    del: Vec<Span>,
}

/// A range of `arena`, in `u32` to keep entries small.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Debug, Clone, Copy)]
struct Added {
    name: Span,
    value: Span,
}

impl LabelsBuilder {
    /// A builder whose changes apply to `base`.
    pub fn new(base: Labels) -> Self {
        let mut b = LabelsBuilder::default();
        b.reset(base);
        b
    }

    /// Forgets all changes and starts again from `base`, keeping the allocated buffers.
    pub fn reset(&mut self, base: Labels) {
        self.base_has_empty = base.iter().any(|l| l.value.is_empty());
        self.base = base;
        self.arena.clear();
        self.del.clear();
        self.add.clear();
    }

    fn text(&self, span: Span) -> &str {
        &self.arena[span.range()]
    }

    fn push_text(&mut self, s: &str) -> Span {
        let start = offset(self.arena.len());
        self.arena.push_str(s);
        Span { start, end: offset(self.arena.len()) }
    }

    fn find_added(&self, name: &str) -> Result<usize, usize> {
        self.add.binary_search_by(|a| self.text(a.name).cmp(name))
    }

    fn find_deleted(&self, name: &str) -> Result<usize, usize> {
        self.del.binary_search_by(|&d| self.text(d).cmp(name))
    }

    /// Sets label `name` to `value`; an empty `value` deletes the label.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            return self.del(name);
        }
        match self.find_added(name) {
            Ok(i) => {
                let value = self.push_text(value);
                self.add[i].value = value;
            }
            Err(i) => {
                let name = self.push_text(name);
                let value = self.push_text(value);
                self.add.insert(i, Added { name, value });
            }
        }
        self
    }

    /// Deletes label `name`.
    pub fn del(&mut self, name: &str) -> &mut Self {
        if let Ok(i) = self.find_added(name) {
            self.add.remove(i);
        }
        if self.base.has(name)
            && let Err(i) = self.find_deleted(name)
        {
            let name = self.push_text(name);
            self.del.insert(i, name);
        }
        self
    }

    /// Deletes every label named in `names`.
    pub fn del_all<S: AsRef<str>>(&mut self, names: &[S]) -> &mut Self {
        for n in names {
            self.del(n.as_ref());
        }
        self
    }

    /// Deletes every label not named in `names`.
    pub fn keep<S: AsRef<str>>(&mut self, names: &[S]) -> &mut Self {
        self.retain(|l| names.iter().any(|n| n.as_ref() == l.name))
    }

    /// Deletes every current label for which `keep` is false (`labeldrop` / `labelkeep`).
    pub fn retain(&mut self, mut keep: impl FnMut(Label<'_>) -> bool) -> &mut Self {
        let mut doomed = Vec::new();
        self.for_each(|l| {
            if !keep(l) {
                doomed.push(l.name.to_owned());
            }
        });
        for name in &doomed {
            self.del(name);
        }
        self
    }

    /// The current value of label `name`, `""` if absent or deleted.
    pub fn get(&self, name: &str) -> &str {
        if let Ok(i) = self.find_added(name) {
            return self.text(self.add[i].value);
        }
        if self.find_deleted(name).is_ok() {
            return "";
        }
        self.base.get_or_empty(name)
    }

    /// Whether label `name` currently has a non-empty value.
    pub fn has(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// Calls `f` on each current label, in name order.
    pub fn for_each(&self, mut f: impl FnMut(Label<'_>)) {
        let added = |a: &Added| Label::new(self.text(a.name), self.text(a.value));
        let mut add = self.add.iter().peekable();
        for l in self.base.iter() {
            if l.value.is_empty() || (!self.del.is_empty() && self.find_deleted(l.name).is_ok()) {
                continue;
            }
            while let Some(a) = add.next_if(|a| self.text(a.name) < l.name) {
                f(added(a));
            }
            // A set label of the same name replaces the base one; it is emitted next.
            if add.peek().is_some_and(|a| self.text(a.name) == l.name) {
                continue;
            }
            f(l);
        }
        for a in add {
            f(added(a));
        }
    }

    /// The resulting label set. Without changes this is the base itself (no copy).
    pub fn labels(&self) -> Labels {
        if self.add.is_empty() && self.del.is_empty() && !self.base_has_empty {
            return self.base.clone();
        }
        let mut packer = Packer::with_capacity(
            self.base.len() + self.add.len(),
            self.base.byte_size() + self.arena.len(),
        );
        self.for_each(|l| packer.push(l.name, l.value));
        packer.finish()
    }
}

impl From<Labels> for LabelsBuilder {
    fn from(base: Labels) -> Self {
        LabelsBuilder::new(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs)
    }

    #[test]
    fn no_changes_returns_base() {
        let base = ls(&[("a", "1"), ("b", "2")]);
        let b = LabelsBuilder::new(base.clone());
        assert!(b.labels().same_allocation(&base));
    }

    #[test]
    fn set_del_keep() {
        let base = ls(&[("__name__", "up"), ("a", "1"), ("b", "2"), ("c", "3")]);
        let mut b = base.builder();
        b.set("b", "20").set("d", "4").del("a").set("0", "zero");
        assert_eq!(b.get("b"), "20");
        assert_eq!(b.get("a"), "");
        assert!(b.has("d"));
        assert!(!b.has("a"));
        assert_eq!(
            b.labels(),
            ls(&[("0", "zero"), ("__name__", "up"), ("b", "20"), ("c", "3"), ("d", "4")])
        );
        b.set("a", "back");
        assert_eq!(b.get("a"), "back");
        assert_eq!(b.labels().get("a"), Some("back"));
        b.set("c", "");
        assert_eq!(b.labels().get("c"), None);
        b.keep(&["a", "d", "x"]);
        assert_eq!(b.labels(), ls(&[("a", "back"), ("d", "4")]));
        b.del_all(&["a", "d"]);
        assert_eq!(b.labels(), Labels::empty());
        b.reset(base.clone());
        assert_eq!(b.labels(), base);
    }

    #[test]
    fn empty_base_values_are_dropped() {
        let base = ls(&[("a", ""), ("b", "2")]);
        let b = LabelsBuilder::new(base);
        assert_eq!(b.labels(), ls(&[("b", "2")]));
        assert_eq!(b.get("a"), "");
    }

    #[test]
    fn scratch_use_in_any_order() {
        let mut b = LabelsBuilder::default();
        for (n, v) in [("z", "1"), ("m", "2"), ("a", "3"), ("m", "4")] {
            b.set(n, v);
        }
        assert_eq!(b.labels().to_string(), r#"{a="3", m="4", z="1"}"#);
    }

    #[test]
    fn retain_and_for_each_see_changes() {
        let mut b = ls(&[("__meta_x", "1"), ("job", "j"), ("__address__", "h:1")]).builder();
        b.set("__meta_y", "2").set("instance", "h:1");
        b.retain(|l| !l.name.starts_with("__"));
        let mut seen = Vec::new();
        b.for_each(|l| seen.push(format!("{}={}", l.name, l.value)));
        assert_eq!(seen, ["instance=h:1", "job=j"]);
    }
}
