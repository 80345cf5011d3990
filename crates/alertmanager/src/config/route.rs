//! `route:`: the route tree as configured ([`RouteConfig`]), and its checks.
//!
//! Matchers are parsed here (in the configured [`MatcherParseMode`]), so a loaded
//! `RouteConfig` holds only valid matchers; `crate::route::Route` resolves inheritance.

use super::de::{Str, null_default};
use super::error::{Positioned, Result};
use model::duration::Duration;
use model::gostr::quote;
use model::labels::is_valid_legacy_label_name;
use model::matcher::{MatchOp, Matcher, MatcherParseMode, Matchers};
use serde::{Deserialize, Serialize, Serializer};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashSet};

/// One node of `route:` as written (before inheritance). Serialises as upstream prints it in
/// `/api/v2/status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouteConfig {
    /// `None` (or empty) = inherited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    /// As written, `...` included; `None` = inherited, `Some([])` = reset to no grouping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Vec<String>>,
    /// Deprecated `match:` (equality).
    #[serde(rename = "match", skip_serializing_if = "BTreeMap::is_empty")]
    pub match_eq: BTreeMap<String, String>,
    /// Deprecated `match_re:` (anchored regexes, already checked to compile).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_re: BTreeMap<String, String>,
    /// `matchers:`, parsed and sorted.
    #[serde(skip_serializing_if = "no_matchers", serialize_with = "matcher_strings")]
    pub matchers: Matchers,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active_time_intervals: Vec<String>,
    #[serde(rename = "continue")]
    pub continue_matching: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<Duration>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

fn no_matchers(m: &Matchers) -> bool {
    m.is_empty()
}

/// Matchers as the list of strings upstream prints.
pub(crate) fn matcher_strings<S: Serializer>(m: &Matchers, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(m.iter().map(ToString::to_string))
}

impl RouteConfig {
    /// The node's matchers: `match` (as `=`), `match_re` (as `=~`) and `matchers`, sorted by
    /// name, value and operator as upstream sorts them.
    pub fn all_matchers(&self) -> Matchers {
        let mut all = Matchers::new();
        for (k, v) in &self.match_eq {
            all.extend(Matcher::alertmanager(MatchOp::Equal, k, v).ok());
        }
        for (k, v) in &self.match_re {
            all.extend(match_re_matcher(k, v));
        }
        all.extend(self.matchers.iter().cloned());
        all.sorted()
    }

    /// Whether `group_by` is `['...']`.
    pub fn group_by_all(&self) -> bool {
        self.group_by.as_ref().is_some_and(|g| g.iter().any(|n| n == "..."))
    }
}

/// The matcher a `match_re` entry stands for. Upstream passes the already anchored pattern
/// (`^(?:v)$`) as the matcher's value, and route keys show it that way. Checked at load; a
/// hand-built config with a bad regex gets a matcher that matches nothing rather than one that
/// matches everything.
pub(crate) fn match_re_matcher(name: &str, value: &str) -> Option<Matcher> {
    Matcher::alertmanager(MatchOp::Regex, name, format!("^(?:{value})$"))
        .or_else(|_| Matcher::alertmanager(MatchOp::NotRegex, name, ".*"))
        .ok()
}

/// A value that may be null (Go's zero value then).
type Nullable<T> = Option<Spanned<Option<T>>>;

/// `route:` as read, with positions for the checks that come after parsing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    #[serde(default)]
    pub(crate) receiver: Option<Spanned<Str>>,
    #[serde(default)]
    group_by: Nullable<Vec<Spanned<Str>>>,
    #[serde(default, rename = "match")]
    match_eq: Nullable<BTreeMap<String, Option<String>>>,
    #[serde(default)]
    match_re: Nullable<BTreeMap<String, Option<String>>>,
    #[serde(default, deserialize_with = "null_default")]
    matchers: Vec<Spanned<Str>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) mute_time_intervals: Vec<Spanned<Str>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) active_time_intervals: Vec<Spanned<Str>>,
    #[serde(default, rename = "continue")]
    pub(crate) continue_: Nullable<bool>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) routes: Vec<Spanned<Option<RawRoute>>>,
    #[serde(default)]
    group_wait: Nullable<Duration>,
    #[serde(default)]
    group_interval: Nullable<Duration>,
    #[serde(default)]
    repeat_interval: Nullable<Duration>,
    #[serde(default)]
    labels: Nullable<BTreeMap<String, Option<String>>>,
}

impl RawRoute {
    pub(crate) fn has_matchers(&self) -> bool {
        let set = |m: &Nullable<BTreeMap<String, Option<String>>>| {
            m.as_ref().is_some_and(|m| m.value.as_ref().is_some_and(|m| !m.is_empty()))
        };
        set(&self.match_eq) || set(&self.match_re) || !self.matchers.is_empty()
    }

    pub(crate) fn continues(&self) -> Option<&Spanned<Option<bool>>> {
        self.continue_.as_ref().filter(|c| c.value == Some(true))
    }
}

