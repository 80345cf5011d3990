//! Template engine: parsing and executing any text never panics, never overflows the stack and
//! stays within the limits (small ones here, so every input finishes quickly).
#![no_main]

use libfuzzer_sys::fuzz_target;
use template::{Func, Limits, MissingKey, Template, Value};

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
    // Every function set a template can reach: Prometheus', then Alertmanager's (which wins
    // where both define a name, as in a notification template), and a plain one.
    let mut funcs = template::prometheus::funcs(&template::prometheus::FuncContext::default());
    funcs.extend(&template::alertmanager::funcs());
    let funcs = funcs.with("id", Func::any(|a| Ok(a.first().cloned().unwrap_or_default())));
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
    // HTML mode (email bodies): escaping must not panic either, and the output stays bounded.
    if let Ok(t) = Template::new_html("fuzz").funcs(&funcs).limits(limits.clone()).parse(text) {
        let mut out = String::new();
        let _ = t.execute_to(&mut out, &data());
        assert!(out.len() <= 1 << 16);
    }
    // Alertmanager's notification data and default templates, as receivers render them.
    let (defaults, example) = am();
    if let Ok(t) = defaults.new_named("fuzz").limits(limits).parse(text) {
        let mut out = String::new();
        let _ = t.execute_to(&mut out, example);
    }
});

/// The default Alertmanager template set and example data, built once.
fn am() -> &'static (Template, Value) {
    static AM: std::sync::OnceLock<(Template, Value)> = std::sync::OnceLock::new();
    AM.get_or_init(|| {
        let t = template::alertmanager::Templates::with_defaults();
        (t.template().clone(), template::alertmanager::Data::example().to_value())
    })
}
