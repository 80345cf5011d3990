//! klaxon's default notification templates: our own definitions of every template name
//! Alertmanager ships (`__subject`, `slack.default.title`, `email.default.html`, ...), giving
//! the same output for the same data. `tests/alertmanager_defaults.rs` holds them to
//! Alertmanager's output, recorded by `scripts/oracle/amtemplate/regen.sh`.

/// The text templates (`default.tmpl`).
pub const DEFAULT_TMPL: &str = include_str!("default.tmpl");

/// The email templates (`email.tmpl`): `email.default.subject` and `email.default.html`.
pub const EMAIL_TMPL: &str = include_str!("email.tmpl");

/// The default template files in the order Alertmanager parses its own.
pub const DEFAULT_FILES: [(&str, &str); 2] =
    [("default.tmpl", DEFAULT_TMPL), ("email.tmpl", EMAIL_TMPL)];

/// Every template name Alertmanager's defaults define (klaxon's defaults define these and
/// a few `__klaxon.*` helpers).
pub const UPSTREAM_NAMES: &[&str] = &[
    "__alertmanager",
    "__alertmanagerURL",
    "__subject",
    "__description",
    "__text_alert_list",
    "__text_alert_list_markdown",
    "slack.default.title",
    "slack.default.username",
    "slack.default.fallback",
    "slack.default.callbackid",
    "slack.default.pretext",
    "slack.default.titlelink",
    "slack.default.iconemoji",
    "slack.default.iconurl",
    "slack.default.text",
    "slack.default.footer",
    "slack.default.color",
    "pagerduty.default.description",
    "pagerduty.default.client",
    "pagerduty.default.clientURL",
    "pagerduty.default.instances",
    "opsgenie.default.message",
    "opsgenie.default.description",
    "opsgenie.default.source",
    "wechat.default.message",
    "wechat.default.to_user",
    "wechat.default.to_party",
    "wechat.default.to_tag",
    "wechat.default.agent_id",
    "victorops.default.state_message",
    "victorops.default.entity_display_name",
    "victorops.default.monitoring_tool",
    "pushover.default.title",
    "pushover.default.message",
    "pushover.default.url",
    "sns.default.subject",
    "sns.default.message",
    "telegram.default.message",
    "discord.default.content",
    "discord.default.title",
    "discord.default.message",
    "webex.default.message",
    "msteams.default.summary",
    "msteams.default.title",
    "msteams.default.text",
    "msteamsv2.default.title",
    "msteamsv2.default.text",
    "jira.default.summary",
    "jira.default.description",
    "jira.default.priority",
    "rocketchat.default.title",
    "rocketchat.default.alias",
    "rocketchat.default.titlelink",
    "rocketchat.default.emoji",
    "rocketchat.default.iconurl",
    "rocketchat.default.text",
    "mattermost.default.color",
    "mattermost.default.username",
    "mattermost.default.title",
    "mattermost.default.titlelink",
    "mattermost.default.fallback",
    "mattermost.default.text",
    "email.default.subject",
    "email.default.html",
];

/// The default templates whose dot is not `Data`: a list of alerts (`.Alerts`,
/// `.Alerts.Firing`) or, for klaxon's email helper, one alert. Executing them with `Data`, as a
/// template checker might, fails (in Alertmanager too: `range can't iterate over {...}`).
pub const NOT_DATA_NAMES: &[&str] = &[
    "__text_alert_list",
    "__text_alert_list_markdown",
    "pagerduty.default.instances",
    "__klaxon.email.alert",
];

/// Whether `name` is defined by klaxon's defaults (an upstream name, a `__klaxon.*` helper, or
/// the top-level text of a default file), so that a checker can skip the templates the project
/// tests itself.
pub fn is_default_name(name: &str) -> bool {
    UPSTREAM_NAMES.contains(&name)
        || name.starts_with("__klaxon.")
        || DEFAULT_FILES.iter().any(|(file, _)| *file == name)
}
