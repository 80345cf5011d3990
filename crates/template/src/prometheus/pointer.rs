//! `*time.Time` and `*time.Duration`: what upstream's `toTime` and `toDuration` return.
//!
//! The pointer matters in Go: it prints through `String()` and has the same methods, and the
//! engine dereferences it for a `time.Time` parameter, but `ConvertToFloat` rejects it, so
//! `humanize (toDuration 90)` fails with `can't convert *time.Duration to float`.

use crate::funcs::Signature;
use crate::methods;
use crate::value::{Object, Value};

/// A pointer to a `time.Time` or `time.Duration` value.
#[derive(Debug)]
pub(super) struct Pointer {
    type_name: &'static str,
    target: Value,
}

impl Pointer {
    /// `&t`.
    pub(super) fn to(target: Value) -> Value {
        let type_name = match target {
            Value::Time(_) => "*time.Time",
            _ => "*time.Duration",
        };
        Value::object(Pointer { type_name, target })
    }
}

impl Object for Pointer {
    fn type_name(&self) -> &str {
        self.type_name
    }

    fn method(&self, name: &str) -> Option<Signature> {
        methods::method(&self.target, name).map(|f| f.signature().clone())
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match methods::method(&self.target, name) {
            Some(f) => f.call(args),
            None => Err(format!("no method {name}")),
        }
    }

    /// The pointed-to value, which the engine passes where the element type is expected.
    fn underlying(&self) -> Option<Value> {
        Some(self.target.clone())
    }

    fn display(&self) -> Option<String> {
        match &self.target {
            Value::Time(t) => Some(t.to_string()),
            Value::Duration(d) => Some(d.to_string()),
            _ => None,
        }
    }

    /// A non-nil pointer is true, whatever it points to.
    fn truth(&self) -> bool {
        true
    }
}
