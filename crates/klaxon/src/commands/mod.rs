//! One module per command family: each reads files and flags, calls the library crate that
//! does the work, and prints.

pub mod alertmanager;
pub mod check;
pub mod demo;
pub mod promql_test;
pub mod query;
pub mod rules_cmd;
pub mod run;
pub mod template;
pub mod test_rules;
pub mod tsdb;
