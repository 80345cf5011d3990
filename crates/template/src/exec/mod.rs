//! The evaluator: walks a [`Tree`] against a [`Value`], as Go's `text/template/exec.go` does,
//! down to which node an error is reported at.
//!
//! Go distinguishes a value held in an `interface {}` slot (an element of `[]interface {}` or
//! `map[string]interface {}`) from the same value held directly: a nil interface in a field
//! chain is `nil pointer evaluating interface {}.X` rather than `<no value>`, and error messages
//! name the type `interface {}`. The evaluator tracks that as a `boxed` flag beside values that
//! come straight out of such containers (dot inside `range`, range variables, field chains).

mod call;
mod eval;

use model::duration::GoDuration;

use crate::ast::{Arg, Branch, Command, List, Node, Pipe, Tree};
use crate::error::Error;
use crate::funcs::ArgType;
use crate::print::sprint_value;
use crate::template::{Common, Limits};
use crate::value::{Elem, Value};

/// A value with whether it sits in an `interface {}` slot.
#[derive(Debug, Clone)]
struct Bv {
    v: Value,
    boxed: bool,
}

impl Bv {
    fn plain(v: Value) -> Self {
        Bv { v, boxed: false }
    }
}

/// The node being evaluated, for error messages (Go's `state.node`).
#[derive(Clone, Copy)]
enum At<'a> {
    None,
    Node(&'a Node, usize),
    Pipe(&'a Pipe),
    Cmd(&'a Command),
    Arg(&'a Arg),
}

impl At<'_> {
    fn pos_and_text(&self, tree: &Tree) -> Option<(usize, String)> {
        match self {
            At::None => None,
            At::Node(n, pos) => Some((*pos, n.display(tree.delims()).to_string())),
            At::Pipe(p) => Some((p.pos, p.to_string())),
            At::Cmd(c) => Some((c.pos, c.to_string())),
            At::Arg(a) => Some((a.pos(), a.to_string())),
        }
    }
}

/// Control flow out of a list: normal, `{{break}}` or `{{continue}}`.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

type R<T> = Result<T, Error>;

pub(crate) struct State<'a> {
    common: &'a Common,
    name: &'a str,
    tree: &'a Tree,
    at: At<'a>,
    vars: Vec<(&'a str, Bv)>,
    depth: usize,
    out: &'a mut String,
    iterations: u64,
    steps: u64,
}

/// Executes template `tree` (named `name`) with `data`, appending to `out`.
pub(crate) fn execute(
    common: &Common,
    name: &str,
    tree: &Tree,
    data: &Value,
    out: &mut String,
) -> R<()> {
    let mut s = State {
        common,
        name,
        tree,
        at: At::None,
        vars: vec![("$", Bv::plain(data.clone()))],
        depth: 0,
        out,
        iterations: 0,
        steps: 0,
    };
    let dot = Bv::plain(data.clone());
    s.walk_list(&dot, &tree.root).map(|_| ())
}

/// Follows present map keys from `v` by reference, as `evalField` would, stopping before a
/// method-bearing or missing step and before a final step that has arguments (which is an
/// error for a map key). Returns how many idents were consumed, the value reached and whether
/// it sits in an `interface {}` slot.
fn follow_maps<'v>(
    mut v: &'v Value,
    mut boxed: bool,
    idents: &[String],
    last_has_args: bool,
) -> (usize, &'v Value, bool) {
    let n = idents.len();
    let mut k = 0;
    while k < n && !(k == n - 1 && last_has_args) {
        let Value::Map(m) = v else { break };
        let Some(next) = m.entries.get(idents[k].as_str()) else { break };
        boxed = m.elem == Elem::Any;
        v = next;
        k += 1;
    }
    (k, v, boxed)
}

/// Whether `v` can be passed as a parameter of type `t` (Go assignability for our kinds).
pub(crate) fn matches_type(v: &Value, t: ArgType) -> bool {
    matches!(
        (t, v),
        (ArgType::Any, _)
            | (ArgType::Bool, Value::Bool(_))
            | (ArgType::Int, Value::Int(_))
            | (ArgType::Float, Value::Float(_))
            | (ArgType::String, Value::String(_))
            | (ArgType::Time, Value::Time(_))
            | (ArgType::Duration, Value::Duration(_))
    ) || matches!((t, v), (ArgType::StringList, Value::List(l)) if l.elem == Elem::String)
        || matches!((t, v), (ArgType::Named(n), Value::Object(o)) if o.type_name() == n)
}

fn limits(c: &Common) -> &Limits {
    &c.limits
}

impl<'a> State<'a> {
    // --- errors ---

    fn errorf<T>(&self, msg: impl Into<String>) -> R<T> {
        let message = msg.into();
        match self.at.pos_and_text(self.tree) {
            None => Err(Error::exec_plain(self.name, message)),
            Some((pos, context)) => {
                let (line, col) = self.tree.line_col(pos);
                let full = format!(
                    "template: {}:{line}:{col}: executing {} at <{context}>: {message}",
                    self.tree.parse_name,
                    model::gostr::quote(self.name)
                );
                Err(Error::Exec {
                    name: self.name.to_string(),
                    location: Some((self.tree.parse_name.clone(), line, col)),
                    message,
                    full,
                })
            }
        }
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > limits(self.common).max_steps {
            return self.errorf(format!(
                "exceeded maximum number of evaluation steps ({})",
                limits(self.common).max_steps
            ));
        }
        Ok(())
    }

    fn write(&mut self, s: &str) -> R<()> {
        let max = limits(self.common).max_output_bytes;
        if self.out.len() + s.len() > max {
            return self.errorf(format!("output exceeds the limit of {max} bytes"));
        }
        self.out.push_str(s);
        Ok(())
    }

    // --- variables ---

    fn set_var(&mut self, name: &str, v: Bv) -> R<()> {
        for slot in self.vars.iter_mut().rev() {
            if slot.0 == name {
                slot.1 = v;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn set_top_var(&mut self, n: usize, v: Bv) {
        let len = self.vars.len();
        if let Some(slot) = self.vars.get_mut(len.wrapping_sub(n)) {
            slot.1 = v;
        }
    }

    // --- walking ---

    fn walk_list(&mut self, dot: &Bv, list: &'a List) -> R<Flow> {
        for n in &list.nodes {
            let f = self.walk(dot, n)?;
            if f != Flow::Normal {
                return Ok(f);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Bv, node: &'a Node) -> R<Flow> {
        self.step()?;
        match node {
            Node::Text { text } => {
                self.write(text)?;
            }
            Node::Action { pos, pipe } => {
                self.at = At::Node(node, *pos);
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at = At::Node(node, *pos);
                    self.print_value(&v)?;
                }
            }
            Node::Break { .. } => return Ok(Flow::Break),
            Node::Continue { .. } => return Ok(Flow::Continue),
            Node::If(b) => return self.walk_if_or_with(false, dot, node, b),
            Node::With(b) => return self.walk_if_or_with(true, dot, node, b),
            Node::Range(b) => return self.walk_range(dot, node, b),
            Node::Template { pos, name, pipe } => {
                self.at = At::Node(node, *pos);
                self.walk_template(dot, name, pipe.as_ref())?;
            }
        }
        Ok(Flow::Normal)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        let max = limits(self.common).max_depth;
        if self.depth > max {
            return self.errorf(format!("exceeded maximum template depth ({max})"));
        }
        Ok(())
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Bv, node: &'a Node, b: &'a Branch) -> R<Flow> {
        self.at = At::Node(node, b.pos);
        self.enter()?;
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.truth() {
                return if with {
                    self.walk_list(&Bv::plain(val), &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                };
            }
            for e in &b.else_ifs {
                let val = self.eval_pipeline(dot, &e.pipe)?;
                if val.truth() {
                    return if with {
                        self.walk_list(&Bv::plain(val), &e.list)
                    } else {
                        self.walk_list(dot, &e.list)
                    };
                }
            }
            match &b.else_list {
                Some(e) => self.walk_list(dot, e),
                None => Ok(Flow::Normal),
            }
        })();
        self.vars.truncate(mark);
        self.depth -= 1;
        r
    }

    fn walk_range(&mut self, dot: &Bv, node: &'a Node, b: &'a Branch) -> R<Flow> {
        self.at = At::Node(node, b.pos);
        self.enter()?;
        let mark = self.vars.len();
        let r = self.walk_range_inner(dot, b);
        self.vars.truncate(mark);
        self.depth -= 1;
        r.map(|_| Flow::Normal)
    }

    fn walk_range_inner(&mut self, dot: &Bv, b: &'a Branch) -> R<()> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let resolved = val.resolved().into_owned();
        // Go 1.22+ ranges over an integer n: 0..n-1, each of the integer's own type.
        type MakeElem = Box<dyn Fn(u64) -> Value>;
        let int_range: Option<(u64, MakeElem)> = match (&val, &resolved) {
            (Value::Duration(d), _) => Some((
                u64::try_from(d.as_nanos()).unwrap_or(0),
                Box::new(|i| Value::Duration(GoDuration::from_nanos(i as i64))),
            )),
            (Value::Object(o), Value::Int(n)) => {
                let name: std::sync::Arc<str> = o.type_name().into();
                Some((
                    u64::try_from(*n).unwrap_or(0),
                    Box::new(move |i| Value::named(name.clone(), Value::Int(i as i64))),
                ))
            }
            (_, Value::Int(n)) => {
                Some((u64::try_from(*n).unwrap_or(0), Box::new(|i| Value::Int(i as i64))))
            }
            (_, Value::Uint(n)) => Some((*n, Box::new(Value::Uint))),
            _ => None,
        };
        if let Some((n, make)) = int_range {
            if b.pipe.decl.len() > 1 {
                return self.errorf(format!(
                    "can't use {} to iterate over more than one variable",
                    sprint_value(&val)
                ));
            }
            for i in 0..n {
                if self.one_iteration(b, mark, Bv::plain(Value::Nil), Bv::plain(make(i)))? {
                    break;
                }
            }
            if n == 0
                && let Some(e) = &b.else_list
            {
                self.walk_list(dot, e)?;
            }
            return Ok(());
        }
        let ran = match &resolved {
            Value::List(l) => {
                let boxed = l.elem == Elem::Any;
                for (i, item) in l.items.iter().enumerate() {
                    let elem = Bv { v: item.clone(), boxed };
                    if self.one_iteration(b, mark, Bv::plain(Value::Int(i as i64)), elem)? {
                        break;
                    }
                }
                !l.items.is_empty()
            }
            Value::Map(m) => {
                let boxed = m.elem == Elem::Any;
                for (k, item) in &m.entries {
                    let elem = Bv { v: item.clone(), boxed };
                    if self.one_iteration(b, mark, Bv::plain(Value::from(k.as_str())), elem)? {
                        break;
                    }
                }
                !m.entries.is_empty()
            }
            Value::Nil => false,
            _ => return self.errorf(format!("range can't iterate over {}", sprint_value(&val))),
        };
        if !ran && let Some(e) = &b.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    /// One pass of a range body; returns whether `{{break}}` ended the loop.
    fn one_iteration(&mut self, b: &'a Branch, mark: usize, index: Bv, elem: Bv) -> R<bool> {
        self.iterations += 1;
        let max = limits(self.common).max_range_iterations;
        if self.iterations > max {
            return self.errorf(format!("exceeded maximum number of range iterations ({max})"));
        }
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(&decl[0].name, index.clone())?;
                } else {
                    self.set_var(&decl[0].name, elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(&decl[1].name, elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let r = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        Ok(r? == Flow::Break)
    }

    fn walk_template(&mut self, dot: &Bv, name: &str, pipe: Option<&'a Pipe>) -> R<()> {
        let Some((tname, tree)) = self.common.trees.get_key_value(name) else {
            return self.errorf(format!("template {} not defined", model::gostr::quote(name)));
        };
        if self.depth >= limits(self.common).max_depth {
            return self.errorf(format!(
                "exceeded maximum template depth ({})",
                limits(self.common).max_depth
            ));
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Nil,
        };
        // The trees live in `common`, which outlives the state.
        let tree: &'a Tree = tree;
        let tname: &'a str = tname;
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$", Bv::plain(new_dot.clone()))]);
        let saved = (self.name, self.tree, self.at);
        self.name = tname;
        self.tree = tree;
        self.depth += 1;
        let r = self.walk_list(&Bv::plain(new_dot), &tree.root);
        self.depth -= 1;
        self.vars = saved_vars;
        (self.name, self.tree, self.at) = saved;
        r.map(|_| ())
    }

    fn print_value(&mut self, v: &Value) -> R<()> {
        match v {
            Value::Nil => self.write("<no value>"),
            // Fast paths: `fmt.Fprint` of a string or an int is the string or the digits.
            Value::String(s) => self.write(s),
            Value::Int(i) => self.write(&i.to_string()),
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Value::Func(f) => {
                let text = match self.at {
                    At::Node(n, _) => n.display(self.tree.delims()).to_string(),
                    _ => String::new(),
                };
                self.errorf(format!("can't print {text} of type {}", f.type_name()))
            }
            _ => {
                let s = sprint_value(v);
                self.write(&s)
            }
        }
    }
}
