//! The `mattermost` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::MattermostConfig;
use std::sync::Arc;

/// Builds the notifier for one `mattermost_configs` entry.
pub fn build(_cfg: &MattermostConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("mattermost notifications are not built yet".to_string())
}
