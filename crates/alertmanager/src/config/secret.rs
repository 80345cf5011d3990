//! Re-exported from the shared HTTP client crate.
pub use httpclient::secret::*;
