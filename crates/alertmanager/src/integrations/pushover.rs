//! The `pushover` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::PushoverConfig;
use std::sync::Arc;

/// Builds the notifier for one `pushover_configs` entry.
pub fn build(_cfg: &PushoverConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("pushover notifications are not built yet".to_string())
}
