//! The parse tree of a Go regular expression, shaped like Go's own `regexp/syntax` tree.
//!
//! Each node carries its height and Go's estimate of its compiled size, because Go rejects
//! patterns whose tree is deeper than [`MAX_HEIGHT`] or larger than [`MAX_SIZE`] and we want to
//! reject the same ones (and never build a tree deep enough to overflow our own stack).

use super::classes::{AsciiClass, UnicodeProp};

/// Go's `maxHeight`: deeper trees fail with "expression nests too deeply".
pub(crate) const MAX_HEIGHT: u32 = 1000;

/// Go's `maxSize` (128 MiB of 40-byte instructions): larger programs fail with
/// "expression too large".
pub(crate) const MAX_SIZE: u64 = (128 << 20) / 40;

/// A node and the bookkeeping Go's limits need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// 1 for a leaf, 1 + the highest child otherwise.
    pub(crate) height: u32,
    /// Go's `calcSize` estimate of the compiled program size.
    pub(crate) size: u64,
}

/// What a node matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The empty string.
    Empty,
    /// A run of characters, case-insensitive when `fold` (Go's `(?i)`).
    Literal { chars: Vec<char>, fold: bool },
    /// A bracketed class, a Perl class (`\d`) or a Unicode class (`\pL`).
    Class(Class),
    /// `.` with the `s` flag.
    AnyChar,
    /// `.` without the `s` flag.
    AnyCharNotNl,
    /// `^` with the `m` flag.
    BeginLine,
    /// `$` with the `m` flag.
    EndLine,
    /// `^` without `m`, or `\A`.
    BeginText,
    /// `$` without `m`, or `\z`.
    EndText,
    /// `\b`: an ASCII word boundary.
    WordBoundary,
    /// `\B`: not an ASCII word boundary.
    NoWordBoundary,
    /// A capturing group (`index` counts from 1).
    Capture { index: usize, name: Option<String>, sub: Box<Node> },
    /// `*`, `+`, `?` or `{n,m}`.
    Repeat { op: RepeatOp, greedy: bool, sub: Box<Node> },
    /// A sequence.
    Concat(Vec<Node>),
    /// A choice, preferring the earlier branches.
    Alternate(Vec<Node>),
}

/// The repetition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RepeatOp {
    Star,
    Plus,
    Quest,
    /// `{min}`, `{min,}` (`max` is `None`) or `{min,max}`.
    Range {
        min: u32,
        max: Option<u32>,
    },
}

/// A character class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Class {
    pub(crate) negated: bool,
    /// Case-insensitive: every item also matches its simple case folds.
    pub(crate) fold: bool,
    pub(crate) items: Vec<ClassItem>,
}

/// One element of a class. Code points are `u32` because Go accepts surrogates (`\x{D800}`),
/// which can never match valid UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClassItem {
    Range(u32, u32),
    Ascii(AsciiClass),
    Unicode { prop: UnicodeProp, negated: bool },
}

impl Node {
    /// A node without children.
    pub(crate) fn leaf(kind: Kind) -> Node {
        let size = match &kind {
            Kind::Literal { chars, .. } => chars.len() as u64,
            _ => 0,
        };
        Node { kind, height: 1, size: size.max(1) }
    }

    /// A one-character literal.
    pub(crate) fn literal(c: char, fold: bool) -> Node {
        Node::leaf(Kind::Literal { chars: vec![c], fold })
    }

    /// A class that matches no character at all (what a surrogate literal becomes).
    pub(crate) fn never() -> Node {
        Node::leaf(Kind::Class(Class { negated: false, fold: false, items: Vec::new() }))
    }

    pub(crate) fn capture(index: usize, name: Option<String>, sub: Node) -> Node {
        let (height, size) = (sub.height + 1, sub.size.saturating_add(2));
        Node { kind: Kind::Capture { index, name, sub: Box::new(sub) }, height, size }
    }

    pub(crate) fn repeat(op: RepeatOp, greedy: bool, sub: Node) -> Node {
        let height = sub.height + 1;
        let s = sub.size;
        let size = match op {
            RepeatOp::Star => s.saturating_add(2),
            RepeatOp::Plus | RepeatOp::Quest => s.saturating_add(1),
            RepeatOp::Range { min: 0, max: None } => s.saturating_add(2),
            RepeatOp::Range { min, max: None } => {
                s.saturating_mul(u64::from(min)).saturating_add(1)
            }
            RepeatOp::Range { min, max: Some(max) } => {
                s.saturating_mul(u64::from(max)).saturating_add(u64::from(max.saturating_sub(min)))
            }
        };
        Node { kind: Kind::Repeat { op, greedy, sub: Box::new(sub) }, height, size: size.max(1) }
    }

