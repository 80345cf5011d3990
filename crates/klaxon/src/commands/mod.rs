//! One module per command family: each reads files and flags, calls the library crate that
//! does the work, and prints.

pub mod alertmanager;
pub mod template;
