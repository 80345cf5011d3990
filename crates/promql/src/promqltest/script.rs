//! Parsing a test script into commands (the spec's §6.1–6.2).
//!
//! Lines are trimmed, `#` lines are blank, and a blank line ends a command's block. Unlike
//! upstream, a malformed command does not abort the whole script: it becomes
//! [`Command::Invalid`] (reported as a failure) and parsing resumes after its block, so one bad
//! command costs one result.

use model::duration::Duration;
use model::gostr::unquote;
use model::labels::Labels;
use model::regex::{Anchoring, GoRegex};

use super::series::{SeqValue, is_st_line, parse_number, parse_series_line, parse_st_line};

/// A parsed script.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// Drops all data.
    Clear {
        line: usize,
    },
    Load(Load),
    Eval(Box<Eval>),
    /// A command that could not be parsed.
    Invalid {
        line: usize,
        message: String,
    },
}

/// `load <step>` or `load_with_nhcb <step>` and its series.
#[derive(Debug, Clone)]
pub struct Load {
    /// 1-based line of the `load` line.
    pub line: usize,
    /// ms between consecutive values.
    pub step: i64,
    pub with_nhcb: bool,
    pub series: Vec<LoadSeries>,
}

#[derive(Debug, Clone)]
pub struct LoadSeries {
    pub line: usize,
    pub metric: Labels,
    pub values: Vec<SeqValue>,
    /// Whether an `@st` line gave the samples start timestamps.
    pub start_timestamps: bool,
}

/// When an eval runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalKind {
    /// `eval instant at T` (ms).
    Instant { at: i64 },
    /// `eval range from S to E step D` (ms).
    Range { start: i64, end: i64, step: i64 },
}

/// `expect range vector from A to B step C` (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeSpec {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

/// The message part of an `expect fail|warn|info` line.
#[derive(Debug, Clone)]
pub enum Expect {
    /// No `msg:`/`regex:`: anything matches.
    Any,
    /// `msg:`: the exact text.
    Msg(String),
    /// `regex:`: a Go RE2 search anywhere in the text.
    Regex(GoRegex),
}

impl Expect {
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Expect::Any => true,
            Expect::Msg(m) => m == text,
            Expect::Regex(re) => re.is_match(text),
        }
    }

    /// How a failure message names this expectation.
    pub fn describe(&self) -> String {
        match self {
            Expect::Any => "anything".into(),
            Expect::Msg(m) => format!("message {m:?}"),
            Expect::Regex(re) => format!("pattern {:?}", re.as_str()),
        }
    }
}

/// One expected element: a series line of an eval body.
#[derive(Debug, Clone)]
pub struct ExpectedSeries {
    pub line: usize,
    /// 1-based position among the expected elements (for ordered results).
    pub pos: usize,
    pub metric: Labels,
    pub values: Vec<SeqValue>,
}

/// An `eval` command with its body.
#[derive(Debug, Clone)]
pub struct Eval {
    pub line: usize,
    /// The expression as written.
    pub expr: String,
    pub kind: EvalKind,
    /// `eval_fail`.
    pub legacy_fail: bool,
    /// `eval_warn`: at least one warning.
    pub legacy_warn: bool,
    /// `eval_info`: at least one info.
    pub legacy_info: bool,
    /// `eval_ordered` or `expect ordered`.
    pub ordered: bool,
    pub expect_fail: Option<Expect>,
    pub expect_warn: Vec<Expect>,
    pub expect_info: Vec<Expect>,
    pub no_warn: bool,
    pub no_info: bool,
    /// `expected_fail_message` (legacy, with `eval_fail`).
    pub expected_fail_message: Option<String>,
    /// `expected_fail_regexp` (legacy, with `eval_fail`).
    pub expected_fail_regexp: Option<GoRegex>,
    pub range_vector: Option<RangeSpec>,
    /// `expect string "..."`.
    pub expected_string: Option<String>,
    /// A bare number line.
    pub expected_scalar: Option<f64>,
    pub expected: Vec<ExpectedSeries>,
}

