//! `dns_sd_configs`: names resolved every `refresh_interval`.
//!
//! SRV records give `host:port` targets (the trailing dot of the host trimmed); A, AAAA, MX and
//! NS records use the config's `port`. Every target carries `__meta_dns_name` and, as upstream
//! sets them (empty when not applicable, the record's name with its trailing dot),
//! `__meta_dns_srv_record_target`, `__meta_dns_srv_record_port`, `__meta_dns_mx_record_target`
//! and `__meta_dns_ns_record_target`. A name that does not exist or has no records gives no
//! targets; a failed lookup is logged, counted in `prometheus_sd_dns_lookup_failures_total` and
//! leaves that name's last targets in force.
//!
//! Our [`TargetGroup`] has one label set per group, so targets of one name with different meta
//! labels (SRV records) go in separate groups, sourced `<name>:<index>`; targets with equal
//! labels (A records) share one. Lookups go through the [`Resolver`] trait so tests can fake
//! DNS; [`SystemResolver`] uses the system's `resolv.conf` (search domains, ndots).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use config::{DnsRecordType, DnsSdConfig};
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use super::{GroupSender, Provider, SdMetrics, TargetGroup, refresh_period, vanished_groups};

pub const NAME_LABEL: &str = "__meta_dns_name";
pub const SRV_RECORD_TARGET_LABEL: &str = "__meta_dns_srv_record_target";
pub const SRV_RECORD_PORT_LABEL: &str = "__meta_dns_srv_record_port";
pub const MX_RECORD_TARGET_LABEL: &str = "__meta_dns_mx_record_target";
pub const NS_RECORD_TARGET_LABEL: &str = "__meta_dns_ns_record_target";

/// One answer record, in the shape discovery needs. Host names are as DNS gives them
/// (fully qualified, with the trailing dot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsRecord {
    Srv { target: String, port: u16 },
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Mx(String),
    Ns(String),
}

/// The result of a lookup.
pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<DnsRecord>, String>> + Send + 'a>>;

/// Looks names up. A name that does not exist or has no records of the type answers
/// `Ok(vec![])`; `Err` is for failures (timeouts, server errors), which keep the last targets.
pub trait Resolver: Send + Sync {
    fn lookup<'a>(&'a self, name: &'a str, record_type: DnsRecordType) -> LookupFuture<'a>;
}

/// The system's resolver (hickory, configured from `/etc/resolv.conf`), built on first use so
/// that a broken `resolv.conf` is a logged lookup error, not a startup failure.
#[derive(Default)]
pub struct SystemResolver {
    inner: OnceLock<Result<hickory_resolver::TokioResolver, String>>,
}

impl fmt::Debug for SystemResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SystemResolver")
    }
}

