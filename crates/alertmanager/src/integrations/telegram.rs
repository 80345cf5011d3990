//! The `telegram` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::TelegramConfig;
use std::sync::Arc;

/// Builds the notifier for one `telegram_configs` entry.
pub fn build(_cfg: &TelegramConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("telegram notifications are not built yet".to_string())
}
