use std::collections::BTreeMap;
use std::path::Path;

use super::*;

/// The only job of a `prometheus.yml` whose `scrape_configs` entry is `job`.
fn job(job: &str) -> ScrapeConfig {
    let text = format!("scrape_configs:\n{}", indent(job));
    let cfg = config::load_str(&text, Path::new("."), "prometheus.yml")
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    cfg.scrape_configs.into_iter().next().unwrap()
}

fn indent(s: &str) -> String {
    let mut out = String::new();
    for (i, line) in s.trim_matches('\n').lines().enumerate() {
        out.push_str(if i == 0 { "  - " } else { "    " });
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs)
}

fn group(targets: &[&str], labels: &[(&str, &str)]) -> TargetGroup {
    TargetGroup {
        targets: targets.iter().map(|s| s.to_string()).collect(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        source: "static/0".into(),
    }
}

fn one(cfg: &ScrapeConfig, address: &str, labels: &[(&str, &str)]) -> Result<Populated, String> {
    let g: BTreeMap<String, String> =
        labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    populate_labels(&mut LabelsBuilder::default(), cfg, address, &g)
}

fn active(cfg: &ScrapeConfig, address: &str, labels: &[(&str, &str)]) -> Target {
    match one(cfg, address, labels) {
        Ok(Populated::Active(t)) => t,
        other => panic!("{address}: {other:?}"),
    }
}

const DEFAULTS: &[(&str, &str)] = &[
    ("__always_scrape_classic_histograms__", "false"),
    ("__convert_classic_histograms_to_nhcb__", "false"),
    ("__metrics_path__", "/metrics"),
    ("__scheme__", "http"),
    ("__scrape_interval__", "1m"),
    ("__scrape_native_histograms__", "false"),
    ("__scrape_timeout__", "10s"),
];

fn with_defaults(extra: &[(&str, &str)]) -> Labels {
    let mut b = ls(DEFAULTS).builder();
    for (k, v) in extra {
        b.set(k, v);
    }
    b.labels()
}

#[test]
fn defaults_and_instance() {
    let cfg = job("job_name: node");
    let t = active(&cfg, "db1:9100", &[("env", "prod")]);
    assert_eq!(
        t.discovered,
        with_defaults(&[("__address__", "db1:9100"), ("env", "prod"), ("job", "node")])
    );
    assert_eq!(
        t.labels,
        with_defaults(&[
            ("__address__", "db1:9100"),
            ("env", "prod"),
            ("instance", "db1:9100"),
            ("job", "node")
        ])
    );
    assert_eq!(
        t.public_labels(),
        ls(&[("env", "prod"), ("instance", "db1:9100"), ("job", "node")])
    );
    assert_eq!(t.url, "http://db1:9100/metrics");
    assert_eq!(t.interval, Duration::from_secs(60));
    assert_eq!(t.timeout, Duration::from_secs(10));
    assert_eq!(t.job(), "node");
}

#[test]
fn group_labels_do_not_override_target_or_set_defaults() {
    let cfg = job(
        "job_name: node\nscrape_interval: 30s\nscrape_timeout: 5s\nmetrics_path: /m\nscheme: https",
    );
    // Group labels may set the defaults' names: they win over the job's defaults.
    let t = active(&cfg, "h:1", &[("job", "custom"), ("__metrics_path__", "/other")]);
    assert_eq!(t.labels.get("job"), Some("custom"));
    assert_eq!(t.url, "https://h:1/other");
    assert_eq!(t.interval, Duration::from_secs(30));
    // An explicit target label wins over the group's.
    let mut lb = LabelsBuilder::default();
    let g = BTreeMap::from([("__address__".to_string(), "group:1".to_string())]);
    let d = discovered_labels(&mut lb, &cfg, [("__address__", "target:1")], &g);
    assert_eq!(d.get("__address__"), Some("target:1"));
}

#[test]
fn params_become_labels_and_url_query() {
    let cfg = job("job_name: snmp\nparams:\n  module: [if_mib, extra]\n  auth: [public]");
    let t = active(&cfg, "10.0.0.1", &[]);
    assert_eq!(t.discovered.get("__param_module"), Some("if_mib"));
    assert_eq!(t.discovered.get("__param_auth"), Some("public"));
    assert_eq!(t.url, "http://10.0.0.1/metrics?auth=public&module=if_mib&module=extra");
}

#[test]
fn param_labels_override_first_value_and_add_new() {
    let cfg = job(r#"
job_name: snmp
params:
  module: [a, b]
relabel_configs:
  - source_labels: [__address__]
    target_label: __param_target
  - target_label: __address__
    replacement: exporter:9116
  - target_label: __param_module
    replacement: x y&z
"#);
    let t = active(&cfg, "switch1", &[]);
    assert_eq!(t.labels.get("instance"), Some("exporter:9116"));
    assert_eq!(t.url, "http://exporter:9116/metrics?module=x+y%26z&module=b&target=switch1");
}

#[test]
fn relabel_drop_keeps_discovered_labels() {
    let cfg = job(r#"
job_name: j
relabel_configs:
  - source_labels: [__address__]
    regex: "skip.*"
    action: drop
"#);
    match one(&cfg, "skip-me:1", &[("__meta_x", "y")]).unwrap() {
        Populated::Dropped(d) => {
            assert_eq!(
                d,
                with_defaults(&[("__address__", "skip-me:1"), ("__meta_x", "y"), ("job", "j")])
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(one(&cfg, "keep:1", &[]), Ok(Populated::Active(_))));
}

#[test]
fn meta_labels_removed_tmp_labels_kept_private() {
    let cfg = job(r#"
job_name: j
relabel_configs:
  - source_labels: [__meta_pod]
    target_label: pod
  - source_labels: [__meta_pod]
    target_label: __tmp_pod
"#);
    let t = active(&cfg, "a:1", &[("__meta_pod", "p1")]);
    assert_eq!(t.labels.get("__meta_pod"), None);
    assert_eq!(t.labels.get("__tmp_pod"), Some("p1"));
    assert_eq!(t.labels.get("pod"), Some("p1"));
    assert_eq!(t.public_labels(), ls(&[("instance", "a:1"), ("job", "j"), ("pod", "p1")]));
    assert_eq!(t.discovered.get("__meta_pod"), Some("p1"));
}

#[test]
fn instance_set_by_relabelling_is_kept() {
    let cfg = job(r#"
job_name: j
relabel_configs:
  - source_labels: [__address__]
    regex: "(.*):.*"
    target_label: instance
"#);
    let t = active(&cfg, "host:9100", &[]);
    assert_eq!(t.labels.get("instance"), Some("host"));
}

#[test]
fn errors_have_upstream_texts() {
    let cases: &[(&str, &str, &str)] = &[
        ("target_label: __address__\nreplacement: ''", "x:1", "no address"),
        (
            "target_label: __address__\nreplacement: 'h:1/path'",
            "x:1",
            r#""h:1/path" is not a valid hostname"#,
        ),
        (
            "target_label: __scrape_interval__\nreplacement: soon",
            "x:1",
            r#"error parsing scrape interval: not a valid duration string: "soon""#,
        ),
        (
            "target_label: __scrape_interval__\nreplacement: '0'",
            "x:1",
            "scrape interval cannot be 0",
        ),
        (
            "target_label: __scrape_timeout__\nreplacement: 1x",
            "x:1",
            r#"error parsing scrape timeout: unknown unit "x" in duration "1x""#,
        ),
        ("target_label: __scrape_timeout__\nreplacement: '0'", "x:1", "scrape timeout cannot be 0"),
        (
            "target_label: __scrape_timeout__\nreplacement: 2m",
            "x:1",
            r#"scrape timeout cannot be greater than scrape interval ("2m" > "1m")"#,
        ),
        (
            "target_label: __scrape_native_histograms__\nreplacement: yes",
            "x:1",
            r#"error parsing scrape native histograms: strconv.ParseBool: parsing "yes": invalid syntax"#,
        ),
    ];
    for (rule, address, want) in cases {
        let rule = rule.replace('\n', "\n    ");
        let cfg = job(&format!("job_name: j\nrelabel_configs:\n  - {rule}"));
        assert_eq!(one(&cfg, address, &[]), Err(want.to_string()), "{rule}");
    }
}

#[test]
fn per_target_interval_and_switches() {
    let cfg = job(r#"
job_name: j
relabel_configs:
  - target_label: __scrape_interval__
    replacement: 15s
  - target_label: __scrape_timeout__
    replacement: 15s
  - target_label: __scrape_native_histograms__
    replacement: "T"
"#);
    let t = active(&cfg, "x:1", &[]);
    assert_eq!(t.interval, Duration::from_secs(15));
    assert_eq!(t.timeout, Duration::from_secs(15));
    assert!(t.scrape_native_histograms);
    assert!(!t.always_scrape_classic_histograms);
}

#[test]
fn targets_from_group_splits_active_dropped_errors() {
    let cfg = job(r#"
job_name: j
relabel_configs:
  - source_labels: [__address__]
    regex: "drop.*"
    action: drop
  - source_labels: [__address__]
    regex: "bad.*"
    target_label: __address__
    replacement: ""
"#);
    let g = group(&["a:1", "drop:1", "bad:1", "b:1"], &[("team", "x")]);
    let out = targets_from_group(&g, &cfg);
    let instances: Vec<_> = out.active.iter().map(|t| t.labels.get_or_empty("instance")).collect();
    assert_eq!(instances, ["a:1", "b:1"]);
    assert!(out.active.iter().all(|t| t.labels.get("team") == Some("x")));
    assert_eq!(out.dropped.len(), 1);
    assert_eq!(out.dropped[0].get("__address__"), Some("drop:1"));
    assert_eq!(out.errors, ["instance 2 in group static/0: no address"]);
}

#[test]
fn url_escaping_as_go() {
    let url = |pairs: &[(&str, &str)], params: &[(&str, &[&str])]| {
        let params: BTreeMap<String, Vec<String>> = params
            .iter()
            .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect();
        scrape_url(&ls(pairs), &params)
    };
    let base = [("__scheme__", "http"), ("__address__", "h:1")];
    fn with(path: &str) -> Vec<(&str, &str)> {
        vec![("__scheme__", "http"), ("__address__", "h:1"), ("__metrics_path__", path)]
    }
    assert_eq!(url(&with("/metrics"), &[]), "http://h:1/metrics");
    // Path: `?`, space, `%`, `#` escaped; `:@&=+$,;/` kept.
    assert_eq!(url(&with("/a b?c%#"), &[]), "http://h:1/a%20b%3Fc%25%23");
    assert_eq!(url(&with("/x:@&=+$,;"), &[]), "http://h:1/x:@&=+$,;");
    // A path without a leading slash gets one.
    assert_eq!(url(&with("metrics"), &[]), "http://h:1/metrics");
    // No path at all.
    assert_eq!(url(&base, &[]), "http://h:1");
    // Query: every reserved character escaped, space as `+`, sorted by name.
    assert_eq!(
        url(&with("/m"), &[("z", &["1"]), ("a b", &["x/y", "é"])]),
        "http://h:1/m?a+b=x%2Fy&a+b=%C3%A9&z=1"
    );
    // IPv6 hosts keep their brackets.
    assert_eq!(
        url(
            &[("__scheme__", "https"), ("__address__", "[::1]:9090"), ("__metrics_path__", "/m")],
            &[]
        ),
        "https://[::1]:9090/m"
    );
}

#[test]
fn global_url_rewrites_localhost() {
    let opts = GlobalUrlOptions {
        listen_address: "0.0.0.0:9090".into(),
        host: "prom.example.com:443".into(),
        scheme: "https".into(),
    };
    // Our own port: the external scheme and host.
    assert_eq!(
        global_url("http://localhost:9090/metrics", &opts),
        "https://prom.example.com:443/metrics"
    );
    // Another local port: the external host name with the target's port.
    assert_eq!(
        global_url("http://127.0.0.1:9100/metrics?x=1", &opts),
        "http://prom.example.com:9100/metrics?x=1"
    );
    assert_eq!(global_url("http://[::1]:9100/m", &opts), "http://prom.example.com:9100/m");
    // Not local: unchanged.
    assert_eq!(global_url("http://db1:9100/metrics", &opts), "http://db1:9100/metrics");
    // An IPv6 external host is bracketed again.
    let v6 = GlobalUrlOptions { host: "[2001:db8::1]".into(), ..opts.clone() };
    assert_eq!(global_url("http://localhost:9100/m", &v6), "http://[2001:db8::1]:9100/m");
}
