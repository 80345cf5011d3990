//! The `opsgenie` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::OpsGenieConfig;
use std::sync::Arc;

/// Builds the notifier for one `opsgenie_configs` entry.
pub fn build(_cfg: &OpsGenieConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("opsgenie notifications are not built yet".to_string())
}
