//! The `msteams` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::MsTeamsConfig;
use std::sync::Arc;

/// Builds the notifier for one `msteams_configs` entry.
pub fn build(_cfg: &MsTeamsConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("msteams notifications are not built yet".to_string())
}
