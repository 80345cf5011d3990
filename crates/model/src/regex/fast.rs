//! Matching without the regex engine for the shapes label matchers mostly use.
//!
//! Decided once, from the parse tree: a pattern that (as a whole-string match) is a finite set
//! of literals (`api|web`, `(dev|prod)-eu`) becomes a sorted set; one built from literals and
//! runs of `.` (`foo.*`, `.*-prod`, `.*err.*warn.*`, `5..`, `(?i)error.*`) becomes a small
//! glob. Anything else, or anything whose meaning depends on case folding beyond ASCII,
//! stays with the regex. Both give the same answer; the tests check that against the regex.

use super::ast::{Kind, Node, RepeatOp};

/// Most alternatives a pattern may expand to (Prometheus' `maxSetMatches`).
const MAX_ALTERNATIVES: usize = 256;
/// Most non-literal alternatives worth trying one by one before the regex is faster.
const MAX_GLOBS: usize = 8;
/// Largest class spelled out as alternatives (`[0-9]`).
const MAX_CLASS_CHARS: u32 = 10;
/// Deepest tree analysed; the shapes worth it are shallow, and the analysis recurses.
const MAX_HEIGHT: u32 = 32;

/// The fast matcher for one pattern.
#[derive(Debug, Clone)]
pub(crate) struct FastPath {
    /// Strings matched exactly, case-sensitively; sorted and deduplicated.
    exact: Vec<String>,
    /// Everything else it matches.
    globs: Vec<Glob>,
}

impl FastPath {
    /// Analyses a whole-string match of `root`. `implicit_anchors`: the caller anchors the
    /// match (Prometheus); otherwise every alternative must carry `^...$` itself (Alertmanager's
    /// wrapper), or there is no fast path.
    pub(crate) fn analyze(root: &Node, implicit_anchors: bool) -> Option<FastPath> {
        if root.height > MAX_HEIGHT {
            return None;
        }
        let seqs = alternatives(root)?;
        let mut exact = Vec::new();
        let mut globs = Vec::new();
        for seq in seqs {
            let glob = Glob::from_pieces(seq, implicit_anchors)?;
            match glob.as_exact() {
                Some(s) => exact.push(s.to_string()),
                None => globs.push(glob),
            }
        }
        if globs.len() > MAX_GLOBS {
            return None;
        }
        exact.sort_unstable();
        exact.dedup();
        Some(FastPath { exact, globs })
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.exact.binary_search_by(|e| e.as_str().cmp(s)).is_ok()
            || self.globs.iter().any(|g| g.is_match(s))
    }

    /// The exact strings, when that is all the pattern matches.
    pub(crate) fn literal_set(&self) -> Option<&[String]> {
        self.globs.is_empty().then_some(self.exact.as_slice())
    }

    /// Whether every string matches (Prometheus' `.*`).
    pub(crate) fn matches_everything(&self) -> bool {
        self.globs
            .iter()
            .any(|g| g.dotall && matches!(g.parts.as_slice(), [Part::Gap { min: 0, max: None }]))
    }

