//! Exposition parsers, both formats: never panic; errors point inside the input; every sample
//! read, written back in the text format with quoted names and escapes, reads back the same;
//! a parser deferring labels (the scrape loop's fast path) stores the same label sets, values
//! and timestamps, with the same cache keys, and stops at the same first error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scrape::exposition::{Entry, Format, ParseError, Parser, Series};

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

/// Each sample's stored label set, value bits, timestamp and cache key, up to the first error.
type Stored = (String, u64, Option<i64>, Vec<u8>);

/// What the scrape loop keeps of a parse, with labels parsed eagerly or deferred.
fn stored(data: &[u8], format: Format, defer: bool) -> Result<Vec<Stored>, ParseError> {
    let mut p = Parser::new(data, format);
    if defer {
        p = p.defer_labels();
    }
    let mut out = Vec::new();
    while let Some(entry) = p.next_entry() {
        if let Entry::Series(s) = entry? {
            let labels = if defer { s.label_set()? } else { s.to_labels() };
            out.push((labels.to_string(), s.value.to_bits(), s.timestamp, s.raw.to_vec()));
        }
    }
    Ok(out)
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
        let full = stored(data, format, false);
        let deferred = stored(data, format, true);
        if let Err(e) = &deferred {
            assert!(e.line >= 1 && e.line <= lines + 1, "deferred: {e} beyond {lines} lines");
            assert!(e.col >= 1 && e.col <= data.len() + 1, "deferred: {e}");
        }
        assert_eq!(full, deferred, "deferred labels differ ({format:?})");
    }
});
