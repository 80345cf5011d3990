//! Alertmanager API v2 request bodies: `POST /api/v2/alerts` and `POST /api/v2/silences`
//! never panic; what parses goes through the same validation the server applies (alert
//! ingestion rules, silence validation and the silence store) without panicking either.
#![no_main]

use alertmanager::alert::Time;
use alertmanager::silence::{MatcherSpec, PostableSilence, SilenceOptions, Silences};
use alertmanager::store::validate_and_normalise;
use api::alertmanager::json::{parse_postable_alerts, parse_postable_silence};
use libfuzzer_sys::fuzz_target;
use model::matcher::MatcherParseMode;
use std::time::Duration;

fuzz_target!(|body: &[u8]| {
    let now = Time::constant(1_800_000_000, 0);
    let modes = [MatcherParseMode::Fallback, MatcherParseMode::Classic];
    if let Ok(alerts) = parse_postable_alerts(body) {
        for a in alerts {
            for mode in modes {
                let _ = validate_and_normalise(
                    a.clone().into_alert(),
                    now,
                    Duration::from_secs(300),
                    mode,
                );
            }
        }
    }
    if let Ok(s) = parse_postable_silence(body) {
        for mode in modes {
            let silences =
                Silences::in_memory(SilenceOptions { mode, ..SilenceOptions::default() });
            let req = PostableSilence {
                id: s.id.clone(),
                matchers: s
                    .matchers
                    .iter()
                    .map(|m| MatcherSpec {
                        name: m.name.clone(),
                        value: m.value.clone(),
                        is_regex: m.is_regex,
                        is_equal: m.is_equal,
                    })
                    .collect(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                created_by: s.created_by.clone(),
                comment: s.comment.clone(),
                annotations: s.annotations.clone(),
            };
            if let Ok(id) = silences.set(req, now) {
                let _ = silences.mutes(&model::labels::Labels::from_pairs([("a", "b")]), now);
                let _ = silences.expire(&id, now);
            }
        }
    }
});
