//! The upstream `promqltest` script format and its runner (see the spec's §6).
