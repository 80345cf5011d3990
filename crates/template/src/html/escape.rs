//! The escaper: walks a template from a start context, tracking the HTML context through text,
//! and records which escaper functions each action needs (Go's `escape.go`). Edits are
//! collected per (template, node) and applied at commit, so that a template called in two
//! contexts gets two rewritten copies (named `NAME$htmltemplate_CONTEXT`, as in Go).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::context::{Context, Delim, EscError, JsCtx, State, UrlPart};
use super::transition::context_after_text;
use crate::ast::{Arg, Branch, Command, Delims, List, Node, Pipe, Tree};

type Key = (String, usize);

/// Whether a scratch escaping pass's edits and output context are kept.
type Filter<'a> = dyn Fn(&Escaper<'a>, &Context) -> bool + 'a;

fn addr(n: &Node) -> usize {
    n as *const Node as usize
}

/// A `{{break}}`/`{{continue}}` context with where it is (for messages).
#[derive(Default)]
struct RangeCtx {
    breaks: Vec<(Context, usize)>,
    continues: Vec<(Context, usize)>,
}

/// The recorded edits of one escaping pass.
#[derive(Default)]
pub(crate) struct Edits {
    pub action: HashMap<Key, Vec<&'static str>>,
    pub template: HashMap<Key, String>,
    pub text: HashMap<Key, String>,
}

pub(crate) struct Escaper<'a> {
    trees: &'a HashMap<String, Arc<Tree>>,
    /// Output context of each escaped (mangled) template name.
    pub output: HashMap<String, Context>,
    /// Mangled name → the template it is a copy of.
    pub derived: HashMap<String, String>,
    called: HashSet<String>,
    pub edits: Edits,
    ranges: Vec<RangeCtx>,
    /// The (mangled) template being walked and its tree.
    cur: String,
    tree: Option<&'a Tree>,
    /// Nesting of template calls and control structures being escaped, and its bound (each
    /// template called in a new context is a new copy, so a hostile set could otherwise nest
    /// without end: `` `${ {{template "a"}} }` `` inside "a" in a script).
    depth: usize,
    max_depth: usize,
    /// Nodes visited so far by this escaping and its scratch passes, and the bound (a failed
    /// output-context guess re-escapes a template, which nesting can make exponential).
    steps: &'a Cell<u64>,
    max_steps: u64,
}

impl<'a> Escaper<'a> {
    pub(crate) fn new(
        trees: &'a HashMap<String, Arc<Tree>>,
        max_depth: usize,
        steps: &'a Cell<u64>,
        max_steps: u64,
    ) -> Self {
        Escaper {
            trees,
            output: HashMap::new(),
            derived: HashMap::new(),
            called: HashSet::new(),
            edits: Edits::default(),
            ranges: Vec::new(),
            cur: String::new(),
            tree: None,
            depth: 0,
            max_depth,
            steps,
            max_steps,
        }
    }

    /// Enters a template call or control structure at `pos`; `Err` with an error context when
    /// that is too deep.
    fn enter(&mut self, pos: usize) -> Result<(), Context> {
        if self.depth >= self.max_depth {
            return Err(
                self.err_at(pos, format!("exceeded maximum template depth ({})", self.max_depth))
            );
        }
        self.depth += 1;
        Ok(())
    }

    fn err_at(&self, pos: usize, description: String) -> Context {
        let node_loc = self.tree.map(|t| {
            let (line, col) = t.line_col(pos);
            (t.parse_name.clone(), line, col)
        });
        Context::error(EscError { node_loc, line: 0, description })
    }

    /// The line of byte position `pos` in the template being walked.
    fn line_of(&self, pos: usize) -> usize {
        self.tree.map_or(0, |t| t.line_col(pos).0)
    }

    fn key(&self, n: &Node) -> Key {
        (self.cur.clone(), addr(n))
    }

