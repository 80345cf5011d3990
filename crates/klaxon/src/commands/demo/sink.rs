//! A Slack incoming webhook on localhost: it accepts what Alertmanager's `slack_configs` post
//! (any path), answers `ok` as Slack does, and prints what Slack would show — channel, title,
//! text, fields, colour — marked FIRING or RESOLVED, and noting when a message repeats an
//! earlier title (the `repeat_interval` at work).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use parking_lot::Mutex;
use serde_json::Value;

use super::term::{Style, Term, clock, human};

/// The sink: where to print, and when each (channel, title) was last shown.
#[derive(Debug)]
pub struct Sink {
    term: Term,
    last_seen: Mutex<HashMap<(String, String), Instant>>,
}

impl Sink {
    pub fn new(term: Term) -> Arc<Sink> {
        Arc::new(Sink { term, last_seen: Mutex::new(HashMap::new()) })
    }

    /// The printed block for one webhook body, or `None` when it is not a Slack message.
    fn render(&self, body: &[u8], now: Instant) -> Option<String> {
        let msg: Value = serde_json::from_slice(body).ok()?;
        let msg = msg.as_object()?;
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        let attachment = msg.get("attachments").and_then(|a| a.get(0));
        let field = |name: &str| s(attachment.and_then(|a| a.get(name)));
        let (title, color) = (field("title"), field("color"));
        let channel = match s(msg.get("channel")) {
            c if c.is_empty() => "(the webhook's own channel)".to_string(),
            c => c,
        };
        let t = &self.term;
        let status = match status_of(&title, &color) {
            Status::Firing => t.paint(Style::Red, "FIRING"),
            Status::Resolved => t.paint(Style::Green, "RESOLVED"),
            Status::Unknown => t.paint(Style::Bold, "MESSAGE"),
        };
        let previous = self.last_seen.lock().insert((channel.clone(), title.clone()), now);
        let repeat = previous.map_or(String::new(), |at| {
            let gap = human(now.saturating_duration_since(at));
            t.paint(Style::Yellow, &format!("  repeat: same title as {gap} ago"))
        });
        let colour = match color.as_str() {
            "" => String::new(),
            "danger" => "  (colour: danger, red)".to_string(),
            "warning" => "  (colour: warning, yellow)".to_string(),
            "good" => "  (colour: good, green)".to_string(),
            other => format!("  (colour: {other})"),
        };
        let mut out = format!(
            "\n{}  Slack {}  {status}{repeat}{colour}\n",
            clock(),
            t.paint(Style::Bold, &channel)
        );
        let mut quote = |text: &str, style: Option<Style>| {
            for line in text.lines() {
                let line = style.map_or_else(|| line.to_string(), |st| t.paint(st, line));
                out.push_str(&format!("  │ {line}\n"));
            }
        };
        quote(&s(msg.get("text")), None);
        quote(&field("pretext"), None);
        quote(&title, Some(Style::Bold));
        quote(&field("text"), None);
        for f in
            attachment.and_then(|a| a.get("fields")).and_then(Value::as_array).into_iter().flatten()
        {
            quote(&format!("{}: {}", s(f.get("title")), s(f.get("value"))), None);
        }
        quote(&field("footer"), Some(Style::Dim));
        Some(out)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Status {
    Firing,
    Resolved,
    Unknown,
}

/// FIRING or RESOLVED as a reader of the message would tell: the title's `[FIRING:n]` /
/// `[RESOLVED]` (Alertmanager's default and the tutorials' titles), else the colour.
fn status_of(title: &str, color: &str) -> Status {
    let upper = title.to_uppercase();
    if upper.contains("RESOLVED") {
        Status::Resolved
    } else if upper.contains("FIRING") {
        Status::Firing
    } else {
        match color {
            "good" => Status::Resolved,
            "danger" | "warning" => Status::Firing,
            _ => Status::Unknown,
        }
    }
}

/// The sink's router: POST anywhere is a message; anything else gets a hint.
pub fn router(sink: Arc<Sink>) -> Router {
    Router::new().fallback(handle).with_state(sink)
}

async fn handle(
    State(sink): State<Arc<Sink>>,
    method: Method,
    body: axum::body::Bytes,
) -> (StatusCode, &'static str) {
    if method != Method::POST {
        return (StatusCode::OK, "klaxon demo: a Slack-compatible webhook; POST messages here\n");
    }
    match sink.render(&body, Instant::now()) {
        Some(block) => {
            sink.term.print(&block);
            (StatusCode::OK, "ok")
        }
        None => {
            let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            sink.term.print(&format!("\n{}  Slack sink: not a Slack message: {shown}\n", clock()));
            (StatusCode::BAD_REQUEST, "invalid_payload")
        }
    }
}

/// The gap between two messages the sink calls a repeat, for tests.
#[cfg(test)]
fn gap(a: Instant, secs: u64) -> Instant {
    a + std::time::Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Arc<Sink> {
        Sink::new(Term::new("never").unwrap())
    }

    fn slack(title: &str, text: &str, color: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "channel": "#web-alerts",
            "attachments": [{"title": title, "text": text, "color": color, "fallback": "x",
                             "callback_id": "", "footer": ""}]
        }))
        .unwrap()
    }

    #[test]
    fn shows_channel_status_title_text_and_colour() {
        let sink = plain();
        let out = sink
            .render(
                &slack("[FIRING:1] NginxManyErrors", "*WARNING* 42 failed\nsecond line", "danger"),
                Instant::now(),
            )
            .unwrap();
        assert!(out.contains("Slack #web-alerts  FIRING  (colour: danger, red)\n"), "{out}");
        assert!(out.contains("  │ [FIRING:1] NginxManyErrors\n"), "{out}");
        assert!(out.contains("  │ *WARNING* 42 failed\n  │ second line\n"), "{out}");
        assert!(!out.contains("repeat"), "{out}");
    }

    #[test]
    fn notes_a_repeated_title_with_the_gap() {
        let sink = plain();
        let t0 = Instant::now();
        sink.render(&slack("[FIRING:1] A", "x", "danger"), t0).unwrap();
        let again = sink.render(&slack("[FIRING:1] A", "y", "danger"), gap(t0, 120)).unwrap();
        assert!(again.contains("FIRING  repeat: same title as 2m ago"), "{again}");
        let resolved = sink.render(&slack("[RESOLVED] A", "x", "good"), gap(t0, 180)).unwrap();
        assert!(resolved.contains("RESOLVED  (colour: good, green)"), "{resolved}");
    }

    #[test]
    fn status_from_title_then_colour() {
        assert_eq!(status_of("[RESOLVED] X", "danger"), Status::Resolved);
        assert_eq!(status_of("[firing:2] X", ""), Status::Firing);
        assert_eq!(status_of("Memory high", "good"), Status::Resolved);
        assert_eq!(status_of("Memory high", "warning"), Status::Firing);
        assert_eq!(status_of("Hello", "#439FE0"), Status::Unknown);
    }

    #[test]
    fn rejects_what_slack_would_reject() {
        assert!(plain().render(b"not json", Instant::now()).is_none());
        assert!(plain().render(b"[1,2]", Instant::now()).is_none());
    }
}
