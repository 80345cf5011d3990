//! Go's builtin template functions. `and`, `or` and `call` need the evaluator (short-circuit,
//! the callee's name) and are special-cased in `exec.rs`; the rest are ordinary [`Func`]s.

use std::sync::{Arc, OnceLock};

use crate::compare;
use crate::escape::{eval_args, html_escape, js_escape, query_escape};
use crate::funcs::{ArgType, Func, FuncMap, Signature};
use crate::print::{sprint, sprintf, sprintln};
use crate::value::Value;

use ArgType::Any;

/// The builtins, as Go's `builtins()` table.
pub(crate) fn builtins() -> &'static FuncMap {
    static B: OnceLock<FuncMap> = OnceLock::new();
    B.get_or_init(|| {
        let va = |f: fn(&[Value]) -> Result<Value, String>| {
            Func::new(Signature::variadic(&[Any], Any), f)
        };
        let two =
            |f: fn(&[Value]) -> Result<Value, String>| Func::new(Signature::fixed(&[Any, Any]), f);
        let unreachable = |_: &[Value]| -> Result<Value, String> { Err("unreachable".into()) };
        FuncMap::new()
            .with("and", va(unreachable))
            .with("or", va(unreachable))
            .with("call", va(unreachable))
            .with("not", Func::new(Signature::fixed(&[Any]), |a| Ok(Value::Bool(!a[0].truth()))))
            .with("len", Func::new(Signature::fixed(&[Any]), length))
            .with("index", va(index))
            .with("slice", va(|a| slice(a, &[])))
            .with("print", Func::any(|a| Ok(Value::from(sprint(a)))))
            .with("println", Func::any(|a| Ok(Value::from(sprintln(a)))))
            .with(
                "printf",
                Func::new(Signature::variadic(&[ArgType::String], Any), |a| {
                    let fmt = a[0].as_str().unwrap_or("");
                    Ok(Value::from(sprintf(fmt, &a[1..])))
                }),
            )
            .with("html", Func::any(|a| Ok(Value::from(html_escape(&eval_args(a))))))
            .with("js", Func::any(|a| Ok(Value::from(js_escape(&eval_args(a))))))
            .with("urlquery", Func::any(|a| Ok(Value::from(query_escape(&eval_args(a))))))
            .with("eq", va(compare::eq))
            .with("ne", two(compare::ne))
            .with("lt", two(compare::lt))
            .with("le", two(compare::le))
            .with("gt", two(compare::gt))
            .with("ge", two(compare::ge))
    })
}

fn length(a: &[Value]) -> Result<Value, String> {
    let v = a[0].resolved();
    let n = match &*v {
        Value::String(s) => s.len(),
        Value::List(l) => l.items.len(),
        Value::Map(m) => m.entries.len(),
        Value::Nil => return Err("len of nil pointer".into()),
        _ => return Err(format!("len of type {}", a[0].type_name())),
    };
    Ok(Value::Int(n as i64))
}

/// Go's `indexArg`: an integer index in `0..=cap`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i128 = match index.resolved().as_ref() {
        Value::Int(i) => i128::from(*i),
        Value::Uint(u) => i128::from(*u as i64),
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        _ => return Err(format!("cannot index slice/array with type {}", index.type_name())),
    };
    if x < 0 || x > cap as i128 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(a: &[Value]) -> Result<Value, String> {
    let mut item = a[0].clone();
    if matches!(item, Value::Nil) {
        return Err("index of untyped nil".into());
    }
    for idx in &a[1..] {
        if matches!(item, Value::Nil) {
            return Err("index of nil pointer".into());
        }
        let type_name = item.type_name();
        let resolved = item.resolved().into_owned();
        item = match &resolved {
            Value::List(l) => {
                let x = index_arg(idx, l.items.len())?;
                l.items.get(x).cloned().ok_or("reflect: slice index out of range")?
            }
            Value::String(s) => {
                let x = index_arg(idx, s.len())?;
                Value::Int(i64::from(
                    *s.as_bytes().get(x).ok_or("reflect: string index out of range")?,
                ))
            }
            Value::Map(m) => match idx {
                Value::String(k) => m.entries.get(&**k).cloned().unwrap_or_else(|| m.elem.zero()),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!("value has type {}; should be string", other.type_name()));
                }
            },
            _ => return Err(format!("can't index item of type {type_name}")),
        };
    }
    Ok(item)
}

/// `slice item indexes...`; `boxed[i]` tells whether argument `i` sat in an `interface {}` slot.
pub(crate) fn slice(a: &[Value], boxed: &[bool]) -> Result<Value, String> {
    let item = &a[0];
    if matches!(item, Value::Nil) {
        return Err("slice of untyped nil".into());
    }
    let indexes = &a[1..];
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let resolved = item.resolved();
    let len = match &*resolved {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.items.len(),
        _ => return Err(format!("can't slice item of type {}", item.type_name())),
    };
    let mut idx = [0usize, len, len];
    for (i, x) in indexes.iter().enumerate() {
        if boxed.get(i + 1).copied().unwrap_or(false) {
            return Err("cannot index slice/array with type interface {}".into());
        }
        idx[i] = index_arg(x, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match &*resolved {
        Value::String(s) => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::List(l) => Value::List(Arc::new(crate::value::List {
            elem: l.elem,
            items: l.items[idx[0]..idx[1]].to_vec(),
        })),
        _ => Value::Nil,
    })
}

/// Go's `call`: invoke function value `args[0]` (named `name` in messages) with the rest.
pub(crate) fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let f = match args.first() {
        None | Some(Value::Nil) => return Err("call of nil".into()),
        Some(Value::Func(f)) => f,
        Some(other) => return Err(format!("non-function {name} of type {}", other.type_name())),
    };
    let rest = &args[1..];
    let sig = f.signature();
    let n = sig.params.len();
    if sig.variadic.is_some() {
        if rest.len() < n {
            return Err(format!(
                "wrong number of args for {name}: got {} want at least {n}",
                rest.len()
            ));
        }
    } else if rest.len() != n {
        return Err(format!("wrong number of args for {name}: got {} want {n}", rest.len()));
    }
    for (i, a) in rest.iter().enumerate() {
        let t = sig.params.get(i).copied().or(sig.variadic).unwrap_or(Any);
        if t == Any {
            continue;
        }
        if matches!(a, Value::Nil) {
            return Err(format!("arg {i}: value is nil; should be of type {}", t.go_name()));
        }
        if !crate::exec::matches_type(a, t) {
            return Err(format!(
                "arg {i}: value has type {}; should be {}",
                a.type_name(),
                t.go_name()
            ));
        }
    }
    f.call(rest)
}
