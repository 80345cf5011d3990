//! The pipeline's seams ([`crate::notify::seams`]) over the runtime's own types, where their
//! modules do not implement them.

use std::sync::Arc;

use model::labels::{Fingerprint, Labels};

use crate::alert::Time;
use crate::inhibit::Inhibitor;
use crate::marker::Marker;
use crate::notify::seams::{InhibitCheck, StatusRecorder};

/// The inhibitor of one generation.
#[derive(Debug)]
pub(super) struct Inhibition(pub(super) Arc<Inhibitor>);

impl InhibitCheck for Inhibition {
    fn inhibited_by(&self, labels: &Labels, now: Time) -> Option<Fingerprint> {
        self.0.mutes(labels, now)
    }
}

/// Flush results for the API: the groups muted by time intervals.
#[derive(Debug)]
pub(super) struct Markings(pub(super) Arc<Marker>);

impl StatusRecorder for Markings {
    fn set_muted(&self, route_id: &str, group_key: &str, time_intervals: Vec<String>) {
        self.0.set_muted(route_id, group_key, time_intervals);
    }

    fn delete_group(&self, route_id: &str, group_key: &str) {
        self.0.delete_group(route_id, group_key);
    }
}
