//! The `jira` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::JiraConfig;
use std::sync::Arc;

/// Builds the notifier for one `jira_configs` entry.
pub fn build(_cfg: &JiraConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("jira notifications are not built yet".to_string())
}
