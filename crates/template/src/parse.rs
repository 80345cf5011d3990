//! The parser: items to [`Tree`]s, following the structure of Go's `text/template/parse` so that
//! every error carries the same line and wording (`template: NAME:LINE: unexpected EOF`).

use std::sync::Arc;

use crate::ast::{
    Arg, Branch, Command, Delims, ElseIf, List, Node, Pipe, Tree, Var, is_empty_list,
};
use crate::error::Error;
use crate::lex::{Item, ItemType, Lexer};
use crate::number::{new_char, new_number};

/// Limit on nested parenthesised expressions, control structures and blocks. Go allows 10000
/// parentheses and unbounded `if`/`range`/`with` nesting; both recurse, so klaxon stops at 100
/// (far beyond what real templates use) to keep a hostile template from exhausting the stack.
const MAX_STACK_DEPTH: usize = 100;

type PResult<T> = Result<T, Error>;

/// Per-tree parser state (Go keeps it in each `*Tree`; `define` and `block` start a fresh one).
struct Ctx {
    name: String,
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    range_depth: usize,
    action_line: usize,
    stack_depth: usize,
}

impl Ctx {
    fn new(name: &str) -> Self {
        let empty = Item { typ: ItemType::Eof, pos: 0, val: String::new(), line: 0 };
        Ctx {
            name: name.to_string(),
            token: [empty.clone(), empty.clone(), empty],
            peek_count: 0,
            vars: vec!["$".to_string()],
            range_depth: 0,
            action_line: 0,
            stack_depth: 0,
        }
    }
}

/// What `textOrAction` yields: a node, or the `{{end}}`/`{{else}}` that closes a list.
enum Parsed {
    Node(Node),
    End,
    Else,
}

pub(crate) struct Parser<'a> {
    lex: Lexer<'a>,
    text: Arc<str>,
    parse_name: String,
    has_func: &'a dyn Fn(&str) -> bool,
    ctx: Ctx,
    /// Trees defined so far, in order of completion.
    pub trees: Vec<Tree>,
    left: &'a str,
    right: &'a str,
}

/// Parses `text` as template `name`; returns every tree it defines (the top-level one included,
/// named `name`).
pub(crate) fn parse(
    name: &str,
    text: &str,
    left: &str,
    right: &str,
    has_func: &dyn Fn(&str) -> bool,
) -> PResult<Vec<Tree>> {
    let mut p = Parser {
        lex: Lexer::new(text, left, right),
        text: Arc::from(text),
        parse_name: name.to_string(),
        has_func,
        ctx: Ctx::new(name),
        trees: Vec::new(),
        left,
        right,
    };
    p.lex.break_ok = !has_func("break");
    p.lex.continue_ok = !has_func("continue");
    let root = p.parse_top()?;
    p.add(root, 0)?;
    Ok(p.trees)
}

