//! Prometheus' common HTTP client config (`http_config`), shared by every HTTP integration.
//! (being built: the integrations helper owns this file)

use serde::{Deserialize, Serialize};

/// `http_config`: auth, TLS, proxy and redirect settings of outgoing requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpClientConfig {}