    fn escape(&mut self, c: Context, n: &'a Node) -> Context {
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > self.max_steps {
            let msg = format!("exceeded maximum number of escaping steps ({})", self.max_steps);
            return self.err_at(0, msg);
        }
        match n {
            Node::Action { pos, pipe } => self.escape_action(c, n, *pos, pipe),
            Node::Break { pos } => {
                if let Some(r) = self.ranges.last_mut() {
                    r.breaks.push((c, *pos));
                }
                Context::with_state(State::Dead)
            }
            Node::Continue { pos } => {
                if let Some(r) = self.ranges.last_mut() {
                    r.continues.push((c, *pos));
                }
                Context::with_state(State::Dead)
            }
            Node::If(b) | Node::With(b) | Node::Range(b) => {
                if let Err(e) = self.enter(b.pos) {
                    return e;
                }
                let c = match n {
                    Node::If(_) => self.escape_branch(c, b, "if", 0),
                    Node::With(_) => self.escape_branch(c, b, "with", 0),
                    _ => self.escape_range(c, b),
                };
                self.depth -= 1;
                c
            }
            Node::Template { pos, name, .. } => {
                let (c, dname) = self.escape_tree(c, Some(*pos), name);
                if &dname != name {
                    self.edits.template.insert(self.key(n), dname);
                }
                c
            }
            Node::Text { text } => self.escape_text(c, n, text),
        }
    }

    fn escape_list(&mut self, mut c: Context, l: &'a List) -> Context {
        for n in &l.nodes {
            c = self.escape(c, n);
            if c.state == State::Dead {
                break;
            }
        }
        c
    }

    fn escape_action(&mut self, c: Context, n: &'a Node, pos: usize, pipe: &Pipe) -> Context {
        if !pipe.decl.is_empty() {
            return c;
        }
        let mut c = nudge(c);
        for (i, cmd) in pipe.cmds.iter().enumerate() {
            let Some(Arg::Identifier { name, .. }) = cmd.args.first() else { continue };
            if is_predefined(name)
                && (i < pipe.cmds.len() - 1
                    || c.state == State::Attr && c.delim == Delim::SpaceOrTagEnd && name == "html")
            {
                return self.err_at(
                    pos,
                    format!(
                        "predefined escaper {} disallowed in template",
                        model::gostr::quote(name)
                    ),
                );
            }
        }
        let mut s: Vec<&'static str> = Vec::with_capacity(3);
        use State::*;
        match c.state {
            Error => return c,
            Url | CssDqStr | CssSqStr | CssDqUrl | CssSqUrl | CssUrl => match c.url_part {
                UrlPart::None | UrlPart::PreQuery => {
                    if c.url_part == UrlPart::None {
                        s.push("_html_template_urlfilter");
                    }
                    if matches!(c.state, CssDqStr | CssSqStr) {
                        s.push("_html_template_cssescaper");
                    } else {
                        s.push("_html_template_urlnormalizer");
                    }
                }
                UrlPart::QueryOrFrag => s.push("_html_template_urlescaper"),
                UrlPart::Unknown => {
                    let d = self.tree.map_or(Delims { left: "{{", right: "}}" }, Tree::delims);
                    return self.err_at(
                        pos,
                        format!("{} appears in an ambiguous context within a URL", n.display(d)),
                    );
                }
            },
            MetaContent => {}
            MetaContentUrl => s.push("_html_template_urlfilter"),
            Js => {
                s.push("_html_template_jsvalescaper");
                c.js_ctx = JsCtx::DivOp;
            }
            JsDqStr | JsSqStr => s.push("_html_template_jsstrescaper"),
            JsTmplLit => s.push("_html_template_jstmpllitescaper"),
            JsRegexp => s.push("_html_template_jsregexpescaper"),
            Css => s.push("_html_template_cssvaluefilter"),
            Text => s.push("_html_template_htmlescaper"),
            Rcdata => s.push("_html_template_rcdataescaper"),
            Attr => {}
            AttrName | Tag => {
                c.state = AttrName;
                s.push("_html_template_htmlnamefilter");
            }
            Srcset => s.push("_html_template_srcsetescaper"),
            st if st.is_comment() => s.push("_html_template_commentescaper"),
            _ => {
                return self.err_at(pos, format!("unexpected state {}", c.state.go_name()));
            }
        }
        match c.delim {
            Delim::None => {}
            Delim::SpaceOrTagEnd => s.push("_html_template_nospaceescaper"),
            _ => s.push("_html_template_attrescaper"),
        }
        self.edits.action.insert(self.key(n), s);
        c
    }

