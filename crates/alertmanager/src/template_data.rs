//! The template data of one notification (Go's `template.Data`), built from the alerts the
//! pipeline sends. Every integration renders its fields against this.

use crate::alert::{Alert, Time, is_zero};
use crate::integrations::NotifyContext;
use model::labels::Labels;
use std::borrow::Borrow;
use std::collections::BTreeMap;
use template::alertmanager::{Alert as TAlert, Data, Kv, Templates};
use template::gofmt::GoTime;

/// Builds `template.Data` for `alerts` (already the alerts being sent, firing ones with
/// `ends_at` zeroed). The context's route labels are the dispatcher's rendering
/// ([`render_route_labels`]), so `routeLabels` returns them verbatim, as upstream marks them.
pub fn build(cx: &NotifyContext, alerts: &[Alert]) -> Data {
    let mut data = data(
        &cx.receiver,
        &cx.group_labels,
        &cx.route_labels,
        &cx.notification_reason,
        alerts,
        cx.now,
        &cx.external_url,
    );
    data.route_labels_rendered = true;
    data
}

/// The notification reason route labels are rendered with (upstream's `ReasonUnknown`): the
/// reason is only known per integration, after the labels are rendered.
pub const UNKNOWN_REASON: &str = "unknown";

/// Renders a route's `labels:` against the alerts of one flush, as upstream's dispatcher does
/// before the notification pipeline: each value is a template executed against the group's
/// data (receiver, group labels, the raw route labels, reason `unknown`, `alerts` as
/// presented at tick `now`), and may use `{{ routeLabels "other" }}`. A label whose template
/// fails is logged and left out, as upstream does.
#[allow(clippy::too_many_arguments)]
pub fn render_route_labels(
    templates: &Templates,
    receiver: &str,
    group_labels: &Labels,
    raw: &BTreeMap<String, String>,
    alerts: &[impl Borrow<Alert>],
    now: Time,
    external_url: &str,
) -> BTreeMap<String, String> {
    if raw.is_empty() {
        return BTreeMap::new();
    }
    let value =
        data(receiver, group_labels, raw, UNKNOWN_REASON, alerts, now, external_url).to_value();
    let mut out = BTreeMap::new();
    for name in raw.keys() {
        // Rendered through `routeLabels` itself, so that a label referring to another (or to
        // itself) resolves, and fails on a cycle, exactly as a template using it does.
        let text = format!("{{{{ routeLabels {} }}}}", model::gostr::quote(name));
        match templates.execute_text_value(&text, &value) {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(e) => {
                tracing::error!(receiver, label = %name, err = %e, "failed to render route label");
            }
        }
    }
    out
}

/// Go's `template.Data(receiver, groupLabels, routeLabels, reason, alerts...)`.
fn data(
    receiver: &str,
    group_labels: &Labels,
    route_labels: &BTreeMap<String, String>,
    reason: &str,
    alerts: &[impl Borrow<Alert>],
    now: Time,
    external_url: &str,
) -> Data {
    let alerts = || alerts.iter().map(Borrow::borrow);
    let talerts: Vec<TAlert> = alerts()
        .map(|a: &Alert| TAlert {
            status: a.status_at(now).to_string(),
            labels: kv(&a.labels),
            annotations: kv(&a.annotations),
            starts_at: go_time(a.starts_at),
            ends_at: go_time(a.ends_at),
            generator_url: a.generator_url.clone(),
            fingerprint: a.fingerprint().to_string(),
        })
        .collect();
    let firing = alerts().any(|a| !a.resolved_at(now));
    Data {
        receiver: regex_quote_meta(receiver),
        status: if firing { "firing" } else { "resolved" }.to_string(),
        alerts: talerts,
        notification_reason: reason.to_string(),
        group_labels: kv(group_labels),
        common_labels: common(alerts().map(|a| &a.labels)),
        common_annotations: common(alerts().map(|a| &a.annotations)),
        route_labels: Kv::from_pairs(route_labels.iter().map(|(k, v)| (k.clone(), v.as_str()))),
        external_url: external_url.to_string(),
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
