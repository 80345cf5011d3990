//! Checks `GoRegex` against what Go's `regexp` does, row by row, from a table Go produced
//! (`tests/data/regex_go.tsv`, made by `scripts/oracle/regex/regen.sh`; Go is not needed here).
//!
//! Every row must agree on whether the pattern compiles and, if not, on Go's error text; if it
//! compiles, on whether the input matches (`GoRegex::is_match`, fast path or not, and a search
//! with the compiled regex) and on the submatch offsets of the first match.

use std::collections::HashMap;

use model::regex::{Anchoring, GoRegex};

const TABLE: &str = include_str!("data/regex_go.tsv");

/// Where klaxon knowingly differs from the Go that made the table, and why.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    r"\p{Sidetic}",
    "a Unicode 17 script: Go 1.27 has it, the regex crate (Unicode 16) and the Go releases \
     Prometheus and Alertmanager ship with do not",
)];

/// Reads a field: `\t`, `\n`, `\r`, `\\` and `\u{HEX}` are escapes; any other backslash is
/// itself (as `scripts/oracle/regex/fieldcodec.go` writes them).
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (decoded, skip) = match after.as_bytes().first() {
            Some(b'\\') => ('\\', 1),
            Some(b't') => ('\t', 1),
            Some(b'n') => ('\n', 1),
            Some(b'r') => ('\r', 1),
            Some(b'u') if after[1..].starts_with('{') => {
                let end = after.find('}').expect("unterminated \\u{");
                let code = u32::from_str_radix(&after[2..end], 16).expect("bad \\u{}");
                (char::from_u32(code).expect("not a char"), end + 1)
            }
            _ => ('\\', 0),
        };
        out.push(decoded);
        rest = &after[skip..];
    }
    out.push_str(rest);
    out
}

fn anchoring(name: &str) -> Anchoring {
    match name {
        "unanchored" => Anchoring::Unanchored,
        "prometheus" => Anchoring::Prometheus,
        "alertmanager" => Anchoring::Alertmanager,
        other => panic!("unknown anchoring {other:?}"),
    }
}

/// Submatch offsets as the table writes them: `0-3 1-2 -`.
fn spans(re: &GoRegex, input: &str) -> String {
    let Some(caps) = re.regex().captures(input) else { return String::new() };
    let parts: Vec<String> = (0..caps.len())
        .map(|i| match caps.get(i) {
            Some(m) => format!("{}-{}", m.start(), m.end()),
            None => "-".to_string(),
        })
        .collect();
    parts.join(" ")
}

#[test]
fn agrees_with_go() {
    let mut compiled: HashMap<(String, String), Result<GoRegex, String>> = HashMap::new();
    let mut failures = Vec::new();
    let mut rows = 0;
    let mut patterns = std::collections::HashSet::new();
    for (n, line) in TABLE.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [anch, pattern, input, result, detail] = fields[..] else {
            panic!("line {}: expected 5 fields: {line:?}", n + 1)
        };
        let (pattern, input, detail) = (decode(pattern), decode(input), decode(detail));
        if KNOWN_DIFFERENCES.iter().any(|(p, _)| *p == pattern) {
            continue;
        }
        rows += 1;
        patterns.insert(pattern.clone());
        let re = compiled
            .entry((anch.to_string(), pattern.clone()))
            .or_insert_with(|| GoRegex::new(&pattern, anchoring(anch)).map_err(|e| e.message));
        let case = format!("line {}: {anch} {pattern:?} on {input:?}", n + 1);
        match (result, &*re) {
            ("error", Err(message)) if *message == detail => {}
            ("error", Err(message)) => {
                failures.push(format!("{case}: error {message:?}, Go says {detail:?}"))
            }
            ("error", Ok(_)) => failures.push(format!("{case}: compiles, Go says {detail:?}")),
            (_, Err(message)) => failures.push(format!("{case}: fails with {message:?}")),
            (result, Ok(re)) => {
                let want = result == "match";
                if re.is_match(&input) != want {
                    failures.push(format!("{case}: is_match is {}, Go says {result}", !want));
                }
                if re.regex().find(&input).is_some() != want {
                    failures.push(format!("{case}: regex finds {}, Go says {result}", !want));
                }
                let got = spans(re, &input);
                if got != detail {
                    failures.push(format!("{case}: submatches {got:?}, Go says {detail:?}"));
                }
            }
        }
    }
    assert!(rows >= 1000 && patterns.len() >= 100, "table too small: {rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ from Go:\n{}",
        failures.len(),
        failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn known_differences_still_differ() {
    // If the regex crate catches up, the exception should go.
    for (pattern, _) in KNOWN_DIFFERENCES {
        assert!(GoRegex::new(pattern, Anchoring::Unanchored).is_err(), "{pattern}");
        assert!(TABLE.contains(pattern), "{pattern} is not in the table");
    }
}

#[test]
fn decode_reads_the_escapes() {
    assert_eq!(decode(r"a\tb\nc\\d\d\u{E9}\u"), "a\tb\nc\\d\\d\u{e9}\\u");
    assert_eq!(decode("x\\"), "x\\");
}
