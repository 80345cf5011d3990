//! Function and method calls: argument counts, argument evaluation and Go's type checks
//! (`evalCall`, `evalArg`, `validateType`), and the `and`/`or`/`call` special cases.

use super::{At, Bv, R, State, matches_type};
use crate::ast::Arg;
use crate::builtins::{builtins, call, slice};
use crate::funcs::{ArgType, Signature};
use crate::value::Value;

impl<'a> State<'a> {
    pub(super) fn eval_function(
        &mut self,
        dot: &Bv,
        name: &str,
        call_node: At<'a>,
        args: Option<&'a [Arg]>,
        fin: Option<Value>,
    ) -> R<Value> {
        let common: &'a crate::template::Common = self.common;
        let (f, builtin) = match common.funcs.get(name) {
            Some(f) => (f, false),
            None => match builtins().get(name) {
                Some(f) => (f, true),
                None => {
                    return self.errorf(format!(
                        "{} is not a defined function",
                        model::gostr::quote(name)
                    ));
                }
            },
        };
        self.eval_call(dot, f.signature(), &*f.f, builtin, name, call_node, args, fin)
    }

    #[allow(clippy::too_many_arguments)]
    /// Calls `invoke` (a function or a bound method with signature `sig`) as Go's `evalCall`.
    pub(super) fn eval_call(
        &mut self,
        dot: &Bv,
        sig: &Signature,
        invoke: &dyn Fn(&[Value]) -> Result<Value, String>,
        builtin: bool,
        name: &str,
        call_node: At<'a>,
        args: Option<&'a [Arg]>,
        fin: Option<Value>,
    ) -> R<Value> {
        let args: &'a [Arg] = match args {
            Some(a) => &a[1..],
            None => &[],
        };
        let num_in = args.len() + usize::from(fin.is_some());
        let mut num_fixed = args.len();
        if sig.variadic.is_some() {
            num_fixed = sig.params.len();
            if num_in < num_fixed {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.params.len(),
                    args.len()
                ));
            }
        } else if num_in != sig.params.len() {
            return self.errorf(format!(
                "wrong number of args for {name}: want {} got {num_in}",
                sig.params.len()
            ));
        }

        if builtin && (name == "and" || name == "or") {
            let mut v = Value::Nil;
            for a in args {
                v = self.eval_arg(dot, ArgType::Any, a)?;
                if v.truth() == (name == "or") {
                    return Ok(v);
                }
            }
            if let Some(fin) = fin {
                v = fin;
            }
            return Ok(v);
        }

        let mut argv = Vec::with_capacity(num_in);
        // Which arguments sit in an `interface {}` slot (only `slice` cares: Go does not unwrap
        // its indexes, so a boxed index is "of type interface {}").
        let mut boxed_args = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            let (v, boxed) = self.eval_arg_boxed(dot, sig.params[i], &args[i])?;
            if builtin && name == "len" && matches!(v, Value::Nil) && !boxed {
                // Go's `len` asks reflect for the type of the invalid value, which panics.
                self.at = call_node;
                return self.errorf(
                    "error calling len: reflect: call of reflect.Value.Type on zero Value",
                );
            }
            argv.push(v);
            boxed_args.push(boxed);
            i += 1;
        }
        if let Some(t) = sig.variadic {
            while i < args.len() {
                let (v, boxed) = self.eval_arg_boxed(dot, t, &args[i])?;
                argv.push(v);
                boxed_args.push(boxed);
                i += 1;
            }
        }
        if let Some(fin) = fin {
            if builtin && name == "len" && matches!(fin, Value::Nil) {
                self.at = call_node;
                return self.errorf(
                    "error calling len: reflect: call of reflect.Value.Type on zero Value",
                );
            }
            let t = if sig.variadic.is_some() && num_in > num_fixed {
                sig.variadic.unwrap_or(ArgType::Any)
            } else {
                sig.params.get(num_in - 1).copied().unwrap_or(ArgType::Any)
            };
            argv.push(self.validate_type(Bv::plain(fin), t)?);
        }

        let result = if builtin && name == "call" {
            // Go names the callee by its node, or by `reflect.Value.String` of a piped value.
            let callee = match (args.first(), argv.first()) {
                (Some(a), _) => a.to_string(),
                (None, Some(Value::String(s))) => s.to_string(),
                (None, Some(Value::Nil) | None) => "<invalid Value>".to_string(),
                (None, Some(v)) => format!("<{} Value>", v.type_name()),
            };
            call(&callee, &argv)
        } else if builtin && name == "slice" {
            slice(&argv, &boxed_args)
        } else {
            invoke(&argv)
        };
        match result {
            Ok(Value::String(s)) if s.len() > self.common.limits.max_output_bytes => {
                // Strings can double per call (`printf "%s%s" $x $x`): bound them like output.
                self.at = call_node;
                let max = self.common.limits.max_output_bytes;
                self.errorf(format!("result of {name} exceeds the limit of {max} bytes"))
            }
            Ok(v) => Ok(v),
            Err(e) => {
                self.at = call_node;
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }

    pub(super) fn validate_type(&self, v: Bv, t: ArgType) -> R<Value> {
        if t == ArgType::Any {
            return Ok(v.v);
        }
        if let Value::Nil = v.v {
            if t == ArgType::StringList && !v.boxed {
                // A nil slice.
                return Ok(Value::string_list(Vec::<String>::new()));
            }
            if matches!(t, ArgType::Named(_)) && !v.boxed {
                // The nil pointer or slice of a named type.
                return Ok(Value::Nil);
            }
            if !v.boxed {
                return self.errorf(format!("invalid value; expected {}", t.go_name()));
            }
            return self.errorf(format!(
                "wrong type for value; expected {}; got interface {{}}",
                t.go_name()
            ));
        }
        if matches_type(&v.v, t) {
            return Ok(v.v);
        }
        // A named slice type over `[]string` (Alertmanager's `Strings`) is assignable to a
        // `[]string` parameter, as in Go (identical underlying types, one of them unnamed).
        if t == ArgType::StringList
            && let Value::Object(o) = &v.v
            && let Some(Value::List(l)) = o.underlying()
            && l.elem == crate::value::Elem::String
        {
            return Ok(Value::List(l));
        }
        // A pointer is dereferenced where its element type is wanted (Go's `validateType`):
        // Prometheus' `toTime` returns a `*time.Time` that `.Sub` takes as a `time.Time`.
        if let Value::Object(o) = &v.v
            && o.type_name().strip_prefix('*') == Some(t.go_name())
            && let Some(u) = o.underlying()
            && matches_type(&u, t)
        {
            return Ok(u);
        }
        self.errorf(format!(
            "wrong type for value; expected {}; got {}",
            t.go_name(),
            v.v.type_name()
        ))
    }

    pub(super) fn eval_arg(&mut self, dot: &Bv, t: ArgType, arg: &'a Arg) -> R<Value> {
        self.eval_arg_boxed(dot, t, arg).map(|(v, _)| v)
    }

    /// [`State::eval_arg`], also telling whether the value came from an `interface {}` slot.
    pub(super) fn eval_arg_boxed(
        &mut self,
        dot: &Bv,
        t: ArgType,
        arg: &'a Arg,
    ) -> R<(Value, bool)> {
        self.at = At::Arg(arg);
        let v = match arg {
            Arg::Dot { .. } => dot.clone(),
            Arg::Field { idents, .. } => {
                self.eval_fields_on(dot, dot, arg, idents, Some(std::slice::from_ref(arg)), None)?
            }
            Arg::Variable { idents, .. } => self.eval_variable(dot, arg, idents, None, None)?,
            Arg::Chain { node, fields, .. } => {
                self.eval_chain(dot, arg, node, fields, None, None)?
            }
            _ => return self.eval_arg_plain(dot, t, arg).map(|v| (v, false)),
        };
        let boxed = v.boxed;
        Ok((self.validate_type(v, t)?, boxed))
    }

    /// The arguments that cannot come from an `interface {}` slot: nil, constants, pipelines
    /// and function calls.
    fn eval_arg_plain(&mut self, dot: &Bv, t: ArgType, arg: &'a Arg) -> R<Value> {
        match arg {
            Arg::Nil { .. } => {
                if t == ArgType::Any {
                    return Ok(Value::Nil);
                }
                if t == ArgType::StringList {
                    return Ok(Value::string_list(Vec::<String>::new()));
                }
                if matches!(t, ArgType::Named(_)) {
                    return Ok(Value::Nil);
                }
                return self.errorf(format!("cannot assign nil to {}", t.go_name()));
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(Bv::plain(v), t);
            }
            Arg::Identifier { name, .. } => {
                let v = self.eval_function(dot, name, At::Arg(arg), None, None)?;
                return self.validate_type(Bv::plain(v), t);
            }
            _ => {}
        }
        match (t, arg) {
            (ArgType::Bool, Arg::Bool { val, .. }) => Ok(Value::Bool(*val)),
            (ArgType::Bool, _) => self.errorf(format!("expected bool; found {arg}")),
            (ArgType::Float, Arg::Number(n)) if n.is_float => Ok(Value::Float(n.float)),
            (ArgType::Float, _) => self.errorf(format!("expected float; found {arg}")),
            (ArgType::Int, Arg::Number(n)) if n.is_int => Ok(Value::Int(n.int)),
            (ArgType::Int, _) => self.errorf(format!("expected integer; found {arg}")),
            (ArgType::String, Arg::String { text, .. }) => Ok(Value::from(text.as_str())),
            (ArgType::String, _) => self.errorf(format!("expected string; found {arg}")),
            (ArgType::Duration, Arg::Number(n)) if n.is_int => {
                Ok(Value::Duration(model::duration::GoDuration::from_nanos(n.int)))
            }
            (ArgType::Duration, _) => self.errorf(format!("expected integer; found {arg}")),
            (ArgType::Time | ArgType::StringList | ArgType::Named(_), _) => {
                self.errorf(format!("can't handle {arg} for arg of type {}", t.go_name()))
            }
            (ArgType::Any, Arg::Bool { val, .. }) => Ok(Value::Bool(*val)),
            (ArgType::Any, Arg::Number(n)) => self.ideal_constant(arg, n),
            (ArgType::Any, Arg::String { text, .. }) => Ok(Value::from(text.as_str())),
            (ArgType::Any, _) => {
                self.errorf(format!("can't handle assignment of {arg} to empty interface argument"))
            }
        }
    }
}
