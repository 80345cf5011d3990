//! The `slack` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::SlackConfig;
use std::sync::Arc;

/// Builds the notifier for one `slack_configs` entry.
pub fn build(_cfg: &SlackConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("slack notifications are not built yet".to_string())
}
