//! The `=== case-name` / `--- section` text format shared by the differential corpora
//! (`tests/corpus/*.cases`, `tests/data/prometheus/cases.txt`, and their expected files).

use std::collections::BTreeMap;

/// Parses the format into cases: a name and its sections, in file order.
pub fn parse_sections(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut cases: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut section: Option<String> = None;
    let mut buf: Vec<&str> = Vec::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let flush = |cases: &mut Vec<(String, BTreeMap<String, String>)>,
                 section: &Option<String>,
                 buf: &mut Vec<&str>| {
        if let (Some(c), Some(s)) = (cases.last_mut(), section) {
            c.1.insert(s.clone(), buf.join("\n"));
        }
        buf.clear();
    };
    for line in lines {
        if let Some(name) = line.strip_prefix("=== ") {
            flush(&mut cases, &section, &mut buf);
            cases.push((name.trim().to_string(), BTreeMap::new()));
            section = None;
        } else if let Some(s) = line.strip_prefix("--- ") {
            flush(&mut cases, &section, &mut buf);
            section = Some(s.trim().to_string());
        } else if !cases.is_empty() {
            buf.push(line);
        }
    }
    flush(&mut cases, &section, &mut buf);
    cases
}