    /// A case-sensitive prefix every match starts with, when the pattern is one glob.
    pub(crate) fn literal_prefix(&self) -> Option<&str> {
        match (self.exact.as_slice(), self.globs.as_slice()) {
            ([], [glob]) => match glob.parts.first() {
                Some(Part::Lit(Lit { text, ci: false })) => Some(text),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A literal piece; `ci` compares ASCII letters case-insensitively (only chosen when that is
/// exactly Go's case folding: no `k` or `s`, whose folds include `K` and `ſ`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lit {
    text: String,
    ci: bool,
}

impl Lit {
    fn from_node(chars: &[char], fold: bool) -> Option<Lit> {
        let text: String = chars.iter().collect();
        if !fold {
            return Some(Lit { text, ci: false });
        }
        if !text.is_ascii() || text.contains(['k', 'K', 's', 'S']) {
            return None;
        }
        let ci = text.bytes().any(|c| c.is_ascii_alphabetic());
        Some(Lit { text, ci })
    }

    /// Appends `other`, if one comparison mode fits both.
    fn merge(&mut self, other: &Lit) -> bool {
        let no_letters = |l: &Lit| !l.text.bytes().any(|c| c.is_ascii_alphabetic());
        if self.ci != other.ci {
            let sensitive = if self.ci { other } else { &*self };
            if !no_letters(sensitive) {
                return false;
            }
            self.ci = true;
        }
        self.text.push_str(&other.text);
        true
    }

    fn len(&self) -> usize {
        self.text.len()
    }

    fn eq_at(&self, b: &[u8], at: usize) -> bool {
        let Some(window) = b.get(at..at + self.len()) else { return false };
        if self.ci {
            window.eq_ignore_ascii_case(self.text.as_bytes())
        } else {
            window == self.text.as_bytes()
        }
    }

    /// The first position at or after `from` where it occurs.
    fn find(&self, s: &str, from: usize) -> Option<usize> {
        let rest = s.get(from..)?;
        if !self.ci {
            return rest.find(self.text.as_str()).map(|p| from + p);
        }
        let b = s.as_bytes();
        (from..=b.len().checked_sub(self.len())?).find(|&p| self.eq_at(b, p))
    }
}

/// One element of an alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Lit(Lit),
    /// Between `min` and `max` characters (any, or any but `\n` unless `nl`).
    Gap {
        min: usize,
        max: Option<usize>,
        nl: bool,
    },
    Begin,
    End,
}

/// An alternative as literals and gaps, alternating.
#[derive(Debug, Clone)]
struct Glob {
    parts: Vec<Part>,
    /// The gaps match `\n` too (else they, and so the whole string, must be free of it).
    dotall: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(Lit),
    Gap { min: usize, max: Option<usize> },
}

impl Glob {
    fn from_pieces(pieces: Vec<Piece>, implicit_anchors: bool) -> Option<Glob> {
        // Anchors only at the very ends; then drop them.
        let begins = pieces.iter().take_while(|p| **p == Piece::Begin).count();
        let ends = pieces.iter().rev().take_while(|p| **p == Piece::End).count();
        let inner = &pieces[begins..pieces.len() - ends];
        if !implicit_anchors && (begins == 0 || ends == 0) {
            return None;
        }
        let mut parts: Vec<Part> = Vec::new();
        let mut dotall: Option<bool> = None;
        for piece in inner {
            match piece {
                Piece::Begin | Piece::End => return None,
                Piece::Lit(lit) => match parts.last_mut() {
                    Some(Part::Lit(last)) => {
                        if !last.merge(lit) {
                            return None;
                        }
                    }
                    _ => parts.push(Part::Lit(lit.clone())),
                },
                Piece::Gap { min, max, nl } => {
                    if *dotall.get_or_insert(*nl) != *nl {
                        return None;
                    }
                    match parts.last_mut() {
                        Some(Part::Gap { min: m, max: x }) => {
                            *m += min;
                            *x = x.zip(*max).map(|(a, b)| a + b);
                        }
                        _ => parts.push(Part::Gap { min: *min, max: *max }),
                    }
                }
            }
        }
        let dotall = dotall.unwrap_or(true);
        // Literals may hold `\n` only when the gaps may too.
        if !dotall && parts.iter().any(|p| matches!(p, Part::Lit(l) if l.text.contains('\n'))) {
            return None;
        }
        // A literal between the first and the last part is searched for, and its leftmost
        // occurrence is the right one only if no gap has an upper bound (`.*a.?b` on "axab").
        let last = parts.len().saturating_sub(1);
        let searched = (1..last).any(|i| matches!(parts[i], Part::Lit(_)));
        if searched && parts.iter().any(|p| matches!(p, Part::Gap { max: Some(_), .. })) {
            return None;
        }
        Some(Glob { parts, dotall })
    }

    /// The string, when this matches exactly one string case-sensitively.
    fn as_exact(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(Lit { text, ci: false })] => Some(text),
            _ => None,
        }
    }

    fn is_match(&self, s: &str) -> bool {
        let b = s.as_bytes();
        let has_gap = self.parts.iter().any(|p| matches!(p, Part::Gap { .. }));
        if has_gap && !self.dotall && b.contains(&b'\n') {
            return false;
        }
        let mut pos = 0;
        let mut i = 0;
        if let Some(Part::Lit(prefix)) = self.parts.first() {
            if !prefix.eq_at(b, 0) {
                return false;
            }
            pos = prefix.len();
            i = 1;
        }
        loop {
            let (min, max) = match self.parts.get(i) {
                None => return pos == b.len(),
                Some(Part::Gap { min, max }) => (*min, *max),
                Some(Part::Lit(_)) => return false,
            };
            match self.parts.get(i + 1) {
                None => return count_in(&s[pos..], min, max),
                Some(Part::Lit(suffix)) if i + 2 == self.parts.len() => {
                    let Some(start) = b.len().checked_sub(suffix.len()) else { return false };
                    return start >= pos
                        && suffix.eq_at(b, start)
                        && s.is_char_boundary(start)
                        && count_in(&s[pos..start], min, max);
                }
                Some(Part::Lit(lit)) => {
                    let Some(from) = skip_chars(s, pos, min) else { return false };
                    let Some(at) = lit.find(s, from) else { return false };
                    pos = at + lit.len();
                    i += 2;
                }
                Some(Part::Gap { .. }) => return false,
            }
        }
    }
}

/// Whether `s` has between `min` and `max` characters.
fn count_in(s: &str, min: usize, max: Option<usize>) -> bool {
    match max {
        None => min == 0 || s.chars().nth(min - 1).is_some(),
        Some(max) => {
            if s.len() < min {
                return false;
            }
            let n = s.chars().take(max + 1).count();
            n >= min && n <= max
        }
    }
}

/// The byte offset `n` characters after `pos`.
fn skip_chars(s: &str, pos: usize, n: usize) -> Option<usize> {
    let rest = s.get(pos..)?;
    if n == 0 {
        return Some(pos);
    }
    let (i, c) = rest.char_indices().nth(n - 1)?;
    Some(pos + i + c.len_utf8())
}

/// The alternatives `node` expands to, each a sequence of pieces; `None` if it does not
/// expand (or to too many).
fn alternatives(node: &Node) -> Option<Vec<Vec<Piece>>> {
    let single = |p: Piece| Some(vec![vec![p]]);
    match &node.kind {
        Kind::Empty => Some(vec![Vec::new()]),
        Kind::Literal { chars, fold } => single(Piece::Lit(Lit::from_node(chars, *fold)?)),
        Kind::AnyChar => single(Piece::Gap { min: 1, max: Some(1), nl: true }),
        Kind::AnyCharNotNl => single(Piece::Gap { min: 1, max: Some(1), nl: false }),
        Kind::BeginText => single(Piece::Begin),
        Kind::EndText => single(Piece::End),
        Kind::Capture { sub, .. } => alternatives(sub),
        Kind::Class(class) => {
            if class.negated || class.fold {
                return None;
            }
            let mut out = Vec::new();
            let mut total = 0;
            for item in &class.items {
                let super::ast::ClassItem::Range(lo, hi) = item else { return None };
                total += hi.saturating_sub(*lo) + 1;
                if total > MAX_CLASS_CHARS {
                    return None;
                }
                for c in (*lo..=*hi).filter_map(char::from_u32) {
                    out.push(vec![Piece::Lit(Lit { text: c.to_string(), ci: false })]);
                }
            }
            Some(out)
        }
        Kind::Repeat { op, sub, .. } => {
            let nl = match sub.kind {
                Kind::AnyChar => Some(true),
                Kind::AnyCharNotNl => Some(false),
                _ => None,
            };
            let bounds = match op {
                RepeatOp::Star => (0, None),
                RepeatOp::Plus => (1, None),
                RepeatOp::Quest => (0, Some(1)),
                RepeatOp::Range { min, max } => (*min as usize, max.map(|m| m as usize)),
            };
            match (nl, bounds) {
                (Some(nl), (min, max)) => single(Piece::Gap { min, max, nl }),
                (None, (0, Some(1))) => {
                    let mut alts = alternatives(sub)?;
                    alts.push(Vec::new());
                    (alts.len() <= MAX_ALTERNATIVES).then_some(alts)
                }
                _ => None,
            }
        }
        Kind::Concat(subs) => {
            let mut acc: Vec<Vec<Piece>> = vec![Vec::new()];
            for sub in subs {
                let alts = alternatives(sub)?;
                if acc.len().saturating_mul(alts.len()) > MAX_ALTERNATIVES {
                    return None;
                }
                let mut next = Vec::with_capacity(acc.len() * alts.len());
                for head in &acc {
                    for tail in &alts {
                        let mut seq = head.clone();
                        seq.extend(tail.iter().cloned());
                        next.push(seq);
                    }
                }
                acc = next;
            }
            Some(acc)
        }
        Kind::Alternate(subs) => {
            let mut out = Vec::new();
            for sub in subs {
                out.extend(alternatives(sub)?);
                if out.len() > MAX_ALTERNATIVES {
                    return None;
                }
            }
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    fn fast(pattern: &str) -> Option<FastPath> {
        FastPath::analyze(&parse(pattern, true).unwrap().root, true)
    }

    #[test]
    fn shapes() {
        let set = |p: &str| fast(p).and_then(|f| f.literal_set().map(<[String]>::to_vec));
        assert_eq!(set("foo"), Some(vec!["foo".to_string()]));
        assert_eq!(set(""), Some(vec![String::new()]));
        assert_eq!(set("b|a|b"), Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(set("(dev|prod)-(eu|us)").map(|v| v.len()), Some(4));
        assert_eq!(set("5[0-9]x").map(|v| v.len()), Some(10));
        assert_eq!(set("https?").map(|v| v.len()), Some(2));
        assert_eq!(set("^foo$"), Some(vec!["foo".to_string()]));
        assert_eq!(set("foo.*"), None);
        assert!(fast("foo.*").is_some());
        assert_eq!(fast("foo.*").unwrap().literal_prefix(), Some("foo"));
        assert!(fast(".*").unwrap().matches_everything());
        assert!(!fast("(?-s:.*)").unwrap().matches_everything());
        assert!(fast("(?i)error.*").is_some());
        assert!(fast("(?i)kube.*").is_none()); // k folds to the Kelvin sign
        assert!(fast("a+").is_none());
        assert!(fast("[a-z]+").is_none());
        assert!(fast("(a|b){300}").is_none());
        assert!(fast("a.?b.*c").is_none()); // bounded gap before a searched literal
        assert!(fast(".*b.{1,3}").is_none()); // and after one
        assert!(fast("(a|.*b).{1,3}").is_none());
        assert!(fast("a.{1,3}b").is_some()); // nothing searched: prefix, gap, suffix
    }

    #[test]
    fn glob_matching() {
        let m = |p: &str, s: &str| fast(p).unwrap().is_match(s);
        assert!(m(".*-prod", "api-prod"));
        assert!(!m(".*-prod", "api-prod2"));
        assert!(m(".*err.*warn.*", "xerrywarnz"));
        assert!(!m(".*err.*warn.*", "warn err"));
        assert!(m("5..", "503"));
        assert!(m("5..", "5éé"));
        assert!(!m("5..", "50"));
        assert!(m("(?-s)foo.*", "foobar"));
        assert!(!m("(?-s)foo.*", "foo\nbar"));
        assert!(m("foo.*", "foo\nbar"));
        assert!(m("(?i)error.*", "ERROR: x"));
        assert!(!m("(?i)error.*", "ERRO"));
        assert!(m("ab.+ba", "ab_ba"));
        assert!(!m("ab.+ba", "abba"));
        assert!(!m("ab.*ba", "aba"));
        assert!(m(".{2,3}x", "ééx"));
        assert!(m(".{2,3}x", "éééx"));
        assert!(!m(".{2,3}x", "éx"));
        assert!(!m(".{2,3}x", "ééééx"));
    }
}
