//! The `wechat` notifier. (being built)

use super::{BuildEnv, Notifier};
use crate::config::receivers::WeChatConfig;
use std::sync::Arc;

/// Builds the notifier for one `wechat_configs` entry.
pub fn build(_cfg: &WeChatConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    Err("wechat notifications are not built yet".to_string())
}
