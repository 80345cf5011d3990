//! Loading realistic configs: what they parse to, the defaults, paths, the masked dump, and
//! the YAML forms Go's yaml.v2 accepts.

use alertmanager::config::{self, Config, load_file, load_str};
use alertmanager::route::{GroupBy, Route};
use model::labels::Labels;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config").join(name)
}

fn load(name: &str) -> Config {
    match load_file(&data(name)) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn receivers(root: &std::sync::Arc<Route>, pairs: &[(&str, &str)]) -> Vec<String> {
    root.match_labels(&Labels::from_pairs(pairs.iter().copied()))
        .iter()
        .map(|r| r.receiver.clone())
        .collect()
}

#[test]
fn slack_and_pagerduty_by_severity() {
    let cfg = load("slack_pagerduty.yml");
    assert_eq!(cfg.receivers.len(), 3);
    assert_eq!(cfg.receivers[2].pagerduty_configs.len(), 1);
    assert_eq!(cfg.inhibit_rules.len(), 1);
    let rule = &cfg.inhibit_rules[0];
    assert_eq!(rule.source_matchers.to_string(), r#"{severity="critical"}"#);
    assert_eq!(rule.target_matchers.to_string(), r#"{severity="warning"}"#);
    assert_eq!(rule.equal, ["alertname", "cluster", "service"]);

    let root = Route::new(&cfg.route);
    assert_eq!(root.repeat_interval, Duration::from_secs(3 * 3600));
    assert_eq!(
        receivers(&root, &[("severity", "critical")]),
        ["pagerduty-critical", "slack-warnings"]
    );
    assert_eq!(receivers(&root, &[("severity", "warning")]), ["slack-warnings"]);
    assert_eq!(receivers(&root, &[("severity", "info")]), ["slack-default"]);
    let crit = &root.match_labels(&Labels::from_pairs([("severity", "critical")]))[0];
    assert_eq!(
        crit.group_by,
        GroupBy::Labels(vec!["alertname".into(), "cluster".into(), "service".into()])
    );
}

#[test]
fn node_exporter_with_custom_template() {
    let cfg = load("node_exporter.yml");
    let dir = data("");
    assert_eq!(cfg.templates, [dir.join("templates/*.tmpl").to_string_lossy().into_owned()]);
    // The global `*_file` path is resolved against the config's directory.
    assert_eq!(
        cfg.global.smtp_auth_password_file.as_deref(),
        Some(dir.join("secrets/smtp_password").to_string_lossy().as_ref())
    );
    assert_eq!(cfg.global.smtp_smarthost.as_deref(), Some("mail.example.com:587"));
    assert_eq!(cfg.time_intervals.len(), 2);

    let root = Route::new(&cfg.route);
    let mem = root.match_labels(&Labels::from_pairs([
        ("alertname", "NodeMemoryHigh"),
        ("severity", "warning"),
    ]));
    assert_eq!(mem.len(), 1);
    assert_eq!(mem[0].key(), r#"{}/{alertname=~"Node(Memory|Swap).*",severity="warning"}"#);
    assert_eq!(mem[0].mute_time_intervals, ["nights"]);
    assert_eq!(mem[0].group_wait, Duration::from_secs(60));
    assert_eq!(mem[0].repeat_interval, Duration::from_secs(12 * 3600));
    let fs = root.match_labels(&Labels::from_pairs([("alertname", "NodeFilesystemFull")]));
    assert_eq!(fs[0].key(), r#"{}/{alertname=~"^(?:NodeFilesystem.*)$"}"#);
    assert_eq!(fs[0].active_time_intervals, ["business_hours"]);
    assert!(fs[0].mute_time_intervals.is_empty());

    // Nights in Berlin: 23:30 UTC in January is 00:30 local; 21:30 UTC is 22:30 local.
    let nights = &cfg.time_intervals["nights"];
    assert!(nights.contains("2024-01-10T23:30:00Z".parse().unwrap()));
    assert!(nights.contains("2024-01-10T21:30:00Z".parse().unwrap()));
    assert!(!nights.contains("2024-01-10T12:00:00Z".parse().unwrap()));
    let bh = &cfg.time_intervals["business_hours"];
    assert!(bh.contains("2024-01-10T12:00:00Z".parse().unwrap())); // a Wednesday
    assert!(!bh.contains("2024-01-13T12:00:00Z".parse().unwrap())); // Saturday
}

#[test]
fn ha_replica_config() {
    let cfg = load("ha.yml");
    assert_eq!(cfg.global.resolve_timeout, Some(model::duration::Duration::from_secs(60)));
    assert_eq!(cfg.inhibit_rules[0].name.as_deref(), Some("node down hides its services"));
    let root = Route::new(&cfg.route);
    assert_eq!(root.group_by, GroupBy::All);
    assert_eq!(root.group_interval, Duration::from_secs(30));
    let db = root.match_labels(&Labels::from_pairs([("team", "db"), ("alertname", "X")]));
    assert_eq!(db[0].receiver, "db-webhook");
    assert_eq!(db[0].group_by, GroupBy::Labels(vec!["alertname".into()]));
    // Timers are inherited.
    assert_eq!(db[0].group_wait, Duration::from_secs(10));
    assert_eq!(cfg.receivers[1].webhook_configs.len(), 1);
}

#[test]
fn every_route_feature_and_yaml_form() {
    let cfg = load("full.yml");
    let root = Route::new(&cfg.route);

    // `continue: yes` is a YAML 1.1 bool, as Go reads it.
    let front = &root.routes[0];
    assert!(front.continue_matching);
    assert_eq!(front.key(), r#"{}/{service=~"^(?:web|api)$",team="frontend"}"#);
    assert_eq!(front.labels.get("team").map(String::as_str), Some("frontend"));
    assert_eq!(front.labels.get("tier").map(String::as_str), Some("{{ .GroupLabels.alertname }}"));

    // One `matchers:` entry may hold several matchers; all are sorted by name.
    let pager = &front.routes[0];
    assert_eq!(
        pager.key(),
        r#"{}/{service=~"^(?:web|api)$",team="frontend"}/{env=~"prod.*",region!="",severity="critical"}"#
    );
    assert_eq!(pager.group_by, GroupBy::All);
    // `group_by: []` resets the inherited grouping.
    assert_eq!(front.routes[1].group_by, GroupBy::Labels(vec![]));
    assert_eq!(front.routes[1].receiver, "frontend");

    // `<<: *pager` merges the anchored route; its own `matchers` win.
    let backend = &root.routes[1];
    assert_eq!(backend.key(), r#"{}/{team="backend"}"#);
    assert_eq!(backend.receiver, "frontend-pager");
    assert_eq!(backend.group_wait, Duration::from_secs(10));
    assert_eq!(backend.group_by, GroupBy::All);

    // `receiver:` with no value inherits, as Go's "" does.
    let batch = &root.routes[2];
    assert_eq!(batch.receiver, "default");
    assert_eq!(batch.active_time_intervals, ["weekdays"]);
    assert_eq!(batch.mute_time_intervals, ["holidays"]);
    assert!(cfg.time_intervals.contains_key("holidays"));
    assert!(cfg.time_intervals["weekdays"].contains("2024-06-03T00:00:00Z".parse().unwrap()));

    // A frontend critical alert goes to the pager and, through `continue`, on to backend
    // only if it matches there too.
    let labels = [
        ("team", "frontend"),
        ("service", "web"),
        ("severity", "critical"),
        ("env", "prod"),
        ("region", "eu"),
    ];
    assert_eq!(receivers(&root, &labels), ["frontend-pager"]);
    assert_eq!(receivers(&root, &[("team", "frontend"), ("service", "api")]), ["frontend"]);
    assert_eq!(receivers(&root, &[("team", "nobody")]), ["default"]);

    assert_eq!(cfg.receivers[1].labels.get("owner").map(String::as_str), Some("web-team"));
    assert_eq!(cfg.receivers[1].labels.get("name").map(String::as_str), Some("frontend"));
    assert_eq!(cfg.global.http_config.as_ref().map(|h| h.follow_redirects), Some(true));
}

#[test]
fn defaults_apply_without_a_global_block() {
    for text in [
        "route: {receiver: a}\nreceivers: [{name: a}]\n",
        "global:\nroute: {receiver: a}\nreceivers: [{name: a}]\n",
        "global: {}\nroute: {receiver: a}\nreceivers: [{name: a}]\n",
    ] {
        let cfg = load_str(text, Path::new("am.yml")).unwrap();
        let g = &cfg.global;
        assert_eq!(g.resolve_timeout, Some(model::duration::Duration::from_secs(300)), "{text}");
        assert_eq!(g.smtp_hello.as_deref(), Some("localhost"));
        assert_eq!(g.smtp_require_tls, Some(true));
        assert_eq!(g.pagerduty_url.as_deref(), Some("https://events.pagerduty.com/v2/enqueue"));
        assert_eq!(g.opsgenie_api_url.as_deref(), Some("https://api.opsgenie.com/"));
        assert_eq!(g.wechat_api_url.as_deref(), Some("https://qyapi.weixin.qq.com/cgi-bin/"));
        assert_eq!(
            g.victorops_api_url.as_deref(),
            Some("https://alert.victorops.com/integrations/generic/20131114/alert/")
        );
        assert_eq!(g.telegram_api_url.as_deref(), Some("https://api.telegram.org"));
        assert_eq!(g.webex_api_url.as_deref(), Some("https://webexapis.com/v1/messages"));
        assert_eq!(g.rocketchat_api_url.as_deref(), Some("https://open.rocket.chat/"));
        assert_eq!(g.slack_app_url.as_deref(), Some("https://slack.com/api/chat.postMessage"));
        assert!(g.http_config.as_ref().is_some_and(|h| h.follow_redirects && h.enable_http2));
        assert!(g.jira_api_url.is_none());
        let root = Route::new(&cfg.route);
        assert_eq!(root.group_wait, Duration::from_secs(30));
        assert_eq!(root.group_interval, Duration::from_secs(300));
        assert_eq!(root.repeat_interval, Duration::from_secs(4 * 3600));
        assert_eq!(root.group_by, GroupBy::Labels(vec![]));
        assert_eq!(root.key(), "{}");
        assert_eq!(cfg.original, text);
    }
}

#[test]
fn opsgenie_url_gets_its_trailing_slash() {
    let cfg = load_str(
        "global: {opsgenie_api_url: 'https://og.example.com/api'}\nroute: {receiver: a}\nreceivers: [{name: a}]\n",
        Path::new("am.yml"),
    )
    .unwrap();
    assert_eq!(cfg.global.opsgenie_api_url.as_deref(), Some("https://og.example.com/api/"));
}

#[test]
fn masked_dump_hides_secrets_and_shows_defaults() {
    let cfg = load("slack_pagerduty.yml");
    let y = cfg.to_yaml_masked();
    assert!(!y.contains("XXXXXXXXXXXX") && !y.contains("R0UT1NGK3Y"), "{y}");
    assert!(y.contains("<secret>"), "{y}");
    assert!(y.contains("pagerduty_url: https://events.pagerduty.com/v2/enqueue"), "{y}");
    assert!(y.contains("severity=\"critical\""), "{y}");
    assert!(y.contains("continue: true"), "{y}");
    let cfg = load("node_exporter.yml");
    let y = cfg.to_yaml_masked();
    assert!(y.contains("name: nights"), "{y}");
    assert!(y.contains("start_time: \"22:00\""), "{y}");
    assert!(y.contains("location: Europe/Berlin"), "{y}");
    assert!(y.contains("monday:friday"), "{y}");
    // The masked dump of a config without integrations loads again to the same tree.
    let cfg = load("full.yml");
    let again = load_str(&cfg.to_yaml_masked(), Path::new("dump.yml"))
        .unwrap_or_else(|e| panic!("{e}\n{}", cfg.to_yaml_masked()));
    assert_eq!(again.route, cfg.route);
    assert_eq!(again.time_intervals.len(), cfg.time_intervals.len());
}

#[test]
fn file_errors_name_the_file() {
    let missing = data("does-not-exist.yml");
    let e = load_file(&missing).unwrap_err().to_string();
    assert!(e.starts_with(&missing.display().to_string()), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("am.yml");
    std::fs::write(&p, "route:\n  receiver: x\nreceivers: [{name: a}]\n").unwrap();
    assert_eq!(
        load_file(&p).unwrap_err().to_string(),
        format!("{}:2:13: undefined receiver \"x\" used in route", p.display())
    );
}

#[test]
fn matcher_mode_is_an_option() {
    let text =
        "route:\n  receiver: a\n  routes:\n  - matchers: ['foo=bar baz']\nreceivers: [{name: a}]\n";
    // Only the classic parser reads an unquoted value with a space.
    let cfg = load_str(text, Path::new("am.yml")).unwrap();
    assert_eq!(cfg.route.routes[0].matchers.to_string(), r#"{foo="bar baz"}"#);
    let strict = config::LoadOptions { matcher_mode: model::matcher::MatcherParseMode::Utf8Strict };
    assert!(config::load_str_with(text, Path::new("am.yml"), &strict).is_err());
}

#[test]
fn inhibit_rules_merge_legacy_maps_and_accept_null() {
    let text = "route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules:\n- ~\n- name: legacy\n  source_match: {severity: critical}\n  source_match_re: {service: 'api|web'}\n  source_matchers: ['alertname=~\"Down\"']\n  target_match: {code: 500}\n  equal: [cluster]\n";
    let cfg = load_str(text, Path::new("am.yml")).unwrap();
    assert_eq!(cfg.inhibit_rules.len(), 2);
    let null = &cfg.inhibit_rules[0];
    assert!(null.source_matchers.is_empty() && null.target_matchers.is_empty());
    assert!(null.equal.is_empty() && null.name.is_none());
    let r = &cfg.inhibit_rules[1];
    assert_eq!(r.name.as_deref(), Some("legacy"));
    assert_eq!(
        r.source_matchers.to_string(),
        r#"{alertname=~"Down",service=~"^(?:api|web)$",severity="critical"}"#
    );
    // A number where Go reads a string is its text, as yaml.v2 gives it.
    assert_eq!(r.target_matchers.to_string(), r#"{code="500"}"#);
    assert_eq!(r.equal, ["cluster"]);
    let src =
        Labels::from_pairs([("alertname", "Down"), ("service", "web"), ("severity", "critical")]);
    assert!(r.source_matchers.matches_labels(&src));
    let src =
        Labels::from_pairs([("alertname", "Down"), ("service", "webx"), ("severity", "critical")]);
    assert!(!r.source_matchers.matches_labels(&src));
}

#[test]
fn relative_config_path_still_gives_absolute_templates() {
    // `cargo test` runs in the crate's directory.
    let cfg = load_file(Path::new("tests/data/config/node_exporter.yml")).unwrap();
    assert!(Path::new(&cfg.templates[0]).is_absolute(), "{:?}", cfg.templates);
    assert!(cfg.templates[0].ends_with("tests/data/config/templates/*.tmpl"));
}

#[test]
fn nulls_read_as_go_zero_values() {
    let text = "route:\n  receiver: a\n  group_by:\n  routes:\n  matchers:\ntemplates:\n- \nreceivers:\n- name: a\n  labels: {owner: }\ninhibit_rules:\ntime_intervals:\n";
    let cfg = load_str(text, Path::new("/etc/am/am.yml")).unwrap();
    assert_eq!(cfg.route.group_by, None);
    assert!(cfg.route.routes.is_empty() && cfg.route.matchers.is_empty());
    assert_eq!(cfg.receivers[0].labels.get("owner").map(String::as_str), Some(""));
    // An empty template entry stays empty (a glob that matches nothing).
    assert_eq!(cfg.templates, [""]);
}

/// Go's yaml.v2 reads `key:` with no value as the zero value, so upstream loads these files;
/// so must we, with `""`, empty lists and empty map values.
#[test]
fn empty_receiver_keys_read_as_empty() {
    let text = r#"
route:
  receiver: a
receivers:
- name: a
  webhook_configs:
  - url: http://hook.example/
    url_file:
  email_configs:
  - to: ops@example.com
    from: am@example.com
    smarthost: localhost:25
    hello:
    auth_username:
    auth_password_file:
    headers:
      X-Team:
  slack_configs:
  - api_url: http://slack.example/
    channel:
    username:
    fields:
    mrkdwn_in:
    actions:
  opsgenie_configs:
  - api_key: k
    message:
    tags:
    note:
    responders:
    details:
      team:
  discord_configs:
  - webhook_url: http://discord.example/
    message:
    username:
  msteams_configs:
  - webhook_url: http://teams.example/
    text:
"#;
    let cfg = match load_str(text, Path::new("/etc/am/am.yml")) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let r = &cfg.receivers[0];
    let webhook = r.webhook_configs[0].value.as_ref().unwrap();
    assert_eq!(webhook.url_file, "");
    let email = r.email_configs[0].value.as_ref().unwrap();
    // An empty `hello` takes the global `smtp_hello`, as upstream's does.
    assert_eq!((email.hello.as_str(), email.auth_username.as_str()), ("localhost", ""));
    assert_eq!(email.headers.get("X-Team").map(String::as_str), Some(""));
    let slack = r.slack_configs[0].value.as_ref().unwrap();
    assert_eq!((slack.channel.as_str(), slack.username.as_str()), ("", ""));
    assert!(slack.fields.is_empty() && slack.mrkdwn_in.is_empty() && slack.actions.is_empty());
    let opsgenie = r.opsgenie_configs[0].value.as_ref().unwrap();
    assert_eq!((opsgenie.tags.as_str(), opsgenie.note.as_str()), ("", ""));
    assert!(opsgenie.responders.is_empty());
    assert_eq!(opsgenie.details.get("team").map(String::as_str), Some(""));
    let discord = r.discord_configs[0].value.as_ref().unwrap();
    assert_eq!(discord.username, "");
    assert_eq!(r.msteams_configs.len(), 1);
}

#[test]
fn warnings_name_repeat_intervals_upstream_warns_about() {
    let text = r#"
route:
  receiver: a
  repeat_interval: 200h
  routes:
  - receiver: a
    matchers: ['team="db"']
    group_interval: 10m
    repeat_interval: 5m
  - receiver: a
    repeat_interval: 1h
receivers:
- name: a
"#;
    let cfg = load_str(text, Path::new("am.yml")).unwrap();
    assert_eq!(
        cfg.warnings(Duration::from_secs(120 * 3600)),
        [
            "repeat_interval is greater than the data retention period. It can lead to \
             notifications being repeated more often than expected. repeat_interval=200h0m0s \
             retention=120h0m0s route={}",
            "repeat_interval is less than group_interval. Notifications will not repeat until \
             the next group_interval. repeat_interval=5m0s group_interval=10m0s \
             route=\"{}/{team=\\\"db\\\"}\"",
        ]
    );
    // Within retention and above group_interval: nothing to say.
    assert!(
        load_str("route: {receiver: a}\nreceivers: [{name: a}]\n", Path::new("am.yml"))
            .unwrap()
            .warnings(Duration::from_secs(120 * 3600))
            .is_empty()
    );
}
