//! The Alertmanager config loader: never panics on any input; what loads builds a route tree,
//! evaluates its time intervals and dumps (masked) without panicking either.
#![no_main]

use alertmanager::config::{LoadOptions, load_str_with};
use alertmanager::route::Route;
use libfuzzer_sys::fuzz_target;
use model::matcher::MatcherParseMode;
use std::path::Path;

fuzz_target!(|s: &str| {
    for mode in [MatcherParseMode::Fallback, MatcherParseMode::Classic] {
        let opts = LoadOptions { matcher_mode: mode };
        let Ok(cfg) = load_str_with(s, Path::new("/etc/alertmanager/am.yml"), &opts) else {
            continue;
        };
        let root = Route::new(&cfg.route);
        let mut n = 0usize;
        root.walk(&mut |r| {
            n += 1;
            assert!(r.key().starts_with("{}"));
        });
        assert!(n >= 1);
        let _ = root.match_labels(&model::labels::Labels::from_pairs([("alertname", "x")]));
        for ti in cfg.time_intervals.values() {
            let _ = ti.contains(jiff::Timestamp::UNIX_EPOCH);
        }
        let _ = cfg.to_yaml_masked();
    }
});
