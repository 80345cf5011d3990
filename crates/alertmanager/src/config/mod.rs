//! `alertmanager.yml`. (being built: the config helper owns this module except `receivers/*`
//! type files, `http.rs` and `secret.rs`)

pub mod global;
pub mod http;
pub mod receivers;
pub mod secret;
