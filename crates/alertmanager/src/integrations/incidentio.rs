//! The `incidentio` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::IncidentIoConfig;
use std::sync::Arc;

/// Builds the notifier for one `incidentio_configs` entry.
pub fn build(_cfg: &IncidentIoConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("incidentio notifications are not built yet".to_string())
}
