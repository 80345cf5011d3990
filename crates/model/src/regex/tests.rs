//! Tests of `GoRegex` as a whole; the Go oracle table (`tests/regex_go_oracle.rs`) checks the
//! syntax and semantics row by row.

use proptest::prelude::*;

use super::*;

fn prom(p: &str) -> GoRegex {
    GoRegex::new(p, Anchoring::Prometheus).unwrap()
}

fn am(p: &str) -> GoRegex {
    GoRegex::new(p, Anchoring::Alertmanager).unwrap()
}

#[test]
fn anchoring_as_upstream() {
    assert!(prom("a.b").is_match("a\nb"));
    assert!(!am("a.b").is_match("a\nb"));
    assert!(prom(".*").is_match("x\ny"));
    assert!(!am(".*").is_match("x\ny"));
    assert!(!prom("b").is_match("abc"));
    let un = GoRegex::new("b", Anchoring::Unanchored).unwrap();
    assert!(un.is_match("abc"));
    assert!(!GoRegex::new("a.b", Anchoring::Unanchored).unwrap().is_match("a\nb"));
    // Only Alertmanager's textual wrapping lets a pattern break out of it.
    assert!(am("a)|(b").is_match("axyz"));
    assert!(GoRegex::new("a)|(b", Anchoring::Prometheus).is_err());
}

#[test]
fn errors_quote_what_go_parsed() {
    let msg = |p: &str, a| GoRegex::new(p, a).unwrap_err().to_string();
    assert_eq!(
        msg("(abc", Anchoring::Prometheus),
        "error parsing regexp: missing closing ): `(abc`"
    );
    assert_eq!(
        msg("(abc", Anchoring::Alertmanager),
        "error parsing regexp: missing closing ): `^(?:(abc)$`"
    );
    assert_eq!(
        msg("a{1001}", Anchoring::Unanchored),
        "error parsing regexp: invalid repeat count: `{1001}`"
    );
    assert_eq!(
        msg("(?x)a", Anchoring::Prometheus),
        "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"
    );
}

#[test]
fn index_helpers() {
    let set = |p: &str| prom(p).literal_set().map(<[String]>::to_vec);
    assert_eq!(set("web|api|web"), Some(vec!["api".to_string(), "web".to_string()]));
    assert_eq!(set("(?:prod|dev)-eu"), Some(vec!["dev-eu".to_string(), "prod-eu".to_string()]));
    assert_eq!(set("foo.*"), None);
    assert_eq!(set("(?i)foo"), None);
    assert_eq!(am("api|web").literal_set().map(<[String]>::len), Some(2));
    assert_eq!(GoRegex::new("api", Anchoring::Unanchored).unwrap().literal_set(), None);
    assert_eq!(prom("foo.*").literal_prefix(), Some("foo"));
    assert_eq!(prom(".*foo").literal_prefix(), None);
    assert!(prom(".*").matches_everything());
    assert!(!am(".*").matches_everything());
    assert!(!prom(".+").matches_everything());
    assert!(prom(".*").matches_empty());
    assert!(prom("a|").matches_empty());
    assert!(!prom(".+").matches_empty());
    assert!(prom("foo|bar").is_optimized());
    assert!(!prom("[a-z]+").is_optimized());
}

#[test]
fn capture_names_and_expand_like_go() {
    let re = GoRegex::new(r"(?P<first>\w+)-(?P<1x>\d+)?-(?P<first>z*)(é)?", Anchoring::Unanchored)
        .unwrap();
    assert_eq!(
        re.capture_names(),
        &[None, Some("first".to_string()), Some("1x".to_string()), Some("first".to_string()), None]
    );
    let caps = re.regex().captures("ab-12-zz").unwrap();
    // Expected outputs from Go's Regexp.ExpandString on the same input.
    let cases = [
        ("$1", "ab"),
        ("${1}x", "abx"),
        ("$1x", "12"),
        ("$first", "ab"),
        ("${first}", "ab"),
        ("$2", "12"),
        ("${1x}", "12"),
        ("$3", "zz"),
        ("$4", ""),
        ("$5", ""),
        ("$$", "$"),
        ("$", "$"),
        ("$-", "$-"),
        ("${", "${"),
        ("${first", "${first"),
        ("${}", "${}"),
        ("$01", ""),
        ("$00", ""),
        ("${2}${1}", "12ab"),
        ("a$first.b", "aab.b"),
        ("$éx", ""),
        ("$0", "ab-12-zz"),
        ("$100000000", ""),
        ("$1000000000", ""),
    ];
    for (template, want) in cases {
        let mut out = String::new();
        re.expand(&caps, template, &mut out);
        assert_eq!(out, want, "{template:?}");
    }
    let re = GoRegex::new("(a)(b)?", Anchoring::Unanchored).unwrap();
    assert_eq!(re.replace_all("xaab", "[$1|$2|${1}1]"), "x[a||a1][a|b|a1]");
}