    /// `if`/`with` (and the `else if` chain from index `from`).
    fn escape_branch(&mut self, c: Context, b: &'a Branch, name: &str, from: usize) -> Context {
        let (list, pos) = if from == 0 {
            (&b.list, b.pos)
        } else {
            (&b.else_ifs[from - 1].list, b.else_ifs[from - 1].pipe.pos)
        };
        let c0 = self.escape_list(c.clone(), list);
        let c1 = if from < b.else_ifs.len() {
            self.escape_branch(c, b, name, from + 1)
        } else {
            match &b.else_list {
                Some(e) => self.escape_list(c, e),
                None => c,
            }
        };
        self.join(c0, c1, pos, name)
    }

    fn escape_range(&mut self, c: Context, b: &'a Branch) -> Context {
        self.ranges.push(RangeCtx::default());
        let mut c0 = self.escape_list(c.clone(), &b.list);
        if c0.state != State::Error {
            c0 = self.join_range(c0);
        }
        self.ranges.pop();
        if c0.state == State::Error {
            return c0;
        }
        // The body can run again: it must end where it started.
        self.ranges.push(RangeCtx::default());
        let (c1, _) = self.escape_list_conditionally(c0.clone(), &b.list, None);
        c0 = self.join(c0, c1, b.pos, "range");
        if c0.state == State::Error {
            self.ranges.pop();
            let line = self.line_of(b.pos);
            if let Some(e) = &c0.err {
                let mut e = e.borrow_mut();
                e.line = line;
                e.description = format!("on range loop re-entry: {}", e.description);
            }
            return c0;
        }
        c0 = self.join_range(c0);
        self.ranges.pop();
        if c0.state == State::Error {
            return c0;
        }
        let c1 = match &b.else_list {
            Some(e) => self.escape_list(c, e),
            None => c,
        };
        self.join(c0, c1, b.pos, "range")
    }

    fn join_range(&mut self, mut c0: Context) -> Context {
        let Some(r) = self.ranges.last() else { return c0 };
        let (breaks, continues) = (r.breaks.clone(), r.continues.clone());
        for (list, what) in [(breaks, "break"), (continues, "continue")] {
            for (c, pos) in list {
                c0 = self.join(c0, c, pos, "range");
                if c0.state == State::Error {
                    let line = self.line_of(pos);
                    if let Some(e) = &c0.err {
                        let mut e = e.borrow_mut();
                        e.line = line;
                        e.description = format!("at range loop {what}: {}", e.description);
                    }
                    return c0;
                }
            }
        }
        c0
    }

    fn join(&self, a: Context, b: Context, pos: usize, name: &str) -> Context {
        if a.state == State::Error {
            return a;
        }
        if b.state == State::Error {
            return b;
        }
        if a.state == State::Dead {
            return b;
        }
        if b.state == State::Dead {
            return a;
        }
        if a == b {
            return a;
        }
        let mut c = a.clone();
        c.url_part = b.url_part;
        if c == b {
            c.url_part = UrlPart::Unknown;
            return c;
        }
        let mut c = a.clone();
        c.js_ctx = b.js_ctx;
        if c == b {
            c.js_ctx = JsCtx::Unknown;
            return c;
        }
        let (na, nb) = (nudge(a.clone()), nudge(b.clone()));
        if !(na == a && nb == b) {
            let e = self.join(na, nb, pos, name);
            if e.state != State::Error {
                return e;
            }
        }
        self.err_at(pos, format!("{{{{{name}}}}} branches end in different contexts: {a}, {b}"))
    }

