//! Every upstream config validation error we reproduce: exact text, and the line:col of the
//! YAML node it is about.

use alertmanager::config::{LoadOptions, load_str, load_str_with};
use model::matcher::MatcherParseMode;
use std::path::Path;

fn yaml(lines: &[&str]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn err(lines: &[&str]) -> String {
    match load_str(&yaml(lines), Path::new("am.yml")) {
        Ok(_) => panic!("loaded without error:\n{}", yaml(lines)),
        Err(e) => e.to_string(),
    }
}

fn err_classic(lines: &[&str]) -> String {
    let opts = LoadOptions { matcher_mode: MatcherParseMode::Classic };
    match load_str_with(&yaml(lines), Path::new("am.yml"), &opts) {
        Ok(_) => panic!("loaded without error:\n{}", yaml(lines)),
        Err(e) => e.to_string(),
    }
}

/// A route and receiver `a`, for cases about other parts.
const TAIL: [&str; 4] = ["route:", "  receiver: a", "receivers:", "- name: a"];

fn with_tail(lines: &[&str]) -> Vec<String> {
    lines.iter().chain(TAIL.iter()).map(|s| s.to_string()).collect()
}

fn err_tail(lines: &[&str]) -> String {
    let v = with_tail(lines);
    err(&v.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn empty_file_has_no_route() {
    assert_eq!(err(&[""]), "am.yml: no route provided in config");
    assert_eq!(err(&["# nothing but a comment"]), "am.yml: no route provided in config");
}

#[test]
fn missing_route() {
    assert_eq!(err(&["receivers:", "- name: a"]), "am.yml: no routes provided");
    assert_eq!(err(&["route:", "receivers:", "- name: a"]), "am.yml: no routes provided");
}

#[test]
fn root_route_rules() {
    assert_eq!(
        err(&["route:", "  receiver: a", "  continue: true", "receivers:", "- name: a"]),
        "am.yml:3:13: cannot have continue in root route"
    );
    assert_eq!(
        err(&["route:", "  group_by: [x]", "receivers:", "- name: a"]),
        "am.yml:2:3: root route must specify a default receiver"
    );
    assert_eq!(
        err(&[
            "route:",
            "  receiver: a",
            "  match:",
            "    severity: critical",
            "receivers:",
            "- name: a"
        ]),
        "am.yml:2:3: root route must not have any matchers"
    );
    assert_eq!(
        err(&[
            "route:",
            "  receiver: a",
            "  match_re:",
            "    severity: crit.*",
            "receivers:",
            "- name: a"
        ]),
        "am.yml:2:3: root route must not have any matchers"
    );
    assert_eq!(
        err(&[
            "route:",
            "  receiver: a",
            "  matchers: [severity=critical]",
            "receivers:",
            "- name: a"
        ]),
        "am.yml:2:3: root route must not have any matchers"
    );
    let ti = ["time_intervals:", "- name: t", "  time_intervals: [{weekdays: [monday]}]"];
    let mut mute = ti.to_vec();
    mute.extend([
        "route:",
        "  receiver: a",
        "  mute_time_intervals: [t]",
        "receivers:",
        "- name: a",
    ]);
    assert_eq!(err(&mute), "am.yml:6:25: root route must not have any mute time intervals");
    let mut active = ti.to_vec();
    active.extend([
        "route:",
        "  receiver: a",
        "  active_time_intervals: [t]",
        "receivers:",
        "- name: a",
    ]);
    assert_eq!(err(&active), "am.yml:6:27: root route must not have any active time intervals");
}

#[test]
fn undefined_receivers() {
    assert_eq!(
        err(&[
            "route:",
            "  receiver: a",
            "  routes:",
            "  - receiver: b",
            "receivers:",
            "- name: a"
        ]),
        "am.yml:4:15: undefined receiver \"b\" used in route"
    );
    assert_eq!(
        err(&["route:", "  receiver: nonexistent", "receivers:", "- name: a"]),
        "am.yml:2:13: undefined receiver \"nonexistent\" used in route"
    );
    // Deep sub-routes are checked before their parents, as upstream does.
    assert_eq!(
        err(&[
            "route:",
            "  receiver: a",
            "  routes:",
            "  - receiver: x",
            "    routes:",
            "    - receiver: 'y'",
            "receivers:",
            "- name: a",
        ]),
        "am.yml:6:17: undefined receiver \"y\" used in route"
    );
}

#[test]
fn receiver_names_and_labels() {
    assert_eq!(
        err(&["route:", "  receiver: a", "receivers:", "- name: a", "- name: a"]),
        "am.yml:5:3: notification config name \"a\" is not unique"
    );
    assert_eq!(
        err(&["route:", "  receiver: a", "receivers:", "- name: a", "- labels: {x: y}"]),
        "am.yml:5:3: missing name in receiver"
    );
    assert_eq!(
        err(&["route:", "  receiver: a", "receivers:", "- name: a", "- name:"]),
        "am.yml:5:3: missing name in receiver"
    );
    assert_eq!(
        err(&["route:", "  receiver: a", "receivers:", "- name: a", "  labels: {name: b}"]),
        "am.yml:4:3: receiver label \"name\" must match receiver name \"a\", got \"b\""
    );
}

#[test]
fn undefined_time_intervals() {
    let base = ["route:", "  receiver: a", "  routes:", "  - matchers: [x=y]"];
    let mut mute = base.to_vec();
    mute.extend(["    mute_time_intervals: [business_hours]", "receivers:", "- name: a"]);
    assert_eq!(err(&mute), "am.yml:5:27: undefined time interval \"business_hours\" used in route");
    let mut active = base.to_vec();
    active.extend(["    active_time_intervals: [business_hours]", "receivers:", "- name: a"]);
    assert_eq!(
        err(&active),
        "am.yml:5:29: undefined time interval \"business_hours\" used in route"
    );
}

#[test]
fn time_interval_names() {
    assert_eq!(
        err_tail(&["time_intervals:", "- name: t", "- name: t"]),
        "am.yml:3:9: time interval \"t\" is not unique"
    );
    assert_eq!(
        err_tail(&["mute_time_intervals:", "- name: duplicate", "- name: duplicate"]),
        "am.yml:3:9: mute time interval \"duplicate\" is not unique"
    );
    // Names are unique across both lists; the deprecated list is read first.
    assert_eq!(
        err_tail(&["mute_time_intervals:", "- name: t", "time_intervals:", "- name: t"]),
        "am.yml:4:9: time interval \"t\" is not unique"
    );
    assert_eq!(
        err_tail(&["time_intervals:", "- time_intervals: [{weekdays: [monday]}]"]),
        "am.yml:2:3: missing name in time interval"
    );
    assert_eq!(
        err_tail(&["mute_time_intervals:", "- time_intervals: [{weekdays: [monday]}]"]),
        "am.yml:2:3: missing name in mute time interval"
    );
}

#[test]
fn time_interval_fields() {
    let case = |field: &str| {
        err_tail(&["time_intervals:", "- name: t", "  time_intervals:", &format!("  - {field}")])
    };
    assert_eq!(
        case("weekdays: ['friday:monday']"),
        "am.yml:4:16: start day cannot be before end day"
    );
    assert_eq!(case("weekdays: [funday]"), "am.yml:4:16: funday is not a valid weekday");
    assert_eq!(
        case("days_of_month: ['0']"),
        "am.yml:4:21: 0 is not a valid day of the month: out of range"
    );
    assert_eq!(
        case("days_of_month: ['-1:5']"),
        "am.yml:4:21: end day must be negative if start day is negative"
    );
    assert_eq!(case("months: ['13:1']"), "am.yml:4:14: end month january is before start month ");
    assert_eq!(
        case("years: ['2022:2020']"),
        "am.yml:4:13: end year 2020 is before start year 2022"
    );
    assert_eq!(
        case("location: Mars/Olympus_Mons"),
        "am.yml:4:15: unknown time zone Mars/Olympus_Mons"
    );
    assert_eq!(
        case("times: [{start_time: '17:00', end_time: '09:00'}]"),
        "am.yml:4:13: start time cannot be equal or greater than end time"
    );
    assert_eq!(
        case("times: [{start_time: '17:00'}]"),
        "am.yml:4:13: both start and end times must be provided"
    );
    assert_eq!(
        case("times: [{start_time: '5pm', end_time: '24:00'}]"),
        "am.yml:4:13: couldn't parse timestamp 5pm, invalid format"
    );
}

#[test]
fn route_node_checks() {
    let route = |line: &str| err(&["route:", "  receiver: a", line, "receivers:", "- name: a"]);
    assert_eq!(route("  group_interval: 0s"), "am.yml:3:19: group_interval cannot be zero");
    assert_eq!(route("  repeat_interval: 0"), "am.yml:3:20: repeat_interval cannot be zero");
    assert_eq!(route("  group_by: [a, b, a]"), "am.yml:3:20: duplicated label \"a\" in group_by");
    assert_eq!(
        route("  group_by: ['...', a]"),
        "am.yml:3:13: cannot have wildcard group_by (`...`) and other labels at the same time"
    );
    assert_eq!(route("  group_wait: abc"), "am.yml:3:15: not a valid duration string: \"abc\"");
    assert_eq!(route("  labels: {'': x}"), "am.yml:3:11: \"\" is not a valid label name");
    let classic =
        |line: &str| err_classic(&["route:", "  receiver: a", line, "receivers:", "- name: a"]);
    assert_eq!(
        classic("  group_by: ['-invalid-']"),
        "am.yml:3:14: invalid label name \"-invalid-\" in group_by list"
    );
    assert_eq!(
        classic("  labels: {'-invalid-': value}"),
        "am.yml:3:11: invalid label name \"-invalid-\" in route labels"
    );
    // In the default mode label names may be any UTF-8.
    assert!(
        load_str(
            &yaml(&["route:", "  receiver: a", "  group_by: ['-ok-']", "receivers:", "- name: a"]),
            Path::new("x")
        )
        .is_ok()
    );
}

#[test]
fn legacy_match_maps() {
    let child = |lines: &[&str]| {
        let mut v = vec!["route:", "  receiver: a", "  routes:"];
        v.extend(lines);
        v.extend(["receivers:", "- name: a"]);
        err(&v)
    };
    assert_eq!(
        child(&["  - match: {'foo-bar': x}"]),
        "am.yml:4:12: invalid label name \"foo-bar\""
    );
    assert_eq!(
        child(&["  - match_re: {'foo-bar': x}"]),
        "am.yml:4:15: invalid label name \"foo-bar\""
    );
    // A null regex (upstream's conf.nil-match_re-route.yml).
    assert_eq!(
        child(&["  - match_re:", "      invalid_label:", "    receiver: a"]),
        "am.yml:5:7: invalid regexp value for \"invalid_label\""
    );
    let bad_re = child(&["  - match_re: {job: '(x'}"]);
    assert!(bad_re.starts_with("am.yml:4:15: error parsing regexp: missing closing )"), "{bad_re}");
}

#[test]
fn matcher_strings() {
    let child = |m: &str| {
        err(&[
            "route:",
            "  receiver: a",
            "  routes:",
            &format!("  - matchers: [{m}]"),
            "receivers:",
            "- name: a",
        ])
    };
    // Both parsers reject it: the classic parser's error is reported.
    assert_eq!(child("'foo'"), "am.yml:4:16: bad matcher format: foo");
    let utf8 = |m: &str| {
        let opts = LoadOptions { matcher_mode: MatcherParseMode::Utf8Strict };
        let text = yaml(&[
            "route:",
            "  receiver: a",
            "  routes:",
            &format!("  - matchers: [{m}]"),
            "receivers:",
            "- name: a",
        ]);
        load_str_with(&text, Path::new("am.yml"), &opts).unwrap_err().to_string()
    };
    assert_eq!(utf8("'foo='"), "am.yml:4:16: end of input: expected label value");
    // `foo=` is classic-only input: accepted in the default mode as foo="".
    let cfg = load_str(
        &yaml(&[
            "route:",
            "  receiver: a",
            "  routes:",
            "  - matchers: ['foo=']",
            "receivers:",
            "- name: a",
        ]),
        Path::new("am.yml"),
    )
    .unwrap();
    assert_eq!(cfg.route.routes[0].matchers.to_string(), "{foo=\"\"}");
}

#[test]
fn inhibit_rules() {
    assert_eq!(
        err_tail(&["inhibit_rules:", "- source_match: {'a-b': x}"]),
        "am.yml:2:17: invalid label name \"a-b\""
    );
    assert_eq!(
        err_tail(&["inhibit_rules:", "- target_match: {'a-b': x}"]),
        "am.yml:2:17: invalid label name \"a-b\""
    );
    assert_eq!(
        err_tail(&[
            "inhibit_rules:",
            "- source_match_re:",
            "    invalid_source_label:",
            "  target_match_re:",
            "    severity: critical"
        ]),
        "am.yml:3:5: invalid regexp value for \"invalid_source_label\""
    );
    assert_eq!(
        err_tail(&["inhibit_rules:", "- target_match_re:", "    invalid_target_label:"]),
        "am.yml:3:5: invalid regexp value for \"invalid_target_label\""
    );
    assert_eq!(
        err_tail(&["inhibit_rules:", "- source_matchers: ['a=~\"(\"']"]),
        "am.yml:2:21: error parsing regexp: missing closing ): `^(?:()$`"
    );
    let v = with_tail(&["inhibit_rules:", "- equal: ['a-b']"]);
    assert_eq!(
        err_classic(&v.iter().map(String::as_str).collect::<Vec<_>>()),
        "am.yml:2:11: invalid label name \"a-b\" in equal list"
    );
}

#[test]
fn global_inline_and_file_are_exclusive() {
    for (key, value) in [
        ("smtp_auth_password", "x"),
        ("smtp_auth_secret", "x"),
        ("slack_api_url", "https://hooks.slack.com/x"),
        ("slack_app_token", "x"),
        ("opsgenie_api_key", "x"),
        ("wechat_api_secret", "x"),
        ("victorops_api_key", "x"),
        ("telegram_bot_token", "x"),
        ("rocketchat_token", "x"),
        ("rocketchat_token_id", "x"),
        ("mattermost_webhook_url", "https://mm.example.com/hooks/x"),
    ] {
        let a = format!("  {key}: '{value}'");
        let b = format!("  {key}_file: /etc/secret");
        assert_eq!(
            err_tail(&["global:", &a, &b]),
            format!(
                "am.yml:3:{}: at most one of {key} & {key}_file must be configured",
                key.len() + 10
            )
        );
    }
    assert_eq!(
        err_tail(&[
            "global:",
            "  slack_app_token: x",
            "  slack_api_url: 'https://hooks.slack.com/x'"
        ]),
        "am.yml:3:18: at most one of slack_app_token/slack_app_token_file & \
         slack_api_url/slack_api_url_file must be configured"
    );
    // The transition aid: an API URL equal to the app URL goes with a token.
    let ok = with_tail(&[
        "global:",
        "  slack_app_token: x",
        "  slack_api_url: 'https://slack.com/api/chat.postMessage'",
    ]);
    assert!(
        load_str(&yaml(&ok.iter().map(String::as_str).collect::<Vec<_>>()), Path::new("x")).is_ok()
    );
}

#[test]
fn global_addresses_and_urls() {
    assert_eq!(
        err_tail(&["global:", "  smtp_smarthost: 'localhost:'"]),
        "am.yml:2:19: address \"localhost:\": port cannot be empty"
    );
    assert_eq!(
        err_tail(&["global:", "  smtp_smarthost: localhost"]),
        "am.yml:2:19: address localhost: missing port in address"
    );
    assert_eq!(
        err_tail(&["global:", "  pagerduty_url: 'ftp://pd.example.com'"]),
        "am.yml:2:18: unsupported scheme \"ftp\" for URL"
    );
    assert_eq!(
        err_tail(&["global:", "  jira_api_url: 'http://'"]),
        "am.yml:2:17: missing host for URL"
    );
    // A secret URL never appears in an error.
    let e = err_tail(&["global:", "  slack_api_url: 'http://[hunter2'"]);
    assert!(e.starts_with("am.yml:2:18: parse \"<secret>\"") && !e.contains("hunter2"), "{e}");
    assert_eq!(
        err_tail(&["global:", "  resolve_timeout: 5 minutes"]),
        "am.yml:2:20: unknown unit \" minutes\" in duration \"5 minutes\""
    );
}

#[test]
fn null_integration_entries() {
    for ty in [
        "discord",
        "email",
        "incidentio",
        "jira",
        "mattermost",
        "msteams",
        "msteamsv2",
        "opsgenie",
        "pagerduty",
        "pushover",
        "rocketchat",
        "slack",
        "sns",
        "telegram",
        "victorops",
        "webex",
        "webhook",
        "wechat",
    ] {
        let key = format!("  {ty}_configs:");
        let e = err(&["route:", "  receiver: a", "receivers:", "- name: a", &key, "  -"]);
        assert_eq!(e, format!("am.yml:6:4: missing {ty} config"), "{ty}");
    }
}

#[test]
fn integration_errors_are_positioned_at_their_entry() {
    let e = err(&[
        "route:",
        "  receiver: a",
        "receivers:",
        "- name: a",
        "  webhook_configs:",
        "  - url: 'http://127.0.0.1:5001/'",
        "  - send_resolved: true",
    ]);
    assert_eq!(e, "am.yml:7:5: one of url or url_file must be configured");
}

#[test]
fn yaml_strictness() {
    let e = err(&["route:", "  receiver: a", "  recevier: b", "receivers:", "- name: a"]);
    assert!(e.starts_with("am.yml:3:3: unknown field `recevier`"), "{e}");
    let e = err(&["route:", "  receiver: a", "receivers:", "- name: a", "route:", "  receiver: a"]);
    assert_eq!(e, "am.yml:5:1: duplicate mapping key `route` is not allowed here");
    let e = err(&["route:", "  receiver: a", "  continue: maybe", "receivers:", "- name: a"]);
    assert!(e.starts_with("am.yml:3:13: "), "{e}");
    let e = err(&["route: [a]", "receivers:", "- name: a"]);
    assert!(e.starts_with("am.yml:1:8: "), "{e}");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const SEEDS: [&str; 4] = [
        include_str!("data/config/full.yml"),
        include_str!("data/config/ha.yml"),
        include_str!("data/config/node_exporter.yml"),
        include_str!("data/config/slack_pagerduty.yml"),
    ];

    fn check(text: &str) {
        for mode in [MatcherParseMode::Fallback, MatcherParseMode::Classic] {
            let opts = LoadOptions { matcher_mode: mode };
            match load_str_with(text, Path::new("am.yml"), &opts) {
                Ok(cfg) => {
                    let root = alertmanager::route::Route::new(&cfg.route);
                    root.walk(&mut |r| assert!(r.key().starts_with("{}")));
                    let _ = cfg.to_yaml_masked();
                }
                Err(e) => assert!(e.to_string().starts_with("am.yml"), "{e}"),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn on_edited_examples(seed in 0..SEEDS.len(), at in any::<prop::sample::Index>(),
                              len in 0usize..40, insert in "[ :\\-\\[\\]{}'\"#&*!|>a-z0-9\\n]{0,12}") {
            let text = SEEDS[seed];
            let mut start = at.index(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            let edited = format!("{}{}{}", &text[..start], insert, &text[end..]);
            check(&edited);
        }

        #[test]
        fn on_arbitrary_text(text in "\\PC{0,200}") {
            check(&text);
        }
    }
}

#[test]
fn global_http_config_is_checked() {
    assert_eq!(
        err_tail(&["global:", "  http_config:", "    bearer_token: a", "    bearer_token_file: b"]),
        "am.yml:3:5: at most one of bearer_token & bearer_token_file must be configured"
    );
    // Checked before the rest of `global:` (upstream checks it while decoding), and pointed at
    // the `http_config` node wherever it sits.
    assert_eq!(
        err_tail(&[
            "global:",
            "  smtp_auth_password: x",
            "  smtp_auth_password_file: y",
            "  resolve_timeout: 1m",
            "  http_config:",
            "    tls_config:",
            "      cert_file: c.pem",
        ]),
        "am.yml:6:5: exactly one of key or key_file must be configured when a client certificate is configured"
    );
}

#[test]
fn shape_errors_read_plainly() {
    assert_eq!(err(&["route: [a]"]), "am.yml:1:8: expected a mapping (key: value pairs)");
    assert_eq!(
        err(&["route:", "  receiver: a", "  routes: x", "receivers:", "- name: a"]),
        "am.yml:3:11: expected a list"
    );
    assert_eq!(
        err(&["route:", "  receiver: [a]", "receivers:", "- name: a"]),
        "am.yml:2:13: expected a string"
    );
    // Never the parser's advice to programmers.
    let e = err(&["route:", "  receiver: a", "receivers:", "- name: a", "route:"]);
    assert!(!e.contains("DuplicateKeyPolicy"), "{e}");
}