impl Eval {
    fn new(line: usize, expr: String, kind: EvalKind) -> Self {
        Eval {
            line,
            expr,
            kind,
            legacy_fail: false,
            legacy_warn: false,
            legacy_info: false,
            ordered: false,
            expect_fail: None,
            expect_warn: Vec::new(),
            expect_info: Vec::new(),
            no_warn: false,
            no_info: false,
            expected_fail_message: None,
            expected_fail_regexp: None,
            range_vector: None,
            expected_string: None,
            expected_scalar: None,
            expected: Vec::new(),
        }
    }

    /// Whether the query must fail.
    pub fn expects_failure(&self) -> bool {
        self.legacy_fail || self.expect_fail.is_some()
    }

    /// Whether any expectation involves native histograms.
    pub fn expects_histograms(&self) -> bool {
        self.expected.iter().any(|e| e.values.contains(&SeqValue::Histogram))
    }

    /// The header line as written, for reports.
    pub fn header(&self) -> String {
        match self.kind {
            EvalKind::Instant { at } => format!("eval instant at {} {}", fmt_ms(at), self.expr),
            EvalKind::Range { start, end, step } => format!(
                "eval range from {} to {} step {} {}",
                fmt_ms(start),
                fmt_ms(end),
                fmt_ms(step),
                self.expr
            ),
        }
    }
}

/// A time or duration in ms, written as the script would (`0`, `5m`, `1h30m`, `-50m`).
pub fn fmt_ms(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", Duration::from_millis(-ms));
    }
    Duration::from_millis(ms).to_string()
}

/// Parses a script. Never fails as a whole; see [`Command::Invalid`].
pub fn parse_script(text: &str) -> Script {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') { "" } else { l }
        })
        .collect();
    let mut commands = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.is_empty() {
            i += 1;
            continue;
        }
        let first = l.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        // Each parser returns the index of the command's last line.
        let parsed = if first == "clear" {
            Ok((i, Command::Clear { line: i + 1 }))
        } else if first.starts_with("load") {
            parse_load(&lines, i).map(|(end, load)| (end, Command::Load(load)))
        } else if first.starts_with("eval") {
            parse_eval(&lines, i).map(|(end, eval)| (end, Command::Eval(Box::new(eval))))
        } else {
            Err((i, format!("invalid command {l:?}")))
        };
        match parsed {
            Ok((end, cmd)) => {
                commands.push(cmd);
                i = end + 1;
            }
            Err((at, message)) => {
                commands.push(Command::Invalid { line: at + 1, message });
                // Resume after the broken command's block.
                i = (i..lines.len()).find(|&j| lines[j].is_empty()).unwrap_or(lines.len());
            }
        }
    }
    Script { commands }
}

type ParseResult<T> = Result<(usize, T), (usize, String)>;

fn parse_duration_ms(s: &str) -> Result<i64, String> {
    Duration::parse(s).map(Duration::as_millis).map_err(|e| e.to_string())
}

fn parse_load(lines: &[&str], start: usize) -> ParseResult<Load> {
    let err = |at: usize, m: String| (at, m);
    let header = lines[start];
    let (cmd, step) = split_word(header);
    let with_nhcb = match cmd {
        "load" => false,
        "load_with_nhcb" => true,
        _ => {
            return Err(err(
                start,
                "invalid load command. (load[_with_nhcb] <step:duration>)".into(),
            ));
        }
    };
    if step.is_empty() {
        return Err(err(start, "invalid load command. (load[_with_nhcb] <step:duration>)".into()));
    }
    let step = parse_duration_ms(step)
        .map_err(|e| err(start, format!("invalid step definition {step:?}: {e}")))?;
    let mut load = Load { line: start + 1, step, with_nhcb, series: Vec::new() };
    let mut pending_st: Option<(usize, Labels, usize)> = None;
    let mut i = start;
    while i + 1 < lines.len() && !lines[i + 1].is_empty() {
        i += 1;
        let line = lines[i];
        if is_st_line(line) {
            if let Some((st_line, _, _)) = pending_st {
                return Err(err(st_line, "@st line has no following sample line".into()));
            }
            let (metric, offsets) = parse_st_line(line).map_err(|e| err(i, e))?;
            pending_st = Some((i, metric, offsets.len()));
            continue;
        }
        let (metric, values) = parse_series_line(line).map_err(|e| err(i, e))?;
        let mut start_timestamps = false;
        if let Some((st_line, st_metric, count)) = pending_st.take() {
            if st_metric != metric {
                return Err(err(
                    st_line,
                    "@st metric does not match the following sample line metric".into(),
                ));
            }
            if count != values.len() {
                return Err(err(
                    st_line,
                    format!("@st line has {count} values but sample line has {}", values.len()),
                ));
            }
            start_timestamps = true;
        }
        // A metric given twice keeps only its last line, as upstream keys load data by labels.
        load.series.retain(|s| s.metric != metric);
        load.series.push(LoadSeries { line: i + 1, metric, values, start_timestamps });
    }
    if let Some((st_line, _, _)) = pending_st {
        return Err(err(st_line, "@st line has no following sample line".into()));
    }
    Ok((i, load))
}

