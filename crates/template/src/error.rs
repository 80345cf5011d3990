//! Errors, worded as Go words them so that messages match upstream byte for byte.

/// A template error: from parsing, from execution, or from writing the output.
///
/// `Display` gives Go's exact text, e.g. `template: t:1: unexpected EOF` or
/// `template: t:1:2: executing "t" at <.Foo>: can't evaluate field Foo in type int`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not a valid template.
    #[error("template: {name}:{line}: {message}")]
    Parse {
        /// The name of the template being parsed.
        name: String,
        /// 1-based line of the offending token.
        line: usize,
        /// Go's message, without the location prefix.
        message: String,
    },
    /// Executing the template failed.
    #[error("{full}")]
    Exec {
        /// The template that was executing (Go's `ExecError.Name`).
        name: String,
        /// `(parse name, line, column)` of the node being evaluated, when known. The column is
        /// Go's: a 0-based byte offset within the line.
        location: Option<(String, usize, usize)>,
        /// Go's message, without the location prefix.
        message: String,
        /// The whole Go text.
        full: String,
    },
    /// HTML mode could not escape the template (Go's `html/template` `*Error`), e.g.
    /// `html/template:t:1:11: {{if}} branches end in different contexts: ...`.
    #[error("{full}")]
    Escape {
        /// The template being escaped for execution.
        name: String,
        /// `(parse name, line, column)` of the node the error is about, when there is one.
        location: Option<(String, usize, usize)>,
        /// Go's description, without the location prefix.
        message: String,
        /// The whole Go text.
        full: String,
    },
    /// Writing the output failed.
    #[error("{0}")]
    Write(#[from] std::io::Error),
}

impl Error {
    pub(crate) fn parse(name: &str, line: usize, message: String) -> Self {
        Error::Parse { name: name.to_string(), line, message }
    }

    /// An execution error that is not tied to a node (`template: NAME: MSG`).
    pub(crate) fn exec_plain(name: &str, message: String) -> Self {
        let full = format!("template: {name}: {message}");
        Error::Exec { name: name.to_string(), location: None, message, full }
    }

    /// The message without Go's `template: ...:` prefix.
    pub fn message(&self) -> String {
        match self {
            Error::Parse { message, .. }
            | Error::Exec { message, .. }
            | Error::Escape { message, .. } => message.clone(),
            Error::Write(e) => e.to_string(),
        }
    }

    /// 1-based line of the error, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Parse { line, .. } => Some(*line),
            Error::Exec { location, .. } | Error::Escape { location, .. } => {
                location.as_ref().map(|l| l.1)
            }
            Error::Write(_) => None,
        }
    }
}
