//! The comparison builtins `eq ne lt le gt ge`, with Go's basic-kind rules: values compare only
//! within a kind (bool, int, uint, float, string), except int against uint; anything else is
//! `incompatible types for comparison`.

use std::cmp::Ordering;

use crate::print::{sprint_value, sprintf};
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) => Kind::Int,
        Value::Uint(_) => Kind::Uint,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

/// The value compared: a named type's underlying value; a `time.Duration` is an `int64`.
fn norm(v: &Value) -> std::borrow::Cow<'_, Value> {
    match v {
        Value::Duration(d) => std::borrow::Cow::Owned(Value::Int(d.as_nanos())),
        _ => v.resolved(),
    }
}

const BAD_TYPE: &str = "invalid type for comparison";

fn incompatible(a: &Value, b: &Value) -> String {
    format!("incompatible types for comparison: {} and {}", a.type_name(), b.type_name())
}

/// Go's `reflect.Kind` name class used by `canCompare`.
fn reflect_kind(v: &Value) -> u8 {
    match &*v.resolved() {
        Value::Nil => 0,
        Value::List(_) => 1,
        Value::Map(_) => 2,
        Value::Object(_) => 3,
        Value::Func(_) => 4,
        _ => 5,
    }
}

/// `eq arg1 arg2...`: whether arg1 equals any of the others.
pub(crate) fn eq(args: &[Value]) -> Result<Value, String> {
    let Some((first, rest)) = args.split_first() else {
        return Err("missing argument for comparison".into());
    };
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let a_orig = first;
    let a = norm(first);
    let k1 = basic_kind(&a);
    for b_orig in rest {
        let b = norm(b_orig);
        let k2 = basic_kind(&b);
        let truth = if k1 != k2 {
            match (&*a, &*b) {
                (Value::Int(i), Value::Uint(u)) | (Value::Uint(u), Value::Int(i)) => {
                    *i >= 0 && *i as u64 == *u
                }
                (Value::Nil, _) | (_, Value::Nil) => false,
                _ => return Err(incompatible(a_orig, b_orig)),
            }
        } else {
            match (&*a, &*b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::Uint(x), Value::Uint(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                _ => {
                    let (ka, kb) = (reflect_kind(a_orig), reflect_kind(b_orig));
                    if ka != kb && ka != 0 && kb != 0 {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            sprintf("%s", std::slice::from_ref(a_orig)),
                            a_orig.type_name(),
                            b_orig.type_name(),
                            sprint_value(b_orig)
                        ));
                    }
                    match (a_orig, b_orig) {
                        (Value::Nil, x) | (x, Value::Nil) => matches!(x, Value::Nil),
                        // Go compares the struct: same instant, same location.
                        (Value::Time(x), Value::Time(y)) => {
                            x.equal(y) && x.location().name() == y.location().name()
                        }
                        // Pointers (a type name starting with `*`, such as Prometheus'
                        // `*time.Time` and `*template.sample`) are equal when identical.
                        (Value::Object(x), Value::Object(y))
                            if x.type_name().starts_with('*') && x.type_name() == y.type_name() =>
                        {
                            std::sync::Arc::ptr_eq(x, y)
                        }
                        _ => {
                            return Err(format!(
                                "non-comparable type {}: {}",
                                sprintf("%s", std::slice::from_ref(b_orig)),
                                b_orig.type_name()
                            ));
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn less(a_orig: &Value, b_orig: &Value) -> Result<bool, String> {
    let a = norm(a_orig);
    let b = norm(b_orig);
    let (k1, k2) = (basic_kind(&a), basic_kind(&b));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err(BAD_TYPE.into());
    }
    Ok(match (&*a, &*b) {
        (Value::Int(i), Value::Uint(u)) => *i < 0 || (*i as u64) < *u,
        (Value::Uint(u), Value::Int(i)) => *i >= 0 && *u < *i as u64,
        _ if k1 != k2 => return Err(incompatible(a_orig, b_orig)),
        (Value::Bool(_), _) => return Err(BAD_TYPE.into()),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y) == Some(Ordering::Less),
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Uint(x), Value::Uint(y)) => x < y,
        (Value::String(x), Value::String(y)) => x < y,
        _ => return Err(BAD_TYPE.into()),
    })
}

fn two(args: &[Value]) -> (&Value, &Value) {
    (&args[0], &args[1])
}

/// `ne a b`.
pub(crate) fn ne(args: &[Value]) -> Result<Value, String> {
    let r = eq(args)?;
    Ok(Value::Bool(!r.truth()))
}

/// `lt a b`.
pub(crate) fn lt(args: &[Value]) -> Result<Value, String> {
    let (a, b) = two(args);
    less(a, b).map(Value::Bool)
}

fn le_bool(a: &Value, b: &Value) -> Result<bool, String> {
    if less(a, b)? {
        return Ok(true);
    }
    Ok(eq(&[a.clone(), b.clone()])?.truth())
}

/// `le a b`.
pub(crate) fn le(args: &[Value]) -> Result<Value, String> {
    let (a, b) = two(args);
    le_bool(a, b).map(Value::Bool)
}

/// `gt a b`.
pub(crate) fn gt(args: &[Value]) -> Result<Value, String> {
    let (a, b) = two(args);
    le_bool(a, b).map(|x| Value::Bool(!x))
}

/// `ge a b`.
pub(crate) fn ge(args: &[Value]) -> Result<Value, String> {
    let (a, b) = two(args);
    less(a, b).map(|x| Value::Bool(!x))
}
