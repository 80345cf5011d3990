//! Pipelines, commands, constants, variables and field chains (Go's `evalPipeline`,
//! `evalCommand`, `evalFieldChain`, `evalField`).

use super::{At, Bv, R, State, follow_maps};
use crate::ast::{Arg, Command, Number, Pipe};
use crate::funcs::ArgType;
use crate::template::MissingKey;
use crate::value::{Elem, Value};

impl<'a> State<'a> {
    pub(super) fn eval_pipeline(&mut self, dot: &Bv, pipe: &'a Pipe) -> R<Value> {
        self.at = At::Pipe(pipe);
        self.enter()?;
        let r = self.eval_pipeline_inner(dot, pipe);
        self.depth -= 1;
        r
    }

    pub(super) fn eval_pipeline_inner(&mut self, dot: &Bv, pipe: &'a Pipe) -> R<Value> {
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            self.step()?;
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.v);
        }
        let value = value.unwrap_or(Value::Nil);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(&var.name, Bv::plain(value.clone()))?;
            } else {
                self.vars.push((&var.name, Bv::plain(value.clone())));
            }
        }
        Ok(value)
    }

    pub(super) fn not_a_function(&self, args: &'a [Arg], fin: &Option<Value>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    pub(super) fn eval_command(&mut self, dot: &Bv, cmd: &'a Command, fin: Option<Value>) -> R<Bv> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                self.at = At::Arg(first);
                return self.eval_fields_on(dot, dot, first, idents, Some(&cmd.args), fin);
            }
            Arg::Chain { node, fields, .. } => {
                return self.eval_chain(dot, first, node, fields, Some(&cmd.args), fin);
            }
            Arg::Identifier { name, .. } => {
                self.at = At::Arg(first);
                return self
                    .eval_function(dot, name, At::Cmd(cmd), Some(&cmd.args), fin)
                    .map(Bv::plain);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p).map(Bv::plain);
            }
            Arg::Variable { idents, .. } => {
                return self.eval_variable(dot, first, idents, Some(&cmd.args), fin);
            }
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, &fin)?;
        Ok(match first {
            Arg::Bool { val, .. } => Bv::plain(Value::Bool(*val)),
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => return self.errorf("nil is not a command"),
            Arg::Number(n) => Bv::plain(self.ideal_constant(first, n)?),
            Arg::String { text, .. } => Bv::plain(Value::from(text.as_str())),
            _ => {
                return self.errorf(format!(
                    "can't evaluate command {}",
                    model::gostr::quote(&first.to_string())
                ));
            }
        })
    }

    pub(super) fn ideal_constant(&mut self, node: &'a Arg, n: &Number) -> R<Value> {
        self.at = At::Arg(node);
        let t = n.text.as_str();
        let is_hex_int = t.len() > 2
            && t.starts_with('0')
            && matches!(t.as_bytes()[1], b'x' | b'X')
            && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if n.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(n.float));
        }
        if n.is_int {
            return Ok(Value::Int(n.int));
        }
        if n.is_uint {
            return self.errorf(format!("{t} overflows int"));
        }
        Ok(Value::Nil)
    }

    pub(super) fn eval_chain(
        &mut self,
        dot: &Bv,
        chain: &'a Arg,
        node: &'a Arg,
        fields: &'a [String],
        args: Option<&'a [Arg]>,
        fin: Option<Value>,
    ) -> R<Bv> {
        self.at = At::Arg(chain);
        if matches!(node, Arg::Nil { .. }) {
            return self.errorf(format!("indirection through explicit nil in {chain}"));
        }
        let recv = self.eval_arg(dot, ArgType::Any, node)?;
        self.eval_field_chain(dot, Bv::plain(recv), chain, fields, args, fin)
    }

    pub(super) fn eval_variable(
        &mut self,
        dot: &Bv,
        node: &'a Arg,
        idents: &'a [String],
        args: Option<&'a [Arg]>,
        fin: Option<Value>,
    ) -> R<Bv> {
        self.at = At::Arg(node);
        let fields = &idents[1..];
        let has_args = args.is_some_and(|a| a.len() > 1) || fin.is_some();
        // Follow map keys by reference before cloning anything (the common `$x.a.b`).
        let found = self.vars.iter().rev().find(|slot| slot.0 == idents[0]).map(|slot| {
            let (k, v, boxed) = follow_maps(&slot.1.v, slot.1.boxed, fields, has_args);
            (k, Bv { v: v.clone(), boxed })
        });
        let Some((k, value)) = found else {
            return self.errorf(format!("undefined variable: {}", idents[0]));
        };
        if fields.is_empty() {
            if let Some(args) = args {
                self.not_a_function(args, &fin)?;
            } else if fin.is_some() {
                return self.errorf(format!("can't give argument to non-function {node}"));
            }
            return Ok(value);
        }
        if k == fields.len() {
            return Ok(value);
        }
        self.eval_field_chain(dot, value, node, &fields[k..], args, fin)
    }

    /// Evaluates `.a.b.c` on `recv`, walking maps by reference where it can.
    pub(super) fn eval_fields_on(
        &mut self,
        dot: &Bv,
        recv: &Bv,
        node: &'a Arg,
        idents: &'a [String],
        args: Option<&'a [Arg]>,
        fin: Option<Value>,
    ) -> R<Bv> {
        let has_args = args.is_some_and(|a| a.len() > 1) || fin.is_some();
        let (k, v, boxed) = follow_maps(&recv.v, recv.boxed, idents, has_args);
        let cur = Bv { v: v.clone(), boxed };
        if k == idents.len() {
            return Ok(cur);
        }
        self.eval_field_chain(dot, cur, node, &idents[k..], args, fin)
    }

    pub(super) fn eval_field_chain(
        &mut self,
        dot: &Bv,
        mut recv: Bv,
        node: &'a Arg,
        idents: &'a [String],
        args: Option<&'a [Arg]>,
        fin: Option<Value>,
    ) -> R<Bv> {
        let n = idents.len();
        for id in &idents[..n - 1] {
            recv = self.eval_field(dot, id, node, None, None, recv)?;
        }
        self.eval_field(dot, &idents[n - 1], node, args, fin, recv)
    }

    pub(super) fn eval_field(
        &mut self,
        dot: &Bv,
        name: &str,
        node: &'a Arg,
        args: Option<&'a [Arg]>,
        fin: Option<Value>,
        recv: Bv,
    ) -> R<Bv> {
        let type_name = || if recv.boxed { "interface {}".to_string() } else { recv.v.type_name() };
        if let Value::Nil = recv.v {
            if recv.boxed {
                return self.errorf(format!("nil pointer evaluating interface {{}}.{name}"));
            }
            if self.common.missing_key == MissingKey::Error {
                return self
                    .errorf(format!("nil data; no entry for key {}", model::gostr::quote(name)));
            }
            return Ok(Bv::plain(Value::Nil));
        }
        let has_args = args.is_some_and(|a| a.len() > 1) || fin.is_some();
        if let Some(f) = crate::methods::method(&recv.v, name) {
            return self
                .eval_call(dot, f.signature(), &*f.f, false, name, At::Arg(node), args, fin)
                .map(Bv::plain);
        }
        let mut target = recv.v.clone();
        if let Value::Object(o) = &recv.v {
            if let Some(sig) = o.method(name) {
                let invoke = |a: &[Value]| o.call_method(name, a);
                return self
                    .eval_call(dot, &sig, &invoke, false, name, At::Arg(node), args, fin)
                    .map(Bv::plain);
            }
            if let Some(v) = o.field(name) {
                if has_args {
                    return self
                        .errorf(format!("{name} has arguments but cannot be invoked as function"));
                }
                return Ok(Bv::plain(v));
            }
            if let Some(u) = o.underlying() {
                target = u;
            }
        }
        if let Value::Map(m) = &target {
            if has_args {
                return self.errorf(format!("{name} is not a method but has arguments"));
            }
            return match m.entries.get(name) {
                Some(v) => Ok(Bv { v: v.clone(), boxed: m.elem == Elem::Any }),
                None => match self.common.missing_key {
                    MissingKey::Invalid => Ok(Bv::plain(Value::Nil)),
                    MissingKey::Zero => Ok(Bv { v: m.elem.zero(), boxed: m.elem == Elem::Any }),
                    MissingKey::Error => self
                        .errorf(format!("map has no entry for key {}", model::gostr::quote(name))),
                },
            };
        }
        self.errorf(format!("can't evaluate field {name} in type {}", type_name()))
    }
}
