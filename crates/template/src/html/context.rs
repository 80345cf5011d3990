//! The HTML parser state at a point in a template (Go's `context`): which construct the next
//! byte of output lands in, so that an action can be escaped for it.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// The high-level parser state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum State {
    #[default]
    Text,
    Tag,
    AttrName,
    AfterName,
    BeforeValue,
    HtmlCmt,
    Rcdata,
    Attr,
    Url,
    Srcset,
    Js,
    JsDqStr,
    JsSqStr,
    JsTmplLit,
    JsRegexp,
    JsBlockCmt,
    JsLineCmt,
    JsHtmlOpenCmt,
    JsHtmlCloseCmt,
    Css,
    CssDqStr,
    CssSqStr,
    CssDqUrl,
    CssSqUrl,
    CssUrl,
    CssBlockCmt,
    CssLineCmt,
    Error,
    MetaContent,
    MetaContentUrl,
    Dead,
}

impl State {
    /// Go's name (`stateText`...), as error messages and mangled template names print it.
    pub(crate) fn go_name(self) -> &'static str {
        use State::*;
        match self {
            Text => "stateText",
            Tag => "stateTag",
            AttrName => "stateAttrName",
            AfterName => "stateAfterName",
            BeforeValue => "stateBeforeValue",
            HtmlCmt => "stateHTMLCmt",
            Rcdata => "stateRCDATA",
            Attr => "stateAttr",
            Url => "stateURL",
            Srcset => "stateSrcset",
            Js => "stateJS",
            JsDqStr => "stateJSDqStr",
            JsSqStr => "stateJSSqStr",
            JsTmplLit => "stateJSTmplLit",
            JsRegexp => "stateJSRegexp",
            JsBlockCmt => "stateJSBlockCmt",
            JsLineCmt => "stateJSLineCmt",
            JsHtmlOpenCmt => "stateJSHTMLOpenCmt",
            JsHtmlCloseCmt => "stateJSHTMLCloseCmt",
            Css => "stateCSS",
            CssDqStr => "stateCSSDqStr",
            CssSqStr => "stateCSSSqStr",
            CssDqUrl => "stateCSSDqURL",
            CssSqUrl => "stateCSSSqURL",
            CssUrl => "stateCSSURL",
            CssBlockCmt => "stateCSSBlockCmt",
            CssLineCmt => "stateCSSLineCmt",
            Error => "stateError",
            MetaContent => "stateMetaContent",
            MetaContentUrl => "stateMetaContentURL",
            Dead => "stateDead",
        }
    }

    /// Content meant for template authors only (comments), which is stripped.
    pub(crate) fn is_comment(self) -> bool {
        use State::*;
        matches!(
            self,
            HtmlCmt
                | JsBlockCmt
                | JsLineCmt
                | JsHtmlOpenCmt
                | JsHtmlCloseCmt
                | CssBlockCmt
                | CssLineCmt
        )
    }

    /// Inside a tag, before its end.
    pub(crate) fn is_in_tag(self) -> bool {
        use State::*;
        matches!(self, Tag | AttrName | AfterName | BeforeValue | Attr)
    }

    /// A JS string, template literal or regexp, where `<!--`, `<script` and `</script` are
    /// escaped.
    pub(crate) fn is_in_script_literal(self) -> bool {
        use State::*;
        matches!(self, JsDqStr | JsSqStr | JsTmplLit | JsRegexp)
    }
}

/// What ends the current attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Delim {
    #[default]
    None,
    DoubleQuote,
    SingleQuote,
    SpaceOrTagEnd,
}

impl Delim {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            Delim::None => "delimNone",
            Delim::DoubleQuote => "delimDoubleQuote",
            Delim::SingleQuote => "delimSingleQuote",
            Delim::SpaceOrTagEnd => "delimSpaceOrTagEnd",
        }
    }

    /// The bytes that end an attribute value with this delimiter.
    pub(crate) fn ends(self) -> &'static [u8] {
        match self {
            Delim::None => b"",
            Delim::DoubleQuote => b"\"",
            Delim::SingleQuote => b"'",
            Delim::SpaceOrTagEnd => b" \t\n\x0c\r>",
        }
    }
}

/// Where in a URL the output lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum UrlPart {
    /// Not in a URL, or at its very start.
    #[default]
    None,
    /// Scheme, authority or path.
    PreQuery,
    /// Query or fragment.
    QueryOrFrag,
    /// Joined from branches before and after the `?`.
    Unknown,
}

impl UrlPart {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            UrlPart::None => "urlPartNone",
            UrlPart::PreQuery => "urlPartPreQuery",
            UrlPart::QueryOrFrag => "urlPartQueryOrFrag",
            UrlPart::Unknown => "urlPartUnknown",
        }
    }
}

/// Whether a `/` in JS starts a regexp or is a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum JsCtx {
    #[default]
    Regexp,
    DivOp,
    Unknown,
}

impl JsCtx {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            JsCtx::Regexp => "jsCtxRegexp",
            JsCtx::DivOp => "jsCtxDivOp",
            JsCtx::Unknown => "jsCtxUnknown",
        }
    }
}

/// The kind of attribute being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Attr {
    #[default]
    None,
    Script,
    ScriptType,
    Style,
    Url,
    Srcset,
    MetaContent,
}

