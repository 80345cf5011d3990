//! The `discord` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::DiscordConfig;
use std::sync::Arc;

/// Builds the notifier for one `discord_configs` entry.
pub fn build(_cfg: &DiscordConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("discord notifications are not built yet".to_string())
}
