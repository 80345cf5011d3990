use super::*;

/// A self-contained copy of an entry, for comparing whole parses.
#[derive(Debug, Clone, PartialEq)]
enum E {
    S(String, Vec<(String, String)>, u64, Option<i64>),
    Help(String, String),
    Type(String, MetricType),
    Unit(String, String),
    Comment(String),
    Eof,
}

fn own(e: Entry<'_>) -> E {
    match e {
        Entry::Series(s) => E::S(
            s.name.into_owned(),
            s.labels.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            s.value.to_bits(),
            s.timestamp,
        ),
        Entry::Help { name, help } => E::Help(name.into_owned(), help.into_owned()),
        Entry::Type { name, kind } => E::Type(name.into_owned(), kind),
        Entry::Unit { name, unit } => E::Unit(name.into_owned(), unit.into_owned()),
        Entry::Comment(c) => E::Comment(c.into_owned()),
        Entry::Eof => E::Eof,
    }
}

/// Parses `input` fully; checks on the way that a parser deferring labels reads the same
/// label sets, values and first error.
fn parse_all(input: &str, format: Format) -> Result<Vec<E>, ParseError> {
    assert_eq!(
        label_sets(input.as_bytes(), format, false),
        label_sets(input.as_bytes(), format, true),
        "deferred labels differ on {input:?}"
    );
    let mut p = Parser::new(input.as_bytes(), format);
    let mut out = Vec::new();
    while let Some(e) = p.next_entry() {
        out.push(own(e?));
    }
    Ok(out)
}

/// Each sample's stored label set, value bits and timestamp, up to the first error.
type Stored = (String, u64, Option<i64>);

fn label_sets(input: &[u8], format: Format, defer: bool) -> Result<Vec<Stored>, ParseError> {
    let mut p = Parser::new(input, format);
    if defer {
        p = p.defer_labels();
    }
    let mut out = Vec::new();
    while let Some(e) = p.next_entry() {
        if let Entry::Series(s) = e? {
            let labels = if defer { s.label_set()? } else { s.to_labels() };
            out.push((labels.to_string(), s.value.to_bits(), s.timestamp));
        }
    }
    Ok(out)
}

fn s(name: &str, labels: &[(&str, &str)], v: f64, ts: Option<i64>) -> E {
    E::S(
        name.to_string(),
        labels.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        v.to_bits(),
        ts,
    )
}

