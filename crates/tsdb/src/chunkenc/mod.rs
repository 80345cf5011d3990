//! Chunk encodings. Only the XOR float chunk exists so far; histogram chunks come with native
//! histograms.

mod bits;
mod xor;

#[cfg(test)]
mod tests;

pub use xor::{XorEncoder, XorIter, chunk_len};

/// Samples per chunk before a new one is cut, as Prometheus.
pub const SAMPLES_PER_CHUNK: usize = 120;

/// The encoding byte stored with a chunk in a block (Prometheus' `EncXOR`).
pub const ENC_XOR: u8 = 1;