impl Parser<'_> {
    fn describe(&self, p: &Parsed) -> String {
        let d = Delims { left: self.left, right: self.right };
        match p {
            Parsed::Node(n) => n.display(d).to_string(),
            Parsed::End => format!("{}end{}", self.left, self.right),
            Parsed::Else => format!("{}else{}", self.left, self.right),
        }
    }

    // --- token buffer, as Go's three-token lookahead ---

    fn next(&mut self) -> Item {
        if self.ctx.peek_count > 0 {
            self.ctx.peek_count -= 1;
        } else {
            self.ctx.token[0] = self.lex.next_item();
        }
        self.ctx.token[self.ctx.peek_count].clone()
    }

    fn backup(&mut self) {
        self.ctx.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.ctx.token[1] = t1;
        self.ctx.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.ctx.token[1] = t1;
        self.ctx.token[2] = t2;
        self.ctx.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.ctx.peek_count > 0 {
            return self.ctx.token[self.ctx.peek_count - 1].clone();
        }
        self.ctx.peek_count = 1;
        self.ctx.token[0] = self.lex.next_item();
        self.ctx.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    // --- errors ---

    fn errorf<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(Error::parse(&self.parse_name, self.ctx.token[0].line, msg.into()))
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.ctx.action_line != 0 && self.ctx.action_line != token.line {
                extra =
                    format!(" in action started at {}:{}", self.parse_name, self.ctx.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.typ != expected {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    // --- trees ---

    fn add(&mut self, root: List, root_pos: usize) -> PResult<()> {
        let name = self.ctx.name.clone();
        if let Some(i) = self.trees.iter().position(|t| t.name == name) {
            if !is_empty_list(&self.trees[i].root) {
                if !is_empty_list(&root) {
                    return self.errorf(format!(
                        "template: multiple definition of template {}",
                        model::gostr::quote(&name)
                    ));
                }
                return Ok(());
            }
            self.trees.remove(i);
        }
        self.trees.push(Tree {
            name,
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
            root_pos,
            left: self.left.to_string(),
            right: self.right.to_string(),
        });
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<List> {
        let mut root = List::default();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let saved = std::mem::replace(&mut self.ctx, Ctx::new("definition"));
                    let r = self.parse_definition();
                    self.ctx = saved;
                    r?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.nodes.push(n),
                other => return self.errorf(format!("unexpected {}", self.describe(&other))),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let name = self.next_non_space();
        if name.typ != ItemType::String && name.typ != ItemType::RawString {
            return self.unexpected(&name, CONTEXT);
        }
        self.ctx.name = self.unquote(&name.val)?;
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let root_pos = self.peek_non_space().pos;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {CONTEXT}", self.describe(&end)));
        }
        self.add(root, root_pos)
    }

    fn unquote(&self, quoted: &str) -> PResult<String> {
        match model::gostr::unquote(quoted) {
            Ok(b) => Ok(String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
            Err(e) => self.errorf(e.to_string()),
        }
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        let mut list = List::default();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                other => return Ok((list, other)),
            }
        }
        self.errorf("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text { text: token.val })),
            ItemType::LeftDelim => {
                self.ctx.action_line = token.line;
                let r = self.action();
                self.ctx.action_line = 0;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let is_break = token.typ == ItemType::Break;
                let what = if is_break { "break" } else { "continue" };
                let t = self.next_non_space();
                if t.typ != ItemType::RightDelim {
                    return self.unexpected(&t, &format!("{}{what}{}", self.left, self.right));
                }
                if self.ctx.range_depth == 0 {
                    let what = format!("{}{}{}", self.left, what, self.right);
                    return self.errorf(format!("{what} outside {}range{}", self.left, self.right));
                }
                let pos = token.pos;
                return Ok(Parsed::Node(if is_break {
                    Node::Break { pos }
                } else {
                    Node::Continue { pos }
                }));
            }
            ItemType::Else => {
                let peek = self.peek_non_space();
                if peek.typ == ItemType::If || peek.typ == ItemType::With {
                    return Ok(Parsed::Else);
                }
                self.expect(ItemType::RightDelim, "else")?;
                return Ok(Parsed::Else);
            }
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.control("if").map(|b| Parsed::Node(Node::If(Box::new(b)))),
            ItemType::Range => {
                return self.control("range").map(|b| Parsed::Node(Node::Range(Box::new(b))));
            }
            ItemType::With => {
                return self.control("with").map(|b| Parsed::Node(Node::With(Box::new(b))));
            }
            ItemType::Template => return self.template_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, pipe }))
    }

    fn control(&mut self, context: &str) -> PResult<Branch> {
        if self.ctx.stack_depth >= MAX_STACK_DEPTH {
            return self.errorf("max expression depth exceeded");
        }
        let mark = self.ctx.vars.len();
        self.ctx.stack_depth += 1;
        let r = self.control_inner(context);
        self.ctx.stack_depth -= 1;
        self.ctx.vars.truncate(mark);
        r
    }

    fn control_inner(&mut self, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.ctx.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.ctx.range_depth -= 1;
        }
        let (list, mut next) = r?;
        let mut else_ifs = Vec::new();
        let mut else_list = None;
        // `{{else if}}` / `{{else with}}` chains: Go nests a new control in the else list (which
        // then consumes the `{{end}}`); they are kept flat here so that long chains need no
        // recursion. Variables declared along the chain stay in scope until its end, as in Go.
        while let Parsed::Else = next {
            let chained = (context == "if" && self.peek().typ == ItemType::If)
                || (context == "with" && self.peek().typ == ItemType::With);
            if chained {
                self.next();
                let pipe = self.pipeline(context, ItemType::RightDelim)?;
                let (l, n) = self.item_list()?;
                else_ifs.push(ElseIf { pipe, list: l });
                next = n;
                continue;
            }
            let (l, n) = self.item_list()?;
            if !matches!(n, Parsed::End) {
                return self.errorf(format!("expected end; found {}", self.describe(&n)));
            }
            else_list = Some(l);
            break;
        }
        Ok(Branch { pos: pipe.pos, pipe, list, else_ifs, else_list })
    }

    fn template_name(&mut self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => self.unquote(&token.val),
            _ => self.unexpected(token, context),
        }
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        let depth = self.ctx.stack_depth + 1;
        if depth > MAX_STACK_DEPTH {
            return self.errorf("max expression depth exceeded");
        }
        let saved = std::mem::replace(&mut self.ctx, Ctx::new(&name));
        self.ctx.stack_depth = depth;
        let root_pos = self.peek_non_space().pos;
        let r = self.item_list();
        let block_ctx = std::mem::replace(&mut self.ctx, saved);
        let (root, end) = r?;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {CONTEXT}", self.describe(&end)));
        }
        let saved = std::mem::replace(&mut self.ctx, block_ctx);
        let r = self.add(root, root_pos);
        self.ctx = saved;
        r?;
        Ok(Node::Template { pos: token.pos, name, pipe: Some(pipe) })
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemType::RightDelim)?);
        }
        Ok(Node::Template { pos: token.pos, name, pipe })
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe =
            Pipe { pos: token.pos, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break 'decls;
            }
            self.next();
            let after = self.peek();
            let next = self.peek_non_space();
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(Var { name: v.val.clone() });
                self.ctx.vars.push(v.val);
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                pipe.decl.push(Var { name: v.val.clone() });
                self.ctx.vars.push(v.val);
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue 'decls;
                        }
                        _ => return self.errorf("range can only initialize variables"),
                    }
                }
                return self.errorf(format!("too many declarations in {context}"));
            } else if after.typ == ItemType::Space {
                self.backup3(v, after);
            } else {
                self.backup2(v);
            }
            break 'decls;
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(
                Arg::Bool { .. }
                | Arg::Dot { .. }
                | Arg::Nil { .. }
                | Arg::Number(_)
                | Arg::String { .. },
            ) = c.args.first()
            {
                return self.errorf(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let f = self.next().val;
            fields.push(f[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field { pos: chain_pos, idents }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable { pos: chain_pos, idents }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number(_)
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                return self.errorf(format!(
                    "unexpected . after term {}",
                    model::gostr::quote(&node.to_string())
                ));
            }
            other => Arg::Chain { pos: chain_pos, node: Box::new(other), fields },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !(self.has_func)(&token.val) {
                    return self.errorf(format!(
                        "function {} not defined",
                        model::gostr::quote(&token.val)
                    ));
                }
                Arg::Identifier { pos, name: token.val }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                if !self.ctx.vars.contains(&token.val) {
                    return self
                        .errorf(format!("undefined variable {}", model::gostr::quote(&token.val)));
                }
                Arg::Variable { pos, idents: vec![token.val] }
            }
            ItemType::Field => Arg::Field { pos, idents: vec![token.val[1..].to_string()] },
            ItemType::Bool => Arg::Bool { pos, val: token.val == "true" },
            ItemType::CharConstant => match new_char(pos, &token.val) {
                Ok(n) => Arg::Number(Box::new(n)),
                Err(e) => return self.errorf(e),
            },
            ItemType::Number | ItemType::Complex => match new_number(pos, &token.val) {
                Ok(n) => Arg::Number(Box::new(n)),
                Err(e) => return self.errorf(e),
            },
            ItemType::LeftParen => {
                if self.ctx.stack_depth >= MAX_STACK_DEPTH {
                    return self.errorf("max expression depth exceeded");
                }
                self.ctx.stack_depth += 1;
                let r = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.ctx.stack_depth -= 1;
                Arg::Pipe(Box::new(r?))
            }
            ItemType::String | ItemType::RawString => {
                let text = self.unquote(&token.val)?;
                Arg::String { pos, quoted: token.val, text }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}
