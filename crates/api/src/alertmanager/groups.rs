//! `GET /api/v2/alerts/groups`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use alertmanager::alert::Alert;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use model::labels::{Fingerprint, Labels};

use super::Api;
use super::alerts::AlertQuery;
use super::json::{AlertGroup, AlertStatus, GettableAlert, LabelSet, ReceiverRef};
use super::json::{json_response, string_error};

/// A group's alerts that pass the filters, with their live status.
type KeptAlerts = Vec<(Arc<Alert>, AlertStatus)>;

/// Upstream's alert order within a group (and in notifications): by `job`, then `instance`
/// (present before absent), then by label set.
pub fn cmp_alerts(a: &Labels, b: &Labels) -> Ordering {
    for key in ["job", "instance"] {
        match (a.get(key), b.get(key)) {
            (None, None) => continue,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => {}
        }
    }
    a.cmp_by_size(b)
}

pub(crate) async fn get_groups(State(api): State<Api>, RawQuery(raw): RawQuery) -> Response {
    let backend = Arc::clone(&api.backend);
    let result = tokio::task::spawn_blocking(move || {
        let backend = backend.as_ref();
        let query = match AlertQuery::parse(backend, raw.as_deref()) {
            Ok(q) => q,
            Err(e) => return e.into_response(),
        };
        let now = backend.now();

        // (group, kept alerts with their live status), before the muted check.
        let mut kept: Vec<(super::backend::GroupView, KeptAlerts)> = Vec::new();
        let mut receivers_of: HashMap<Fingerprint, Vec<String>> = HashMap::new();
        for group in backend.groups() {
            let receiver = std::slice::from_ref(&group.receiver);
            if !query.receivers_pass(receiver) {
                continue;
            }
            let mut alerts = Vec::new();
            for alert in &group.alerts {
                let Some(status) = query.status_if_kept(backend, alert, now) else { continue };
                receivers_of.entry(alert.fingerprint()).or_default().push(group.receiver.clone());
                alerts.push((alert.clone(), status));
            }
            if !alerts.is_empty() {
                kept.push((group, alerts));
            }
        }
        for names in receivers_of.values_mut() {
            names.sort();
        }

        let mut out = Vec::with_capacity(kept.len());
        for (group, mut alerts) in kept {
            let muted_by = backend.group_muted_by(&group.route_id, &group.group_key);
            if !query.muted && !muted_by.is_empty() {
                continue;
            }
            alerts.sort_by(|(a, _), (b, _)| cmp_alerts(&a.labels, &b.labels));
            let alerts = alerts
                .into_iter()
                .map(|(alert, status)| {
                    let status =
                        AlertStatus::new(status.silenced_by, status.inhibited_by, muted_by.clone());
                    let receivers =
                        receivers_of.get(&alert.fingerprint()).cloned().unwrap_or_default();
                    GettableAlert::new(alert, status, receivers)
                })
                .collect();
            out.push(AlertGroup {
                alerts,
                labels: LabelSet(group.labels),
                receiver: ReceiverRef { name: group.receiver },
                route_labels: group.route_labels,
            });
        }
        json_response(StatusCode::OK, &out)
    })
    .await;
    result.unwrap_or_else(|e| string_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_then_instance_then_labels() {
        let a = Labels::from_pairs([("job", "a"), ("instance", "2")]);
        let b = Labels::from_pairs([("job", "a"), ("instance", "10")]);
        let c = Labels::from_pairs([("alertname", "x")]);
        let d = Labels::from_pairs([("job", "b")]);
        let mut v = vec![c.clone(), d.clone(), a.clone(), b.clone()];
        v.sort_by(cmp_alerts);
        assert_eq!(v, vec![b, a, d, c]);
    }
}
