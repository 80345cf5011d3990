use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::mpsc;

use super::*;

fn srv(target: &str, port: u16) -> DnsRecord {
    DnsRecord::Srv { target: target.into(), port }
}

#[test]
fn srv_targets_trim_the_dot_and_labels_keep_it() {
    let (address, labels) =
        record_target("_web._tcp.example.com", &srv("web1.example.com.", 8080), 0);
    assert_eq!(address, "web1.example.com:8080");
    assert_eq!(labels[NAME_LABEL], "_web._tcp.example.com");
    assert_eq!(labels[SRV_RECORD_TARGET_LABEL], "web1.example.com.");
    assert_eq!(labels[SRV_RECORD_PORT_LABEL], "8080");
    assert_eq!(labels[MX_RECORD_TARGET_LABEL], "");
    assert_eq!(labels[NS_RECORD_TARGET_LABEL], "");
}

#[test]
fn address_records_use_the_configured_port() {
    let (a, labels) = record_target("h", &DnsRecord::A("10.0.0.1".parse().unwrap()), 9100);
    assert_eq!(a, "10.0.0.1:9100");
    assert_eq!(labels[SRV_RECORD_TARGET_LABEL], "");
    let (aaaa, _) = record_target("h", &DnsRecord::Aaaa("2001:db8::1".parse().unwrap()), 9100);
    assert_eq!(aaaa, "[2001:db8::1]:9100");
    let (mx, labels) = record_target("h", &DnsRecord::Mx("mail.example.com.".into()), 25);
    assert_eq!(mx, "mail.example.com:25");
    assert_eq!(labels[MX_RECORD_TARGET_LABEL], "mail.example.com.");
    let (ns, labels) = record_target("h", &DnsRecord::Ns("ns1.example.com.".into()), 53);
    assert_eq!(ns, "ns1.example.com:53");
    assert_eq!(labels[NS_RECORD_TARGET_LABEL], "ns1.example.com.");
}

#[test]
fn equal_labels_share_a_group() {
    let records =
        [DnsRecord::A("10.0.0.1".parse().unwrap()), DnsRecord::A("10.0.0.2".parse().unwrap())];
    let groups = records_to_groups("h.example", &records, 80);
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].source, "h.example:0");
    assert_eq!(groups[0].targets, ["10.0.0.1:80", "10.0.0.2:80"]);

    let groups = records_to_groups("_s._tcp", &[srv("a.", 1), srv("b.", 2)], 0);
    assert_eq!(
        groups.iter().map(|g| (g.source.as_str(), g.targets[0].as_str())).collect::<Vec<_>>(),
        [("_s._tcp:0", "a:1"), ("_s._tcp:1", "b:2")]
    );
    assert!(records_to_groups("x", &[], 80).is_empty());
}

/// Answers from a table the test edits; counts lookups.
#[derive(Default)]
struct FakeResolver {
    answers: Mutex<HashMap<String, Result<Vec<DnsRecord>, String>>>,
    seen_types: Mutex<Vec<DnsRecordType>>,
}

impl FakeResolver {
    fn set(&self, name: &str, answer: Result<Vec<DnsRecord>, String>) {
        self.answers.lock().unwrap().insert(name.into(), answer);
    }
}

impl Resolver for FakeResolver {
    fn lookup<'a>(&'a self, name: &'a str, record_type: DnsRecordType) -> LookupFuture<'a> {
        self.seen_types.lock().unwrap().push(record_type);
        let answer = self.answers.lock().unwrap().get(name).cloned().unwrap_or(Ok(Vec::new()));
        Box::pin(async move { answer })
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<(u64, Vec<TargetGroup>)>) -> Vec<TargetGroup> {
    rx.recv().await.unwrap().1
}

#[tokio::test(start_paused = true)]
async fn provider_refreshes_and_keeps_targets_on_failure() {
    let fake = Arc::new(FakeResolver::default());
    fake.set("_a._tcp", Ok(vec![srv("a1.", 1), srv("a2.", 2)]));
    fake.set("_b._tcp", Ok(vec![srv("b1.", 1)]));
    let config = DnsSdConfig {
        names: vec!["_a._tcp".into(), "_b._tcp".into()],
        refresh_interval: model::duration::Duration::from_secs(30),
        record_type: DnsRecordType::Srv,
        port: None,
    };
    let metrics = SdMetrics::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let provider = Box::new(DnsProvider::new(config, fake.clone(), metrics.clone()));
    let task = tokio::spawn(provider.run(GroupSender { id: 3, tx }));

    let mut first = next(&mut rx).await;
    first.sort_by(|a, b| a.source.cmp(&b.source));
    assert_eq!(
        first.iter().map(|g| (g.source.as_str(), g.targets[0].as_str())).collect::<Vec<_>>(),
        [("_a._tcp:0", "a1:1"), ("_a._tcp:1", "a2:2"), ("_b._tcp:0", "b1:1")]
    );
    let started = tokio::time::Instant::now();

    // `_a` loses a record, `_b` fails: the next refresh (30 s on) sends `_a`'s groups, the
    // dropped index empty, and nothing of `_b`.
    fake.set("_a._tcp", Ok(vec![srv("a1.", 1)]));
    fake.set("_b._tcp", Err("SERVFAIL".into()));
    let update = next(&mut rx).await;
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert_eq!(
        update.iter().map(|g| (g.source.as_str(), g.targets.len())).collect::<Vec<_>>(),
        [("_a._tcp:1", 0), ("_a._tcp:0", 1)]
    );
    assert_eq!(metrics.dns_lookup_failures.get(), 1);

    // NXDOMAIN for `_b` (an empty answer) removes its targets.
    fake.set("_b._tcp", Ok(vec![]));
    let update = next(&mut rx).await;
    assert_eq!(update.len(), 1);
    assert_eq!((update[0].source.as_str(), update[0].targets.len()), ("_b._tcp:0", 0));
    assert_eq!(metrics.dns_lookups.get(), 6);
    assert!(fake.seen_types.lock().unwrap().iter().all(|t| *t == DnsRecordType::Srv));
    task.abort();
}
