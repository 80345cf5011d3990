//! TLS pieces shared by the HTTP and SMTP clients and by the API's HTTPS server; they live in
//! the shared HTTP client crate.

pub use httpclient::tls::*;