/// Splits off the first whitespace-separated word; the rest is trimmed.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Splits off `words.len()` words that must equal `words` (`None` entries take any word).
fn take_words<'a, const N: usize>(
    mut s: &'a str,
    words: [Option<&str>; N],
) -> Option<([&'a str; N], &'a str)> {
    let mut out = [""; N];
    for (slot, want) in out.iter_mut().zip(words) {
        let (w, rest) = split_word(s);
        if w.is_empty() || want.is_some_and(|want| want != w) {
            return None;
        }
        *slot = w;
        s = rest;
    }
    Some((out, s))
}

const EVAL_USAGE: &str = "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step <step> <query>'";

fn parse_eval(lines: &[&str], start: usize) -> ParseResult<Eval> {
    let header = lines[start];
    let (cmd, rest) = split_word(header);
    let modifier = match cmd {
        "eval" => "",
        "eval_fail" => "fail",
        "eval_warn" => "warn",
        "eval_info" => "info",
        "eval_ordered" => "ordered",
        _ => return Err((start, EVAL_USAGE.into())),
    };
    let mut eval = if let Some(([_, _, at], expr)) =
        take_words(rest, [Some("instant"), Some("at"), None])
    {
        if expr.is_empty() {
            return Err((start, EVAL_USAGE.into()));
        }
        let at = parse_duration_ms(at).map_err(|e| {
            (
                start,
                format!(
                    "error in eval {expr} (line {}): invalid timestamp definition {at:?}: {e}",
                    start + 1
                ),
            )
        })?;
        Eval::new(start + 1, expr.to_string(), EvalKind::Instant { at })
    } else if let Some(([_, _, from, _, to, _, step], expr)) =
        take_words(rest, [Some("range"), Some("from"), None, Some("to"), None, Some("step"), None])
    {
        if expr.is_empty() || modifier == "ordered" {
            return Err((start, EVAL_USAGE.into()));
        }
        let spec = parse_range_spec(from, to, step)
            .map_err(|e| (start, format!("error in eval {expr} (line {}): {e}", start + 1)))?;
        Eval::new(
            start + 1,
            expr.to_string(),
            EvalKind::Range { start: spec.start, end: spec.end, step: spec.step },
        )
    } else {
        return Err((start, EVAL_USAGE.into()));
    };
    match modifier {
        "fail" => eval.legacy_fail = true,
        "warn" => eval.legacy_warn = true,
        "info" => eval.legacy_info = true,
        "ordered" => eval.ordered = true,
        _ => {}
    }
    let instant = matches!(eval.kind, EvalKind::Instant { .. });
    let fmt_err = |i: usize, e: String, eval: &Eval| {
        (i, format!("error in eval {} (line {}): {e}", eval.expr, eval.line))
    };

    let mut i = start;
    while i + 1 < lines.len() && !lines[i + 1].is_empty() {
        i += 1;
        let line = lines[i];
        if eval.legacy_fail
            && let Some(msg) = line.strip_prefix("expected_fail_message")
        {
            eval.expected_fail_message = Some(msg.trim().to_string());
            break;
        }
        if eval.legacy_fail
            && let Some(pattern) = line.strip_prefix("expected_fail_regexp")
        {
            let pattern = pattern.trim();
            let re = GoRegex::new(pattern, Anchoring::Unanchored).map_err(|e| {
                fmt_err(
                    i,
                    format!("invalid regexp '{pattern}' for expected_fail_regexp: {e}"),
                    &eval,
                )
            })?;
            eval.expected_fail_regexp = Some(re);
            break;
        }
        if line.starts_with("expect range vector") {
            let spec = take_words(
                line,
                [
                    Some("expect"),
                    Some("range"),
                    Some("vector"),
                    Some("from"),
                    None,
                    Some("to"),
                    None,
                    Some("step"),
                    None,
                ],
            )
            .filter(|(_, rest)| rest.is_empty())
            .ok_or_else(|| format!("invalid range vector definition {line:?}"))
            .and_then(|([.., from, _, to, _, step], _)| parse_range_spec(from, to, step))
            .map_err(|e| fmt_err(i, e, &eval))?;
            eval.range_vector = Some(spec);
            continue;
        }
        if line.starts_with("expect string") {
            let s = parse_expect_string(line).map_err(|e| fmt_err(i, e, &eval))?;
            eval.expected_string = Some(s);
            continue;
        }
        if line.split(' ').next() == Some("expect") {
            parse_expect(line, &mut eval).map_err(|e| fmt_err(i, e, &eval))?;
            continue;
        }
        if let Some(f) = parse_number(line) {
            eval.expected_scalar = Some(f);
            break;
        }
        let (metric, values) = parse_series_line(line).map_err(|e| (i, e))?;
        if values.len() > 1 && instant && eval.range_vector.is_none() {
            return Err(fmt_err(
                i,
                "expecting multiple values in instant evaluation not allowed. consider using 'expect range vector' directive to enable a range vector result for an instant query".into(),
                &eval,
            ));
        }
        // A repeated metric replaces the earlier line, as upstream keys expectations by labels.
        eval.expected.retain(|e| e.metric != metric);
        let pos = eval.expected.len() + 1;
        eval.expected.push(ExpectedSeries { line: i + 1, pos, metric, values });
    }
    Ok((i, eval))
}

fn parse_range_spec(from: &str, to: &str, step: &str) -> Result<RangeSpec, String> {
    let start = parse_duration_ms(from)
        .map_err(|e| format!("invalid start timestamp definition {from:?}: {e}"))?;
    let end = parse_duration_ms(to)
        .map_err(|e| format!("invalid end timestamp definition {to:?}: {e}"))?;
    if end < start {
        return Err(format!(
            "invalid test definition, end timestamp ({to}) is before start timestamp ({from})"
        ));
    }
    let step =
        parse_duration_ms(step).map_err(|e| format!("invalid step definition {step:?}: {e}"))?;
    Ok(RangeSpec { start, end, step })
}

fn parse_expect_string(line: &str) -> Result<String, String> {
    let missing = "expected string literal not valid - a quoted string literal is required";
    let literal = line.strip_prefix("expect string ").ok_or(missing)?;
    if literal.is_empty() {
        return Err(missing.into());
    }
    // Go's strconv.Unquote: "…", `…`, or a one-rune '…'.
    let bytes = unquote(literal).map_err(
        |_| "expected string literal not valid - check that the string is correctly quoted",
    )?;
    String::from_utf8(bytes).map_err(|_| "expected string literal is not valid UTF-8".into())
}

fn parse_expect(line: &str, eval: &mut Eval) -> Result<(), String> {
    let usage =
        "invalid expect statement, must match `expect <type> <match_type>: <string>` format";
    let (_, rest) = split_word(line);
    let (kind, rest) = split_word(rest);
    if !matches!(kind, "ordered" | "fail" | "warn" | "no_warn" | "info" | "no_info") {
        return Err(usage.into());
    }
    let expect = if rest.is_empty() {
        Expect::Any
    } else if let Some(m) = rest.strip_prefix("msg:").filter(|m| !m.is_empty()) {
        Expect::Msg(m.trim().to_string())
    } else if let Some(p) = rest.strip_prefix("regex:").filter(|p| !p.is_empty()) {
        let p = p.trim();
        Expect::Regex(
            GoRegex::new(p, Anchoring::Unanchored)
                .map_err(|_| format!("invalid regex {p} for {kind}"))?,
        )
    } else {
        return Err(usage.into());
    };
    match kind {
        "ordered" => eval.ordered = true,
        "fail" => {
            if eval.expect_fail.is_some() {
                return Err(
                    "invalid expect lines, multiple expect fail lines are not allowed".into()
                );
            }
            eval.expect_fail = Some(expect);
        }
        "warn" => eval.expect_warn.push(expect),
        "info" => eval.expect_info.push(expect),
        "no_warn" => eval.no_warn = true,
        _ => eval.no_info = true,
    }
    if eval.no_info && !eval.expect_info.is_empty() {
        return Err("invalid expect lines, info and no_info cannot be used together".into());
    }
    if eval.no_warn && !eval.expect_warn.is_empty() {
        return Err("invalid expect lines, warn and no_warn cannot be used together".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evals(script: &Script) -> Vec<&Eval> {
        script
            .commands
            .iter()
            .filter_map(|c| match c {
                Command::Eval(e) => Some(&**e),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn commands_and_line_numbers() {
        let s = parse_script(
            "# comment\nload 5m\n  a{x=\"1\"} 0+1x3\n  b 1 _ 3\n\nclear\n\neval instant at 10m a\n  a{x=\"1\"} 2\n",
        );
        assert_eq!(s.commands.len(), 3);
        let Command::Load(load) = &s.commands[0] else { panic!("{:?}", s.commands[0]) };
        assert_eq!(load.line, 2);
        assert_eq!(load.step, 300_000);
        assert_eq!(load.series.len(), 2);
        assert_eq!(load.series[1].line, 4);
        assert_eq!(load.series[0].values.len(), 4);
        assert!(matches!(s.commands[1], Command::Clear { line: 6 }));
        let e = evals(&s)[0];
        assert_eq!(e.line, 8);
        assert_eq!(e.kind, EvalKind::Instant { at: 600_000 });
        assert_eq!(e.expr, "a");
        assert_eq!(e.expected.len(), 1);
        assert_eq!(e.expected[0].line, 9);
        assert_eq!(e.expected[0].values, [SeqValue::Float(2.0)]);
    }

    #[test]
    fn eval_headers() {
        let s = parse_script(
            "eval range from 0 to 10m step 5m sum by (a) (rate(x[5m]))\n\neval_fail instant at 1h foo\n\neval_ordered instant at 0 sort(x)\n\neval_warn range from 1m to 2m step 30s y\n",
        );
        let e = evals(&s);
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].kind, EvalKind::Range { start: 0, end: 600_000, step: 300_000 });
        assert_eq!(e[0].expr, "sum by (a) (rate(x[5m]))");
        assert!(e[1].legacy_fail && e[1].expects_failure());
        assert!(e[2].ordered);
        assert!(e[3].legacy_warn);
        assert_eq!(e[3].header(), "eval range from 1m to 2m step 30s y");
    }

    #[test]
    fn expect_lines() {
        let s = parse_script(concat!(
            "eval instant at 0 x\n",
            "  expect fail msg: something broke\n",
            "\n",
            "eval instant at 0 x\n",
            "  expect warn regex: quantile .* NaN\n",
            "  expect warn\n",
            "  expect no_info\n",
            "  expect ordered\n",
            "\n",
            "eval instant at 0 \"a\"\n",
            "  expect string \"a b\"\n",
            "\n",
            "eval instant at 1m x[1m]\n",
            "  expect range vector from 0 to 1m step 30s\n",
            "  x 1 2 3\n",
            "\n",
            "eval instant at 0 1\n",
            "  1.5\n",
        ));
        let e = evals(&s);
        assert_eq!(e.len(), 5, "{:?}", s.commands);
        assert!(matches!(&e[0].expect_fail, Some(Expect::Msg(m)) if m == "something broke"));
        assert_eq!(e[1].expect_warn.len(), 2);
        assert!(
            e[1].expect_warn[0]
                .matches("PromQL warning: quantile value should be between 0 and 1, got NaN")
        );
        assert!(!e[1].expect_warn[0].matches("PromQL warning: other"));
        assert!(e[1].no_info && e[1].ordered);
        assert_eq!(e[2].expected_string.as_deref(), Some("a b"));
        assert_eq!(e[3].range_vector, Some(RangeSpec { start: 0, end: 60_000, step: 30_000 }));
        assert_eq!(e[3].expected[0].values.len(), 3);
        assert_eq!(e[4].expected_scalar, Some(1.5));
    }

    #[test]
    fn legacy_fail_messages() {
        let s = parse_script(
            "eval_fail instant at 0 x\n  expected_fail_message boom\n\neval_fail instant at 0 y\n  expected_fail_regexp bo+m\n",
        );
        let e = evals(&s);
        assert_eq!(e[0].expected_fail_message.as_deref(), Some("boom"));
        assert!(e[1].expected_fail_regexp.as_ref().is_some_and(|r| r.is_match("a boom")));
    }

    #[test]
    fn broken_commands_cost_one_result() {
        let s = parse_script(concat!(
            "eval instant at 0 x\n",
            "  x 1 2\n",
            "  y 1\n",
            "\n",
            "frobnicate\n",
            "\n",
            "eval instant at 0 x\n",
            "  expect warn\n",
            "  expect no_warn\n",
            "\n",
            "eval instant at 0 x\n",
            "  expect fail\n",
            "  expect fail\n",
            "\n",
            "eval range from 1m to 0 step 1m x\n",
            "\n",
            "eval instant at 5x x\n",
            "\n",
            "eval instant at 0 x\n",
            "  x 1\n",
        ));
        let kinds: Vec<bool> =
            s.commands.iter().map(|c| matches!(c, Command::Invalid { .. })).collect();
        assert_eq!(kinds, [true, true, true, true, true, true, false], "{:?}", s.commands);
        let Command::Invalid { line, message } = &s.commands[0] else { unreachable!() };
        assert_eq!(*line, 2);
        assert!(message.contains("expecting multiple values"), "{message}");
        let Command::Invalid { line, .. } = &s.commands[1] else { unreachable!() };
        assert_eq!(*line, 5);
    }

    #[test]
    fn load_with_st_lines() {
        let s = parse_script("load_with_nhcb 1m\n  a@st -1s 0 0\n  a 1 2 3\n  b 1\n");
        let Command::Load(load) = &s.commands[0] else { panic!("{:?}", s.commands) };
        assert!(load.with_nhcb);
        assert!(load.series[0].start_timestamps);
        assert!(!load.series[1].start_timestamps);
        let s = parse_script("load 1m\n  a@st -1s 0\n  a 1 2 3\n");
        assert!(
            matches!(&s.commands[0], Command::Invalid { message, .. } if message.contains("@st line has 2 values"))
        );
        let s = parse_script("load 1m\n  a@st -1s\n");
        assert!(matches!(&s.commands[0], Command::Invalid { .. }));
    }

    #[test]
    fn repeated_load_metric_keeps_last_line() {
        let s = parse_script("load 1m\n  a{x=\"1\"} 1\n  b 2\n  a{x=\"1\"} 3\n");
        let Command::Load(load) = &s.commands[0] else { panic!("{:?}", s.commands) };
        assert_eq!(load.series.len(), 2);
        assert_eq!(load.series[1].line, 4);
        assert_eq!(load.series[1].values, [SeqValue::Float(3.0)]);
    }

    #[test]
    fn never_panics_on_truncated_or_odd_input() {
        let text = concat!(
            "load 1m\n  m{a=\"x\", \"b.c\"='y', d=`z`} 0+1.5e1x3 -1-1x2 _x2 stale Inf {{schema:0 sum:1 buckets:[1 2]}}x2\n",
            "  m@st -1s+1sx2 _ 0\n  m 1 2 3 4\n\n",
            "eval range from 0 to 10m step 1m m\n  expect warn regex: a(b\n  m 1 _ 3\n\n",
            "eval_fail instant at 1h30m sum by (a) (m)\n  expected_fail_regexp (x\n\n",
            "eval instant at 5m m\n  expect range vector from 0 to 5m step 1m\n  expect string `é`\n  m{é=\"ü\"} 1\n  -0x1F\n",
        );
        for (i, _) in text.char_indices() {
            let _ = parse_script(&text[..i]);
            let _ = parse_script(&text[i..]);
        }
        for odd in [
            "eval",
            "load",
            "eval instant",
            "eval range from",
            "load x",
            "\u{0}",
            "{",
            "m {{",
            "m 1x",
            "m _x",
            "m +",
            "m -",
        ] {
            let _ = parse_script(odd);
            let _ = parse_script(&format!("load 1m\n  {odd}\n"));
            let _ = parse_script(&format!("eval instant at 0 x\n  {odd}\n"));
        }
    }

    #[test]
    fn formats_times() {
        assert_eq!(fmt_ms(0), "0s");
        assert_eq!(fmt_ms(90 * 60_000), "1h30m");
        assert_eq!(fmt_ms(-1000), "-1s");
    }
}
