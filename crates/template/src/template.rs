//! [`Template`]: a named set of parsed templates with their functions and options, as Go's
//! `*template.Template`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::ast::{Tree, is_empty_list};
use crate::builtins::builtins;
use crate::error::Error;
use crate::exec;
use crate::funcs::FuncMap;
use crate::value::Value;

/// What a missing map key yields (Go's `missingkey=` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: no value, printed `<no value>`.
    #[default]
    Invalid,
    /// `missingkey=zero`: the zero value of the map's element type (`""` for
    /// `map[string]string`; for `map[string]interface {}` a nil interface, which still prints
    /// `<no value>`). Prometheus and Alertmanager use this.
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

/// Bounds on one execution, so that a hostile template cannot hang or exhaust memory. Go has
/// only the first (at 100000 template calls); the others are klaxon's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of template calls, control structures and pipelines together
    /// (error: `exceeded maximum template depth (N)`).
    pub max_depth: usize,
    /// Maximum output size in bytes; also the maximum length of a string a function returns.
    pub max_output_bytes: usize,
    /// Maximum number of `range` iterations in one execution.
    pub max_range_iterations: u64,
    /// Maximum number of nodes and commands evaluated in one execution (bounds exponential
    /// template recursion that produces no output). HTML mode's escaping of a template visits
    /// at most this many nodes too, and never more than a million. `max_depth` also bounds
    /// the nesting of template calls and control structures that escaping follows.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 100,
            max_output_bytes: 64 << 20,
            max_range_iterations: 10_000_000,
            max_steps: 100_000_000,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Common {
    pub trees: HashMap<String, Arc<Tree>>,
    pub funcs: FuncMap,
    pub missing_key: MissingKey,
    pub limits: Limits,
    pub left: String,
    pub right: String,
    /// HTML mode (`html/template`): executing escapes.
    pub html: bool,
    /// HTML mode: the escaped set for each executed template name, computed on first use.
    /// Reset by every change to the set.
    pub html_cache: HtmlCache,
}

/// Escaped sets by template name. Escaping is deterministic, so a failure is cached too.
pub(crate) type HtmlCache = Arc<Mutex<HashMap<String, Result<Arc<Common>, EscapeFailure>>>>;

/// A cached escaping error: the fields of [`Error::Escape`].
#[derive(Debug, Clone)]
pub(crate) struct EscapeFailure {
    name: String,
    location: Option<(String, usize, usize)>,
    message: String,
    full: String,
}

/// A named template and the set of templates associated with it (those it defines and those
/// parsed into it), with functions and options: Go's `*template.Template`.
///
/// Cloning is cheap; parsing into a clone does not affect the original.
#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    common: Arc<Common>,
}

impl Template {
    /// A new, empty template called `name` (Go's `template.New`).
    pub fn new(name: impl Into<String>) -> Self {
        Template { name: name.into(), common: Arc::new(Common::default()) }
    }

    /// A new, empty template called `name` in HTML mode (Go's `html/template` `New`).
    pub fn new_html(name: impl Into<String>) -> Self {
        Template::new(name).html()
    }

    /// Switches the set to HTML mode: executing it escapes every action for the HTML context
    /// it lands in, as Go's `html/template` does (see the crate doc). Parsing is unchanged.
    pub fn html(mut self) -> Self {
        self.common_mut().html = true;
        self
    }

    /// Whether the set is in HTML mode.
    pub fn is_html(&self) -> bool {
        self.common.html
    }

    /// The shared state, unshared for a change; drops the escaped sets computed so far.
    fn common_mut(&mut self) -> &mut Common {
        let c = Arc::make_mut(&mut self.common);
        c.html_cache = HtmlCache::default();
        c
    }

