//! HTML mode through the public API: construction, caching across re-parsing, error types.

use template::{Error, SafeKind, Template, Value};

#[test]
fn new_html_escapes_and_text_mode_does_not() {
    let data = Value::map([("s", Value::from("<b>"))]);
    let html = Template::new_html("t").parse("<p>{{ .s }}</p>").unwrap();
    assert!(html.is_html());
    assert_eq!(html.execute(&data).unwrap(), "<p>&lt;b&gt;</p>");
    let text = Template::new("t").parse("<p>{{ .s }}</p>").unwrap();
    assert!(!text.is_html());
    assert_eq!(text.execute(&data).unwrap(), "<p><b></p>");
}

#[test]
fn safe_strings_skip_escaping_in_their_context() {
    let data = Value::map([
        ("h", Value::safe(SafeKind::Html, "<b>x</b>")),
        ("u", Value::safe(SafeKind::Url, "javascript:go()")),
    ]);
    let t =
        Template::new_html("t").parse(r#"{{ .h }}<a href="{{ .u }}" title="{{ .h }}">"#).unwrap();
    // Filtering is skipped, normalising is not.
    assert_eq!(t.execute(&data).unwrap(), r#"<b>x</b><a href="javascript:go%28%29" title="x">"#);
}

#[test]
fn escaping_is_redone_after_parsing_more() {
    let t = Template::new_html("t")
        .parse(r#"{{ define "v" }}{{ . }}{{ end }}<p>{{ template "v" .s }}</p>"#)
        .unwrap();
    let data = Value::map([("s", Value::from("a b"))]);
    assert_eq!(t.execute(&data).unwrap(), "<p>a b</p>");
    assert_eq!(t.execute(&data).unwrap(), "<p>a b</p>", "cached escaping gives the same output");
    let t2 = t.clone().parse(r#"<a title={{ template "v" .s }}>"#).unwrap();
    assert_eq!(t2.execute(&data).unwrap(), "<a title=a&#32;b>");
    assert_eq!(t.execute(&data).unwrap(), "<p>a b</p>", "the original set is unchanged");
}

#[test]
fn escape_errors_are_their_own_variant_with_a_location() {
    let t = Template::new_html("t").parse("<p>\n{{ template \"nope\" }}</p>").unwrap();
    for _ in 0..2 {
        match t.execute(&Value::Nil).unwrap_err() {
            Error::Escape { name, location, message, full } => {
                assert_eq!(name, "t");
                assert_eq!(location, Some(("t".to_string(), 2, 12)));
                assert_eq!(message, r#"no such template "nope""#);
                assert_eq!(full, r#"html/template:t:2:12: no such template "nope""#);
            }
            other => panic!("unexpected error {other:?}"),
        }
    }
}

#[test]
fn undefined_and_empty_templates() {
    let t = Template::new_html("t").parse("x").unwrap();
    let err = t.execute_template("nope", &Value::Nil).unwrap_err();
    assert_eq!(err.to_string(), r#"html/template: "nope" is undefined"#);
    let err = Template::new_html("e").execute(&Value::Nil).unwrap_err();
    assert_eq!(err.to_string(), r#"template: "e" is an incomplete or empty template"#);
}

#[test]
fn templates_stay_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
}

#[test]
fn executing_from_several_threads_shares_one_escaping() {
    let t = Template::new_html("t").parse(r#"<a href="{{ . }}">{{ . }}</a>"#).unwrap();
    let outs: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> =
            (0..4).map(|_| s.spawn(|| t.execute(&Value::from("javascript:x")).unwrap())).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for o in outs {
        assert_eq!(o, r##"<a href="#ZgotmplZ">javascript:x</a>"##);
    }
}

#[test]
fn hostile_sets_cannot_make_escaping_run_away() {
    // Each call is in a new JS context (one brace deeper), so each needs a new escaped copy;
    // Go recurses until its stack is exhausted.
    let t = Template::new_html("t")
        .parse(r#"{{ define "a" }}`${ {{ template "a" }} }`{{ end }}<script>{{ template "a" }}</script>"#)
        .unwrap();
    let err = t.execute(&Value::Nil).unwrap_err();
    assert_eq!(err.to_string(), "html/template:t:1:32: exceeded maximum template depth (100)");

    let limits = template::Limits { max_steps: 10, ..template::Limits::default() };
    let t = Template::new_html("t").limits(limits).parse(&"<b>{{ . }}</b>".repeat(20)).unwrap();
    let err = t.execute(&Value::Nil).unwrap_err();
    assert!(err.to_string().ends_with("exceeded maximum number of escaping steps (10)"), "{err}");
}