    /// Escapes `l` with a scratch escaper, keeping its edits only if `filter` accepts them.
    fn escape_list_conditionally(
        &mut self,
        c: Context,
        l: &'a List,
        filter: Option<&Filter<'a>>,
    ) -> (Context, bool) {
        let mut e1 = Escaper::new(self.trees, self.max_depth, self.steps, self.max_steps);
        e1.depth = self.depth;
        e1.output = self.output.clone();
        e1.ranges = std::mem::take(&mut self.ranges);
        e1.cur = self.cur.clone();
        e1.tree = self.tree;
        let c = e1.escape_list(c, l);
        self.ranges = std::mem::take(&mut e1.ranges);
        let ok = filter.is_some_and(|f| f(&e1, &c));
        if ok {
            self.output.extend(e1.output);
            self.derived.extend(e1.derived);
            self.called.extend(e1.called);
            self.edits.action.extend(e1.edits.action);
            self.edits.template.extend(e1.edits.template);
            self.edits.text.extend(e1.edits.text);
        }
        (c, ok)
    }

    /// Escapes template `name` from context `c`; returns its output context and the (mangled)
    /// name to call.
    pub(crate) fn escape_tree(
        &mut self,
        c: Context,
        pos: Option<usize>,
        name: &str,
    ) -> (Context, String) {
        let dname = c.mangle(name);
        self.called.insert(dname.clone());
        if let Some(out) = self.output.get(&dname) {
            return (out.clone(), dname);
        }
        let trees: &'a HashMap<String, Arc<Tree>> = self.trees;
        let Some(tree) = trees.get(name) else {
            let msg = format!("no such template {}", model::gostr::quote(name));
            return (
                match pos {
                    Some(p) => self.err_at(p, msg),
                    None => Context::error(EscError { node_loc: None, line: 0, description: msg }),
                },
                dname,
            );
        };
        if let Err(e) = self.enter(pos.unwrap_or(0)) {
            return (e, dname);
        }
        if dname != name {
            self.derived.insert(dname.clone(), name.to_string());
        }
        let saved = (std::mem::replace(&mut self.cur, dname.clone()), self.tree);
        self.tree = Some(tree);
        let out = self.compute_out_ctx(c, &dname, tree);
        (self.cur, self.tree) = saved;
        self.depth -= 1;
        (out, dname)
    }

    fn compute_out_ctx(&mut self, c: Context, dname: &str, tree: &'a Tree) -> Context {
        let (mut c1, mut ok) = self.escape_template_body(c, dname, tree);
        if !ok {
            let (c2, ok2) = self.escape_template_body(c1.clone(), dname, tree);
            if ok2 {
                (c1, ok) = (c2, true);
            }
        }
        if !ok && c1.state != State::Error {
            return self.err_at(
                tree.root_pos,
                format!("cannot compute output context for template {dname}"),
            );
        }
        c1
    }

