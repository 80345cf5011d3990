//! Template engine: parsing and executing any text never panics, never overflows the stack and
//! stays within the limits (small ones here, so every input finishes quickly).
#![no_main]

use libfuzzer_sys::fuzz_target;
use template::{Func, FuncMap, Limits, MissingKey, Template, Value};

fn data() -> Value {
    Value::map([
        ("s", Value::from("héllo <b>")),
        ("i", Value::Int(3)),
        ("f", Value::Float(1.5)),
        ("l", Value::list([Value::Int(1), Value::from("two"), Value::Nil, Value::Bool(true)])),
        ("m", Value::string_map([("a", "1"), ("b", "2")])),
        ("n", Value::Nil),
        ("nested", Value::map([("x", Value::list([Value::map([("y", Value::Float(2.0))])]))])),
    ])
}

fuzz_target!(|text: &str| {
    let funcs =
        FuncMap::new().with("id", Func::any(|a| Ok(a.first().cloned().unwrap_or_default())));
    let limits = Limits {
        max_depth: 50,
        max_output_bytes: 1 << 16,
        max_range_iterations: 10_000,
        max_steps: 100_000,
    };
    for mk in [MissingKey::Invalid, MissingKey::Zero] {
        let Ok(t) =
            Template::new("fuzz").funcs(&funcs).missing_key(mk).limits(limits.clone()).parse(text)
        else {
            return;
        };
        let mut out = String::new();
        let _ = t.execute_to(&mut out, &data());
        assert!(out.len() <= 1 << 16);
        for name in t.template_names() {
            let _ = t.execute_template(&name, &Value::Nil);
        }
    }
});
