//! The template data of one notification (Go's `template.Data`), built from the alerts the
//! pipeline sends. Every integration renders its fields against this.

use crate::alert::{Alert, Time, is_zero};
use crate::integrations::NotifyContext;
use model::labels::Labels;
use template::alertmanager::{Alert as TAlert, Data, Kv};
use template::gofmt::GoTime;

/// Builds `template.Data` for `alerts` (already the alerts being sent, firing ones with
/// `ends_at` zeroed).
pub fn build(cx: &NotifyContext, alerts: &[Alert]) -> Data {
    let now = cx.now;
    let talerts: Vec<TAlert> = alerts
        .iter()
        .map(|a| TAlert {
            status: a.status_at(now).to_string(),
            labels: kv(&a.labels),
            annotations: kv(&a.annotations),
            starts_at: go_time(a.starts_at),
            ends_at: go_time(a.ends_at),
            generator_url: a.generator_url.clone(),
            fingerprint: a.fingerprint().to_string(),
        })
        .collect();
    let firing = alerts.iter().any(|a| !a.resolved_at(now));
    Data {
        receiver: regex_quote_meta(&cx.receiver),
        status: if firing { "firing" } else { "resolved" }.to_string(),
        alerts: talerts,
        notification_reason: cx.notification_reason.clone(),
        group_labels: kv(&cx.group_labels),
        common_labels: common(alerts.iter().map(|a| &a.labels)),
        common_annotations: common(alerts.iter().map(|a| &a.annotations)),
        route_labels: Kv::from_pairs(cx.route_labels.iter().map(|(k, v)| (k.clone(), v.as_str()))),
        external_url: cx.external_url.clone(),
        route_labels_rendered: false,
    }
}

/// Go's `time.Time` for a stored time (UTC; Go's zero time stays zero).
pub fn go_time(t: Time) -> GoTime {
    if is_zero(t) {
        return GoTime::default();
    }
    GoTime::from_unix(t.as_second(), i64::from(t.subsec_nanosecond()))
}

fn kv(l: &Labels) -> Kv {
    Kv::from_pairs(l.iter().map(|l| (l.name.to_string(), l.value)))
}

/// Pairs present with the same value in every set (empty for no sets).
fn common<'a>(mut sets: impl Iterator<Item = &'a Labels>) -> Kv {
    let Some(first) = sets.next() else { return Kv::default() };
    let mut keep: Vec<(&str, &str)> = first.iter().map(|l| (l.name, l.value)).collect();
    for s in sets {
        keep.retain(|(n, v)| s.get(n) == Some(*v));
    }
    Kv::from_pairs(keep.into_iter().map(|(n, v)| (n.to_string(), v)))
}

/// Go's `regexp.QuoteMeta`: upstream passes the receiver name through it.
pub fn regex_quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_meta_escapes_like_go() {
        assert_eq!(regex_quote_meta("a.b[c]"), r"a\.b\[c\]");
        assert_eq!(regex_quote_meta("team-x"), "team-x");
    }

    #[test]
    fn common_labels_keep_only_shared_pairs() {
        let a = Labels::from_pairs([("a", "1"), ("b", "2"), ("c", "3")]);
        let b = Labels::from_pairs([("a", "1"), ("b", "9")]);
        let c = common([&a, &b].into_iter());
        assert_eq!(c.to_go_string(), "a=1");
    }
}
