//! [`Error`]: why a request could not be prepared. Never contains a secret or a URL.

use std::fmt;

/// What went wrong while preparing a request's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A configured header name or value is not valid HTTP (retrying cannot help).
    InvalidHeader,
    /// A `*_file` secret could not be read (it may appear later: retry).
    ReadSecret,
    /// The OAuth 2 token request failed (retry).
    OAuth2,
}

/// A request that could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }

    /// Whether sending again later may succeed (a secret file or token server may recover;
    /// a malformed header will not).
    pub fn is_retryable(&self) -> bool {
        self.kind != ErrorKind::InvalidHeader
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Error> for String {
    fn from(e: Error) -> String {
        e.message
    }
}
