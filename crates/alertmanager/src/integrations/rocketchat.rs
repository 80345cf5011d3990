//! The `rocketchat` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::RocketChatConfig;
use std::sync::Arc;

/// Builds the notifier for one `rocketchat_configs` entry.
pub fn build(_cfg: &RocketChatConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("rocketchat notifications are not built yet".to_string())
}