#[test]
fn replace_all_handles_empty_matches_like_go() {
    // Expected outputs from Go's ReplaceAllString.
    let cases = [
        ("a*", "baaac", "X", "XbXcX"),
        ("a*?", "baaac", "X", "XbXaXaXaXcX"),
        ("", "abc", "-", "-a-b-c-"),
        ("b*", "abc", "[$0]", "[]a[b]c[]"),
        ("x*", "é", "-", "-é-"),
        (r"\B", "aéb", "|", "aéb"),
        ("(?m)^", "a\nb\n", ">", ">a\n>b\n>"),
        ("(?m)$", "a\nb\n", "<", "a<\nb<\n<"),
    ];
    for (p, s, t, want) in cases {
        let re = GoRegex::new(p, Anchoring::Unanchored).unwrap();
        assert_eq!(re.replace_all(s, t), want, "{p:?} on {s:?}");
    }
}

#[test]
fn non_boundary_inside_a_character_does_not_hide_a_match() {
    // The regex crate's own is_match says no here; Go and `find` say yes.
    for p in [r"(\S){2}|\B", r"[^ ]{2}|\B"] {
        let re = GoRegex::new(p, Anchoring::Unanchored).unwrap();
        assert!(re.is_match("kéx"), "{p}");
        assert!(!GoRegex::new(r"ab|\B", Anchoring::Unanchored).unwrap().is_match("kéx"));
    }
}

#[test]
fn deep_patterns_compile_on_small_stacks() {
    // tokio's worker threads have 2 MiB stacks.
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let deep = format!("{}a{}", "(".repeat(999), ")".repeat(999));
            let re = GoRegex::new(&deep, Anchoring::Unanchored).unwrap();
            assert!(re.is_match("a"));
            assert_eq!(re.regex().captures_len(), 1000);
            let stars = format!("{}a{}", "(?:".repeat(400), ")*".repeat(400));
            assert!(GoRegex::new(&stars, Anchoring::Alertmanager).unwrap().is_match("aaa"));
            let nested = format!("{}a{}", "(".repeat(400), ")*".repeat(400));
            assert!(GoRegex::new(&nested, Anchoring::Alertmanager).unwrap().is_match("aaa"));
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn big_unicode_repetition_compiles() {
    // Go accepts it; the regex crate needs most of the 128 MiB budget.
    let re = prom(r"\pL{1000}");
    assert!(re.is_match(&"é".repeat(1000)));
    assert!(!re.is_match(&"é".repeat(999)));
}

#[test]
fn translate_spells_out_go() {
    assert_eq!(translate(r"\d+").unwrap(), "[0-9]+");
    assert_eq!(translate(r"\Qa.b").unwrap(), r"a\.b");
    assert_eq!(translate(r"(?i)k").unwrap(), "(?i:k)");
    assert!(translate(r"\C").is_err());
}

#[test]
fn identity() {
    let a = prom("a|b");
    assert_eq!(a, a.clone());
    assert_ne!(a, am("a|b"));
    assert_eq!(a.as_str(), "a|b");
    assert_eq!(a.anchoring(), Anchoring::Prometheus);
    assert_eq!(format!("{a:?}"), r#"GoRegex("a|b", Prometheus)"#);
}

/// Pieces the fast path understands (and a few it does not), to build patterns from.
const PIECES: &[&str] = &[
    "foo",
    "a",
    "k",
    "s",
    "é",
    "-",
    "\\n",
    ".",
    ".*",
    ".+",
    ".?",
    ".{2}",
    ".{1,3}",
    "(?i)",
    "(?i:ab)",
    "(?s)",
    "(?-s)",
    "(?i:x-y)",
    "(bar|baz)",
    "(|x)",
    "x?",
    "[ab]",
    "[0-9]",
    "^",
    "$",
    "\\d",
    "a+",
    "ſ",
    "K",
    "(?i)é",
    "(a|.*b)",
];

/// Characters inputs are made of: ASCII, case variants of `k` and `s`, a newline, non-ASCII.
const ALPHABET: &[&str] = &[
    "f", "o", "a", "b", "r", "z", "k", "K", "\u{212A}", "s", "S", "\u{17F}", "é", "É", "\n", "-",
    "x", "y", "X", "1",
];

fn pattern_strategy() -> impl Strategy<Value = String> {
    let branch = prop::collection::vec(prop::sample::select(PIECES), 0..5).prop_map(|v| v.concat());
    prop::collection::vec(branch, 1..4).prop_map(|v| v.join("|"))
}

fn input_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..10).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The fast path answers exactly what the compiled regex answers.
    #[test]
    fn fast_path_agrees_with_regex(
        pattern in pattern_strategy(),
        inputs in prop::collection::vec(input_strategy(), 12),
    ) {
        for anchoring in [Anchoring::Prometheus, Anchoring::Alertmanager] {
            let Ok(re) = GoRegex::new(&pattern, anchoring) else { continue };
            // Also the strings the pattern's literals spell, so matches are not all by chance.
            let literal: String = pattern.chars().filter(|c| c.is_alphanumeric() || *c == '-').collect();
            for input in inputs.iter().chain([&literal, &String::new()]) {
                prop_assert_eq!(
                    re.is_match(input),
                    re.regex().find(input).is_some(),
                    "{:?} ({:?}) on {:?}", pattern, anchoring, input
                );
            }
        }
    }
}

#[test]
fn fast_path_is_used_for_generated_shapes() {
    // Guard against the property test passing because nothing takes the fast path.
    for p in ["foo.*", ".*-y", "(?i:ab).+", "a|foo|k", ".{1,3}x", "(bar|baz)-.*", "[ab].*"] {
        assert!(prom(p).is_optimized(), "{p}");
        assert!(am(p).is_optimized(), "{p}");
    }
}