impl SystemResolver {
    fn resolver(&self) -> Result<&hickory_resolver::TokioResolver, String> {
        self.inner
            .get_or_init(|| {
                hickory_resolver::TokioResolver::builder_tokio()
                    .map(|b| b.build())
                    .map_err(|e| format!("reading the system DNS configuration: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl Resolver for SystemResolver {
    fn lookup<'a>(&'a self, name: &'a str, record_type: DnsRecordType) -> LookupFuture<'a> {
        Box::pin(async move {
            let resolver = self.resolver()?;
            let result = match record_type {
                DnsRecordType::Srv => resolver.srv_lookup(name).await.map(|l| {
                    l.iter()
                        .map(|r| DnsRecord::Srv { target: r.target().to_string(), port: r.port() })
                        .collect()
                }),
                DnsRecordType::A => resolver
                    .ipv4_lookup(name)
                    .await
                    .map(|l| l.iter().map(|a| DnsRecord::A(a.0)).collect()),
                DnsRecordType::Aaaa => resolver
                    .ipv6_lookup(name)
                    .await
                    .map(|l| l.iter().map(|a| DnsRecord::Aaaa(a.0)).collect()),
                DnsRecordType::Mx => resolver
                    .mx_lookup(name)
                    .await
                    .map(|l| l.iter().map(|mx| DnsRecord::Mx(mx.exchange().to_string())).collect()),
                DnsRecordType::Ns => resolver
                    .ns_lookup(name)
                    .await
                    .map(|l| l.iter().map(|ns| DnsRecord::Ns(ns.0.to_string())).collect()),
            };
            match result {
                Ok(records) => Ok(records),
                Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// `host:port`, with brackets around IPv6 hosts (Go's `net.JoinHostPort`).
fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// The target and meta labels of one record (`port` for all but SRV).
pub fn record_target(
    name: &str,
    record: &DnsRecord,
    port: u16,
) -> (String, BTreeMap<String, String>) {
    let (mut srv_target, mut srv_port, mut mx, mut ns) =
        (String::new(), String::new(), String::new(), String::new());
    let address = match record {
        DnsRecord::Srv { target, port } => {
            srv_target = target.clone();
            srv_port = port.to_string();
            join_host_port(target.trim_end_matches('.'), *port)
        }
        DnsRecord::Mx(host) => {
            mx = host.clone();
            join_host_port(host.trim_end_matches('.'), port)
        }
        DnsRecord::Ns(host) => {
            ns = host.clone();
            join_host_port(host.trim_end_matches('.'), port)
        }
        DnsRecord::A(ip) => join_host_port(&ip.to_string(), port),
        DnsRecord::Aaaa(ip) => join_host_port(&ip.to_string(), port),
    };
    let labels = BTreeMap::from([
        (NAME_LABEL.to_owned(), name.to_owned()),
        (SRV_RECORD_TARGET_LABEL.to_owned(), srv_target),
        (SRV_RECORD_PORT_LABEL.to_owned(), srv_port),
        (MX_RECORD_TARGET_LABEL.to_owned(), mx),
        (NS_RECORD_TARGET_LABEL.to_owned(), ns),
    ]);
    (address, labels)
}

/// The groups of one name's records: targets with equal meta labels share a group, in the
/// order their first record came; sources `<name>:0`, `<name>:1`, ...
pub fn records_to_groups(name: &str, records: &[DnsRecord], port: u16) -> Vec<TargetGroup> {
    let mut groups: Vec<TargetGroup> = Vec::new();
    for record in records {
        let (address, labels) = record_target(name, record, port);
        match groups.iter_mut().find(|g| g.labels == labels) {
            Some(g) => g.targets.push(address),
            None => groups.push(TargetGroup {
                targets: vec![address],
                labels,
                source: format!("{name}:{}", groups.len()),
            }),
        }
    }
    groups
}

pub struct DnsProvider {
    config: DnsSdConfig,
    resolver: Arc<dyn Resolver>,
    metrics: SdMetrics,
}

impl fmt::Debug for DnsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DnsProvider").field("config", &self.config).finish_non_exhaustive()
    }
}

impl DnsProvider {
    pub fn new(config: DnsSdConfig, resolver: Arc<dyn Resolver>, metrics: SdMetrics) -> Self {
        DnsProvider { config, resolver, metrics }
    }
}

impl Provider for DnsProvider {
    fn run(self: Box<Self>, out: GroupSender) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let port = self.config.port.unwrap_or(0);
            let record_type = self.config.record_type;
            let mut last: BTreeMap<String, Vec<TargetGroup>> = BTreeMap::new();
            let mut tick = tokio::time::interval(refresh_period(self.config.refresh_interval));
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let mut first = true;
            loop {
                tick.tick().await;
                let mut lookups = JoinSet::new();
                for name in self.config.names.iter().cloned() {
                    let resolver = self.resolver.clone();
                    lookups.spawn(async move {
                        let result = resolver.lookup(&name, record_type).await;
                        (name, result)
                    });
                }
                let mut out_groups = Vec::new();
                while let Some(joined) = lookups.join_next().await {
                    let Ok((name, result)) = joined else { continue };
                    self.metrics.dns_lookups.inc();
                    match result {
                        Ok(records) => {
                            let groups = records_to_groups(&name, &records, port);
                            let previous = last.entry(name.clone()).or_default();
                            if groups != *previous {
                                out_groups.extend(vanished_groups(
                                    &name,
                                    groups.len(),
                                    previous.len(),
                                ));
                                out_groups.extend(groups.iter().cloned());
                                *previous = groups;
                            }
                        }
                        Err(err) => {
                            self.metrics.dns_lookup_failures.inc();
                            tracing::error!(name = %name, err = %err, "DNS resolution failed; keeping the last targets");
                        }
                    }
                }
                if (first || !out_groups.is_empty()) && !out.send(out_groups) {
                    return;
                }
                first = false;
            }
        })
    }
}

#[cfg(test)]
mod tests;
