//! `email_configs`. (being built)

use super::{IntegrationConfig, ValidateContext};
use serde::{Deserialize, Serialize};

/// One `email_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Whether resolved alerts are notified (default false).
    pub send_resolved: Option<bool>,
}

impl IntegrationConfig for EmailConfig {
    const NAME: &'static str = "email";

    fn validate(&mut self, _cx: &ValidateContext<'_>) -> Result<(), String> {
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(false)
    }
}
