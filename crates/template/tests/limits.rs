//! Hostile templates stop with an error: no stack overflow, no hang, no unbounded output. Each
//! runs on a thread with a 2 MiB stack (the default for spawned threads and tests).

use template::{Limits, Template, Value};

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

fn run(text: String) -> Result<String, String> {
    on_small_stack(move || {
        let t = Template::new("t").parse(&text).map_err(|e| e.to_string())?;
        t.execute(&Value::Nil).map_err(|e| e.to_string())
    })
}

#[test]
fn deep_parentheses_parse_error_not_overflow() {
    let n = 5000;
    let text = format!("{{{{{}1{}}}}}", "(".repeat(n), ")".repeat(n));
    let err = run(text).unwrap_err();
    assert_eq!(err, "template: t:1: max expression depth exceeded");
}

#[test]
fn nesting_just_under_the_parse_limit_executes_or_errors_cleanly() {
    let n = 99;
    let text = format!("{{{{{}1{}}}}}", "(".repeat(n), ")".repeat(n));
    assert_eq!(run(text).unwrap(), "1");
    let text = format!("{}x{}", "{{if 1}}".repeat(n), "{{end}}".repeat(n));
    assert_eq!(run(text).unwrap(), "x");
    let text =
        format!("{}x{}", "{{with 1}}{{range 1}}".repeat(n / 2), "{{end}}{{end}}".repeat(n / 2));
    assert_eq!(run(text).unwrap(), "x");
}

#[test]
fn deep_control_nesting_is_a_parse_error() {
    let n = 5000;
    let text = format!("{}x{}", "{{if 1}}".repeat(n), "{{end}}".repeat(n));
    assert_eq!(run(text).unwrap_err(), "template: t:1: max expression depth exceeded");
    let text = format!("{}x{}", "{{block \"b\" .}}".repeat(n), "{{end}}".repeat(n));
    assert_eq!(run(text).unwrap_err(), "template: t:1: max expression depth exceeded");
}

#[test]
fn infinite_template_recursion() {
    let err =
        run(r#"{{define "r"}}{{if true}}{{template "r" .}}{{end}}{{end}}{{template "r"}}"#.into())
            .unwrap_err();
    assert!(err.ends_with("exceeded maximum template depth (100)"), "{err}");
}

#[test]
fn exponential_recursion_hits_the_step_limit() {
    let text = r#"{{define "a"}}{{if lt (len .) 30}}{{template "a" (print . "x")}}{{template "a" (print . "y")}}{{end}}{{end}}{{template "a" ""}}"#;
    let err = on_small_stack(move || {
        let t = Template::new("t")
            .limits(Limits { max_steps: 100_000, ..Limits::default() })
            .parse(text)
            .unwrap();
        t.execute(&Value::Nil).unwrap_err().to_string()
    });
    assert!(err.ends_with("exceeded maximum number of evaluation steps (100000)"), "{err}");
}

#[test]
fn output_limit() {
    let t = Template::new("t")
        .limits(Limits { max_output_bytes: 1000, ..Limits::default() })
        .parse("{{range 100000}}0123456789{{end}}")
        .unwrap();
    let err = t.execute(&Value::Nil).unwrap_err().to_string();
    assert!(err.ends_with("output exceeds the limit of 1000 bytes"), "{err}");
}

#[test]
fn range_iteration_limit() {
    let t = Template::new("t")
        .limits(Limits { max_range_iterations: 50, ..Limits::default() })
        .parse("{{range 10}}{{range 10}}{{end}}{{end}}")
        .unwrap();
    let err = t.execute(&Value::Nil).unwrap_err().to_string();
    assert!(err.ends_with("exceeded maximum number of range iterations (50)"), "{err}");
}

#[test]
fn doubling_strings_is_bounded() {
    let doubling = "{{$x = printf \"%s%s\" $x $x}}".repeat(64);
    let text = format!("{{{{$x := \"0123456789\"}}}}{doubling}{{{{len $x}}}}");
    let err = on_small_stack(move || {
        let t = Template::new("t")
            .limits(Limits { max_output_bytes: 1 << 20, ..Limits::default() })
            .parse(&text)
            .expect("parses");
        t.execute(&Value::Nil).expect_err("too big").to_string()
    });
    assert!(err.ends_with("result of printf exceeds the limit of 1048576 bytes"), "{err}");
}
