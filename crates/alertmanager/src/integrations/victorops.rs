//! The `victorops` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::VictorOpsConfig;
use std::sync::Arc;

/// Builds the notifier for one `victorops_configs` entry.
pub fn build(_cfg: &VictorOpsConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("victorops notifications are not built yet".to_string())
}
