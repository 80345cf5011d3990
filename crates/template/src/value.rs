//! The data model: [`Value`], with Go's behaviour (type names, truthiness, sorted maps), and
//! the [`Object`] trait for Go types with fields and methods.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use model::duration::GoDuration;

use crate::funcs::{Func, Signature};
use crate::gofmt::GoTime;

/// The static element type of a list or map, which decides Go behaviour the data alone cannot:
/// what a missing map key yields under `missingkey=zero` (`""` for `map[string]string`, a nil
/// interface — printed `<no value>` — for `map[string]interface {}`) and the type names in
/// messages and `%T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// `interface {}`: what JSON decodes to.
    Any,
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `float64`.
    Float,
    /// `bool`.
    Bool,
    /// A concrete type given by the elements themselves (a struct, a named type: Go's
    /// `[]Alert`), so that elements are not held in `interface {}` slots.
    Concrete,
}

impl Elem {
    /// Go's name for the type.
    pub fn go_name(self) -> &'static str {
        match self {
            Elem::Any => "interface {}",
            Elem::String => "string",
            Elem::Int => "int",
            Elem::Float => "float64",
            Elem::Bool => "bool",
            Elem::Concrete => "interface {}",
        }
    }

    /// Go's zero value of the type (a nil interface for `Any`).
    pub fn zero(self) -> Value {
        match self {
            Elem::Any | Elem::Concrete => Value::Nil,
            Elem::String => Value::from(""),
            Elem::Int => Value::Int(0),
            Elem::Float => Value::Float(0.0),
            Elem::Bool => Value::Bool(false),
        }
    }
}

/// A Go slice.
#[derive(Debug, Clone)]
pub struct List {
    /// The element type.
    pub elem: Elem,
    /// The elements.
    pub items: Vec<Value>,
}

/// A Go map with string keys; iteration and printing are in sorted key order, as Go's.
#[derive(Debug, Clone)]
pub struct Map {
    /// The element type.
    pub elem: Elem,
    /// The entries, sorted by key (byte order, as Go sorts strings).
    pub entries: BTreeMap<String, Value>,
}

