//! The prometheus.yml loader: never panics on any input; what loads keeps the invariants the
//! scrape manager relies on (unique job names, timeout ≤ interval, defaults filled in).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::path::Path;

fuzz_target!(|s: &str| {
    // Included files are read from disk: keep the fuzzer away from the filesystem (a glob
    // such as `/proc/km*` would block on read).
    if s.contains("scrape_config_files") {
        return;
    }
    let env = |name: &str| if name == "HOST" { "fuzz".to_string() } else { String::new() };
    let Ok(cfg) = config::load_str_with_env(s, Path::new("/etc/prometheus"), "prometheus.yml", &env)
    else {
        return;
    };
    assert!(cfg.global.scrape_timeout <= cfg.global.scrape_interval);
    let mut names = HashSet::new();
    for sc in &cfg.scrape_configs {
        assert!(!sc.job_name.is_empty());
        assert!(names.insert(sc.job_name.clone()), "duplicate job {}", sc.job_name);
        assert!(sc.scrape_timeout <= sc.scrape_interval);
        assert!(!sc.scrape_interval.is_zero());
        assert!(!sc.scrape_protocols.is_empty());
        assert!(cfg.scrape_config(&sc.job_name).is_some());
    }
    let mut rw = HashSet::new();
    for w in &cfg.remote_write {
        assert!(!w.url.is_empty());
        assert!(rw.insert(w.name.clone()), "duplicate remote write {}", w.name);
        assert!(w.queue_config.min_shards <= w.queue_config.max_shards);
    }
});
