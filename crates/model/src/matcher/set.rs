//! [`Matchers`]: a list of matchers that must all match, as a route, an inhibition rule or a
//! silence holds them.

use std::fmt;
use std::ops::Deref;

use super::Matcher;
use crate::labels::Labels;

/// A list of matchers, all of which must match (logical AND).
///
/// Order is kept as given; [`Matchers::sort`] puts it in upstream's order for a route (by name,
/// then value, then operator), which its [`Display`](fmt::Display) form — part of the route key
/// `{}/{severity="critical"}` — depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Matchers(Vec<Matcher>);

impl Matchers {
    /// An empty list.
    pub fn new() -> Self {
        Matchers(Vec::new())
    }

    /// Appends a matcher.
    pub fn push(&mut self, matcher: Matcher) {
        self.0.push(matcher);
    }

    /// Sorts by name, then value, then operator, as Alertmanager sorts a route's matchers.
    pub fn sort(&mut self) {
        self.0.sort();
    }

    /// The list sorted as [`Matchers::sort`] does.
    pub fn sorted(mut self) -> Self {
        self.sort();
        self
    }

    /// The matchers as a vector.
    pub fn into_vec(self) -> Vec<Matcher> {
        self.0
    }

    /// Whether every matcher matches the label set seen through `label`, which returns a
    /// label's value by name. A label that is absent (`None`) counts as the empty string, as
    /// upstream counts it. An empty list matches everything.
    pub fn matches<'a>(&self, mut label: impl FnMut(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|m| m.matches(label(m.name()).unwrap_or("")))
    }

    /// Whether every matcher matches `labels` (a missing label counts as the empty string).
    pub fn matches_labels(&self, labels: &Labels) -> bool {
        self.matches(|name| labels.get(name))
    }

    /// Whether every matcher "matches the empty string" in the sense of
    /// [`Matcher::matches_empty`]: a silence whose matchers all do is rejected. True for an
    /// empty list (which a silence rejects on other grounds).
    pub fn all_match_empty(&self) -> bool {
        self.0.iter().all(Matcher::matches_empty)
    }
}

impl Deref for Matchers {
    type Target = [Matcher];

    fn deref(&self) -> &[Matcher] {
        &self.0
    }
}

impl From<Vec<Matcher>> for Matchers {
    fn from(v: Vec<Matcher>) -> Self {
        Matchers(v)
    }
}

impl From<Matchers> for Vec<Matcher> {
    fn from(m: Matchers) -> Self {
        m.0
    }
}

impl FromIterator<Matcher> for Matchers {
    fn from_iter<I: IntoIterator<Item = Matcher>>(iter: I) -> Self {
        Matchers(iter.into_iter().collect())
    }
}

impl Extend<Matcher> for Matchers {
    fn extend<I: IntoIterator<Item = Matcher>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for Matchers {
    type Item = Matcher;
    type IntoIter = std::vec::IntoIter<Matcher>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Matchers {
    type Item = &'a Matcher;
    type IntoIter = std::slice::Iter<'a, Matcher>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// `{m1,m2,…}`: each matcher in its own dialect's form, joined by commas without spaces, in
/// braces (`{}` when empty). For Alertmanager matchers this is the route-key form.
impl fmt::Display for Matchers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            fmt::Display::fmt(m, f)?;
        }
        f.write_str("}")
    }
}
