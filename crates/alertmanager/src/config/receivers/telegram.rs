//! `telegram_configs`. (being built)

use super::{IntegrationConfig, ValidateContext};
use serde::{Deserialize, Serialize};

/// One `telegram_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Whether resolved alerts are notified (default true).
    pub send_resolved: Option<bool>,
}

impl IntegrationConfig for TelegramConfig {
    const NAME: &'static str = "telegram";

    fn validate(&mut self, _cx: &ValidateContext<'_>) -> Result<(), String> {
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}