    /// HTML mode: the set escaped for executing `name`.
    fn escaped(&self, name: &str) -> Result<Arc<Common>, Error> {
        let mut cache = self.common.html_cache.lock().unwrap_or_else(|e| e.into_inner());
        let entry = cache.entry(name.to_string()).or_insert_with(|| {
            crate::html::escape_set(&self.common, name).map(Arc::new).map_err(|e| match e {
                Error::Escape { name, location, message, full } => {
                    EscapeFailure { name, location, message, full }
                }
                other => {
                    let full = other.to_string();
                    EscapeFailure {
                        name: name.to_string(),
                        location: None,
                        message: full.clone(),
                        full,
                    }
                }
            })
        });
        match entry {
            Ok(c) => Ok(c.clone()),
            Err(f) => Err(Error::Escape {
                name: f.name.clone(),
                location: f.location.clone(),
                message: f.message.clone(),
                full: f.full.clone(),
            }),
        }
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds functions (Go's `Funcs`); must come before parsing text that uses them.
    pub fn funcs(mut self, funcs: &FuncMap) -> Self {
        self.common_mut().funcs.extend(funcs);
        self
    }

    /// Sets `missingkey` behaviour.
    pub fn missing_key(mut self, mk: MissingKey) -> Self {
        self.common_mut().missing_key = mk;
        self
    }

    /// Go's `Option("missingkey=zero")` and friends; `Err` with Go's panic message otherwise.
    pub fn option(self, opt: &str) -> Result<Self, String> {
        let mk = match opt {
            "" => return Err("empty option string".into()),
            "missingkey=default" | "missingkey=invalid" => MissingKey::Invalid,
            "missingkey=zero" => MissingKey::Zero,
            "missingkey=error" => MissingKey::Error,
            _ => return Err(format!("unrecognized option: {opt}")),
        };
        Ok(self.missing_key(mk))
    }

    /// Sets the execution limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.common_mut().limits = limits;
        self
    }

    /// Sets the action delimiters (Go's `Delims`); empty strings mean `{{` and `}}`.
    pub fn delims(mut self, left: &str, right: &str) -> Self {
        let c = self.common_mut();
        c.left = left.to_string();
        c.right = right.to_string();
        self
    }

    /// A new template called `name` sharing this one's set, functions and options (Go's
    /// `t.New(name)`); parse text into it with [`Template::parse`].
    pub fn new_named(&self, name: impl Into<String>) -> Self {
        Template { name: name.into(), common: self.common.clone() }
    }

    /// Parses `text` as the body of this template; `{{define}}`s in it join the set (Go's
    /// `Parse`). A redefinition replaces the old one, unless the new body is empty.
    pub fn parse(mut self, text: &str) -> Result<Self, Error> {
        self.parse_in_place(text)?;
        Ok(self)
    }

    /// [`Template::parse`] without consuming the template.
    pub fn parse_in_place(&mut self, text: &str) -> Result<(), Error> {
        let c = &self.common;
        let has_func = |n: &str| c.funcs.contains(n) || builtins().contains(n);
        let left = if c.left.is_empty() { "{{" } else { c.left.as_str() };
        let right = if c.right.is_empty() { "}}" } else { c.right.as_str() };
        let trees = crate::parse::parse(&self.name, text, left, right, &has_func)?;
        let c = self.common_mut();
        for tree in trees {
            if let Some(old) = c.trees.get(&tree.name)
                && is_empty_list(&tree.root)
                && !is_empty_list(&old.root)
            {
                continue;
            }
            c.trees.insert(tree.name.clone(), Arc::new(tree));
        }
        Ok(())
    }

    /// The template called `name` in this set (Go's `Lookup`).
    pub fn lookup(&self, name: &str) -> Option<Template> {
        self.common
            .trees
            .contains_key(name)
            .then(|| Template { name: name.to_string(), common: self.common.clone() })
    }

    /// Names of the defined templates, sorted.
    pub fn template_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.common.trees.keys().cloned().collect();
        v.sort();
        v
    }

    /// Go's `DefinedTemplates`: `; defined templates are: "a", "b"` (sorted here; Go's order is
    /// its map order), or empty.
    pub fn defined_templates(&self) -> String {
        let names = self.template_names();
        if names.is_empty() {
            return String::new();
        }
        let quoted: Vec<String> = names.iter().map(|n| model::gostr::quote(n)).collect();
        format!("; defined templates are: {}", quoted.join(", "))
    }

    /// Executes this template with `data`, appending to `out`. On error, `out` holds what was
    /// written before it (as Go's writer would).
    pub fn execute_to(&self, out: &mut String, data: &Value) -> Result<(), Error> {
        if self.common.html {
            if !self.common.trees.contains_key(&self.name) {
                let msg = format!(
                    "template: {} is an incomplete or empty template",
                    model::gostr::quote(&self.name)
                );
                return Err(Error::Exec {
                    name: self.name.clone(),
                    location: None,
                    message: msg.clone(),
                    full: msg,
                });
            }
            let common = self.escaped(&self.name)?;
            let Some(tree) = common.trees.get(&self.name) else {
                return Err(Error::exec_plain(&self.name, "escaped template missing".into()));
            };
            return exec::execute(&common, &self.name, tree, data, out);
        }
        match self.common.trees.get(&self.name) {
            Some(tree) => exec::execute(&self.common, &self.name, tree, data, out),
            None => Err(Error::exec_plain(
                &self.name,
                format!("{} is an incomplete or empty template", model::gostr::quote(&self.name)),
            )),
        }
    }

    /// Executes this template with `data` and returns the output.
    pub fn execute(&self, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        self.execute_to(&mut out, data)?;
        Ok(out)
    }

    /// Executes this template with `data`, writing to `w`.
    pub fn execute_write(&self, w: &mut dyn std::io::Write, data: &Value) -> Result<(), Error> {
        let mut out = String::new();
        let r = self.execute_to(&mut out, data);
        w.write_all(out.as_bytes())?;
        r
    }

    /// Executes the template called `name` of this set (Go's `ExecuteTemplate`).
    pub fn execute_template(&self, name: &str, data: &Value) -> Result<String, Error> {
        match self.lookup(name) {
            Some(t) => t.execute(data),
            None if self.common.html => {
                let msg = format!("html/template: {} is undefined", model::gostr::quote(name));
                Err(Error::Exec {
                    name: name.to_string(),
                    location: None,
                    message: msg.clone(),
                    full: msg,
                })
            }
            None => Err(Error::Exec {
                name: name.to_string(),
                location: None,
                message: format!(
                    "no template {} associated with template {}",
                    model::gostr::quote(name),
                    model::gostr::quote(&self.name)
                ),
                full: format!(
                    "template: no template {} associated with template {}",
                    model::gostr::quote(name),
                    model::gostr::quote(&self.name)
                ),
            }),
        }
    }
}

impl Template {
    /// The names that some template of the set invokes with `{{template "NAME" ...}}`. A
    /// template nobody invokes is an entry point, executed with the caller's data (a checker
    /// renders those against example data; the others get whatever their callers pass).
    pub fn invoked_template_names(&self) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for tree in self.common.trees.values() {
            crate::ast::invoked_templates(&tree.root, &mut out);
        }
        out
    }
}
