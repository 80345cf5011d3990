//! Query filters shared by the alert, group, receiver and silence endpoints.

use std::collections::BTreeMap;

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher, MatcherParseMode};
use model::regex::{Anchoring, GoRegex};

/// Parses `filter` / `receiver_matchers` values, one matcher each (upstream's `compat.Matcher`).
pub fn parse_filter(mode: MatcherParseMode, values: &[String]) -> Result<Vec<Matcher>, String> {
    values
        .iter()
        .map(|v| {
            let parsed = mode.parse_matcher(v).map_err(|e| e.to_string())?;
            if let Some(w) = &parsed.warning {
                tracing::warn!(input = %v, origin = "api", "{w}");
            }
            Ok(parsed.value)
        })
        .collect()
}

/// Compiles the `receiver` parameter as upstream does: `^(?:<re>)$`.
pub fn parse_receiver_regex(raw: Option<&str>) -> Result<Option<GoRegex>, String> {
    match raw {
        None => Ok(None),
        Some(re) => GoRegex::new(re, Anchoring::Alertmanager)
            .map(Some)
            .map_err(|e| format!("failed to parse receiver param: {e}")),
    }
}

/// Upstream's `matchFilterLabels`: every matcher must match, except that an `=`/`=~` with an
/// empty value is satisfied by an absent label and a `!=`/`!~` with an empty value by a present
/// one.
pub fn match_filter<'a>(
    matchers: &[Matcher],
    mut get: impl FnMut(&str) -> Option<&'a str>,
) -> bool {
    matchers.iter().all(|m| {
        let v = get(m.name());
        let negative = matches!(m.op(), MatchOp::NotEqual | MatchOp::NotRegex);
        if m.value().is_empty() && (v.is_some() == negative) {
            return true;
        }
        m.matches(v.unwrap_or(""))
    })
}

/// [`match_filter`] over a label set.
pub fn match_labels(matchers: &[Matcher], labels: &Labels) -> bool {
    match_filter(matchers, |name| labels.get(name))
}

/// [`match_filter`] over a string map (receiver labels).
pub fn match_map(matchers: &[Matcher], map: &BTreeMap<String, String>) -> bool {
    match_filter(matchers, |name| map.get(name).map(String::as_str))
}

/// Whether any of `receivers` has labels matching all `matchers` (upstream's
/// `receiversMatchLabels`; a receiver without an entry never matches).
pub fn receivers_match(
    receivers: &[String],
    matchers: &[Matcher],
    labels_of: &BTreeMap<String, BTreeMap<String, String>>,
) -> bool {
    receivers.iter().any(|r| labels_of.get(r).is_some_and(|l| match_map(matchers, l)))
}

/// The silence filter: every filter matcher must appear verbatim (name, operator, value) among
/// the silence's matchers.
pub fn silence_matches_filter(silence: &[Matcher], filter: &[Matcher]) -> bool {
    filter.iter().all(|f| {
        silence.iter().any(|m| m.name() == f.name() && m.op() == f.op() && m.value() == f.value())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Matcher {
        MatcherParseMode::Fallback.parse_matcher(s).unwrap().value
    }

    #[test]
    fn empty_values_follow_upstreams_presence_rules() {
        let ls = Labels::from_pairs([("a", "1")]);
        assert!(match_labels(&[m("b=\"\"")], &ls));
        assert!(match_labels(&[m("a!=\"\"")], &ls));
        assert!(!match_labels(&[m("a=\"\"")], &ls));
        assert!(match_labels(&[m("a=1")], &ls));
        assert!(!match_labels(&[m("a=2")], &ls));
        assert!(match_labels(&[m("a=~\"1|2\""), m("c!=x")], &ls));
    }

    #[test]
    fn silence_filter_is_verbatim() {
        let sil = vec![m("a=~\"x.*\""), m("b=c")];
        assert!(silence_matches_filter(&sil, &[m("b=c")]));
        assert!(!silence_matches_filter(&sil, &[m("a=xyz")]));
        assert!(silence_matches_filter(&sil, &[m("a=~\"x.*\"")]));
    }

    #[test]
    fn receiver_regex_is_anchored() {
        let re = parse_receiver_regex(Some("team-.*")).unwrap().unwrap();
        assert!(re.is_match("team-a"));
        assert!(!re.is_match("my-team-a"));
        assert!(
            parse_receiver_regex(Some("("))
                .unwrap_err()
                .starts_with("failed to parse receiver param: ")
        );
    }
}
