//! What kind of content an HTML attribute holds (Go's `attrType`).

/// A content type (Go's `contentType`), for attributes and for safe strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentType {
    Plain,
    Css,
    Html,
    HtmlAttr,
    Js,
    JsStr,
    Url,
    Srcset,
    /// Attributes that change how other content is interpreted or sent.
    Unsafe,
}

fn known(name: &str) -> Option<ContentType> {
    use ContentType::*;
    Some(match name {
        "accept" | "alt" | "autocomplete" | "autofocus" | "autoplay" | "border" | "checked"
        | "class" | "cols" | "colspan" | "contenteditable" | "contextmenu" | "controls"
        | "coords" | "datetime" | "default" | "dir" | "dirname" | "disabled" | "draggable"
        | "dropzone" | "for" | "formtarget" | "headers" | "height" | "hidden" | "high"
        | "hreflang" | "id" | "ismap" | "kind" | "label" | "lang" | "list" | "loop" | "low"
        | "max" | "maxlength" | "media" | "mediagroup" | "min" | "multiple" | "name" | "open"
        | "optimum" | "placeholder" | "preload" | "pubdate" | "radiogroup" | "readonly"
        | "required" | "reversed" | "rows" | "rowspan" | "spellcheck" | "scope" | "scoped"
        | "seamless" | "selected" | "shape" | "size" | "sizes" | "span" | "srclang" | "start"
        | "step" | "tabindex" | "target" | "title" | "width" | "wrap" => Plain,
        "accept-charset" | "async" | "challenge" | "charset" | "content" | "crossorigin"
        | "defer" | "enctype" | "form" | "formenctype" | "formmethod" | "formnovalidate"
        | "http-equiv" | "keytype" | "language" | "method" | "novalidate" | "pattern" | "rel"
        | "sandbox" | "type" | "value" => Unsafe,
        "action" | "archive" | "background" | "cite" | "classid" | "codebase" | "data"
        | "formaction" | "href" | "icon" | "longdesc" | "manifest" | "poster" | "profile"
        | "src" | "usemap" | "xmlns" => Url,
        "srcdoc" => Html,
        "srcset" => Srcset,
        "style" => Css,
        _ => return None,
    })
}

/// A conservative guess at the type of the lower-case attribute `name`.
pub(crate) fn attr_type(name: &str) -> ContentType {
    let mut name = name;
    if let Some(rest) = name.strip_prefix("data-") {
        name = rest;
    } else if let Some((prefix, short)) = name.split_once(':') {
        if prefix == "xmlns" {
            return ContentType::Url;
        }
        name = short;
    }
    if let Some(t) = known(name) {
        return t;
    }
    if name.starts_with("on") {
        return ContentType::Js;
    }
    if name.contains("src") || name.contains("uri") || name.contains("url") {
        return ContentType::Url;
    }
    ContentType::Plain
}
