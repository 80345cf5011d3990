//! The public API: template sets, lookup, functions with captured state, options and errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use template::{ArgType, Error, Func, FuncMap, MissingKey, Object, Signature, Template, Value};

#[test]
fn parse_execute_and_lookup() {
    let t = Template::new("root")
        .parse(r#"{{define "greet"}}Hello, {{.}}!{{end}}[{{template "greet" .name}}]"#)
        .unwrap();
    let data = Value::map([("name", Value::from("Ann"))]);
    assert_eq!(t.execute(&data).unwrap(), "[Hello, Ann!]");
    assert_eq!(t.execute_template("greet", &Value::from("Bob")).unwrap(), "Hello, Bob!");
    assert_eq!(t.lookup("greet").unwrap().name(), "greet");
    assert!(t.lookup("nope").is_none());
    assert_eq!(t.template_names(), ["greet", "root"]);
    assert_eq!(t.defined_templates(), r#"; defined templates are: "greet", "root""#);
    assert_eq!(Template::new("x").defined_templates(), "");
}

#[test]
fn execute_template_unknown_name() {
    let t = Template::new("root").parse("x").unwrap();
    let err = t.execute_template("nope", &Value::Nil).unwrap_err();
    assert_eq!(err.to_string(), r#"template: no template "nope" associated with template "root""#);
}

#[test]
fn executing_an_unparsed_template() {
    let err = Template::new("empty").execute(&Value::Nil).unwrap_err();
    assert_eq!(err.to_string(), r#"template: empty: "empty" is an incomplete or empty template"#);
}

#[test]
fn several_texts_in_one_set() {
    let mut t = Template::new("main").parse(r#"{{template "part" .}}"#).unwrap();
    let mut part = t.new_named("part");
    part.parse_in_place("<{{.}}>").unwrap();
    // `part` holds the grown set; the original `t` does not see later additions.
    assert!(t.execute(&Value::Int(1)).is_err());
    t = part.lookup("main").unwrap();
    assert_eq!(t.execute(&Value::Int(1)).unwrap(), "<1>");
}

#[test]
fn functions_capture_state_and_check_signatures() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let funcs = FuncMap::new().with(
        "query",
        Func::new(Signature::fixed(&[ArgType::String]), move |args| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Value::list([Value::from(format!("result of {}", args[0].as_str().unwrap_or("")))]))
        }),
    );
    let t = Template::new("t").funcs(&funcs).parse(r#"{{range query "up"}}{{.}}{{end}}"#).unwrap();
    assert_eq!(t.execute(&Value::Nil).unwrap(), "result of up");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let err = Template::new("t").funcs(&funcs).parse("{{query 1}}").unwrap().execute(&Value::Nil);
    assert_eq!(
        err.unwrap_err().to_string(),
        r#"template: t:1:8: executing "t" at <1>: expected string; found 1"#
    );
}

#[test]
fn user_function_overrides_builtin() {
    let funcs = FuncMap::new().with("len", Func::any(|_| Ok(Value::Int(42))));
    let t = Template::new("t").funcs(&funcs).parse(r#"{{len "abc"}}"#).unwrap();
    assert_eq!(t.execute(&Value::Nil).unwrap(), "42");
}

#[test]
fn options() {
    let data = Value::map([("m", Value::string_map([("a", "1")]))]);
    let run = |t: Template| t.parse("[{{.m.b}}]").unwrap().execute(&data);
    assert_eq!(run(Template::new("t")).unwrap(), "[<no value>]");
    assert_eq!(run(Template::new("t").option("missingkey=zero").unwrap()).unwrap(), "[]");
    assert_eq!(
        run(Template::new("t").missing_key(MissingKey::Error)).unwrap_err().to_string(),
        r#"template: t:1:5: executing "t" at <.m.b>: map has no entry for key "b""#
    );
    assert!(Template::new("t").option("bogus").is_err());
}

#[test]
fn error_details() {
    let err = Template::new("t").parse("a\n{{end}}").unwrap_err();
    assert!(matches!(err, Error::Parse { line: 2, .. }));
    assert_eq!(err.message(), "unexpected {{end}}");
    let err =
        Template::new("t").parse("a\n  {{.x.y}}").unwrap().execute(&Value::Int(1)).unwrap_err();
    match &err {
        Error::Exec { name, location, message, .. } => {
            assert_eq!(name, "t");
            // Go reports a field chain at its last field.
            assert_eq!(location, &Some(("t".to_string(), 2, 6)));
            assert_eq!(message, "can't evaluate field x in type int");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.line(), Some(2));
}

#[test]
fn partial_output_on_error() {
    let t = Template::new("t").parse("before {{.x.y}} after").unwrap();
    let mut out = String::new();
    assert!(t.execute_to(&mut out, &Value::Int(1)).is_err());
    assert_eq!(out, "before ");
    let mut buf = Vec::new();
    assert!(t.execute_write(&mut buf, &Value::Int(1)).is_err());
    assert_eq!(buf, b"before ");
}

#[derive(Debug)]
struct Counter(i64);

impl Object for Counter {
    fn type_name(&self) -> &str {
        "main.Counter"
    }
    fn field(&self, name: &str) -> Option<Value> {
        (name == "N").then_some(Value::Int(self.0))
    }
    fn method(&self, name: &str) -> Option<Signature> {
        (name == "Plus").then(|| Signature::fixed(&[ArgType::Int]))
    }
    fn call_method(&self, _name: &str, args: &[Value]) -> Result<Value, String> {
        match args {
            [Value::Int(n)] => Ok(Value::object(Counter(self.0 + n))),
            _ => Err("bad".into()),
        }
    }
    fn display(&self) -> Option<String> {
        Some(format!("Counter({})", self.0))
    }
}

#[test]
fn objects_with_methods_and_stringers() {
    let t = Template::new("t")
        .parse("{{.}} {{.N}} {{(.Plus 2).N}} {{.Plus 5}} {{printf \"%q\" .}}")
        .unwrap();
    assert_eq!(
        t.execute(&Value::object(Counter(1))).unwrap(),
        r#"Counter(1) 1 3 Counter(6) "Counter(1)""#
    );
}

#[test]
fn json_data() {
    let json = serde_json::json!({"a": [1, 2.5, "x", null, {"b": true}]});
    let t = Template::new("t").parse("{{range .a}}{{.}};{{end}}").unwrap();
    assert_eq!(t.execute(&Value::from_json(&json)).unwrap(), "1;2.5;x;<no value>;map[b:true];");
}

#[test]
fn escapers() {
    assert_eq!(
        template::html_escape("<a href=\"x\">'&'</a>"),
        "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
    assert_eq!(template::js_escape("a'b<c>"), "a\\'b\\u003Cc\\u003E");
    assert_eq!(template::query_escape("a b&c"), "a+b%26c");
}

#[test]
fn templates_and_values_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    assert_send_sync::<Value>();
    assert_send_sync::<FuncMap>();
    let t = Arc::new(Template::new("t").parse("{{.}}").unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let t = t.clone();
            std::thread::spawn(move || t.execute(&Value::Int(i)).unwrap())
        })
        .collect();
    let outs: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(outs, ["0", "1", "2", "3"]);
}