    fn escape_template_body(&mut self, c: Context, dname: &str, tree: &'a Tree) -> (Context, bool) {
        self.output.insert(dname.to_string(), c.clone());
        let assumed = c.clone();
        let name = dname.to_string();
        let filter = move |e1: &Escaper<'a>, c1: &Context| {
            if c1.state == State::Error {
                return false;
            }
            if !e1.called.contains(&name) {
                return true;
            }
            assumed == *c1
        };
        self.escape_list_conditionally(c, &tree.root, Some(&filter))
    }

    fn escape_text(&mut self, mut c: Context, n: &'a Node, text: &str) -> Context {
        let s = text.as_bytes();
        let (mut written, mut i) = (0usize, 0usize);
        let mut b: Vec<u8> = Vec::new();
        while i != s.len() {
            let (c1, nread) = context_after_text(c.clone(), &s[i..]);
            let i1 = i + nread;
            if c.state == State::Text || c.state == State::Rcdata {
                let mut end = i1;
                if c1.state != c.state
                    && let Some(j) = (i..end).rev().find(|&j| s[j] == b'<')
                {
                    end = j;
                }
                for j in i..end {
                    let doctype =
                        s[j..].get(..9).is_some_and(|p| p.eq_ignore_ascii_case(b"<!DOCTYPE"));
                    if s[j] == b'<' && !doctype {
                        b.extend_from_slice(&s[written..j]);
                        b.extend_from_slice(b"&lt;");
                        written = j + 1;
                    }
                }
            } else if c.state.is_comment() && c.delim == Delim::None {
                match c.state {
                    State::JsBlockCmt => {
                        let part = String::from_utf8_lossy(&s[written.min(i1)..i1]).into_owned();
                        if part.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
                            b.push(b'\n');
                        } else {
                            b.push(b' ');
                        }
                    }
                    State::CssBlockCmt => b.push(b' '),
                    _ => {}
                }
                written = i1;
            }
            if c.state != c1.state && c1.state.is_comment() && c1.delim == Delim::None {
                // Where the comment's opening token (`/*`, `//`, `<!--`, `-->`) starts.
                let token = match c1.state {
                    State::HtmlCmt | State::JsHtmlOpenCmt => 4,
                    State::JsHtmlCloseCmt => 3,
                    _ => 2,
                };
                let cs = i1.saturating_sub(token);
                b.extend_from_slice(&s[written.min(cs)..cs]);
                written = i1;
            }
            if c.state.is_in_script_literal() && contains_special_script_tag(&s[i..i1]) {
                b.extend_from_slice(&s[written.min(i)..i]);
                b.extend_from_slice(&escape_special_script_tags(&s[i..i1]));
                written = i1;
            }
            if i == i1 && c.state == c1.state {
                // Go panics here ("infinite loop"); stop instead.
                return self.err_at(0, "internal error: no progress escaping text".into());
            }
            c = c1;
            i = i1;
        }
        if written != 0 && c.state != State::Error {
            if !c.state.is_comment() || c.delim != Delim::None {
                b.extend_from_slice(&s[written..]);
            }
            let key = self.key(n);
            self.edits.text.insert(key, String::from_utf8_lossy(&b).into_owned());
        }
        c
    }
}

/// `(?i)<(script|/script|!--)`.
fn special_tag_at(s: &[u8], i: usize) -> Option<usize> {
    if s[i] != b'<' {
        return None;
    }
    let rest = &s[i + 1..];
    for p in [&b"script"[..], b"/script", b"!--"] {
        if rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p) {
            return Some(p.len());
        }
    }
    None
}

fn contains_special_script_tag(s: &[u8]) -> bool {
    (0..s.len()).any(|i| special_tag_at(s, i).is_some())
}

