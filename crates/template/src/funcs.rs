//! Template functions: [`Func`] (a Rust closure with a Go-like signature) and [`FuncMap`].
//!
//! A signature lets the engine check and convert arguments the way Go's reflection does, with
//! Go's messages: `wrong number of args for f: want 1 got 2`, `expected string; found 3`,
//! `wrong type for value; expected string; got float64`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::value::Value;

/// The Go type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// `interface {}` (or `reflect.Value`): anything, nil included.
    Any,
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `float64`.
    Float,
    /// `string`.
    String,
    /// `time.Time`.
    Time,
    /// `time.Duration` (an integer constant is accepted as nanoseconds).
    Duration,
    /// `[]string`.
    StringList,
    /// A named pointer or slice type, given by its Go name (Prometheus' `*template.sample`,
    /// `template.queryResult`): only an [`Object`](crate::Object) of that type name matches;
    /// `nil` is its nil value.
    Named(&'static str),
}

impl ArgType {
    /// Go's name for the type.
    pub fn go_name(self) -> &'static str {
        match self {
            ArgType::Any => "interface {}",
            ArgType::Bool => "bool",
            ArgType::Int => "int",
            ArgType::Float => "float64",
            ArgType::String => "string",
            ArgType::Time => "time.Time",
            ArgType::Duration => "time.Duration",
            ArgType::StringList => "[]string",
            ArgType::Named(name) => name,
        }
    }
}

/// Parameter types of a function or method: fixed ones, then optionally a variadic tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The fixed parameters.
    pub params: Vec<ArgType>,
    /// The type of the variadic tail (`...T`), if any.
    pub variadic: Option<ArgType>,
    /// The result type, for `%T` and messages (`interface {}` when `None`).
    pub returns: Option<ArgType>,
    /// Whether the Go function also returns an `error` (for `%T`).
    pub returns_error: bool,
}

impl Signature {
    /// Fixed parameters only.
    pub fn fixed(params: &[ArgType]) -> Self {
        Signature { params: params.to_vec(), variadic: None, returns: None, returns_error: false }
    }

    /// Fixed parameters followed by `...tail`.
    pub fn variadic(params: &[ArgType], tail: ArgType) -> Self {
        Signature {
            params: params.to_vec(),
            variadic: Some(tail),
            returns: None,
            returns_error: false,
        }
    }

    /// Declares the result type (and whether an `error` comes with it), for `%T`.
    pub fn returning(mut self, t: ArgType, with_error: bool) -> Self {
        self.returns = Some(t);
        self.returns_error = with_error;
        self
    }

    /// Go's name of the function type, e.g. `func(int, int) int`.
    pub fn go_name(&self) -> String {
        let mut parts: Vec<String> = self.params.iter().map(|p| p.go_name().to_string()).collect();
        if let Some(t) = self.variadic {
            parts.push(format!("...{}", t.go_name()));
        }
        let ret = self.returns.unwrap_or(ArgType::Any).go_name();
        if self.returns_error {
            format!("func({}) ({ret}, error)", parts.join(", "))
        } else {
            format!("func({}) {ret}", parts.join(", "))
        }
    }
}

type FnImpl = dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync;

/// A template function: a closure over already-checked arguments. `Err(msg)` becomes Go's
/// `error calling NAME: msg`.
#[derive(Clone)]
pub struct Func {
    pub(crate) sig: Arc<Signature>,
    pub(crate) f: Arc<FnImpl>,
}

impl Func {
    /// A function with the given signature.
    pub fn new(
        sig: Signature,
        f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        Func { sig: Arc::new(sig), f: Arc::new(f) }
    }

    /// A function taking any number of arguments of any type (`func(...interface {})`).
    pub fn any(f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static) -> Self {
        Func::new(Signature::variadic(&[], ArgType::Any), f)
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.sig
    }

    /// Calls the function.
    pub fn call(&self, args: &[Value]) -> Result<Value, String> {
        (self.f)(args)
    }

    pub(crate) fn type_name(&self) -> String {
        self.sig.go_name()
    }
}

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Func({})", self.sig.go_name())
    }
}

/// Named functions available to templates (Go's `template.FuncMap`). Functions added here
/// override the builtins of the same name.
#[derive(Debug, Clone, Default)]
pub struct FuncMap {
    pub(crate) funcs: HashMap<String, Func>,
}

impl FuncMap {
    /// An empty map.
    pub fn new() -> Self {
        FuncMap::default()
    }

    /// Adds (or replaces) a function.
    pub fn insert(&mut self, name: impl Into<String>, f: Func) -> &mut Self {
        self.funcs.insert(name.into(), f);
        self
    }

    /// Adds a function, builder style.
    pub fn with(mut self, name: impl Into<String>, f: Func) -> Self {
        self.insert(name, f);
        self
    }

    /// The function called `name`.
    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    /// Whether a function called `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// Adds every function of `other`, replacing those of the same name.
    pub fn extend(&mut self, other: &FuncMap) {
        for (k, v) in &other.funcs {
            self.funcs.insert(k.clone(), v.clone());
        }
    }
}
