//! Access-log parsing: the `log_format` compiler on any string, and the named, custom and
//! JSON line parsers on any lines, never panic; every line is either counted once or is a
//! parse error; rendering never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logs::metrics::Store;
use logs::{FormatSpec, JobConfig};

const FIELDS: [&str; 8] =
    ["method", "status", "path", "request_uri", "protocol", "host", "request_time", "remote_addr"];

fn run(spec: FormatSpec, lines: &[&str]) {
    let Ok(mut format) = spec.compile() else { return };
    let mut cfg = JobConfig::new("fuzz", vec![], spec);
    // Every field the format can give becomes a label.
    cfg.label_fields = FIELDS
        .iter()
        .filter(|f| logs::fields::Field::resolve(&mut format, f).is_some())
        .map(|f| f.to_string())
        .collect();
    let mut store = Store::new(&cfg).expect("a compiled format makes a store");
    for l in lines {
        store.line(l);
    }
    assert_eq!(store.lines(), lines.len() as u64);
    assert_eq!(store.responses() + store.parse_errors() + store.over_limit(), store.lines());
    let mut out = String::new();
    store.render(&mut out);
    assert!(out.ends_with('\n'));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once('\n').unwrap_or((&text, ""));
    let lines: Vec<&str> = body.split('\n').collect();
    // The first line as a log_format string (whatever it is, compiling must not panic).
    if let Ok(spec) = FormatSpec::from_config(head) {
        run(spec, &lines);
    }
    for spec in [FormatSpec::Combined, FormatSpec::Main, FormatSpec::Json] {
        run(spec, &lines);
    }
});
