//! Go's `html/template` content types (`template.HTML`, `template.URL`, ...): strings that a
//! function such as Alertmanager's `safeHtml` marks as already safe. In text templates they
//! behave as the named string types they are (print as the string, compare as strings, `%T` is
//! the type name); the HTML escaping mode leaves them unescaped in their context.

use std::sync::Arc;

use crate::value::{Object, Value};

/// Which `html/template` content type a [`SafeString`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafeKind {
    /// `template.HTML`.
    Html,
    /// `template.HTMLAttr`.
    HtmlAttr,
    /// `template.URL`.
    Url,
    /// `template.JS`.
    Js,
    /// `template.JSStr`.
    JsStr,
    /// `template.CSS`.
    Css,
    /// `template.Srcset`.
    Srcset,
}

impl SafeKind {
    /// Go's type name.
    pub fn go_name(self) -> &'static str {
        match self {
            SafeKind::Html => "template.HTML",
            SafeKind::HtmlAttr => "template.HTMLAttr",
            SafeKind::Url => "template.URL",
            SafeKind::Js => "template.JS",
            SafeKind::JsStr => "template.JSStr",
            SafeKind::Css => "template.CSS",
            SafeKind::Srcset => "template.Srcset",
        }
    }
}

/// A string of an `html/template` content type.
#[derive(Debug, Clone)]
pub struct SafeString {
    /// The content type.
    pub kind: SafeKind,
    /// The text.
    pub text: Arc<str>,
}

impl Object for SafeString {
    fn type_name(&self) -> &str {
        self.kind.go_name()
    }

    fn underlying(&self) -> Option<Value> {
        Some(Value::String(self.text.clone()))
    }
}

impl Value {
    /// A string of content type `kind` (e.g. what `safeHtml` returns).
    pub fn safe(kind: SafeKind, text: impl Into<Arc<str>>) -> Value {
        Value::object(SafeString { kind, text: text.into() })
    }
}
