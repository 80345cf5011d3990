//! Loader tests: small YAML fixtures for defaults, each error text with its position,
//! environment expansion, included scrape config files, and a full tutorial-style file.

use super::*;
use model::duration::Duration;
use model::relabel::Action;
use std::path::Path;

fn env(name: &str) -> String {
    match name {
        "HOSTNAME" => "node-1".into(),
        "REGION" => "eu-west".into(),
        _ => String::new(),
    }
}

fn load_ok(yaml: &str) -> Config {
    match load_str_with_env(yaml, Path::new("/etc/prometheus"), "prometheus.yml", &env) {
        Ok(c) => c,
        Err(e) => panic!("{e}\n--- in ---\n{yaml}"),
    }
}

/// The error as printed: `prometheus.yml:line:col: message`.
fn load_err(yaml: &str) -> String {
    match load_str_with_env(yaml, Path::new("/etc/prometheus"), "prometheus.yml", &env) {
        Ok(_) => panic!("loaded, but should fail:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

fn secs(s: i64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn empty_file_is_all_defaults() {
    for text in ["", "# only a comment\n", "{}", "global:\n"] {
        let c = load_ok(text);
        assert_eq!(c.global, GlobalConfig::default(), "{text:?}");
        assert!(c.scrape_configs.is_empty());
    }
    let g = GlobalConfig::default();
    assert_eq!(
        (g.scrape_interval, g.scrape_timeout, g.evaluation_interval),
        (secs(60), secs(10), secs(60))
    );
    assert_eq!(g.metric_name_validation_scheme, "utf8");
}

#[test]
fn job_defaults_come_from_global() {
    let c = load_ok(
        "global:\n  scrape_interval: 15s\n  scrape_timeout: 5s\n  sample_limit: 100\n  body_size_limit: 10MB\n\
         scrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 2s\n    sample_limit: 7\n",
    );
    let a = c.scrape_config("a").unwrap();
    assert_eq!((a.scrape_interval, a.scrape_timeout), (secs(15), secs(5)));
    assert_eq!(a.limits.sample_limit, 100);
    assert_eq!(a.limits.body_size_limit, 10 << 20);
    assert_eq!(a.metrics_path, "/metrics");
    assert_eq!(a.scheme, "http");
    assert!(a.honor_timestamps && a.enable_compression && !a.honor_labels);
    assert_eq!(a.scrape_protocols, ScrapeProtocol::DEFAULT.to_vec());
    assert_eq!(a.fallback_scrape_protocol, None);
    assert!(a.http_client.follow_redirects && a.http_client.enable_http2);
    assert_eq!(a.metric_name_validation_scheme, "utf8");
    assert_eq!(a.metric_name_escaping_scheme, "allow-utf-8");
    // The timeout is capped by a shorter interval.
    let b = c.scrape_config("b").unwrap();
    assert_eq!((b.scrape_interval, b.scrape_timeout), (secs(2), secs(2)));
    assert_eq!(b.limits.sample_limit, 7);
    assert!(c.scrape_config("c").is_none());
}

#[test]
fn global_timeout_defaults_to_min_of_ten_seconds_and_interval() {
    let c = load_ok("global:\n  scrape_interval: 5s\n");
    assert_eq!(c.global.scrape_timeout, secs(5));
}

#[test]
fn scrape_protocols_and_fallback() {
    let c = load_ok(
        "scrape_configs:\n  - job_name: a\n    scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]\n    fallback_scrape_protocol: PrometheusText0.0.4\n  - job_name: nh\n    scrape_native_histograms: true\n",
    );
    let a = c.scrape_config("a").unwrap();
    assert_eq!(
        a.scrape_protocols,
        vec![ScrapeProtocol::PrometheusText0_0_4, ScrapeProtocol::OpenMetricsText1_0_0]
    );
    assert_eq!(a.fallback_scrape_protocol, Some(ScrapeProtocol::PrometheusText0_0_4));
    let nh = c.scrape_config("nh").unwrap();
    assert_eq!(nh.scrape_protocols[0], ScrapeProtocol::PrometheusProto);
    // A global list wins over the per-job native-histogram default.
    let c = load_ok(
        "global:\n  scrape_protocols: [PrometheusText1.0.0]\nscrape_configs:\n  - job_name: nh\n    scrape_native_histograms: true\n",
    );
    assert_eq!(c.scrape_configs[0].scrape_protocols, vec![ScrapeProtocol::PrometheusText1_0_0]);
    assert_eq!(
        ScrapeProtocol::OpenMetricsText1_0_0.header(),
        "application/openmetrics-text;version=1.0.0"
    );
    assert_eq!(ScrapeProtocol::PrometheusText0_0_4.media_type(), "text/plain");
}

#[test]
fn external_labels_expand_the_environment() {
    let c = load_ok(
        "global:\n  external_labels:\n    host: $HOSTNAME\n    region: '${REGION}-1'\n    price: '$$5'\n    unset: 'x${NOPE}y'\n    empty:\n",
    );
    let l = &c.global.external_labels;
    assert_eq!(l["host"], "node-1");
    assert_eq!(l["region"], "eu-west-1");
    assert_eq!(l["price"], "$5");
    assert_eq!(l["unset"], "xy");
    assert_eq!(l["empty"], "");
}

#[test]
fn relative_paths_resolve_against_the_config_directory() {
    let c = load_ok(
        "rule_files: ['rules/*.yml', /abs/r.yml]\n\
         global:\n  query_log_file: q.log\n\
         scrape_configs:\n  - job_name: a\n    tls_config: {ca_file: ca.pem}\n    basic_auth: {username: u, password_file: pw}\n    file_sd_configs: [{files: ['targets/*.json']}]\n",
    );
    assert_eq!(c.rule_files, vec!["/etc/prometheus/rules/*.yml", "/abs/r.yml"]);
    assert_eq!(c.global.query_log_file, "/etc/prometheus/q.log");
    let a = &c.scrape_configs[0];
    assert_eq!(a.http_client.tls_config.ca_file, "/etc/prometheus/ca.pem");
    assert_eq!(a.http_client.basic_auth.as_ref().unwrap().password_file, "/etc/prometheus/pw");
    match &a.service_discovery[0] {
        SdConfig::File(f) => {
            assert_eq!(f.files, vec!["/etc/prometheus/targets/*.json"]);
            assert_eq!(f.refresh_interval, secs(300));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn service_discovery_blocks() {
    let c = load_ok(
        "scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['h1:9100', 'h2:9100']\n        labels: {env: prod}\n      - targets: ['h3:9100']\n    http_sd_configs:\n      - url: http://sd.example/targets\n        authorization: {credentials: tok}\n    dns_sd_configs:\n      - names: [_node._tcp.example.com]\n      - names: [db.example.com]\n        type: A\n        port: 9100\n",
    );
    let sd = &c.scrape_configs[0].service_discovery;
    match &sd[0] {
        SdConfig::Static(groups) => {
            assert_eq!(groups.len(), 2);
            assert_eq!(groups[0].targets, vec!["h1:9100", "h2:9100"]);
            assert_eq!(groups[0].labels["env"], "prod");
            assert_eq!((groups[0].source.as_str(), groups[1].source.as_str()), ("0", "1"));
        }
        other => panic!("{other:?}"),
    }
    match &sd[1] {
        SdConfig::Http(h) => {
            assert_eq!(h.url, "http://sd.example/targets");
            assert_eq!(h.refresh_interval, secs(60));
            assert_eq!(h.http_client.authorization.as_ref().unwrap().kind, "Bearer");
        }
        other => panic!("{other:?}"),
    }
    match (&sd[2], &sd[3]) {
        (SdConfig::Dns(srv), SdConfig::Dns(a)) => {
            assert_eq!(
                (srv.record_type, srv.port, srv.refresh_interval),
                (DnsRecordType::Srv, None, secs(30))
            );
            assert_eq!((a.record_type, a.port), (DnsRecordType::A, Some(9100)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn http_config_fields_are_inline_and_validated() {
    let c = load_ok(
        "scrape_configs:\n  - job_name: a\n    scheme: https\n    bearer_token: abc\n    follow_redirects: false\n    enable_http2: false\n    proxy_url: http://proxy:3128\n    tls_config: {insecure_skip_verify: true, server_name: x}\n    http_headers: {X-Team: {values: [ops]}}\n",
    );
    let h = &c.scrape_configs[0].http_client;
    assert_eq!(h.authorization.as_ref().unwrap().credentials.expose(), "abc");
    assert!(!h.follow_redirects && !h.enable_http2);
    assert_eq!(h.proxy_url, "http://proxy:3128");
    assert!(h.tls_config.insecure_skip_verify);
    assert_eq!(c.scrape_configs[0].scheme, "https");
}

#[test]
fn relabel_rules_load_through_the_model_type() {
    let c = load_ok(
        "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: '(.*):\\d+'\n        target_label: host\n      - action: labeldrop\n        regex: tmp_.*\n    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: go_.*\n        action: drop\n",
    );
    let a = &c.scrape_configs[0];
    assert_eq!(a.relabel_configs.len(), 2);
    assert_eq!(a.relabel_configs[0].target_label, "host");
    assert_eq!(a.relabel_configs[1].action, Action::LabelDrop);
    assert_eq!(a.metric_relabel_configs[0].action, Action::Drop);
}

#[test]
fn alerting_section() {
    let c = load_ok(
        "alerting:\n  alert_relabel_configs:\n    - action: labeldrop\n      regex: replica\n  alertmanagers:\n    - static_configs: [{targets: ['am:9093']}]\n    - scheme: https\n      path_prefix: /am\n      timeout: 3s\n      api_version: v2\n      basic_auth: {username: u, password: p}\n",
    );
    let a = &c.alerting;
    assert_eq!(a.alert_relabel_configs.len(), 1);
    let first = &a.alertmanagers[0];
    assert_eq!((first.timeout, first.api_version.as_str()), (secs(10), "v2"));
    assert_eq!((first.scheme.as_str(), first.path_prefix.as_str()), ("http", "/"));
    let second = &a.alertmanagers[1];
    assert_eq!(
        (second.scheme.as_str(), second.path_prefix.as_str(), second.timeout),
        ("https", "/am", secs(3))
    );
    assert!(second.http_client.basic_auth.is_some());
}

#[test]
fn remote_write_defaults_and_names() {
    let c = load_ok(
        "remote_write:\n  - url: http://mimir/api/v1/push\n  - url: http://vm:8428/api/v1/write\n    name: vm\n    remote_timeout: 10s\n    headers: {X-Scope-OrgID: team}\n    queue_config: {max_shards: 10, capacity: 500, retry_on_http_429: true}\n    metadata_config: {send: false}\n    write_relabel_configs:\n      - source_labels: [__name__]\n        regex: 'debug_.*'\n        action: drop\n",
    );
    let a = &c.remote_write[0];
    assert_eq!(a.remote_timeout, secs(30));
    assert_eq!(a.name.len(), 6, "hash name {:?}", a.name);
    assert_eq!(a.queue_config, QueueConfig::default());
    assert_eq!(a.queue_config.capacity, 10_000);
    assert_eq!(a.queue_config.max_samples_per_send, 2000);
    assert_eq!(a.queue_config.min_backoff, Duration::from_millis(30));
    assert_eq!(a.metadata_config, MetadataConfig::default());
    assert!(a.metadata_config.send);
    assert!(!a.http_client.enable_http2, "remote write turns HTTP/2 off by default");
    assert_eq!(a.protobuf_message, "prometheus.WriteRequest");
    let b = &c.remote_write[1];
    assert_eq!(b.name, "vm");
    assert_eq!(b.remote_timeout, secs(10));
    assert_eq!(b.headers["X-Scope-OrgID"], "team");
    assert_eq!((b.queue_config.max_shards, b.queue_config.capacity), (10, 500));
    assert!(b.queue_config.retry_on_http_429);
    assert!(!b.metadata_config.send);
    assert_eq!(b.write_relabel_configs.len(), 1);
    // The hash is stable and depends on the entry.
    let again = load_ok("remote_write:\n  - url: http://mimir/api/v1/push\n");
    assert_eq!(again.remote_write[0].name, a.name);
    let other = load_ok("remote_write:\n  - url: http://other/api/v1/push\n");
    assert_ne!(other.remote_write[0].name, a.name);
}

#[test]
fn other_sections_are_accepted_and_kept() {
    let c = load_ok(
        "storage:\n  tsdb:\n    out_of_order_time_window: 30m\n    retention: {time: 15d, size: 10GB}\n  exemplars: {max_exemplars: 5}\ntracing:\n  endpoint: localhost:4317\notlp:\n  promote_resource_attributes: [service.name]\nruntime:\n  gogc: 75\nremote_read:\n  - url: http://thanos/api/v1/read\n    read_recent: true\n",
    );
    assert_eq!(c.storage.tsdb.out_of_order_time_window, Duration::from_secs(1800));
    assert_eq!(c.storage.tsdb.retention_time, Some(Duration::from_secs(15 * 86400)));
    assert_eq!(c.storage.tsdb.retention_size, 10 << 30);
    assert_eq!(c.storage.max_exemplars, 5);
    assert_eq!(Config::default().storage.max_exemplars, 100_000);
    assert_eq!(c.remote_read.len(), 1);
    assert_eq!(c.remote_read[0]["url"], "http://thanos/api/v1/read");
    assert_eq!(c.tracing.as_ref().unwrap().endpoint, "localhost:4317");
    assert_eq!(c.tracing.as_ref().unwrap().client_type, "grpc");
    assert!(!c.otlp.is_null() && !c.runtime.is_null());
}

#[test]
fn prometheus_2_files_load() {
    let c = load_ok(
        "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n  external_labels:\n    monitor: codelab\n\
         rule_files:\n  - first.rules\n\
         scrape_configs:\n  - job_name: prometheus\n    scrape_timeout: 10s\n    scrape_classic_histograms: true\n    bearer_token_file: /var/run/token\n    static_configs:\n      - targets: ['localhost:9090']\n",
    );
    let p = &c.scrape_configs[0];
    assert!(p.always_scrape_classic_histograms);
    assert_eq!(p.http_client.authorization.as_ref().unwrap().credentials_file, "/var/run/token");
    assert_eq!(c.global.external_labels["monitor"], "codelab");
}

#[test]
fn reload_comparison() {
    let a = load_ok("scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['x:1']}]\n");
    let b = load_ok("scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['y:1']}]\n");
    let c = load_ok(
        "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    static_configs: [{targets: ['x:1']}]\n",
    );
    let (a, b, c) = (&a.scrape_configs[0], &b.scrape_configs[0], &c.scrape_configs[0]);
    assert!(a.changed(b) && a.same_scraping(b));
    assert!(a.changed(c) && !a.same_scraping(c));
    assert!(!a.changed(&a.clone()));
}

/// Each error text is upstream's and points at the right node.
#[test]
fn errors_name_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        ("bogus: 1\n", "prometheus.yml:1:1: unknown field `bogus`"),
        (
            "global:\n  scrape_intervall: 1m\n",
            "prometheus.yml:2:3: unknown field `scrape_intervall` (did you mean `scrape_interval`?)",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    kubernetes_sd_configs: [{role: pod}]\n",
            "prometheus.yml:3:28: kubernetes_sd_configs is not supported by klaxon yet (supported: static_configs, file_sd_configs, http_sd_configs, dns_sd_configs)",
        ),
        ("global:\n  scrape_interval: 5x\n", "prometheus.yml:2:20: …"),
        (
            "global:\n  scrape_interval: 5s\n  scrape_timeout: 10s\n",
            "prometheus.yml:3:19: global scrape timeout greater than scrape interval",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 6s\n",
            "prometheus.yml:4:21: scrape timeout greater than scrape interval for scrape config with job name \"a\"",
        ),
        ("scrape_configs:\n  - scrape_interval: 5s\n", "prometheus.yml:2:5: job_name is empty"),
        (
            "scrape_configs:\n  - job_name: a\n  - job_name: a\n",
            "prometheus.yml:3:15: found multiple scrape configs with job name \"a\"",
        ),
        ("scrape_configs:\n  -\n", "prometheus.yml:2:4: empty or null scrape config section"),
        (
            "scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['http://x:9100/metrics']\n",
            "prometheus.yml:4:19: \"http://x:9100/metrics\" is not a valid hostname",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    scrape_protocols: [Foo]\n",
            "prometheus.yml:3:23: scrape_protocols: unknown scrape protocol Foo, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for scrape config with job name \"a\"",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    scrape_protocols: []\n",
            "prometheus.yml:3:23: scrape_protocols cannot be empty for scrape config with job name \"a\"",
        ),
        (
            "global:\n  scrape_protocols: [PrometheusProto, prometheusproto]\n",
            "prometheus.yml:2:21: duplicated protocol in scrape_protocols, got [PrometheusProto prometheusproto] for global config",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    fallback_scrape_protocol: text\n",
            "prometheus.yml:3:31: invalid fallback_scrape_protocol for scrape config with job name \"a\": unknown scrape protocol text, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    bearer_token: x\n    basic_auth: {username: u}\n",
            "prometheus.yml:2:5: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n",
            "prometheus.yml:4:9: relabel configuration for hashmod requires non-zero modulus",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      -\n",
            "prometheus.yml:4:8: empty or null target relabeling rule in scrape config",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [targets.txt]}]\n",
            "prometheus.yml:3:23: path name \"targets.txt\" is not valid for file discovery",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{}]\n",
            "prometheus.yml:3:23: file service discovery config must contain at least one path name",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    dns_sd_configs: [{names: [x], type: A}]\n",
            "prometheus.yml:3:22: a port is required in DNS-SD configs for all record types except SRV",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    dns_sd_configs: [{names: [x], type: TXT}]\n",
            "prometheus.yml:3:22: invalid DNS-SD records type TXT",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    http_sd_configs: [{url: 'ftp://x'}]\n",
            "prometheus.yml:3:23: URL scheme must be 'http' or 'https'",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    http_sd_configs: [{url: targets.json}]\n",
            "prometheus.yml:3:23: URL scheme must be 'http' or 'https'",
        ),
        (
            "scrape_configs:\n  - job_name: a\n    http_sd_configs: [{url: 'http://'}]\n",
            "prometheus.yml:3:23: host is missing in URL",
        ),
        ("rule_files: ['*/x.yml']\n", "prometheus.yml:1:14: invalid rule file path \"*/x.yml\""),
        (
            "alerting:\n  alertmanagers:\n    - api_version: v1\n",
            "prometheus.yml:3:20: expected Alertmanager api version to be one of [v2] but got v1",
        ),
        (
            "alerting:\n  alert_relabel_configs:\n    -\n",
            "prometheus.yml:3:6: empty or null alert relabeling rule",
        ),
        ("remote_write:\n  - name: x\n", "prometheus.yml:2:5: url for remote_write is empty"),
        (
            "remote_write:\n  - url: http://a\n    name: x\n  - url: http://b\n    name: x\n",
            "prometheus.yml:5:11: found multiple remote write configs with job name \"x\"",
        ),
        (
            "remote_write:\n  - url: http://a\n  - url: http://a\n",
            "prometheus.yml:3:5: duplicate remote write configs are not allowed, found duplicate for URL: http://a",
        ),
        (
            "remote_write:\n  - url: http://a\n    headers: {Authorization: x}\n",
            "prometheus.yml:3:14: authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter",
        ),
        (
            "remote_write:\n  - url: http://a\n    headers: {User-Agent: x}\n",
            "prometheus.yml:3:14: User-Agent is a reserved header. It must not be changed",
        ),
        (
            "remote_write:\n  - url: http://a\n    queue_config: {min_shards: 5, max_shards: 2}\n",
            "prometheus.yml:3:19: remote write queue min_shards must not be greater than max_shards",
        ),
        (
            "remote_write:\n  - url: http://a\n    queue_config: {capacity: 0}\n",
            "prometheus.yml:3:19: remote write queue capacity must be positive",
        ),
        ("remote_read:\n  - name: r\n", "prometheus.yml:2:5: url for remote_read is empty"),
        (
            "storage:\n  tsdb:\n    retention:\n      size: -1GB\n",
            "prometheus.yml:4:13: 'storage.tsdb.retention.size' must be greater than or equal to 0, got -1073741824",
        ),
        (
            "storage:\n  tsdb:\n    retention:\n      percentage: 101\n",
            "prometheus.yml:4:19: 'storage.tsdb.retention.percentage' must be in the range [0, 100], got 101",
        ),
        (
            "storage:\n  tsdb:\n    chunk_encoding: {floats: XOR}\n",
            "prometheus.yml:3:30: 'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got \"XOR\"",
        ),
        ("tracing:\n  sampling_fraction: 1\n", "prometheus.yml:2:3: tracing endpoint must be set"),
        (
            "tracing:\n  endpoint: x\n  compression: zstd\n",
            "prometheus.yml:3:16: invalid compression type zstd provided, valid options: gzip",
        ),
        (
            "remote_write:\n  - url: 'http://a/%zz'\n",
            "prometheus.yml:2:10: parse \"http://a/%zz\": invalid URL escape \"%zz\"",
        ),
        (
            "global:\n  external_labels: {'': x}\n",
            "prometheus.yml:2:20: \"\" is not a valid label name",
        ),
        (
            "global:\n  metric_name_validation_scheme: legacy\n  external_labels: {a-b: x}\n",
            "prometheus.yml:3:20: \"a-b\" is not a valid label name",
        ),
        (
            "global:\n  metric_name_validation_scheme: legacy\nscrape_configs:\n  - job_name: a\n    metric_name_escaping_scheme: allow-utf-8\n",
            "prometheus.yml:5:34: utf8 metric names requested but validation scheme is not set to UTF8",
        ),
        ("global:\n  body_size_limit: 10XB\n", "prometheus.yml:2:20: …"),
        (
            "scrape_configs:\n  - job_name: a\n    metric_name_validation_scheme: ascii\n",
            "prometheus.yml:3:36: unrecognized ValidationScheme: \"ascii\"",
        ),
    ];
    let mut wrong = Vec::new();
    for (yaml, want) in cases {
        let got = load_err(yaml);
        let ok = match want.strip_suffix('…') {
            Some(prefix) => got.starts_with(prefix),
            None => got == *want,
        };
        if !ok {
            wrong.push(format!("{yaml}\n  got:  {got}\n  want: {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn unreadable_file_names_the_file() {
    let e = load("/nonexistent/prometheus.yml").unwrap_err();
    assert_eq!(e.file, "/nonexistent/prometheus.yml");
    assert_eq!(e.position, None);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/prometheus.yml: open /nonexistent/prometheus.yml: "),
        "{e}"
    );
}

#[test]
fn scrape_config_files_are_merged() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("jobs")).unwrap();
    std::fs::write(
        dir.path().join("jobs/b.yml"),
        "scrape_configs:\n  - job_name: b\n    tls_config: {ca_file: ca.pem}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("jobs/a.yml"), "scrape_configs:\n  - job_name: a2\n").unwrap();
    let main = dir.path().join("prometheus.yml");
    std::fs::write(
        &main,
        "global:\n  scrape_interval: 7s\nscrape_config_files: ['jobs/*.yml']\nscrape_configs:\n  - job_name: a\n",
    )
    .unwrap();
    let c = load(&main).unwrap();
    let names: Vec<_> = c.scrape_configs.iter().map(|s| s.job_name.as_str()).collect();
    assert_eq!(names, ["a", "a2", "b"]);
    let b = c.scrape_config("b").unwrap();
    assert_eq!(b.scrape_interval, secs(7));
    let ca = dir.path().join("jobs/ca.pem");
    assert_eq!(b.http_client.tls_config.ca_file, ca.to_string_lossy());

    // A duplicate job in an included file names that file and the first definition.
    std::fs::write(dir.path().join("jobs/c.yml"), "scrape_configs:\n  - job_name: a\n").unwrap();
    let e = load(&main).unwrap_err();
    let c_file = dir.path().join("jobs/c.yml").display().to_string();
    assert_eq!(
        e.to_string(),
        format!(
            "{c_file}:2:15: found multiple scrape configs with job name \"a\", first found in main config file"
        )
    );
    // Errors inside an included file are positioned in it.
    std::fs::write(
        dir.path().join("jobs/c.yml"),
        "scrape_configs:\n  - job_name: c\n    bogus: 1\n",
    )
    .unwrap();
    let e = load(&main).unwrap_err();
    assert_eq!(e.to_string(), format!("{c_file}:3:5: unknown field `bogus`"));
}

/// The prometheus.yml of a typical "monitor a web server" tutorial.
const TUTORIAL: &str = r#"
# my global config
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels:
    cluster: ${REGION}
    replica: "$HOSTNAME"

alerting:
  alertmanagers:
    - static_configs:
        - targets:
            - localhost:9093

rule_files:
  - "alerts/*.yml"
  - recording.yml

scrape_configs:
  - job_name: "prometheus"
    static_configs:
      - targets: ["localhost:9090"]

  - job_name: "node"
    scrape_interval: 30s
    static_configs:
      - targets: ["web1:9100", "web2:9100"]
        labels:
          role: web
      - targets: ["db1:9100"]
        labels:
          role: db
    relabel_configs:
      - source_labels: [__address__]
        regex: "([^:]+):\\d+"
        target_label: instance
        replacement: "$1"

  - job_name: "nginx"
    metrics_path: /metrics
    scheme: http
    params:
      format: [prometheus]
    static_configs:
      - targets: ["web1:9113", "web2:9113"]
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: "nginx_(up|connections_.*|http_requests_total)"
        action: keep

  - job_name: "blackbox"
    metrics_path: /probe
    params:
      module: [http_2xx]
    static_configs:
      - targets: ["https://example.com"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: blackbox:9115

remote_write:
  - url: "https://mimir.example.com/api/v1/push"
    basic_auth:
      username: tenant
      password_file: secrets/mimir
    queue_config:
      max_samples_per_send: 5000
    write_relabel_configs:
      - source_labels: [__name__]
        regex: "go_.*"
        action: drop
"#;

#[test]
fn tutorial_file_loads() {
    let c = load_ok(TUTORIAL);
    assert_eq!(c.global.scrape_interval, secs(15));
    assert_eq!(c.global.external_labels["cluster"], "eu-west");
    assert_eq!(c.global.external_labels["replica"], "node-1");
    assert_eq!(c.rule_files, vec!["/etc/prometheus/alerts/*.yml", "/etc/prometheus/recording.yml"]);
    let jobs: Vec<_> = c.scrape_configs.iter().map(|s| s.job_name.as_str()).collect();
    assert_eq!(jobs, ["prometheus", "node", "nginx", "blackbox"]);
    let node = c.scrape_config("node").unwrap();
    assert_eq!((node.scrape_interval, node.scrape_timeout), (secs(30), secs(10)));
    assert_eq!(node.relabel_configs[0].target_label, "instance");
    let nginx = c.scrape_config("nginx").unwrap();
    assert_eq!(nginx.params["format"], vec!["prometheus"]);
    assert_eq!(nginx.metric_relabel_configs[0].action, Action::Keep);
    // URL targets are fine when relabel_configs rewrite them.
    let bb = c.scrape_config("blackbox").unwrap();
    assert_eq!(bb.metrics_path, "/probe");
    assert_eq!(c.alerting.alertmanagers.len(), 1);
    match &c.alerting.alertmanagers[0].service_discovery[0] {
        SdConfig::Static(g) => assert_eq!(g[0].targets, vec!["localhost:9093"]),
        other => panic!("{other:?}"),
    }
    let rw = &c.remote_write[0];
    assert_eq!(rw.queue_config.max_samples_per_send, 5000);
    assert_eq!(
        rw.http_client.basic_auth.as_ref().unwrap().password_file,
        "/etc/prometheus/secrets/mimir"
    );
    assert_eq!(rw.write_relabel_configs.len(), 1);
    assert_eq!(c.original, TUTORIAL);
}

#[test]
fn fuzz_like_inputs_never_panic() {
    for text in [
        "[",
        "a: [",
        "global: 3",
        "scrape_configs: {a: 1}",
        "- 1",
        "\u{0}",
        "global: {scrape_interval: -1s}",
        "&a [*a]",
        "scrape_configs: [{job_name: [1]}]",
    ] {
        let _ = load_str(text, Path::new("/"), "f.yml");
    }
}

#[test]
fn every_prefix_of_a_real_file_loads_or_errors_without_panicking() {
    for end in (0..TUTORIAL.len()).filter(|i| TUTORIAL.is_char_boundary(*i)) {
        let _ = load_str_with_env(&TUTORIAL[..end], Path::new("/etc/prometheus"), "p.yml", &env);
    }
}

#[test]
fn anchors_and_merge_keys() {
    let c = load_ok(
        "scrape_configs:\n  - &job\n    job_name: a\n    scrape_interval: 5s\n    metrics_path: /m\n    static_configs: &targets [{targets: ['x:1']}]\n  - <<: *job\n    job_name: b\n    static_configs: *targets\n",
    );
    let b = c.scrape_config("b").unwrap();
    assert_eq!((b.scrape_interval, b.metrics_path.as_str()), (secs(5), "/m"));
    assert_eq!(b.service_discovery, c.scrape_config("a").unwrap().service_discovery);
}

/// A cheap stand-in for the fuzz target in tests: random byte edits of a real file (a fixed
/// seed, so failures reproduce) never panic the loader.
#[test]
fn mutated_files_never_panic() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n.max(1)
    };
    let alphabet = b" \n:-[]{}'\"&*!|>#$%0123456789abcxyz_";
    for _ in 0..1500 {
        let mut bytes = TUTORIAL.as_bytes().to_vec();
        for _ in 0..1 + next(4) {
            let at = next(bytes.len());
            match next(3) {
                0 => bytes[at] = alphabet[next(alphabet.len())],
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, alphabet[next(alphabet.len())]),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = load_str_with_env(&text, Path::new("/etc/prometheus"), "p.yml", &env);
    }
}
