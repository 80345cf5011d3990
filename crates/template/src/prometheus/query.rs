//! `query` and the functions over its result: `first`, `label`, `value`, `strvalue`,
//! `sortByLabel`.
//!
//! Upstream converts a PromQL vector into `queryResult` (`[]*sample`, each with
//! `Labels map[string]string` and `Value`), so templates range over it, read `.Labels.job`
//! and `.Value`, and print `%T` as `template.queryResult` / `*template.sample`; the objects
//! here carry the same names.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::value::{Object, Value};

/// One element of a query result: the series' labels and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySample {
    /// The labels (`__name__` included when the result has one).
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
}

impl QuerySample {
    /// A sample with the given labels and value.
    pub fn new<K: Into<String>, V: Into<String>>(
        labels: impl IntoIterator<Item = (K, V)>,
        value: f64,
    ) -> Self {
        QuerySample {
            labels: labels.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            value,
        }
    }
}

/// Runs a PromQL instant query (at the evaluation time the caller chose) for `query`;
/// `Err` is the message a failed query gives (`error calling query: MSG`).
pub type QueryFn = Arc<dyn Fn(&str) -> Result<Vec<QuerySample>, String> + Send + Sync>;

/// Go's `*template.sample`.
#[derive(Debug)]
pub(super) struct Sample {
    labels: Value,
    value: f64,
}

pub(super) const SAMPLE_TYPE: &str = "*template.sample";
pub(super) const RESULT_TYPE: &str = "template.queryResult";

impl Sample {
    fn new(s: &QuerySample) -> Self {
        Sample {
            labels: Value::string_map(s.labels.iter().map(|(k, v)| (k.clone(), v.as_str()))),
            value: s.value,
        }
    }
}

impl Object for Sample {
    fn type_name(&self) -> &str {
        SAMPLE_TYPE
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Labels" => Some(self.labels.clone()),
            "Value" => Some(Value::Float(self.value)),
            _ => None,
        }
    }

    fn fields(&self) -> Vec<(&str, Value)> {
        vec![("Labels", self.labels.clone()), ("Value", Value::Float(self.value))]
    }
}

/// Go's `template.queryResult` (`[]*sample`). Copies share the elements, as Go's slice headers
/// share a backing array: `sortByLabel` sorts in place, which a template can observe through a
/// variable holding the same result.
#[derive(Debug)]
pub(super) struct QueryResult {
    items: Arc<RwLock<Value>>,
}

/// The private hook through which `sortByLabel` reaches the shared elements (not a method
/// templates can call: [`Object::method`] does not declare it).
const SORT_HOOK: &str = "\u{0}sortByLabel";

impl QueryResult {
    pub(super) fn new(samples: &[QuerySample]) -> Self {
        let items = samples.iter().map(|s| Value::object(Sample::new(s)));
        QueryResult { items: Arc::new(RwLock::new(Value::typed_list(items))) }
    }

    fn items(&self) -> Value {
        match self.items.read() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Object for QueryResult {
    fn type_name(&self) -> &str {
        RESULT_TYPE
    }

    fn underlying(&self) -> Option<Value> {
        Some(self.items())
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        if name != SORT_HOOK {
            return Err(format!("no method {name}"));
        }
        let label = args.first().and_then(Value::as_str).unwrap_or("");
        let Value::List(list) = self.items() else {
            return Err("query result is not a list".into());
        };
        let mut keyed = Vec::with_capacity(list.items.len());
        for item in &list.items {
            keyed.push((as_sample(item)?.label(label).to_string(), item.clone()));
        }
        // A stable sort, as Go's `sort.Stable`.
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let sorted = Value::typed_list(keyed.into_iter().map(|(_, v)| v));
        match self.items.write() {
            Ok(mut v) => *v = sorted,
            Err(poisoned) => *poisoned.into_inner() = sorted,
        }
        Ok(Value::object(QueryResult { items: self.items.clone() }))
    }
}

/// The samples of a `queryResult` argument. Upstream's parameter is typed, so a nil literal
/// is an empty result; other types are rejected (see [`type_error`]).
fn result_items(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::Object(o) if o.type_name() == RESULT_TYPE => match o.underlying() {
            Some(Value::List(l)) => Ok(l.items.clone()),
            _ => Ok(Vec::new()),
        },
        other => Err(type_error(RESULT_TYPE, other)),
    }
}

/// A `*sample` argument, read through its fields (labels, value).
struct SampleRef {
    labels: Value,
    value: Value,
}

impl SampleRef {
    fn label(&self, name: &str) -> &str {
        match &self.labels {
            Value::Map(m) => m.entries.get(name).and_then(Value::as_str).unwrap_or(""),
            _ => "",
        }
    }
}

fn as_sample(v: &Value) -> Result<SampleRef, String> {
    match v {
        Value::Object(o) if o.type_name() == SAMPLE_TYPE => Ok(SampleRef {
            labels: o.field("Labels").unwrap_or_default(),
            value: o.field("Value").unwrap_or_default(),
        }),
        // A nil `*sample` (a `nil` literal) is dereferenced upstream: Go's panic, recovered.
        Value::Nil => {
            Err("runtime error: invalid memory address or nil pointer dereference".into())
        }
        other => Err(type_error(SAMPLE_TYPE, other)),
    }
}

/// Argument `i` (the engine checked the count against the signature).
fn arg(args: &[Value], i: usize) -> &Value {
    static NIL: Value = Value::Nil;
    args.get(i).unwrap_or(&NIL)
}

fn type_error(want: &str, got: &Value) -> String {
    format!("wrong type for value; expected {want}; got {}", got.type_name())
}

/// `first`.
pub(super) fn first(args: &[Value]) -> Result<Value, String> {
    result_items(arg(args, 0))?
        .into_iter()
        .next()
        .ok_or_else(|| "first() called on vector with no elements".to_string())
}

/// `label NAME SAMPLE`.
pub(super) fn label(args: &[Value]) -> Result<Value, String> {
    let name = arg(args, 0).as_str().unwrap_or("");
    Ok(Value::from(as_sample(arg(args, 1))?.label(name)))
}

/// `value SAMPLE`.
pub(super) fn value(args: &[Value]) -> Result<Value, String> {
    Ok(as_sample(arg(args, 0))?.value)
}

/// `strvalue SAMPLE`: the `__value__` label.
pub(super) fn strvalue(args: &[Value]) -> Result<Value, String> {
    Ok(Value::from(as_sample(arg(args, 0))?.label("__value__")))
}

/// `sortByLabel NAME RESULT`: a stable sort by that label's value (byte order), in place.
pub(super) fn sort_by_label(args: &[Value]) -> Result<Value, String> {
    match arg(args, 1) {
        Value::Object(o) if o.type_name() == RESULT_TYPE => {
            o.call_method(SORT_HOOK, std::slice::from_ref(arg(args, 0)))
        }
        // A nil result sorts to itself.
        Value::Nil => Ok(Value::object(QueryResult::new(&[]))),
        other => Err(type_error(RESULT_TYPE, other)),
    }
}
