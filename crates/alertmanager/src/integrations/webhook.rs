//! The `webhook` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::WebhookConfig;
use std::sync::Arc;

/// Builds the notifier for one `webhook_configs` entry.
pub fn build(_cfg: &WebhookConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("webhook notifications are not built yet".to_string())
}
