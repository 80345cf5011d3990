//! The `email` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::EmailConfig;
use std::sync::Arc;

/// Builds the notifier for one `email_configs` entry.
pub fn build(_cfg: &EmailConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("email notifications are not built yet".to_string())
}
