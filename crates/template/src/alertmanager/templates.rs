//! [`Templates`]: the default templates plus user template files, and execution of a
//! notification's template strings against its [`Data`], as Alertmanager's
//! `template.FromGlobs` and `ExecuteTextString` do.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use super::data::{Data, route_labels_of};
use super::defaults::DEFAULT_FILES;
use super::funcs::{Clock, funcs, funcs_with_clock};
use super::glob::glob;
use crate::error::Error;
use crate::funcs::{ArgType, Func, FuncMap, Signature};
use crate::template::{MissingKey, Template};
use crate::value::Value;

/// Loading templates failed.
#[derive(Debug, thiserror::Error)]
pub enum TemplatesError {
    /// A glob pattern is malformed (Go's `filepath.ErrBadPattern`).
    #[error("{pattern}: syntax error in pattern")]
    BadPattern {
        /// The pattern.
        pattern: String,
    },
    /// A matched file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not a valid template (the error names the file, as Go's does).
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: Box<Error>,
    },
}

/// The templates of one Alertmanager configuration: klaxon's defaults, then user files (later
/// files override `define`s of earlier ones and of the defaults), with Alertmanager's functions
/// and `missingkey=zero`.
///
/// Cloning is cheap (the parsed sets are shared). Executed texts are parsed once and kept (a
/// notifier renders the same config strings for every notification); loading a file starts a
/// fresh cache.
#[derive(Debug, Clone)]
pub struct Templates {
    sets: Arc<Sets>,
    files: Vec<PathBuf>,
}

#[derive(Debug)]
struct Sets {
    /// The set for text fields (Go's `text/template`).
    text: Template,
    /// The same files parsed into an HTML-mode set (Go's `html/template`), for email bodies.
    html: Template,
    /// Texts parsed into a clone of `text` (false) or `html` (true) as the template "".
    parsed: Mutex<HashMap<(bool, String), Template>>,
}

/// How many executed texts are kept parsed (the cache starts over when full).
const MAX_PARSED: usize = 512;

impl Sets {
    /// `text` parsed as the template "" into a copy of the text or HTML set.
    fn compile(&self, html: bool, text: &str) -> Result<Template, Error> {
        let key = (html, text.to_string());
        if let Ok(cache) = self.parsed.lock()
            && let Some(t) = cache.get(&key)
        {
            return Ok(t.clone());
        }
        let base = if html { &self.html } else { &self.text };
        let t = base.new_named("").parse(text)?;
        if let Ok(mut cache) = self.parsed.lock() {
            if cache.len() >= MAX_PARSED {
                cache.clear();
            }
            cache.insert(key, t.clone());
        }
        Ok(t)
    }
}

impl Templates {
    /// The default templates only.
    pub fn with_defaults() -> Templates {
        Templates::with_funcs(funcs())
    }

    /// The default templates, with `now` and `since` reading `clock` (for deterministic tests).
    pub fn with_clock(clock: Clock) -> Templates {
        Templates::with_funcs(funcs_with_clock(clock))
    }

    fn with_funcs(mut funcs: FuncMap) -> Templates {
        funcs.insert(
            "routeLabels",
            Func::new(Signature::fixed(&[ArgType::String]).returning(ArgType::String, true), |a| {
                route_label(a[0].as_str().unwrap_or("")).map(Value::from)
            }),
        );
        let text = Template::new("").missing_key(MissingKey::Zero).funcs(&funcs);
        let html = text.clone().html();
        let mut t = Templates {
            sets: Arc::new(Sets { text, html, parsed: Mutex::new(HashMap::new()) }),
            files: Vec::new(),
        };
        for (name, body) in DEFAULT_FILES {
            // Each file's top-level text is a template named after the file, so that the
            // template named "" stays free for the text being executed (Go parses the defaults
            // into "" and then never runs it; an empty text parsed into "" would).
            // The defaults are ours and are tested to parse; a failure would be a build bug.
            if let Err(e) = t.parse_named(name, body) {
                debug_assert!(false, "default templates do not parse: {e}");
            }
        }
        t
    }

    /// Parses `body` into both sets as the template `name` (plus its `define`s).
    fn parse_named(&mut self, name: &str, body: &str) -> Result<(), Error> {
        let mut text = self.sets.text.new_named(name);
        text.parse_in_place(body)?;
        let mut html = self.sets.html.new_named(name);
        html.parse_in_place(body)?;
        self.sets = Arc::new(Sets {
            text: text.new_named(""),
            html: html.new_named(""),
            parsed: Mutex::new(HashMap::new()),
        });
        Ok(())
    }

    /// The defaults plus every file matching each glob, in order (Go's `FromGlobs`). A glob
    /// matching nothing is not an error.
    pub fn from_globs(globs: &[String]) -> Result<Templates, TemplatesError> {
        let mut t = Templates::with_defaults();
        for g in globs {
            t.add_glob(g)?;
        }
        Ok(t)
    }

