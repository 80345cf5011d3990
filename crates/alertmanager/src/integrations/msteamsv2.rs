//! The `msteamsv2` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::MsTeamsV2Config;
use std::sync::Arc;

/// Builds the notifier for one `msteamsv2_configs` entry.
pub fn build(_cfg: &MsTeamsV2Config, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("msteamsv2 notifications are not built yet".to_string())
}
