//! The shared vocabulary of klaxon: what every stage of the pipeline talks in.
//!
//! TODO(crate doc): rewritten once the modules land.

pub mod duration;
pub mod gostr;
pub mod labels;
pub mod matcher;
pub mod regex;
pub mod time;