    /// Parses every file matching `pattern` (sorted, as Go's `filepath.Glob`) into the set.
    pub fn add_glob(&mut self, pattern: &str) -> Result<(), TemplatesError> {
        let paths =
            glob(pattern).map_err(|()| TemplatesError::BadPattern { pattern: pattern.into() })?;
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|source| TemplatesError::Read { path: p.clone(), source })?;
            self.add_file(&p, &text)?;
        }
        Ok(())
    }

    /// Parses `text` as the file at `path` (its `define`s join the set; its top-level text
    /// becomes a template named after the file, as with Go's `ParseGlob`).
    pub fn add_file(&mut self, path: &Path, text: &str) -> Result<(), TemplatesError> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.parse_named(&name, text)
            .map_err(|e| TemplatesError::Parse { path: path.to_path_buf(), source: Box::new(e) })?;
        self.files.push(path.to_path_buf());
        Ok(())
    }

    /// The files loaded, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Names of every defined template, sorted.
    pub fn template_names(&self) -> Vec<String> {
        self.sets.text.template_names().into_iter().filter(|n| !n.is_empty()).collect()
    }

    /// The underlying text-mode template set.
    pub fn template(&self) -> &Template {
        &self.sets.text
    }

    /// Executes a template string (a notifier's config field) against `data`, as
    /// Alertmanager's `ExecuteTextString`: an empty string renders empty; `routeLabels`
    /// renders the data's route labels.
    pub fn execute_text(&self, text: &str, data: &Data) -> Result<String, Error> {
        if text.is_empty() {
            return Ok(String::new());
        }
        self.execute_text_value(text, &data.to_value())
    }

    /// [`Templates::execute_text`] with data already converted by [`Data::to_value`] (convert
    /// once when rendering several fields of one notification), or any other value.
    pub fn execute_text_value(&self, text: &str, data: &Value) -> Result<String, Error> {
        self.execute(false, text, data)
    }

    /// Executes a template string in HTML mode (Alertmanager's `ExecuteHTMLString`, used for
    /// email bodies): every action is escaped for the HTML context it lands in.
    pub fn execute_html(&self, text: &str, data: &Data) -> Result<String, Error> {
        if text.is_empty() {
            return Ok(String::new());
        }
        self.execute_html_value(text, &data.to_value())
    }

    /// [`Templates::execute_html`] with data already converted, or any other value.
    pub fn execute_html_value(&self, text: &str, data: &Value) -> Result<String, Error> {
        self.execute(true, text, data)
    }

    /// Executes the defined template `name` (e.g. `slack.default.title`) against `data`.
    pub fn execute_named(&self, name: &str, data: &Value) -> Result<String, Error> {
        self.execute_text_value(
            &format!("{{{{ template {} . }}}}", model::gostr::quote(name)),
            data,
        )
    }

    fn execute(&self, html: bool, text: &str, data: &Value) -> Result<String, Error> {
        if text.is_empty() {
            return Ok(String::new());
        }
        let t = self.sets.compile(html, text)?;
        let (raw, rendered) = route_labels_of(data).unwrap_or_default();
        let exec = Rc::new(Execution {
            sets: self.sets.clone(),
            html,
            data: data.clone(),
            state: RefCell::new(Resolver {
                raw,
                rendered,
                memo: HashMap::new(),
                stack: Vec::new(),
            }),
        });
        let _guard = Current::push(exec);
        t.execute(data)
    }
}

/// One top-level execution, for `routeLabels`: the sets and data to render route labels with,
/// and which labels are rendered or being rendered.
#[derive(Debug)]
struct Execution {
    sets: Arc<Sets>,
    html: bool,
    data: Value,
    state: RefCell<Resolver>,
}

/// Each label is rendered at most once, and a label whose rendering needs itself is an error
/// rather than endless recursion.
#[derive(Debug)]
struct Resolver {
    raw: BTreeMap<String, String>,
    rendered: bool,
    memo: HashMap<String, String>,
    stack: Vec<String>,
}

thread_local! {
    /// The executions running on this thread, innermost last: template functions cannot carry
    /// per-execution state, so `routeLabels` finds its execution here. Execution is synchronous,
    /// so the innermost one is the caller.
    static CURRENT: RefCell<Vec<Rc<Execution>>> = const { RefCell::new(Vec::new()) };
}

/// Keeps an execution on [`CURRENT`] while it runs (popped also on panic).
struct Current;

impl Current {
    fn push(e: Rc<Execution>) -> Current {
        CURRENT.with(|c| c.borrow_mut().push(e));
        Current
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().pop());
    }
}

/// `routeLabels NAME`: the route label rendered against the current execution's data; `""`
/// for an unknown label or outside [`Templates`] (upstream's placeholder).
fn route_label(name: &str) -> Result<String, String> {
    let Some(exec) = CURRENT.with(|c| c.borrow().last().cloned()) else {
        return Ok(String::new());
    };
    let raw = {
        let mut r = exec.state.borrow_mut();
        let Some(raw) = r.raw.get(name).cloned() else { return Ok(String::new()) };
        if r.rendered {
            return Ok(raw);
        }
        if let Some(v) = r.memo.get(name) {
            return Ok(v.clone());
        }
        if r.stack.iter().any(|n| n == name) {
            let mut cycle = r.stack.clone();
            cycle.push(name.to_string());
            return Err(format!("route label cycle detected: {}", cycle.join(" -> ")));
        }
        r.stack.push(name.to_string());
        raw
    };
    let result = if raw.is_empty() {
        Ok(String::new())
    } else {
        exec.sets.compile(exec.html, &raw).and_then(|t| t.execute(&exec.data))
    };
    let mut r = exec.state.borrow_mut();
    r.stack.pop();
    let v = result.map_err(|e| e.to_string())?;
    r.memo.insert(name.to_string(), v.clone());
    Ok(v)
}
