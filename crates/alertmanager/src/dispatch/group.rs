//! One aggregation group: its labels and key, its alerts, and how a flush presents them.

use super::RouteInfo;
use crate::alert::{Alert, NumMap, Time, ZERO_TIME};
use model::labels::{Fingerprint, Labels};
use std::cmp::Ordering;

use std::sync::Arc;
use tokio::time::Instant;

/// An aggregation group (the scheduler's view; the API gets a [`super::GroupSnapshot`]).
#[derive(Debug)]
pub(super) struct Group {
    pub route: Arc<RouteInfo>,
    pub labels: Labels,
    pub key: Arc<str>,
    pub alerts: NumMap<Fingerprint, Arc<Alert>>,
    /// Bumped whenever the armed timer changes, so that stale heap entries are skipped.
    pub generation: u64,
    /// A flush task is running; ticks meanwhile wait for it.
    pub flushing: bool,
    /// The timer fired during a flush: flush again as soon as it ends.
    pub due_while_flushing: bool,
    /// Emptied by a successful flush: never flushes again, replaced by the next alert.
    pub destroyed: bool,
    /// When the armed timer fires (for tests and debugging).
    pub next_flush: Option<Instant>,
}

impl Group {
    pub fn new(route: Arc<RouteInfo>, labels: Labels) -> Group {
        let key = group_key(&route.key, &labels).into();
        Group {
            route,
            labels,
            key,
            alerts: NumMap::default(),
            generation: 0,
            flushing: false,
            due_while_flushing: false,
            destroyed: false,
            next_flush: None,
        }
    }
}

/// The group labels of `labels` for a route (`group_by`, or everything for `...`).
pub fn group_labels(route: &RouteInfo, labels: &Labels) -> Labels {
    if route.group_by_all { labels.clone() } else { labels.keep_only(&route.group_by) }
}

/// `<route key>:{name="value", ...}`: names sorted and bare, values Go-quoted, as upstream's
/// `LabelSet.String()`.
pub fn group_key(route_key: &str, labels: &Labels) -> String {
    let mut out = String::with_capacity(route_key.len() + 3 + labels.byte_size() * 2);
    out.push_str(route_key);
    out.push_str(":{");
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(l.name);
        out.push('=');
        model::gostr::append_quoted(&mut out, l.value, '"', false);
    }
    out.push('}');
    out
}

/// The alerts of a flush at tick `now`: resolved ones as stored, firing ones with `ends_at`
/// zeroed, in upstream's order. Also returns the presented resolved alerts' fingerprints and
/// update times, for deletion after a successful flush.
pub fn present(alerts: &[Arc<Alert>], now: Time) -> (Vec<Alert>, Vec<(Fingerprint, Time)>) {
    let mut out = Vec::with_capacity(alerts.len());
    let mut resolved = Vec::new();
    for a in alerts {
        let mut a = Alert::clone(a);
        if a.resolved_at(now) {
            resolved.push((a.fingerprint(), a.updated_at));
        } else {
            a.ends_at = ZERO_TIME;
        }
        out.push(a);
    }
    out.sort_by(|a, b| alert_order(&a.labels, &b.labels));
    (out, resolved)
}

/// Upstream's alert order: by `job`, then `instance` (present before absent), then by label set
/// (fewer labels first, then the first differing pair).
pub fn alert_order(a: &Labels, b: &Labels) -> Ordering {
    for name in ["job", "instance"] {
        match (a.get(name), b.get(name)) {
            (None, None) => continue,
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => {}
        }
    }
    label_set_order(a, b)
}

/// `model.LabelSet.Before` as an ordering: fewer labels first; then, walking both sets in name
/// order, the first difference decides (a name only one side has puts that side last).
pub fn label_set_order(a: &Labels, b: &Labels) -> Ordering {
    match a.len().cmp(&b.len()) {
        Ordering::Equal => {}
        other => return other,
    }
    for (x, y) in a.iter().zip(b.iter()) {
        match x.name.cmp(y.name) {
            Ordering::Equal => match x.value.cmp(y.value) {
                Ordering::Equal => continue,
                other => return other,
            },
            // `a` has a name `b` lacks, met first in the merged order: `b` comes first.
            Ordering::Less => return Ordering::Greater,
            Ordering::Greater => return Ordering::Less,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn group_key_renders_like_upstream() {
        assert_eq!(group_key("{}", &l(&[("alertname", "test")])), "{}:{alertname=\"test\"}");
        assert_eq!(
            group_key("{}/{severity=\"critical\"}", &Labels::empty()),
            "{}/{severity=\"critical\"}:{}"
        );
        assert_eq!(
            group_key("{}", &l(&[("job", "x"), ("alertname", "a\"b"), ("foo🙂", "Σ")])),
            "{}:{alertname=\"a\\\"b\", foo🙂=\"Σ\", job=\"x\"}"
        );
    }

    #[test]
    fn alerts_sort_by_job_instance_then_labels() {
        let mut v = [
            l(&[("alertname", "b")]),
            l(&[("alertname", "a"), ("x", "1")]),
            l(&[("alertname", "z"), ("instance", "i2"), ("job", "j")]),
            l(&[("alertname", "z"), ("instance", "i1"), ("job", "j")]),
            l(&[("alertname", "a")]),
            l(&[("alertname", "q"), ("instance", "i0")]),
            l(&[("alertname", "a"), ("job", "a")]),
        ];
        v.sort_by(alert_order);
        let names: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            names,
            [
                "{alertname=\"a\", job=\"a\"}",
                "{alertname=\"z\", instance=\"i1\", job=\"j\"}",
                "{alertname=\"z\", instance=\"i2\", job=\"j\"}",
                "{alertname=\"q\", instance=\"i0\"}",
                "{alertname=\"a\"}",
                "{alertname=\"b\"}",
                "{alertname=\"a\", x=\"1\"}",
            ]
        );
    }

    #[test]
    fn label_sets_with_different_names_order_like_before() {
        // Same size: the side holding the smaller extra name sorts last.
        let a = l(&[("a", "1"), ("c", "1")]);
        let b = l(&[("b", "1"), ("c", "1")]);
        assert_eq!(label_set_order(&a, &b), Ordering::Greater);
        assert_eq!(label_set_order(&b, &a), Ordering::Less);
    }
}
