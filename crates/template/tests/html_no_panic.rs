//! Robustness of HTML mode: soup of HTML, CSS, JS and template syntax never panics when escaped
//! and executed, and hostile values never break out of their context.

use proptest::prelude::*;
use template::{Limits, SafeKind, Template, Value};

const TOKENS: &[&str] = &[
    "{{ . }}",
    "{{ .s }}",
    "{{ .h }}",
    "{{ .u }}",
    "{{ .l }}",
    "{{ .s | html }}",
    "{{ urlquery .s }}",
    "{{ if .s }}",
    "{{ else }}",
    "{{ end }}",
    "{{ range .l }}",
    "{{ break }}",
    "{{ continue }}",
    "{{ with .s }}",
    "{{ template \"d\" . }}",
    "{{ define \"d\" }}",
    "{{ $x := .s }}",
    "{{ $x }}",
    "<",
    ">",
    "</",
    "<p>",
    "</p>",
    "<a href=\"",
    "<a href=",
    "<a title='",
    "\"",
    "'",
    "`",
    "=",
    " ",
    "\n",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<title>",
    "</title>",
    "<textarea>",
    "<img srcset=\"",
    " onclick=\"",
    " style=\"",
    "url(",
    ")",
    "/*",
    "*/",
    "//",
    "/",
    "\\",
    "${",
    "{",
    "}",
    "?",
    "#",
    "&",
    "&quot;",
    "&#x22;",
    "&amp",
    "&#",
    ";",
    "<meta content=\"0;url=",
    "é",
    "\u{2028}",
    "x",
    "javascript:",
    "[",
    "]",
];

fn data() -> Value {
    Value::map([
        ("s", Value::from("<\"'&>`=+ \u{2028}é\\/")),
        ("h", Value::safe(SafeKind::Html, "<b>&amp;</b><!--")),
        ("u", Value::from("javascript:x")),
        (
            "l",
            Value::list([
                Value::Int(1),
                Value::from("</script>"),
                Value::Nil,
                Value::Float(f64::NAN),
            ]),
        ),
    ])
}

proptest! {
    // KLAXON_HTML_SOUP_CASES=N runs N cases (e.g. a long release-mode run).
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("KLAXON_HTML_SOUP_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000)
    ))]

    #[test]
    fn html_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 0..40)) {
        let text: String = idx.iter().map(|&i| TOKENS[i]).collect();
        let limits = Limits { max_depth: 50, max_output_bytes: 1 << 14, max_range_iterations: 1000, max_steps: 20_000 };
        if let Ok(t) = Template::new_html("t").limits(limits).parse(&text) {
            let _ = t.execute(&data());
            for name in t.template_names() {
                let _ = t.execute_template(&name, &data());
            }
        }
    }

    #[test]
    fn text_values_never_make_markup(s in "\\PC{0,40}") {
        let t = Template::new_html("t")
            .parse(r#"<p title="{{ . }}" class={{ . }}>{{ . }}</p><a href="/x?q={{ . }}">"#)
            .unwrap();
        let out = t.execute(&Value::from(s.as_str())).unwrap();
        let markup = out.matches(['<', '>', '"']).count();
        prop_assert_eq!(markup, 10, "{}", out);
    }
}