fn escape_special_script_tags(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < s.len() {
        if let Some(n) = special_tag_at(s, i) {
            out.extend_from_slice(b"\\x3C");
            out.extend_from_slice(&s[i + 1..i + 1 + n]);
            i += 1 + n;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// The context after empty transitions (Go's `nudge`): `<a href=` before a value is in the
/// unquoted value.
pub(crate) fn nudge(mut c: Context) -> Context {
    match c.state {
        State::Tag => c.state = State::AttrName,
        State::BeforeValue => {
            c.state = c.attr.start_state();
            c.delim = Delim::SpaceOrTagEnd;
            c.attr = super::context::Attr::None;
        }
        State::AfterName => {
            c.state = State::AttrName;
            c.attr = super::context::Attr::None;
        }
        _ => {}
    }
    c
}

fn is_predefined(name: &str) -> bool {
    name == "html" || name == "urlquery"
}

fn normalize_esc_fn(e: &str) -> &str {
    match e {
        "_html_template_attrescaper"
        | "_html_template_htmlescaper"
        | "_html_template_rcdataescaper" => "html",
        "_html_template_urlescaper" | "_html_template_urlnormalizer" => "urlquery",
        e => e,
    }
}

fn redundant(last: &str, next: &str) -> bool {
    matches!(
        (last, next),
        (
            "_html_template_commentescaper",
            "_html_template_attrescaper" | "_html_template_htmlescaper"
        ) | ("_html_template_cssescaper", "_html_template_attrescaper")
            | ("_html_template_jsregexpescaper", "_html_template_attrescaper")
            | ("_html_template_jsstrescaper", "_html_template_attrescaper")
            | ("_html_template_jstmpllitescaper", "_html_template_attrescaper")
            | ("_html_template_urlescaper", "_html_template_urlnormalizer")
    )
}

fn ident_cmd(name: &str, pos: usize) -> Command {
    Command { pos, args: vec![Arg::Identifier { pos, name: name.to_string() }] }
}

fn first_ident(c: &Command) -> Option<&str> {
    match c.args.first() {
        Some(Arg::Identifier { name, .. }) => Some(name),
        _ => None,
    }
}

fn append_cmd(cmds: &mut Vec<Command>, cmd: Command) {
    if let (Some(last), Some(next)) = (cmds.last().and_then(first_ident), first_ident(&cmd))
        && redundant(last, next)
    {
        return;
    }
    cmds.push(cmd);
}

/// Appends the escapers `s` to the pipeline, merging a trailing `html` or `urlquery` (Go's
/// `ensurePipelineContains`).
fn ensure_pipeline_contains(p: &mut Pipe, s: &[&'static str]) {
    if s.is_empty() {
        return;
    }
    let mut s: Vec<String> = s.iter().map(|x| x.to_string()).collect();
    let mut pipeline_len = p.cmds.len();
    let pos = p.pos;
    let last_esc =
        p.cmds.last().and_then(first_ident).filter(|e| is_predefined(e)).map(str::to_string);
    if let Some(esc) = last_esc {
        if p.cmds.len() == 1 && p.cmds[0].args.len() > 1 {
            if let Some(Arg::Identifier { name, .. }) = p.cmds[0].args.first_mut() {
                *name = "_eval_args_".to_string();
            }
            p.cmds.push(ident_cmd(&esc, pos));
            pipeline_len += 1;
        }
        let mut dup = false;
        for x in s.iter_mut() {
            if normalize_esc_fn(&esc) == normalize_esc_fn(x) {
                *x = esc.clone();
                dup = true;
            }
        }
        if dup {
            pipeline_len -= 1;
        }
    }
    let mut new_cmds: Vec<Command> = p.cmds[..pipeline_len].to_vec();
    let inserted: HashSet<String> =
        new_cmds.iter().filter_map(first_ident).map(|n| normalize_esc_fn(n).to_string()).collect();
    for name in &s {
        if !inserted.contains(normalize_esc_fn(name)) {
            append_cmd(&mut new_cmds, ident_cmd(name, pos));
        }
    }
    p.cmds = new_cmds;
}

/// A copy of `l` with the edits recorded for template `dname` applied.
pub(crate) fn apply_edits(edits: &Edits, dname: &str, l: &List) -> List {
    let mut out = List { nodes: Vec::with_capacity(l.nodes.len()) };
    for n in &l.nodes {
        let key = (dname.to_string(), addr(n));
        let new = match n {
            Node::Text { text } => match edits.text.get(&key) {
                Some(t) => Node::Text { text: t.clone() },
                None => Node::Text { text: text.clone() },
            },
            Node::Action { pos, pipe } => {
                let mut pipe = pipe.clone();
                if let Some(s) = edits.action.get(&key) {
                    ensure_pipeline_contains(&mut pipe, s);
                }
                Node::Action { pos: *pos, pipe }
            }
            Node::Template { pos, name, pipe } => Node::Template {
                pos: *pos,
                name: edits.template.get(&key).cloned().unwrap_or_else(|| name.clone()),
                pipe: pipe.clone(),
            },
            Node::If(b) => Node::If(Box::new(apply_branch(edits, dname, b))),
            Node::With(b) => Node::With(Box::new(apply_branch(edits, dname, b))),
            Node::Range(b) => Node::Range(Box::new(apply_branch(edits, dname, b))),
            Node::Break { pos } => Node::Break { pos: *pos },
            Node::Continue { pos } => Node::Continue { pos: *pos },
        };
        out.nodes.push(new);
    }
    out
}

fn apply_branch(edits: &Edits, dname: &str, b: &Branch) -> Branch {
    Branch {
        pos: b.pos,
        pipe: b.pipe.clone(),
        list: apply_edits(edits, dname, &b.list),
        else_ifs: b
            .else_ifs
            .iter()
            .map(|e| crate::ast::ElseIf {
                pipe: e.pipe.clone(),
                list: apply_edits(edits, dname, &e.list),
            })
            .collect(),
        else_list: b.else_list.as_ref().map(|e| apply_edits(edits, dname, e)),
    }
}
