//! Robustness: token soup made of template syntax never panics, in parsing or in execution, and
//! execution stays within small limits.

use proptest::prelude::*;
use template::{Limits, MissingKey, Template, Value};

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "\n",
    "(",
    ")",
    "|",
    ".",
    ".a",
    ".b.c",
    ".l",
    ".m",
    "$",
    "$x",
    "$x :=",
    "$x =",
    ",",
    "$i, $e :=",
    "if",
    "else",
    "else if",
    "end",
    "range",
    "with",
    "break",
    "continue",
    "define",
    "template",
    "block",
    "\"t\"",
    "\"a\"",
    "`raw`",
    "'c'",
    "1",
    "-2",
    "0x1f",
    "1.5e3",
    "nil",
    "true",
    "and",
    "or",
    "not",
    "len",
    "index",
    "slice",
    "print",
    "printf",
    "\"%d %s %v %x %q %5.2f %!\"",
    "println",
    "html",
    "js",
    "urlquery",
    "call",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "/*",
    "*/",
    "x",
    "é",
    "\"",
    "{{/* c */}}",
    "{{end}}",
    "{{else}}",
];

fn data() -> Value {
    Value::map([
        ("a", Value::Int(1)),
        ("b", Value::map([("c", Value::from("str"))])),
        ("l", Value::list([Value::Int(1), Value::from("x"), Value::Nil])),
        ("m", Value::string_map([("k", "v")])),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 0..40)) {
        let text: String = idx.iter().map(|&i| TOKENS[i]).collect();
        let limits = Limits { max_depth: 50, max_output_bytes: 1 << 14, max_range_iterations: 1000, max_steps: 20_000 };
        for mk in [MissingKey::Invalid, MissingKey::Zero, MissingKey::Error] {
            if let Ok(t) = Template::new("t").missing_key(mk).limits(limits.clone()).parse(&text) {
                let mut out = String::new();
                let _ = t.execute_to(&mut out, &data());
                prop_assert!(out.len() <= 1 << 14);
                for name in t.template_names() {
                    let _ = t.execute_template(&name, &Value::Nil);
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,60}") {
        if let Ok(t) = Template::new("t").parse(&text) {
            let _ = t.execute(&data());
        }
    }
}