    /// A concatenation, flattened like Go's `collapse`: nested concatenations are hoisted and
    /// adjacent literals with the same case sensitivity merged.
    pub(crate) fn concat(subs: Vec<Node>) -> Node {
        let mut out: Vec<Node> = Vec::with_capacity(subs.len());
        for sub in subs {
            let parts = match sub.kind {
                Kind::Concat(parts) => parts,
                other => vec![Node { kind: other, ..sub }],
            };
            for part in parts {
                if let (
                    Some(Node { kind: Kind::Literal { chars, fold }, size, .. }),
                    Kind::Literal { chars: more, fold: more_fold },
                ) = (out.last_mut(), &part.kind)
                    && fold == more_fold
                {
                    chars.extend_from_slice(more);
                    *size = chars.len() as u64;
                    continue;
                }
                out.push(part);
            }
        }
        match out.len() {
            0 => Node::leaf(Kind::Empty),
            1 => out.pop().unwrap_or_else(|| Node::leaf(Kind::Empty)),
            _ => {
                let height = out.iter().map(|n| n.height).max().unwrap_or(0) + 1;
                let size = out.iter().fold(0u64, |acc, n| acc.saturating_add(n.size));
                Node { kind: Kind::Concat(out), height, size: size.max(1) }
            }
        }
    }

    /// An alternation, flattened like Go's `collapse`.
    pub(crate) fn alternate(subs: Vec<Node>) -> Node {
        let mut out: Vec<Node> = Vec::with_capacity(subs.len());
        for sub in subs {
            match sub.kind {
                Kind::Alternate(parts) => out.extend(parts),
                other => out.push(Node { kind: other, ..sub }),
            }
        }
        match out.len() {
            0 => Node::never(),
            1 => out.pop().unwrap_or_else(Node::never),
            n => {
                let height = out.iter().map(|n| n.height).max().unwrap_or(0) + 1;
                let size = out
                    .iter()
                    .fold(0u64, |acc, n| acc.saturating_add(n.size))
                    .saturating_add(n as u64 - 1);
                Node { kind: Kind::Alternate(out), height, size: size.max(1) }
            }
        }
    }

    /// Go's `repeatIsValid`: nested counted repetitions may not multiply past `n` copies.
    pub(crate) fn repeat_is_valid(&self, mut n: u32) -> bool {
        if let Kind::Repeat { op: RepeatOp::Range { min, max }, .. } = &self.kind {
            let m = match max {
                Some(0) => return true,
                Some(m) => *m,
                None => *min,
            };
            if m > n {
                return false;
            }
            n = n.checked_div(m).unwrap_or(n);
        }
        self.children().iter().all(|c| c.repeat_is_valid(n))
    }

    /// The direct children.
    pub(crate) fn children(&self) -> &[Node] {
        match &self.kind {
            Kind::Capture { sub, .. } | Kind::Repeat { sub, .. } => std::slice::from_ref(sub),
            Kind::Concat(subs) | Kind::Alternate(subs) => subs,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_merges_literals_with_same_fold() {
        let n = Node::concat(vec![
            Node::literal('a', false),
            Node::literal('b', false),
            Node::literal('c', true),
        ]);
        let Kind::Concat(parts) = &n.kind else { panic!("{n:?}") };
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].kind, Kind::Literal { chars: vec!['a', 'b'], fold: false });
        assert_eq!(n.height, 2);
        assert_eq!(n.size, 3);
    }

    #[test]
    fn single_and_empty_concat() {
        assert_eq!(Node::concat(vec![]).kind, Kind::Empty);
        assert_eq!(Node::concat(vec![Node::leaf(Kind::AnyChar)]).kind, Kind::AnyChar);
    }

    #[test]
    fn repeat_validity_multiplies_nested_counts() {
        let inner = Node::repeat(
            RepeatOp::Range { min: 100, max: Some(100) },
            true,
            Node::literal('a', false),
        );
        let ok = Node::repeat(RepeatOp::Range { min: 10, max: Some(10) }, true, inner.clone());
        assert!(ok.repeat_is_valid(1000));
        let bad = Node::repeat(RepeatOp::Range { min: 11, max: Some(11) }, true, inner.clone());
        assert!(!bad.repeat_is_valid(1000));
        let zero = Node::repeat(RepeatOp::Range { min: 0, max: Some(0) }, true, inner);
        assert!(zero.repeat_is_valid(1));
    }
}
