//! HTML mode: Go's `html/template` contextual auto-escaping.
//!
//! Before a template set in HTML mode ([`crate::Template::html`]) executes template `NAME`, the
//! escaper walks `NAME` and every template it calls, tracking the HTML parser state (text, tag,
//! attribute name and value, quoted or not, URL and the part of it, JS and CSS, RCDATA,
//! comments; [`context`]) through the literal text ([`transition`]), and appends escaper
//! functions ([`escapers`]) to each action's pipeline so that its output is escaped for where it
//! lands: `{{.}}` in text becomes `{{. | _html_template_htmlescaper}}`, in `href="..."` it
//! becomes `{{. | _html_template_urlfilter | _html_template_urlnormalizer |
//! _html_template_attrescaper}}`. Comments are stripped from the text, a stray `<` in text
//! becomes `&lt;`, and a template called in a non-text context runs as a copy escaped for that
//! context (named `NAME$htmltemplate_stateAttr...`, as in Go). `if`/`range`/`with` branches
//! must end in the same context; errors read as Go's (`html/template:t:1:5: ...`).
//!
//! The rewritten set is computed once per executed template name and cached until the set
//! changes.

mod attr;
pub(crate) mod context;
mod css;
mod entity;
mod entity_table;
mod escape;
mod escapers;
mod js;
mod strip;
mod transition;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::Tree;
use crate::error::Error;
use crate::template::Common;
use context::{Context, EscError, State};

/// At most this many nodes are visited escaping one template (fewer if
/// [`crate::Limits::max_steps`] is lower); real templates need a few thousand.
const MAX_ESCAPE_STEPS: u64 = 1_000_000;

fn escape_error(name: &str, e: &EscError) -> Error {
    let full = match &e.node_loc {
        Some((parse, line, col)) => {
            format!("html/template:{parse}:{line}:{col}: {}", e.description)
        }
        None if e.line != 0 => format!("html/template:{name}:{}: {}", e.line, e.description),
        None => format!("html/template:{name}: {}", e.description),
    };
    Error::Escape {
        name: name.to_string(),
        location: e.node_loc.clone(),
        message: e.description.clone(),
        full,
    }
}

/// The set `common` rewritten so that template `name` (and everything it calls) escapes its
/// output, with the escaper functions added.
pub(crate) fn escape_set(common: &Common, name: &str) -> Result<Common, Error> {
    let steps = std::cell::Cell::new(0);
    let max_steps = common.limits.max_steps.min(MAX_ESCAPE_STEPS);
    let mut e = escape::Escaper::new(&common.trees, common.limits.max_depth, &steps, max_steps);
    let (c, _) = e.escape_tree(Context::default(), None, name);
    if let Some(err) = &c.err {
        return Err(escape_error(name, &err.borrow()));
    }
    if c.state != State::Text {
        let err = EscError {
            node_loc: None,
            line: 0,
            description: format!("ends in a non-text context: {c}"),
        };
        return Err(escape_error(name, &err));
    }
    let mut trees: HashMap<String, Arc<Tree>> = HashMap::new();
    for dname in e.output.keys() {
        let source = e.derived.get(dname).map_or(dname.as_str(), String::as_str);
        let Some(orig) = common.trees.get(source) else { continue };
        let root = escape::apply_edits(&e.edits, dname, &orig.root);
        let tree = Tree {
            name: dname.clone(),
            parse_name: orig.parse_name.clone(),
            text: orig.text.clone(),
            root,
            root_pos: orig.root_pos,
            left: orig.left.clone(),
            right: orig.right.clone(),
        };
        trees.insert(dname.clone(), Arc::new(tree));
    }
    let mut out = common.clone();
    out.trees = trees;
    out.funcs.extend(&escapers::escaper_funcs());
    out.html = false;
    // The escaped set is executed, never escaped again; a cache of its own also avoids a
    // reference cycle through the original set's cache, which holds this set.
    out.html_cache = Default::default();
    Ok(out)
}