impl Attr {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            Attr::None => "attrNone",
            Attr::Script => "attrScript",
            Attr::ScriptType => "attrScriptType",
            Attr::Style => "attrStyle",
            Attr::Url => "attrURL",
            Attr::Srcset => "attrSrcset",
            Attr::MetaContent => "attrMetaContent",
        }
    }

    /// The state an attribute value of this kind starts in.
    pub(crate) fn start_state(self) -> State {
        match self {
            Attr::None | Attr::ScriptType => State::Attr,
            Attr::Script => State::Js,
            Attr::Style => State::Css,
            Attr::Url => State::Url,
            Attr::Srcset => State::Srcset,
            Attr::MetaContent => State::MetaContent,
        }
    }
}

/// The special element whose tag or body the output is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Element {
    #[default]
    None,
    Script,
    Style,
    Textarea,
    Title,
    Meta,
}

impl Element {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            Element::None => "elementNone",
            Element::Script => "elementScript",
            Element::Style => "elementStyle",
            Element::Textarea => "elementTextarea",
            Element::Title => "elementTitle",
            Element::Meta => "elementMeta",
        }
    }

    /// The state of the element's body.
    pub(crate) fn content_state(self) -> State {
        match self {
            Element::None | Element::Meta => State::Text,
            Element::Script => State::Js,
            Element::Style => State::Css,
            Element::Textarea | Element::Title => State::Rcdata,
        }
    }

    /// The name that ends the body (`</NAME`).
    pub(crate) fn end_marker(self) -> &'static [u8] {
        match self {
            Element::None | Element::Meta => b"",
            Element::Script => b"script",
            Element::Style => b"style",
            Element::Textarea => b"textarea",
            Element::Title => b"title",
        }
    }

    pub(crate) fn from_tag_name(lower: &str) -> Element {
        match lower {
            "script" => Element::Script,
            "style" => Element::Style,
            "textarea" => Element::Textarea,
            "title" => Element::Title,
            "meta" => Element::Meta,
            _ => Element::None,
        }
    }
}

/// An escaping error: Go's `html/template` `*Error`, before it is given its template name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EscError {
    /// `(parse name, line, column)` of the node it is about, when there is one.
    pub node_loc: Option<(String, usize, usize)>,
    /// A line without a node.
    pub line: usize,
    pub description: String,
}

/// An escaping error, shared by every context that carries it: Go's contexts hold a pointer
/// to it, and adding `at range loop break:` to it shows through every copy.
pub(crate) type ErrRef = Rc<RefCell<EscError>>;

/// The parser state (Go's `context`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    pub state: State,
    pub delim: Delim,
    pub url_part: UrlPart,
    pub js_ctx: JsCtx,
    pub js_brace_depth: Vec<i32>,
    pub attr: Attr,
    pub element: Element,
    /// Set in `State::Error`.
    pub err: Option<ErrRef>,
}

impl PartialEq for Context {
    fn eq(&self, o: &Context) -> bool {
        let same_err = match (&self.err, &o.err) {
            (None, None) => true,
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            _ => false,
        };
        self.state == o.state
            && self.delim == o.delim
            && self.url_part == o.url_part
            && self.js_ctx == o.js_ctx
            && self.js_brace_depth == o.js_brace_depth
            && self.attr == o.attr
            && self.element == o.element
            && same_err
    }
}

impl Context {
    pub(crate) fn with_state(state: State) -> Context {
        Context { state, ..Context::default() }
    }

    pub(crate) fn error(err: EscError) -> Context {
        Context { state: State::Error, err: Some(Rc::new(RefCell::new(err))), ..Context::default() }
    }

    /// The template name for this start context (Go's `mangle`).
    pub(crate) fn mangle(&self, name: &str) -> String {
        if self.state == State::Text {
            return name.to_string();
        }
        let mut s = format!("{name}$htmltemplate_{}", self.state.go_name());
        if self.delim != Delim::None {
            s.push('_');
            s.push_str(self.delim.go_name());
        }
        if self.url_part != UrlPart::None {
            s.push('_');
            s.push_str(self.url_part.go_name());
        }
        if self.js_ctx != JsCtx::Regexp {
            s.push('_');
            s.push_str(self.js_ctx.go_name());
        }
        if !self.js_brace_depth.is_empty() {
            s.push_str(&format!("_jsBraceDepth({})", brace_list(&self.js_brace_depth)));
        }
        if self.attr != Attr::None {
            s.push('_');
            s.push_str(self.attr.go_name());
        }
        if self.element != Element::None {
            s.push('_');
            s.push_str(self.element.go_name());
        }
        s
    }
}

fn brace_list(v: &[i32]) -> String {
    let parts: Vec<String> = v.iter().map(i32::to_string).collect();
    format!("[{}]", parts.join(" "))
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Go prints a context as `{stateText delimNone ... elementNone <nil>}`.
        let err = match &self.err {
            None => "<nil>".to_string(),
            Some(e) => e.borrow().description.clone(),
        };
        write!(
            f,
            "{{{} {} {} {} {} {} {} {err}}}",
            self.state.go_name(),
            self.delim.go_name(),
            self.url_part.go_name(),
            self.js_ctx.go_name(),
            brace_list(&self.js_brace_depth),
            self.attr.go_name(),
            self.element.go_name(),
        )
    }
}
