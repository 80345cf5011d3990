//! `GET /api/v2/alerts` and `POST /api/v2/alerts`.

use std::collections::BTreeMap;
use std::sync::Arc;

use alertmanager::alert::{Alert, Time};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use model::matcher::Matcher;
use model::regex::GoRegex;

use super::Api;
use super::backend::{Backend, PostAlertsError};
use super::filters::{match_labels, parse_filter, parse_receiver_regex, receivers_match};
use super::json::{
    AlertStatus, ApiError, GettableAlert, Query, empty, json_response_sized, parse_alerts_fast,
    parse_postable_alerts, string_error,
};

/// The query of the alert listing endpoints, validated.
pub(crate) struct AlertQuery {
    pub active: bool,
    pub silenced: bool,
    pub inhibited: bool,
    pub muted: bool,
    pub filter: Vec<Matcher>,
    pub receiver: Option<GoRegex>,
    pub receiver_matchers: Vec<Matcher>,
    /// Receiver name → labels, for `receiver_matchers`.
    pub receiver_labels: BTreeMap<String, BTreeMap<String, String>>,
}

impl AlertQuery {
    /// Parses the parameters in upstream's order: the booleans (go-swagger, 422), then
    /// `filter`, `receiver` and `receiver_matchers` (400 with the handler's texts).
    pub(crate) fn parse(backend: &dyn Backend, raw: Option<&str>) -> Result<Self, ApiError> {
        let q = Query::parse(raw);
        let flag = |name: &str| q.bool_or(name, true);
        let active = flag("active")?;
        let silenced = flag("silenced")?;
        let inhibited = flag("inhibited")?;
        let _unprocessed = flag("unprocessed")?;
        let muted = flag("muted")?;
        let mode = backend.matcher_mode();
        let filter = parse_filter(mode, &q.all("filter")).map_err(ApiError::bad_request)?;
        let receiver = parse_receiver_regex(q.first("receiver")).map_err(ApiError::bad_request)?;
        let receiver_matchers = parse_filter(mode, &q.all("receiver_matchers")).map_err(|e| {
            ApiError::bad_request(format!("failed to parse receiver_matchers param: {e}"))
        })?;
        let receiver_labels = if receiver_matchers.is_empty() {
            BTreeMap::new()
        } else {
            backend.receivers().into_iter().map(|r| (r.name, r.labels)).collect()
        };
        Ok(AlertQuery {
            active,
            silenced,
            inhibited,
            muted,
            filter,
            receiver,
            receiver_matchers,
            receiver_labels,
        })
    }

    /// Whether an alert routed to `receivers` passes the receiver filters.
    pub(crate) fn receivers_pass(&self, receivers: &[String]) -> bool {
        if let Some(re) = &self.receiver
            && !receivers.iter().any(|r| re.is_match(r))
        {
            return false;
        }
        self.receiver_matchers.is_empty()
            || receivers_match(receivers, &self.receiver_matchers, &self.receiver_labels)
    }

    /// Upstream's `alertFilter`: not resolved, labels match, and the live status passes the
    /// state flags. Returns the status when the alert is kept.
    pub(crate) fn status_if_kept(
        &self,
        backend: &dyn Backend,
        alert: &Alert,
        now: Time,
    ) -> Option<AlertStatus> {
        if !alertmanager::alert::is_zero(alert.ends_at) && alert.ends_at < now {
            return None;
        }
        if !match_labels(&self.filter, &alert.labels) {
            return None;
        }
        let (silenced_by, inhibited_by) = backend.mutes(&alert.labels, now);
        let status = AlertStatus::new(silenced_by, inhibited_by, Vec::new());
        if !self.active && status.state == "active" {
            return None;
        }
        if !self.silenced && !status.silenced_by.is_empty() {
            return None;
        }
        if !self.inhibited && !status.inhibited_by.is_empty() {
            return None;
        }
        Some(status)
    }
}

pub(crate) async fn get_alerts(State(api): State<Api>, RawQuery(raw): RawQuery) -> Response {
    let backend = Arc::clone(&api.backend);
    // The scan computes silences and inhibitions per alert: keep it off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        let backend = backend.as_ref();
        let query = match AlertQuery::parse(backend, raw.as_deref()) {
            Ok(q) => q,
            Err(e) => return e.into_response(),
        };
        let now = backend.now();
        let mut out: Vec<GettableAlert> = Vec::new();
        for alert in backend.alerts() {
            let receivers = backend.alert_receivers(&alert.labels);
            if !query.receivers_pass(&receivers) {
                continue;
            }
            let Some(status) = query.status_if_kept(backend, &alert, now) else { continue };
            out.push(GettableAlert::new(alert, status, receivers));
        }
        // Fixed-width hex, so numeric order is the order of the rendered strings.
        out.sort_by_key(|a| a.fingerprint);
        // A listed alert takes about 400 bytes of JSON.
        json_response_sized(StatusCode::OK, &out, 64 + out.len() * 448)
    })
    .await;
    result.unwrap_or_else(|e| string_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

pub(crate) async fn post_alerts(State(api): State<Api>, body: Bytes) -> Response {
    // The fast path takes well-formed bodies; anything it refuses is read again by the
    // general parser, for go-swagger's exact error.
    let alerts = match parse_alerts_fast(&body) {
        Some(a) => a,
        None => match parse_postable_alerts(&body) {
            Ok(a) => a.into_iter().map(|a| a.into_alert()).collect(),
            Err(e) => return e.into_response(),
        },
    };
    match api.backend.post_alerts(alerts) {
        Ok(()) => empty(StatusCode::OK),
        Err(PostAlertsError::Invalid(errors)) => {
            string_error(StatusCode::BAD_REQUEST, &errors.join("\n"))
        }
        Err(PostAlertsError::Store(e)) => string_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}
