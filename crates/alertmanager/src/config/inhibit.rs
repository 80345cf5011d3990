//! `inhibit_rules:`.

use super::de::{Str, null_default};
use super::error::{Positioned, Result};
use super::route::{check_match_re, match_re_matcher, matcher_strings, parse_matcher_list};
use model::gostr::quote;
use model::labels::is_valid_legacy_label_name;
use model::matcher::{MatchOp, Matcher, MatcherParseMode, Matchers};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// One inhibition rule: while an alert matching `source_matchers` fires, alerts matching
/// `target_matchers` with equal values for the `equal` labels are muted.
///
/// The deprecated `source_match(_re)`/`target_match(_re)` maps are merged into the matchers at
/// load. A null rule (`inhibit_rules: [~]`) loads as a rule with no matchers and no `equal`
/// labels, as upstream loads it; it inhibits nothing because every alert matches both sides,
/// and a source that also matches the target side never inhibits an alert that does (§5.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InhibitRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(serialize_with = "matcher_strings")]
    pub source_matchers: Matchers,
    #[serde(serialize_with = "matcher_strings")]
    pub target_matchers: Matchers,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub equal: Vec<String>,
}

type Nullable<T> = Option<Spanned<Option<T>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInhibitRule {
    #[serde(default)]
    name: Option<Str>,
    #[serde(default)]
    source_match: Nullable<BTreeMap<String, Option<String>>>,
    #[serde(default)]
    source_match_re: Nullable<BTreeMap<String, Option<String>>>,
    #[serde(default, deserialize_with = "null_default")]
    source_matchers: Vec<Spanned<Str>>,
    #[serde(default)]
    target_match: Nullable<BTreeMap<String, Option<String>>>,
    #[serde(default)]
    target_match_re: Nullable<BTreeMap<String, Option<String>>>,
    #[serde(default, deserialize_with = "null_default")]
    target_matchers: Vec<Spanned<Str>>,
    #[serde(default, deserialize_with = "null_default")]
    equal: Vec<Spanned<Str>>,
}

/// Upstream's `InhibitRule.UnmarshalYAML` checks, then the merge `inhibit.NewInhibitRule` does.
pub(crate) fn convert(raw: Option<&RawInhibitRule>, mode: MatcherParseMode) -> Result<InhibitRule> {
    let Some(raw) = raw else { return Ok(InhibitRule::default()) };
    // Upstream checks the regex maps and matcher lists while decoding them, then the
    // equality maps' names and the `equal` names.
    let source_re = check_match_re(&raw.source_match_re)?;
    let source_list = parse_matcher_list(&raw.source_matchers, mode)?;
    let target_re = check_match_re(&raw.target_match_re)?;
    let target_list = parse_matcher_list(&raw.target_matchers, mode)?;
    let source_eq = equality_matchers(&raw.source_match)?;
    let target_eq = equality_matchers(&raw.target_match)?;
    for e in &raw.equal {
        if !mode.is_valid_label_name(e.value.as_str()) {
            return Err(Positioned::at_span(
                e,
                format!("invalid label name {} in equal list", quote(e.value.as_str())),
            ));
        }
    }
    let merge = |eq: Matchers, re: BTreeMap<String, String>, list: Matchers| {
        let mut all = eq;
        all.extend(re.iter().filter_map(|(k, v)| match_re_matcher(k, v)));
        all.extend(list);
        all.sorted()
    };
    Ok(InhibitRule {
        name: raw.name.as_ref().map(|n| n.0.clone()).filter(|n| !n.is_empty()),
        source_matchers: merge(source_eq, source_re, source_list),
        target_matchers: merge(target_eq, target_re, target_list),
        equal: raw.equal.iter().map(|e| e.value.0.clone()).collect(),
    })
}

/// A deprecated `*_match` map as `=` matchers; names must be classic label names.
fn equality_matchers(m: &Nullable<BTreeMap<String, Option<String>>>) -> Result<Matchers> {
    let mut out = Matchers::new();
    let Some(spanned) = m else { return Ok(out) };
    for (k, v) in spanned.value.iter().flatten() {
        if !is_valid_legacy_label_name(k) {
            return Err(Positioned::at_span(spanned, format!("invalid label name {}", quote(k))));
        }
        let v = v.as_deref().unwrap_or("");
        out.extend(Matcher::alertmanager(MatchOp::Equal, k.as_str(), v).ok());
    }
    Ok(out)
}