fn err(input: &str, format: Format) -> String {
    match parse_all(input, format) {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn text_format_samples_metadata_and_comments() {
    let input = "# HELP http_requests_total The total.\\nSecond line \\\\ \\\"q\\\"\n\
                 # TYPE http_requests_total counter\n\
                 \n\
                 http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n\
                 \t  http_requests_total { method = \"get\" , } 3\t\n\
                 # just a comment\n\
                 #no space comment\n\
                 # HELP\n\
                 # TYPEx y\n\
                 up 1\n";
    let got = parse_all(input, Format::PrometheusText).unwrap();
    assert_eq!(
        got,
        vec![
            // HELP knows `\\` and `\n` only: `\"` stays as written.
            E::Help("http_requests_total".into(), "The total.\nSecond line \\ \\\"q\\\"".into()),
            E::Type("http_requests_total".into(), MetricType::Counter),
            s(
                "http_requests_total",
                &[("method", "post"), ("code", "200")],
                1027.0,
                Some(1395066363000)
            ),
            s("http_requests_total", &[("method", "get")], 3.0, None),
            E::Comment("# just a comment".into()),
            E::Comment("#no space comment".into()),
            // Keywords need a blank after them to be metadata.
            E::Comment("# HELP".into()),
            E::Comment("# TYPEx y".into()),
            s("up", &[], 1.0, None),
        ]
    );
}

#[test]
fn text_format_last_line_needs_no_newline_and_untyped_is_unknown() {
    let got = parse_all("# TYPE x untyped\nx -2.5e3 -17", Format::PrometheusText).unwrap();
    assert_eq!(
        got,
        vec![E::Type("x".into(), MetricType::Unknown), s("x", &[], -2500.0, Some(-17))]
    );
}

#[test]
fn special_values_and_nan_is_normalised() {
    let got =
        parse_all("a NaN\nb +Inf\nc -Inf\nd nan\ne 1e-05\nf .5\n", Format::PrometheusText).unwrap();
    let bits: Vec<u64> = got
        .iter()
        .map(|e| match e {
            E::S(_, _, b, _) => *b,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        bits,
        vec![
            NORMAL_NAN_BITS,
            f64::INFINITY.to_bits(),
            f64::NEG_INFINITY.to_bits(),
            NORMAL_NAN_BITS,
            1e-5f64.to_bits(),
            0.5f64.to_bits()
        ]
    );
    // Not a staleness marker, whatever NaN the exposition wrote.
    assert!(!model::storage::is_stale_nan(f64::from_bits(bits[0])));
}

#[test]
fn label_value_escapes_and_utf8() {
    let got = parse_all(
        "m{a=\"x\\\"y\",b=\"back\\\\slash\",c=\"new\\nline\",d=\"\\t kept\",e=\"ünï\"} 1\n",
        Format::PrometheusText,
    )
    .unwrap();
    assert_eq!(
        got,
        vec![s(
            "m",
            &[
                ("a", "x\"y"),
                ("b", "back\\slash"),
                ("c", "new\nline"),
                ("d", "\\t kept"),
                ("e", "ünï")
            ],
            1.0,
            None
        )]
    );
}

#[test]
fn quoted_utf8_names_in_both_formats() {
    let text = "{\"my.metric\", \"label.x\"=\"v\", plain=\"p\"} 2\n# TYPE \"my.metric\" gauge\n";
    assert_eq!(
        parse_all(text, Format::PrometheusText).unwrap(),
        vec![
            s("my.metric", &[("label.x", "v"), ("plain", "p")], 2.0, None),
            E::Type("my.metric".into(), MetricType::Gauge),
        ]
    );
    let om = "{\"my.metric\",\"label.x\"=\"v\"} 2 1.5\n# EOF\n";
    assert_eq!(
        parse_all(om, Format::OpenMetrics).unwrap(),
        vec![s("my.metric", &[("label.x", "v")], 2.0, Some(1500)), E::Eof]
    );
    // The name may also come after labels, and `__name__` sets it.
    assert_eq!(
        parse_all("{a=\"1\",\"n.x\"} 3\n{__name__=\"q\"} 4\n", Format::PrometheusText).unwrap(),
        vec![s("n.x", &[("a", "1")], 3.0, None), s("q", &[], 4.0, None)]
    );
    // A value may touch the closing brace in the text format, not in OpenMetrics.
    assert_eq!(
        parse_all("m{a=\"1\"}7\n", Format::PrometheusText).unwrap(),
        vec![s("m", &[("a", "1")], 7.0, None)]
    );
    assert_eq!(err("m{a=\"1\"}7\n# EOF\n", Format::OpenMetrics), "1:9: expected value, got \"7\"");
}

#[test]
fn openmetrics_full_family_with_exemplars_created_and_units() {
    let input = "# TYPE rpc_duration_seconds histogram\n\
                 # UNIT rpc_duration_seconds seconds\n\
                 # HELP rpc_duration_seconds A \\\"histogram\\\".\n\
                 rpc_duration_seconds_bucket{le=\"0.5\"} 3 1712000000.123 # {trace_id=\"abc\"} 0.3 1712000000.1\n\
                 rpc_duration_seconds_bucket{le=\"+Inf\"} 5 # {trace_id=\"def\"} 7\n\
                 rpc_duration_seconds_sum 2.5e0 1712000000\n\
                 rpc_duration_seconds_count 5\n\
                 rpc_duration_seconds_created 1711999000.5\n\
                 # EOF";
    let got = parse_all(input, Format::OpenMetrics).unwrap();
    assert_eq!(
        got,
        vec![
            E::Type("rpc_duration_seconds".into(), MetricType::Histogram),
            E::Unit("rpc_duration_seconds".into(), "seconds".into()),
            E::Help("rpc_duration_seconds".into(), "A \"histogram\".".into()),
            // 1712000000.123 * 1000 truncated, as Prometheus computes it.
            s(
                "rpc_duration_seconds_bucket",
                &[("le", "0.5")],
                3.0,
                Some((1712000000.123f64 * 1000.0) as i64)
            ),
            s("rpc_duration_seconds_bucket", &[("le", "+Inf")], 5.0, None),
            s("rpc_duration_seconds_sum", &[], 2.5, Some(1712000000000)),
            s("rpc_duration_seconds_count", &[], 5.0, None),
            s("rpc_duration_seconds_created", &[], 1711999000.5, None),
            E::Eof,
        ]
    );
}

#[test]
fn openmetrics_timestamps_are_seconds_truncated_to_ms() {
    let got = parse_all("a 1 0.0019\nb 1 -1.5\nc 1 10\n# EOF\n", Format::OpenMetrics).unwrap();
    assert_eq!(
        got,
        vec![
            s("a", &[], 1.0, Some(1)),
            s("b", &[], 1.0, Some(-1500)),
            s("c", &[], 1.0, Some(10000)),
            E::Eof
        ]
    );
}

#[test]
fn openmetrics_eof_rules() {
    assert_eq!(err("a 1\n", Format::OpenMetrics), "2:1: data does not end with # EOF");
    assert_eq!(err("a 1", Format::OpenMetrics), "1:4: data does not end with # EOF");
    assert_eq!(err("", Format::OpenMetrics), "1:1: data does not end with # EOF");
    assert_eq!(err("# EOF\na 1\n", Format::OpenMetrics), "2:1: unexpected data after # EOF");
    assert_eq!(err("# EOF\n\n", Format::OpenMetrics), "2:1: unexpected data after # EOF");
    assert_eq!(parse_all("# EOF", Format::OpenMetrics).unwrap(), vec![E::Eof]);
    assert_eq!(parse_all("# EOF\n", Format::OpenMetrics).unwrap(), vec![E::Eof]);
}

#[test]
fn openmetrics_is_strict_where_text_is_lenient() {
    assert_eq!(
        err("a 1\n\nb 2\n# EOF\n", Format::OpenMetrics),
        "2:1: empty lines are not allowed in OpenMetrics"
    );
    assert_eq!(
        err("# a comment\n# EOF\n", Format::OpenMetrics),
        "1:1: expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\""
    );
    assert_eq!(err("a  1\n# EOF\n", Format::OpenMetrics), "1:3: expected value, got \" \"");
    assert_eq!(
        err("a{b = \"c\"} 1\n# EOF\n", Format::OpenMetrics).split(": ").nth(1),
        Some("expected '=' after label name, got \" \"")
    );
    assert_eq!(
        err("# TYPE a untyped\n# EOF\n", Format::OpenMetrics),
        "1:10: invalid metric type \"untyped\""
    );
    assert_eq!(
        err("# UNIT a_bytes seconds\n# EOF\n", Format::OpenMetrics),
        "1:8: unit \"seconds\" not a suffix of metric \"a_bytes\""
    );
    // `xbytes` ends with "bytes" but not as a `_` part.
    assert!(err("# UNIT axbytes bytes\n# EOF\n", Format::OpenMetrics).contains("not a suffix"));
}

#[test]
fn errors_name_line_and_column() {
    let cases: &[(&str, &str)] = &[
        ("ok 1\nbad{a=\"b\" 1\n", "2:11: expected ',' or '}', got \"1\""),
        ("m{a=\"b\"} x1\n", "1:10: invalid value \"x1\""),
        ("m 1 12x\n", "1:5: invalid timestamp \"12x\""),
        ("m 1 2 3\n", "1:7: expected next entry after timestamp, got \"3\""),
        ("m\n", "1:2: expected value, got end of line"),
        ("m{a=\"unterminated} 1\n", "1:5: unterminated quoted label value"),
        ("m{a=\"1\",a=\"2\"} 1\n", "1:9: duplicate label name \"a\""),
        ("{a=\"1\"} 1\n", "1:1: metric name not set"),
        ("m{\"x\",\"y\"} 1\n", "1:3: metric name already set"),
        ("# TYPE m countr\n", "1:10: invalid metric type \"countr\""),
        ("# HELP \n", "1:8: expected metric name after HELP, got end of line"),
        ("m 0x1p3\n", "1:3: invalid value \"0x1p3\""),
        ("m 1_000\n", "1:3: invalid value \"1_000\""),
        ("9m 1\n", "1:1: expected a metric name, got \"9m\""),
        ("m 1 # {a=\"b\"} 1\n", "1:5: invalid timestamp \"#\""),
    ];
    for (input, want) in cases {
        assert_eq!(&err(input, Format::PrometheusText), want, "input {input:?}");
    }
    let om: &[(&str, &str)] = &[
        ("m 1 NaN\n# EOF\n", "1:5: invalid timestamp \"NaN\""),
        ("m 1 # {\"x\"} 1\n# EOF\n", "1:8: expected label name, got a bare string"),
        ("m 1 # {a=\"b\"}\n# EOF\n", "1:14: expected exemplar value, got end of line"),
        (
            "m 1 # {a=\"b\"} 1 2 3\n# EOF\n",
            "1:18: expected next entry after exemplar timestamp, got \" \"",
        ),
    ];
    for (input, want) in om {
        assert_eq!(&err(input, Format::OpenMetrics), want, "input {input:?}");
    }
}

#[test]
fn invalid_utf8_is_an_error_in_values_but_not_in_comments() {
    let mut input = b"# comment \xff\nm{a=\"".to_vec();
    input.extend_from_slice(b"\xff\"} 1\n");
    let mut p = Parser::new(&input, Format::PrometheusText);
    assert!(matches!(p.next_entry(), Some(Ok(Entry::Comment(_)))));
    let e = p.next_entry().unwrap().unwrap_err();
    assert_eq!(e.to_string(), "2:6: invalid UTF-8 in label value");
    assert!(p.next_entry().is_none(), "an error ends the parse");
}

#[test]
fn to_labels_adds_name_sorts_and_drops_empty_values() {
    let mut p = Parser::new(b"m{z=\"1\",a=\"2\",e=\"\"} 1\n", Format::PrometheusText);
    let Some(Ok(Entry::Series(series))) = p.next_entry() else { panic!() };
    let labels = series.to_labels();
    assert_eq!(labels.to_string(), "{__name__=\"m\", a=\"2\", z=\"1\"}");
    assert_eq!(series.raw, b"m{z=\"1\",a=\"2\",e=\"\"}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic sweep of mutations of a valid exposition: truncations and single-byte
    // changes at every position, in both formats.
    let base = b"# HELP a h\\n\n# TYPE a counter\n# UNIT a_s s\na_total{x=\"y\\\"\",\"q.r\"=\"1\"} 1.5 12 # {t=\"1\"} 2 3\n{\"u.v\"} NaN\n# EOF\n";
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        for cut in 0..=base.len() {
            let mut p = Parser::new(&base[..cut], format);
            while p.next_entry().is_some() {}
        }
        for i in 0..base.len() {
            for b in [b'\n', b' ', b'"', b'\\', b'{', b'}', b'#', b',', b'=', 0xff, b'\t'] {
                let mut v = base.to_vec();
                v[i] = b;
                let mut p = Parser::new(&v, format);
                while p.next_entry().is_some() {}
                assert_eq!(
                    label_sets(&v, format, false),
                    label_sets(&v, format, true),
                    "deferred labels differ on {:?}",
                    String::from_utf8_lossy(&v)
                );
            }
        }
    }
}

#[test]
fn openmetrics_floats_print_as_go_does() {
    let cases: &[(f64, &str)] = &[
        (1.0, "1.0"),
        (0.0, "0.0"),
        (-1.0, "-1.0"),
        (0.25, "0.25"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (100000.0, "100000.0"),
        (1e6, "1e+06"),
        (1.5e6, "1.5e+06"),
        (123456.5, "123456.5"),
        (2.5, "2.5"),
        (f64::INFINITY, "+Inf"),
        (f64::NEG_INFINITY, "-Inf"),
        (f64::NAN, "NaN"),
        (-0.005, "-0.005"),
        (1e21, "1e+21"),
    ];
    for (f, want) in cases {
        assert_eq!(format_openmetrics_float(*f), *want, "{f}");
    }
}

#[test]
fn le_and_quantile_are_normalised_by_declared_type() {
    let input = "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+inf\"} 1\nh_bucket{le=\"x\"} 1\n\
                 # TYPE s summary\ns{quantile=\"0.50\"} 1\ns{le=\"1\"} 1\n\
                 # TYPE g gauge\ng{le=\"1\"} 1\n";
    let mut p = Parser::new(input.as_bytes(), Format::PrometheusText);
    let mut got = Vec::new();
    while let Some(e) = p.next_entry() {
        if let Entry::Series(s) = e.unwrap() {
            got.push(s.to_labels().to_string());
        }
    }
    assert_eq!(
        got,
        vec![
            "{__name__=\"h_bucket\", le=\"1.0\"}",
            "{__name__=\"h_bucket\", le=\"+Inf\"}",
            "{__name__=\"h_bucket\", le=\"x\"}",
            "{__name__=\"s\", quantile=\"0.5\"}",
            "{__name__=\"s\", le=\"1\"}",
            "{__name__=\"g\", le=\"1\"}",
        ]
    );
}

#[test]
fn a_parse_resumed_at_any_line_boundary_reads_the_same() {
    let input = "# TYPE h histogram\nh_bucket{le=\"1\"} 1 1\nh_bucket{le=\"+Inf\"} 2 2\n# HELP g G.\ng 3 3\n# EOF\n";
    let whole = parse_all(input, Format::OpenMetrics).unwrap();
    let bytes = input.as_bytes();
    let cuts: Vec<usize> =
        bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
    for &cut in &cuts {
        let (first, second) = bytes.split_at(cut);
        let mut got = Vec::new();
        let mut p = Parser::resume(first, Format::OpenMetrics, Resume::default(), true);
        let mut labels = Vec::new();
        while let Some(e) = p.next_entry() {
            let e = e.unwrap();
            if let Entry::Series(s) = &e {
                labels.push(s.to_labels().to_string());
            }
            got.push(own(e));
        }
        let from = p.resume_point();
        let mut p = Parser::resume(second, Format::OpenMetrics, from, false);
        while let Some(e) = p.next_entry() {
            let e = e.unwrap();
            if let Entry::Series(s) = &e {
                labels.push(s.to_labels().to_string());
            }
            got.push(own(e));
        }
        assert_eq!(got, whole, "cut at {cut}");
        // The declared type carries over: `le` is normalised in both parts.
        assert_eq!(labels[0], "{__name__=\"h_bucket\", le=\"1.0\"}", "cut at {cut}");
    }
    // Line numbers carry over too.
    let mut p = Parser::resume(
        b"a 1 1\nb{ 2\n",
        Format::OpenMetrics,
        Resume { line: 10, kind: None, eof: false },
        true,
    );
    assert!(p.next_entry().unwrap().is_ok());
    assert_eq!(
        p.next_entry().unwrap().unwrap_err().to_string(),
        "11:3: expected label name, got \" \""
    );
    // With `more`, a part may end without `# EOF`.
    let mut p = Parser::resume(b"a 1 1\n", Format::OpenMetrics, Resume::default(), true);
    assert!(p.next_entry().unwrap().is_ok());
    assert!(p.next_entry().is_none());
    assert!(!p.saw_eof());
    // After `# EOF` in one part, the next may only be empty.
    let mut p = Parser::resume(b"# EOF\n", Format::OpenMetrics, Resume::default(), true);
    assert_eq!(p.next_entry().unwrap().unwrap(), Entry::Eof);
    let from = p.resume_point();
    assert!(from.eof);
    assert!(Parser::resume(b"", Format::OpenMetrics, from, false).next_entry().is_none());
    let mut p = Parser::resume(b"a 1 1\n", Format::OpenMetrics, from, false);
    assert_eq!(
        p.next_entry().unwrap().unwrap_err().to_string(),
        "2:1: unexpected data after # EOF"
    );
}
