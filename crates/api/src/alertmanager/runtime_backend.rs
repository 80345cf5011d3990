//! [`Backend`] for the assembled runtime.

use std::sync::Arc;

use alertmanager::alert::{Alert, Time};
use alertmanager::runtime::{Alertmanager, ReceiveError};
use alertmanager::silence::{
    MatcherSpec, PostableSilence as SilenceRequest, Silence, SilenceError,
};
use futures::future::BoxFuture;
use model::labels::Labels;
use model::matcher::MatcherParseMode;

use super::backend::{
    Backend, ClusterView, ExpireSilenceError, GroupView, PostAlertsError, ReceiverView,
    SetSilenceError, SilenceView, VersionView,
};
use super::json::PostableSilence;

fn view(s: &Silence) -> SilenceView {
    SilenceView {
        id: s.id.clone(),
        matchers: s.matchers.iter().cloned().collect(),
        extra_matcher_sets: false,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        updated_at: s.updated_at,
        created_by: s.created_by.clone(),
        comment: s.comment.clone(),
        annotations: s.annotations.clone(),
    }
}

impl Backend for Alertmanager {
    fn now(&self) -> Time {
        Alertmanager::now(self)
    }

    fn matcher_mode(&self) -> MatcherParseMode {
        Alertmanager::matcher_mode(self)
    }

    fn cluster(&self) -> ClusterView {
        let c = self.cluster_status();
        ClusterView { name: c.name, status: c.status.to_owned(), peers: c.peers }
    }

    fn version(&self) -> VersionView {
        let b = &self.options().build;
        VersionView {
            version: b.version.clone(),
            revision: b.revision.clone(),
            branch: b.branch.clone(),
            build_user: String::new(),
            build_date: String::new(),
            toolchain: b.goversion.clone(),
        }
    }

    fn config_yaml(&self) -> String {
        self.current().config_yaml.clone()
    }

    fn start_time(&self) -> Time {
        Alertmanager::start_time(self)
    }

    fn receivers(&self) -> Vec<ReceiverView> {
        Alertmanager::receivers(self)
            .into_iter()
            .map(|(name, labels)| ReceiverView { name, labels })
            .collect()
    }

    fn post_alerts(&self, alerts: Vec<Alert>) -> Result<(), PostAlertsError> {
        self.receive_alerts(alerts).map_err(|e| match e {
            ReceiveError::Invalid(errors) => PostAlertsError::Invalid(errors),
            ReceiveError::Store(e) => PostAlertsError::Store(e),
        })
    }

    fn alerts(&self) -> Vec<Arc<Alert>> {
        self.store().snapshot_shared()
    }

    fn mutes(&self, labels: &Labels, now: Time) -> (Vec<String>, Vec<String>) {
        Alertmanager::mutes(self, labels, now)
    }

    fn alert_receivers(&self, labels: &Labels) -> Vec<String> {
        self.receivers_for(labels)
    }

    fn groups(&self) -> Vec<GroupView> {
        Alertmanager::groups(self)
            .into_iter()
            .map(|g| GroupView {
                labels: g.labels,
                route_labels: g.route_labels,
                receiver: g.route.receiver.clone(),
                route_id: g.route.id.clone(),
                group_key: g.group_key,
                alerts: g.alerts,
            })
            .collect()
    }

    fn group_muted_by(&self, route_id: &str, group_key: &str) -> Vec<String> {
        self.marker().muted_by(route_id, group_key)
    }

    fn silences(&self) -> Vec<SilenceView> {
        Alertmanager::silences(self).list().iter().map(|s| view(s)).collect()
    }

    fn silence(&self, id: &str) -> Option<SilenceView> {
        Alertmanager::silence(self, id).map(|s| view(&s))
    }

    fn set_silence(&self, s: PostableSilence) -> Result<String, SetSilenceError> {
        let req = SilenceRequest {
            id: s.id,
            matchers: s
                .matchers
                .into_iter()
                .map(|m| MatcherSpec {
                    name: m.name,
                    value: m.value,
                    is_regex: m.is_regex,
                    is_equal: m.is_equal,
                })
                .collect(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            created_by: s.created_by,
            comment: s.comment,
            annotations: s.annotations,
        };
        Alertmanager::set_silence(self, req).map_err(|e| match e {
            SilenceError::NotFound => SetSilenceError::NotFound(e.to_string()),
            other => SetSilenceError::Invalid(other.to_string()),
        })
    }

    fn expire_silence(&self, id: &str) -> Result<(), ExpireSilenceError> {
        Alertmanager::expire_silence(self, id).map_err(|e| match e {
            SilenceError::NotFound => ExpireSilenceError::NotFound,
            other => ExpireSilenceError::Other(other.to_string()),
        })
    }

    fn reload(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(Alertmanager::reload(self))
    }

    fn metrics_text(&self) -> String {
        self.metrics().encode()
    }

    fn count_concurrency_limit_exceeded(&self) {
        Alertmanager::count_concurrency_limit_exceeded(self);
    }

    fn observe_http(&self, handler: &str, method: &str, code: u16, seconds: f64) {
        Alertmanager::observe_http_request(self, handler, method, code, seconds);
    }

    fn http_in_flight(&self, delta: i64) {
        Alertmanager::http_get_in_flight(self, delta);
    }
}
