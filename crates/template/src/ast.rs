//! The parse tree. Every node keeps its byte position (for `NAME:LINE:COL` in execution errors)
//! and prints back as Go prints it (execution errors quote the node: `at <.Foo>`).

use std::fmt;
use std::sync::Arc;

/// One parsed template: a name, the text it came from and its root list.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The template's name (`define "NAME"`, or the name given to [`crate::Template::new`]).
    pub name: String,
    /// The name of the top-level template whose text held this one (for error locations).
    pub parse_name: String,
    /// The whole text that was parsed, shared by every tree defined in it.
    pub(crate) text: Arc<str>,
    pub(crate) root: List,
    /// Byte position where the body starts (Go's root list position; html escaping reports
    /// some errors there).
    pub(crate) root_pos: usize,
    pub(crate) left: String,
    pub(crate) right: String,
}

impl Tree {
    pub(crate) fn delims(&self) -> Delims<'_> {
        Delims { left: &self.left, right: &self.right }
    }

    /// `LINE:COL` of a byte position, counted as Go does (column is the 0-based byte offset).
    pub(crate) fn line_col(&self, pos: usize) -> (usize, usize) {
        let before = self.text.get(..pos).unwrap_or(&self.text);
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            None => pos,
            Some(nl) => pos - (nl + 1),
        };
        (line, col)
    }
}

/// A sequence of nodes.
#[derive(Debug, Clone, Default)]
pub(crate) struct List {
    pub nodes: Vec<Node>,
}

/// A node; `Break` and `Continue` keep the position of their keyword (html escaping reports
/// errors there).
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text { text: String },
    Action { pos: usize, pipe: Pipe },
    If(Box<Branch>),
    Range(Box<Branch>),
    With(Box<Branch>),
    Template { pos: usize, name: String, pipe: Option<Pipe> },
    Break { pos: usize },
    Continue { pos: usize },
}

/// `if`, `range` and `with`.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: List,
    /// `{{else if ...}}` (or `{{else with ...}}`) branches, in order.
    pub else_ifs: Vec<ElseIf>,
    pub else_list: Option<List>,
}

/// One `{{else if PIPE}}LIST` (or `else with`) of a chain.
#[derive(Debug, Clone)]
pub(crate) struct ElseIf {
    pub pipe: Pipe,
    pub list: List,
}

/// A pipeline, with the variables it declares or assigns.
#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<Var>,
    pub cmds: Vec<Command>,
}

#[derive(Debug, Clone)]
pub(crate) struct Var {
    pub name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// An operand of a command.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// `.A.B`
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    /// `$x.A.B` (idents[0] is the variable name, with its `$`).
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    /// `(pipe).A.B`, `$x` chains are folded into `Variable`.
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Identifier {
        pos: usize,
        name: String,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        val: bool,
    },
    Number(Box<Number>),
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
    Pipe(Box<Pipe>),
}

/// A numeric constant with every interpretation Go allows for it.
#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub pos: usize,
    pub text: String,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub int: i64,
    pub uint: u64,
    pub float: f64,
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Number(n) => n.pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for id in idents {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Variable { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(p) = node.as_ref() {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for id in fields {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { val, .. } => write!(f, "{val}"),
            Arg::Number(n) => f.write_str(&n.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(&v.name)?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl List {
    fn write(&self, f: &mut fmt::Formatter<'_>, d: &Delims<'_>) -> fmt::Result {
        for n in &self.nodes {
            n.write(f, d)?;
        }
        Ok(())
    }
}

/// The action delimiters a tree was parsed with (node strings in messages use them).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delims<'a> {
    pub left: &'a str,
    pub right: &'a str,
}

impl Node {
    /// The node as Go prints it, with the template's delimiters.
    pub(crate) fn display<'a>(&'a self, d: Delims<'a>) -> impl fmt::Display + 'a {
        struct D<'a>(&'a Node, Delims<'a>);
        impl fmt::Display for D<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write(f, &self.1)
            }
        }
        D(self, d)
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, d: &Delims<'_>) -> fmt::Result {
        let (l, r) = (d.left, d.right);
        match self {
            Node::Text { text } => f.write_str(text),
            Node::Action { pipe, .. } => write!(f, "{l}{pipe}{r}"),
            Node::If(b) => write_branch(f, "if", b, d),
            Node::Range(b) => write_branch(f, "range", b, d),
            Node::With(b) => write_branch(f, "with", b, d),
            Node::Template { name, pipe, .. } => {
                write!(f, "{l}template {}", model::gostr::quote(name))?;
                if let Some(p) = pipe {
                    write!(f, " {p}")?;
                }
                f.write_str(r)
            }
            Node::Break { .. } => write!(f, "{l}break{r}"),
            Node::Continue { .. } => write!(f, "{l}continue{r}"),
        }
    }
}

fn write_branch(f: &mut fmt::Formatter<'_>, name: &str, b: &Branch, d: &Delims<'_>) -> fmt::Result {
    let (l, r) = (d.left, d.right);
    // Go nests an else-if chain, so it prints as `{{if a}}x{{else}}{{if b}}y{{end}}{{end}}`.
    write!(f, "{l}{name} {}{r}", b.pipe)?;
    b.list.write(f, d)?;
    for e in &b.else_ifs {
        write!(f, "{l}else{r}{l}{name} {}{r}", e.pipe)?;
        e.list.write(f, d)?;
    }
    if let Some(e) = &b.else_list {
        write!(f, "{l}else{r}")?;
        e.write(f, d)?;
    }
    for _ in 0..=b.else_ifs.len() {
        write!(f, "{l}end{r}")?;
    }
    Ok(())
}

/// Go's `parse.IsEmptyTree`: only whitespace text and comments.
pub(crate) fn is_empty_list(l: &List) -> bool {
    l.nodes.iter().all(|n| matches!(n, Node::Text { text } if text.trim_matches(|c: char| c.is_whitespace()).is_empty()))
}

/// Adds to `out` the name of every template that `l` invokes with `{{template "NAME"}}`
/// (also through `block`), at any depth.
pub(crate) fn invoked_templates(l: &List, out: &mut std::collections::BTreeSet<String>) {
    for n in &l.nodes {
        match n {
            Node::Template { name, .. } => {
                out.insert(name.clone());
            }
            Node::If(b) | Node::Range(b) | Node::With(b) => {
                invoked_templates(&b.list, out);
                for e in &b.else_ifs {
                    invoked_templates(&e.list, out);
                }
                if let Some(e) = &b.else_list {
                    invoked_templates(e, out);
                }
            }
            Node::Text { .. }
            | Node::Action { .. }
            | Node::Break { .. }
            | Node::Continue { .. } => {}
        }
    }
}
