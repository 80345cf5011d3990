//! Exposition parsers, both formats: never panic; errors point inside the input; every sample
//! read, written back in the text format with quoted names and escapes, reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scrape::exposition::{Entry, Format, Parser, Series};

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_back(s: &Series<'_>) -> String {
    let mut line = format!("{{{}", quote(&s.name));
    for (n, v) in s.labels {
        line.push_str(&format!(",{}={}", quote(n), quote(v)));
    }
    line.push_str(&format!("}} {}", s.value));
    if let Some(ts) = s.timestamp {
        line.push_str(&format!(" {ts}"));
    }
    line.push('\n');
    line
}

type Owned = (String, Vec<(String, String)>, u64, Option<i64>);

fn own(s: &Series<'_>) -> Owned {
    (
        s.name.to_string(),
        s.labels.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        s.value.to_bits(),
        s.timestamp,
    )
}

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let mut p = Parser::new(data, format);
        while let Some(entry) = p.next_entry() {
            match entry {
                Err(e) => {
                    assert!(e.line >= 1 && e.line <= lines + 1, "{e} beyond {lines} lines");
                    assert!(e.col >= 1 && e.col <= data.len() + 1, "{e}");
                }
                Ok(Entry::Series(s)) => {
                    let text = write_back(&s);
                    let mut again = Parser::new(text.as_bytes(), Format::PrometheusText);
                    match again.next_entry() {
                        Some(Ok(Entry::Series(s2))) => assert_eq!(own(&s2), own(&s), "{text}"),
                        other => panic!("{text:?} read back as {other:?}"),
                    }
                }
                Ok(_) => {}
            }
        }
    }
});
