//! `klaxon.log_metrics`: defaults, the derived scrape config, and each error at its position.

use crate::{Config, SdConfig, load_str};
use logs::{FormatSpec, ReadFrom};
use std::path::Path;

fn load(yaml: &str) -> Result<Config, String> {
    load_str(yaml, Path::new("/etc/prometheus"), "prometheus.yml").map_err(|e| e.to_string())
}

#[test]
fn defaults_and_derived_scrape_config() {
    let c = load(
        "global:\n  scrape_interval: 15s\nklaxon:\n  log_metrics:\n    - job_name: nginx\n      files: [logs/access.log]\n",
    )
    .unwrap();
    let l = &c.klaxon.log_metrics[0];
    assert_eq!(l.job.files, ["/etc/prometheus/logs/access.log"]);
    assert_eq!(l.job.format, FormatSpec::Combined);
    assert_eq!(l.job.metric_prefix, "nginx");
    assert_eq!(l.job.instance, "localhost");
    assert_eq!(l.job.label_fields, ["method", "status"]);
    assert_eq!(l.job.read_from, ReadFrom::End);
    assert_eq!(l.job.buckets, logs::DEFAULT_BUCKETS);
    assert_eq!(l.scrape.scrape_interval.to_string(), "15s");
    assert_eq!(l.scrape.params.get("job").unwrap(), &["nginx".to_string()]);
    let sc = c.log_metrics_scrape_configs("127.0.0.1:4567");
    let SdConfig::Static(groups) = &sc[0].service_discovery[0] else { panic!() };
    assert_eq!(groups[0].targets, ["127.0.0.1:4567"]);
    assert_eq!(groups[0].labels.get("instance").unwrap(), "localhost");
    assert!(c.scrape_configs.is_empty(), "log jobs are not in scrape_configs");
}

#[test]
fn everything_set() {
    let c = load(
        r#"
klaxon:
  log_metrics:
    - job_name: web
      files: ['/var/log/nginx/*.log']
      format: '$remote_addr [$time_local] "$request" $status $request_time $host'
      metric_prefix: web
      instance: web-1
      scrape_interval: 5s
      scrape_timeout: 2s
      labels: {service: shop}
      label_fields: [status, method, path, host]
      relabel_configs:
        - source_labels: [path]
          regex: '/users/[0-9]+'
          target_label: path
          replacement: /users/:id
      buckets: [0.1, 1, 10]
      read_from: beginning
"#,
    )
    .unwrap();
    let l = &c.klaxon.log_metrics[0];
    assert!(matches!(l.job.format, FormatSpec::Custom(_)));
    assert_eq!(l.job.label_fields, ["status", "method", "path", "host"]);
    assert_eq!(l.job.relabel_configs.len(), 1);
    assert_eq!(l.job.buckets, [0.1, 1.0, 10.0]);
    assert_eq!(l.job.read_from, ReadFrom::Beginning);
    assert_eq!(l.scrape.scrape_timeout.to_string(), "2s");
    let SdConfig::Static(groups) = &l.scrape.service_discovery[0] else { panic!() };
    assert_eq!(groups[0].labels.get("service").unwrap(), "shop");
    assert_eq!(groups[0].labels.get("instance").unwrap(), "web-1");
}

#[test]
fn errors_name_the_position() {
    let head = "scrape_configs:\n  - job_name: nginx\n    static_configs: [{targets: ['a:1']}]\nklaxon:\n  log_metrics:\n";
    for (body, want) in [
        (
            "    - job_name: x\n      files: [a.log]\n      bogus: 1\n",
            "prometheus.yml:8:7: unknown field `bogus`",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      format: fancy\n",
            "prometheus.yml:8:15: unknown log format \"fancy\"",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      format: '$a$b'\n",
            "prometheus.yml:8:15: variables $a and $b need text between them",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      label_fields: [status, host]\n",
            "prometheus.yml:8:30: log format combined has no field \"host\"",
        ),
        (
            "    - job_name: nginx\n      files: [a.log]\n",
            "prometheus.yml:6:17: found multiple scrape configs with job name \"nginx\"",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n    - job_name: x\n      files: [b.log]\n",
            "prometheus.yml:8:17: found multiple scrape configs",
        ),
        (
            "    - job_name: x\n",
            "prometheus.yml:6:7: log_metrics job \"x\" needs at least one file",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      buckets: [1, 0.5]\n",
            "prometheus.yml:8:16: buckets must be",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      read_from: middle\n",
            "prometheus.yml:8:18: read_from must be end or beginning",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      labels: {job: y}\n",
            "prometheus.yml:8:15: label \"job\" is set by the job itself",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      metric_prefix: 'a-b'\n",
            "prometheus.yml:8:22: invalid metric_prefix",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      scrape_interval: 5s\n      scrape_timeout: 10s\n",
            "prometheus.yml:9:23: scrape timeout greater than scrape interval",
        ),
        (
            "    - job_name: x\n      files: [a.log]\n      relabel_configs: [{action: replace, target_label: 'a-b'}]\n",
            "prometheus.yml:8:25:",
        ),
        ("    - job_name: ''\n      files: [a.log]\n", "prometheus.yml:6:17: job_name is empty"),
    ] {
        let err = load(&format!("{head}{body}")).unwrap_err();
        assert!(err.starts_with(want), "want {want}\n got {err}");
    }
}

#[test]
fn included_scrape_files_cannot_reuse_a_log_job_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("more.yml"),
        "scrape_configs:\n  - job_name: web\n    static_configs: [{targets: ['a:1']}]\n",
    )
    .unwrap();
    let main = dir.path().join("prometheus.yml");
    std::fs::write(
        &main,
        "scrape_config_files: [more.yml]\nklaxon:\n  log_metrics:\n    - job_name: web\n      files: [a.log]\n",
    )
    .unwrap();
    let err = crate::load(&main).unwrap_err().to_string();
    assert!(err.contains("found multiple scrape configs with job name \"web\""), "{err}");
}