/// A template value.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// No value: Go's invalid `reflect.Value`, a nil interface or untyped `nil`. Printed by an
    /// action as `<no value>`, by `print` as `<nil>`.
    #[default]
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int` (Go's `int` is 64 bits on the platforms upstream ships for).
    Int(i64),
    /// `uint64`.
    Uint(u64),
    /// `float64`.
    Float(f64),
    /// `string`.
    String(Arc<str>),
    /// A slice.
    List(Arc<List>),
    /// A map with string keys.
    Map(Arc<Map>),
    /// A Go value of a named type with fields and/or methods.
    Object(Arc<dyn Object>),
    /// A Go `time.Time`, with its methods (`Format`, `Unix`, `UTC`, `Add`, `Sub`, ...).
    Time(GoTime),
    /// A Go `time.Duration` (an `int64` of nanoseconds), with its methods (`Seconds`, ...).
    Duration(GoDuration),
    /// A function value (for the `call` builtin).
    Func(Func),
}

/// A Go value of a named type: a struct with fields, a type with methods (`time.Time`,
/// Alertmanager's `KV`), or both. Methods take precedence over fields and map keys, as in Go.
///
/// A named map or slice type (`type KV map[string]string`, `type Alerts []Alert`) returns its
/// contents from [`Object::underlying`]; the engine then indexes, ranges, measures and prints it
/// as that map or slice.
pub trait Object: fmt::Debug + Send + Sync {
    /// Go's type name, e.g. `template.Alert` (used in messages and `%T`).
    fn type_name(&self) -> &str;

    /// The value of exported field `name`, if the type has one.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    /// The signature of method `name`, if the type has one.
    fn method(&self, _name: &str) -> Option<Signature> {
        None
    }

    /// Calls method `name` (which [`Object::method`] declared) with arguments already checked
    /// against its signature. `Err` becomes Go's `error calling NAME: ...`.
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        Err(format!("no method {name}"))
    }

    /// The map or slice value of a named map or slice type. Called on every access: keep the
    /// [`Value`] in the object and return a clone (an `Arc` increment), not a rebuilt map.
    fn underlying(&self) -> Option<Value> {
        None
    }

    /// What the type's `String()` method returns, if it has one (used by `%v`, `%s` and by
    /// printing in an action).
    fn display(&self) -> Option<String> {
        None
    }

    /// The struct's fields in declaration order, for printing with `%v` (`{a b}`) and `%+v`.
    fn fields(&self) -> Vec<(&str, Value)> {
        Vec::new()
    }

    /// Go truthiness; structs are always true.
    fn truth(&self) -> bool {
        match self.underlying() {
            Some(v) => v.truth(),
            None => true,
        }
    }
}

impl Value {
    /// A `[]interface {}` of the values.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(Arc::new(List { elem: Elem::Any, items: items.into_iter().collect() }))
    }

    /// A slice of a concrete element type (Go's `[]Alert`), such as objects of one type.
    pub fn typed_list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(Arc::new(List { elem: Elem::Concrete, items: items.into_iter().collect() }))
    }

    /// A `[]string`.
    pub fn string_list<S: Into<Arc<str>>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::List(Arc::new(List {
            elem: Elem::String,
            items: items.into_iter().map(|s| Value::String(s.into())).collect(),
        }))
    }

    /// A `map[string]interface {}`.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(Arc::new(Map {
            elem: Elem::Any,
            entries: entries.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }))
    }

    /// A `map[string]string`.
    pub fn string_map<K: Into<String>, V: Into<Arc<str>>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Value {
        Value::Map(Arc::new(Map {
            elem: Elem::String,
            entries: entries
                .into_iter()
                .map(|(k, v)| (k.into(), Value::String(v.into())))
                .collect(),
        }))
    }

    /// An object value.
    pub fn object(o: impl Object + 'static) -> Value {
        Value::Object(Arc::new(o))
    }

    /// JSON as Go's `encoding/json` decodes it into `interface{}`: objects become
    /// `map[string]interface {}`, arrays `[]interface {}`, numbers `float64`.
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json)),
            serde_json::Value::Object(o) => {
                Value::map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))))
            }
        }
    }

    /// Go's type name (`%T`, messages).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Uint(_) => "uint64".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::List(l) => match (l.elem, l.items.first()) {
                (Elem::Concrete, Some(first)) => format!("[]{}", first.type_name()),
                (elem, _) => format!("[]{}", elem.go_name()),
            },
            Value::Map(m) => match (m.elem, m.entries.values().next()) {
                (Elem::Concrete, Some(first)) => format!("map[string]{}", first.type_name()),
                (elem, _) => format!("map[string]{}", elem.go_name()),
            },
            Value::Object(o) => o.type_name().to_string(),
            Value::Time(_) => "time.Time".into(),
            Value::Duration(_) => "time.Duration".into(),
            Value::Func(f) => f.type_name(),
        }
    }

    /// Go's truthiness for `if`, `with`, `and`, `or`, `not`: false, 0, "", empty list or map, nil.
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Uint(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.items.is_empty(),
            Value::Map(m) => !m.entries.is_empty(),
            Value::Object(o) => o.truth(),
            Value::Time(_) => true,
            Value::Duration(d) => d.as_nanos() != 0,
            Value::Func(_) => true,
        }
    }

    /// The string, if this is a `string`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// For objects of a named map or slice type, their contents; otherwise the value itself.
    pub(crate) fn resolved(&self) -> std::borrow::Cow<'_, Value> {
        match self {
            Value::Object(o) => match o.underlying() {
                Some(v) => std::borrow::Cow::Owned(v),
                None => std::borrow::Cow::Borrowed(self),
            },
            _ => std::borrow::Cow::Borrowed(self),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<u64> for Value {
    fn from(u: u64) -> Self {
        Value::Uint(u)
    }
}

impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Self {
        Value::String(s)
    }
}

impl From<GoTime> for Value {
    fn from(t: GoTime) -> Self {
        Value::Time(t)
    }
}

impl From<GoDuration> for Value {
    fn from(d: GoDuration) -> Self {
        Value::Duration(d)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::list(v)
    }
}

/// A value of a named Go type over a basic or container type: `int64` (what `time.Time.Unix`
/// returns), `model.LabelValue`, ... It behaves as its underlying value everywhere except in
/// type names and parameter type checks (Go does not assign an `int64` to an `int` parameter).
#[derive(Debug, Clone)]
pub struct Named {
    /// Go's type name.
    pub type_name: Arc<str>,
    /// The underlying value.
    pub value: Value,
}

impl Object for Named {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn underlying(&self) -> Option<Value> {
        Some(self.value.clone())
    }
}

impl Value {
    /// `value` under the named Go type `type_name`.
    pub fn named(type_name: impl Into<Arc<str>>, value: Value) -> Value {
        Value::object(Named { type_name: type_name.into(), value })
    }

    /// A Go `int64`.
    pub fn int64(i: i64) -> Value {
        Value::named("int64", Value::Int(i))
    }
}