/// Checks one node and its subtree as upstream's `Route.UnmarshalYAML` does, parsing matchers
/// in `mode`; returns the node as configured.
pub(crate) fn convert(raw: &RawRoute, mode: MatcherParseMode) -> Result<RouteConfig> {
    let match_eq = string_map(&raw.match_eq);
    if let Some(m) = &raw.match_eq {
        for k in match_eq.keys() {
            if !is_valid_legacy_label_name(k) {
                return Err(Positioned::at_span(m, format!("invalid label name {}", quote(k))));
            }
        }
    }
    let match_re = check_match_re(&raw.match_re)?;
    let labels = string_map(&raw.labels);
    if let Some(l) = &raw.labels {
        for k in labels.keys() {
            if k.is_empty() {
                return Err(Positioned::at_span(
                    l,
                    format!("{} is not a valid label name", quote(k)),
                ));
            }
            if !mode.is_valid_label_name(k) {
                return Err(Positioned::at_span(
                    l,
                    format!("invalid label name {} in route labels", quote(k)),
                ));
            }
        }
    }
    let group_by = match &raw.group_by {
        Some(g @ Spanned { value: Some(list), .. }) => Some(check_group_by(g, list, mode)?),
        _ => None,
    };
    for (name, d) in
        [("group_interval", &raw.group_interval), ("repeat_interval", &raw.repeat_interval)]
    {
        if let Some(d @ Spanned { value: Some(v), .. }) = d
            && v.is_zero()
        {
            return Err(Positioned::at_span(d, format!("{name} cannot be zero")));
        }
    }
    let matchers = parse_matcher_list(&raw.matchers, mode)?;
    let mut routes = Vec::with_capacity(raw.routes.len());
    for child in &raw.routes {
        let Some(c) = &child.value else {
            return Err(Positioned::at_span(child, "empty route in routes"));
        };
        routes.push(convert(c, mode)?);
    }
    let dur = |d: &Nullable<Duration>| d.as_ref().and_then(|d| d.value);
    Ok(RouteConfig {
        receiver: raw.receiver.as_ref().map(|r| r.value.0.clone()).filter(|r| !r.is_empty()),
        group_by,
        match_eq,
        match_re,
        matchers,
        mute_time_intervals: raw.mute_time_intervals.iter().map(|s| s.value.0.clone()).collect(),
        active_time_intervals: raw
            .active_time_intervals
            .iter()
            .map(|s| s.value.0.clone())
            .collect(),
        continue_matching: raw.continue_.as_ref().and_then(|c| c.value).unwrap_or(false),
        routes,
        group_wait: dur(&raw.group_wait),
        group_interval: dur(&raw.group_interval),
        repeat_interval: dur(&raw.repeat_interval),
        labels,
    })
}

fn string_map(m: &Nullable<BTreeMap<String, Option<String>>>) -> BTreeMap<String, String> {
    m.as_ref()
        .and_then(|m| m.value.as_ref())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone().unwrap_or_default())).collect())
        .unwrap_or_default()
}

/// Upstream's `MatchRegexps` checks (shared with the inhibition rules' `*_match_re`).
pub(crate) fn check_match_re(
    m: &Nullable<BTreeMap<String, Option<String>>>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some(spanned) = m else { return Ok(out) };
    for (k, v) in spanned.value.iter().flatten() {
        if !is_valid_legacy_label_name(k) {
            return Err(Positioned::at_span(spanned, format!("invalid label name {}", quote(k))));
        }
        let Some(v) = v else {
            return Err(Positioned::at_span(
                spanned,
                format!("invalid regexp value for {}", quote(k)),
            ));
        };
        if let Err(e) = Matcher::alertmanager(MatchOp::Regex, k.as_str(), v.as_str()) {
            return Err(Positioned::at_span(spanned, e.to_string()));
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

fn check_group_by<T>(
    at: &Spanned<T>,
    list: &[Spanned<Str>],
    mode: MatcherParseMode,
) -> Result<Vec<String>> {
    let mut all = false;
    let mut names = Vec::new();
    for l in list {
        if l.value.0 == "..." {
            all = true;
        } else if !mode.is_valid_label_name(&l.value.0) {
            return Err(Positioned::at_span(
                l,
                format!("invalid label name {} in group_by list", quote(&l.value.0)),
            ));
        } else {
            names.push(l);
        }
    }
    if all && !names.is_empty() {
        return Err(Positioned::at_span(
            at,
            "cannot have wildcard group_by (`...`) and other labels at the same time",
        ));
    }
    let mut seen = HashSet::new();
    for n in &names {
        if !seen.insert(n.value.0.as_str()) {
            return Err(Positioned::at_span(
                *n,
                format!("duplicated label {} in group_by", quote(&n.value.0)),
            ));
        }
    }
    Ok(list.iter().map(|l| l.value.0.clone()).collect())
}

/// Parses a `matchers:` list (each entry may hold several matchers), sorted as upstream sorts
/// them; fallback-mode warnings are logged.
pub(crate) fn parse_matcher_list(
    list: &[Spanned<Str>],
    mode: MatcherParseMode,
) -> Result<Matchers> {
    let mut out = Matchers::new();
    for line in list {
        let input = line.value.as_str();
        match mode.parse_matchers(input) {
            Ok(parsed) => {
                if let Some(w) = &parsed.warning {
                    tracing::warn!(input, origin = "config", line = line.referenced.line(), "{w}");
                }
                out.extend(parsed.value);
            }
            Err(e) => return Err(Positioned::at_span(line, e.to_string())),
        }
    }
    Ok(out.sorted())
}
