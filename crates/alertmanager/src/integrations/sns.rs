//! The `sns` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::SnsConfig;
use std::sync::Arc;

/// Builds the notifier for one `sns_configs` entry.
pub fn build(_cfg: &SnsConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("sns notifications are not built yet".to_string())
}
