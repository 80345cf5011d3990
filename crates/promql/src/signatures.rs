//! Function signatures: argument and return types, as the parser's type checker and the
//! engine see them. The implementations live in `functions/`.

use crate::ast::ValueType;

/// A PromQL function's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub name: &'static str,
    /// Argument types in order.
    pub args: &'static [ValueType],
    /// -1: the last argument may repeat without limit; 0: fixed; n > 0: up to n optional
    /// trailing arguments may be left out.
    pub variadic: i32,
    pub ret: ValueType,
    /// Needs `--enable-feature=promql-experimental-functions`.
    pub experimental: bool,
}

use ValueType::{Matrix as M, Scalar as S, String as Str, Vector as V};

/// Every function klaxon knows, stable and experimental.
pub static SIGNATURES: &[Signature] = &[
    Signature { name: "abs", args: &[V], variadic: 0, ret: V, experimental: false },
    Signature { name: "rate", args: &[M], variadic: 0, ret: V, experimental: false },
    Signature { name: "time", args: &[], variadic: 0, ret: S, experimental: false },
    Signature {
        name: "label_replace",
        args: &[V, Str, Str, Str, Str],
        variadic: 0,
        ret: V,
        experimental: false,
    },
    // The parse helper completes this table (all of Prometheus 3.14's functions).
];

/// The signature of function `name`, if there is one.
pub fn lookup(name: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.name == name)
}
