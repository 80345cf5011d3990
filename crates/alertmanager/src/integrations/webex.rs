//! The `webex` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::WebexConfig;
use std::sync::Arc;

/// Builds the notifier for one `webex_configs` entry.
pub fn build(_cfg: &WebexConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("webex notifications are not built yet".to_string())
}
