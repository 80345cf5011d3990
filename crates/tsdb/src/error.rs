//! Errors of the on-disk parts of the store.

use std::path::PathBuf;

/// A failure reading or writing blocks.
#[derive(Debug, thiserror::Error)]
pub enum TsdbError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A block file whose content does not check out; `offset` is the byte offset in `path`
    /// where the bad section, record or field starts.
    #[error("{path}: corrupt at offset {offset}: {message}")]
    Corrupt { path: PathBuf, offset: u64, message: String },
    /// Input the store cannot take (series without labels, samples out of order).
    #[error("{0}")]
    Invalid(String),
}

impl TsdbError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TsdbError::Io { path: path.into(), source }
    }
}
