//! The packaging in `deploy/` and the links in `docs/`, checked without Docker, Helm or a
//! Kubernetes cluster (none is on the CI machine; Debian has no `helm` package):
//!
//! - the Helm chart is rendered by a stand-in for `helm template` (`deploy_manifests/helm.rs`:
//!   Go templates through our own engine, plus the Sprig functions the chart uses) and the
//!   manifests are checked as Kubernetes would need them: 3 replicas, pod anti-affinity, a
//!   headless service with 9094 over TCP and UDP, probes on `/-/ready` and `/-/healthy`, a PVC
//!   template mounted at `--storage.path`, one `--cluster.peer` per replica DNS name, names
//!   and ports that refer to each other, every flag known to the binary, the config valid for
//!   `klaxon check`. When `helm` is on the PATH, its own rendering must be the same.
//! - `deploy/kubernetes/klaxon.yaml` must equal the chart's default rendering
//!   (`KLAXON_UPDATE_MANIFESTS=1` rewrites it).
//! - The Dockerfile is linted, not built: stages, the non-root user, the binary path from the
//!   build to the entrypoint, ports, volume; its default command is started for real with the
//!   paths moved into a temporary directory. The systemd unit likewise.
//! - Every relative link in `docs/*.md` (and its `#anchor`) points at something that exists.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

#[path = "deploy_manifests/helm.rs"]
mod helm;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

const BIN: &str = env!("CARGO_BIN_EXE_klaxon");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chart_dir() -> PathBuf {
    repo().join("deploy/helm/klaxon")
}

fn render(overrides: Json) -> Vec<helm::Rendered> {
    helm::render(&chart_dir(), "klaxon", &overrides).unwrap_or_else(|e| panic!("render: {e}"))
}

/// The YAML documents of a manifest stream, as JSON, empty documents left out.
fn documents(stream: &str) -> Vec<Json> {
    let docs: Vec<Json> = serde_saphyr::from_multiple(stream)
        .unwrap_or_else(|e| panic!("manifests do not parse: {e}\n{stream}"));
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

fn rendered_docs(overrides: Json) -> Vec<Json> {
    documents(&helm::to_stream(&render(overrides)))
}

fn find<'a>(docs: &'a [Json], kind: &str, name: &str) -> &'a Json {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {docs:#?}"))
}

/// Objects by `kind/name`, to compare two renderings whatever their order and formatting.
fn by_key(docs: &[Json]) -> BTreeMap<String, Json> {
    docs.iter()
        .map(|d| {
            (format!("{}/{}", d["kind"].as_str().unwrap_or("?"), d["metadata"]["name"]), d.clone())
        })
        .collect()
}

/// `--name=value` arguments of a container, in order.
fn flags(args: &[Json]) -> Vec<(String, String)> {
    args.iter()
        .filter_map(Json::as_str)
        .filter_map(|a| a.strip_prefix("--"))
        .map(|a| match a.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (a.to_string(), String::new()),
        })
        .collect()
}

fn help(command: &str) -> String {
    let out = Command::new(BIN).args([command, "--help"]).output().expect("run klaxon");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every flag must be one the command knows (a typo would stop the pod at start).
fn assert_flags_known(command: &str, flags: &[(String, String)]) {
    let text = help(command);
    for (name, _) in flags {
        assert!(
            text.contains(&format!("--{name} ")) || text.contains(&format!("--{name}\n")),
            "`klaxon {command}` has no flag --{name}"
        );
    }
}

/// The minimal schema every object must satisfy.
fn check_object(d: &Json) {
    for key in ["apiVersion", "kind"] {
        assert!(d[key].as_str().is_some_and(|s| !s.is_empty()), "{key} missing in {d:#}");
    }
    let name = d["metadata"]["name"].as_str().unwrap_or_default();
    assert!(
        !name.is_empty()
            && name.len() <= 63
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "bad metadata.name {name:?}"
    );
    if let Some(labels) = d["metadata"]["labels"].as_object() {
        for (k, v) in labels {
            assert!(v.is_string(), "label {k} is not a string: {v}");
        }
    }
}

fn is_subset(small: &Json, big: &Json) -> bool {
    small.as_object().is_some_and(|s| s.iter().all(|(k, v)| big.get(k) == Some(v)))
}

fn container(sts: &Json) -> &Json {
    &sts["spec"]["template"]["spec"]["containers"][0]
}

/// The container port named `name`: (port, protocol).
fn named_port(c: &Json, name: &str) -> (i64, String) {
    let p = c["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no container port named {name}"));
    (p["containerPort"].as_i64().unwrap_or(-1), p["protocol"].as_str().unwrap_or("TCP").into())
}

fn service_ports(svc: &Json) -> BTreeSet<(i64, String)> {
    svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p["port"].as_i64().unwrap_or(-1), p["protocol"].as_str().unwrap_or("TCP").into()))
        .collect()
}

/// Runs `klaxon check KIND` on `text` written to a temporary file named `name`.
fn klaxon_check(kind: &str, name: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let out = Command::new(BIN).args(["check", kind]).arg(&file).output().expect("run klaxon");
    assert!(
        out.status.success(),
        "klaxon check {kind} {name} failed:\n{}{}\n--- file:\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn chart_default_is_a_three_replica_alertmanager_cluster() {
    let docs = rendered_docs(json!({}));
    docs.iter().for_each(check_object);
    let sts = find(&docs, "StatefulSet", "klaxon");
    let spec = &sts["spec"];
    assert_eq!(spec["replicas"], 3);
    assert_eq!(spec["serviceName"], "klaxon-headless");
    let pod_labels = &spec["template"]["metadata"]["labels"];
    assert!(is_subset(&spec["selector"]["matchLabels"], pod_labels), "selector ⊄ pod labels");

    // Pod anti-affinity: never two replicas on one node.
    let terms = &spec["template"]["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
    let term = &terms[0];
    assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
    assert!(is_subset(&term["labelSelector"]["matchLabels"], pod_labels));

    // The command line: upstream's flags, one peer per replica's stable DNS name.
    let c = container(sts);
    let args = c["args"].as_array().expect("args");
    assert_eq!(args[0], "alertmanager");
    let f = flags(args);
    assert_flags_known("alertmanager", &f);
    let peers: Vec<&str> =
        f.iter().filter(|(n, _)| n == "cluster.peer").map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        peers,
        [
            "klaxon-0.klaxon-headless:9094",
            "klaxon-1.klaxon-headless:9094",
            "klaxon-2.klaxon-headless:9094"
        ]
    );
    let flag = |n: &str| f.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(flag("cluster.listen-address"), "0.0.0.0:9094");
    assert_eq!(flag("cluster.advertise-address"), "$(POD_IP):9094");
    assert_eq!(flag("web.listen-address"), ":9093");
    let env: Vec<&str> =
        c["env"].as_array().into_iter().flatten().filter_map(|e| e["name"].as_str()).collect();
    assert!(env.contains(&"POD_IP") && env.contains(&"POD_NAME"), "env {env:?}");

    // Ports and probes.
    assert_eq!(named_port(c, "http"), (9093, "TCP".into()));
    assert_eq!(named_port(c, "cluster-tcp"), (9094, "TCP".into()));
    assert_eq!(named_port(c, "cluster-udp"), (9094, "UDP".into()));
    let ready = &c["readinessProbe"]["httpGet"];
    assert_eq!(ready["path"], "/-/ready");
    assert_eq!(named_port(c, ready["port"].as_str().expect("named port")).0, 9093);
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/-/healthy");
    assert_eq!(c["startupProbe"]["httpGet"]["path"], "/-/healthy");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(spec["template"]["spec"]["securityContext"]["runAsNonRoot"], true);

    // The PVC template is what --storage.path points at; the config is the ConfigMap's.
    let pvc = &spec["volumeClaimTemplates"][0];
    assert_eq!(pvc["metadata"]["name"], "storage");
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "2Gi");
    let mounts = c["volumeMounts"].as_array().expect("mounts");
    let mount = |v: &str| {
        mounts
            .iter()
            .find(|m| m["name"] == v)
            .and_then(|m| m["mountPath"].as_str())
            .unwrap_or_default()
    };
    assert_eq!(mount("storage"), flag("storage.path"));
    let config_dir = mount("config");
    assert_eq!(flag("config.file"), format!("{config_dir}/alertmanager.yml"));
    let volumes = spec["template"]["spec"]["volumes"].as_array().expect("volumes");
    let cm_name =
        volumes.iter().find(|v| v["name"] == "config").expect("config volume")["configMap"]["name"]
            .as_str()
            .expect("configMap volume");
    let cm = find(&docs, "ConfigMap", cm_name);
    klaxon_check(
        "alertmanager",
        "alertmanager.yml",
        cm["data"]["alertmanager.yml"].as_str().expect("data"),
    );

    // The headless service: DNS per pod, gossip over TCP and UDP, not-ready pods published.
    let headless = find(&docs, "Service", "klaxon-headless");
    assert_eq!(headless["spec"]["clusterIP"], "None");
    assert_eq!(headless["spec"]["publishNotReadyAddresses"], true);
    let ports = service_ports(headless);
    assert!(
        ports.contains(&(9094, "TCP".into())) && ports.contains(&(9094, "UDP".into())),
        "{ports:?}"
    );
    assert!(is_subset(&headless["spec"]["selector"], pod_labels));

    // The client service on 9093, its target a named container port.
    let svc = find(&docs, "Service", "klaxon");
    assert_eq!(service_ports(svc), BTreeSet::from([(9093, "TCP".to_string())]));
    for p in svc["spec"]["ports"].as_array().into_iter().flatten() {
        named_port(c, p["targetPort"].as_str().expect("named targetPort"));
    }
    assert!(is_subset(&svc["spec"]["selector"], pod_labels));

    let pdb = find(&docs, "PodDisruptionBudget", "klaxon");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
    assert!(is_subset(&pdb["spec"]["selector"]["matchLabels"], pod_labels));
}

#[test]
fn chart_values_change_the_rendering() {
    // Five replicas: five peers; a soft anti-affinity; no persistence: an emptyDir.
    let docs = rendered_docs(json!({
        "replicaCount": 5, "podAntiAffinity": "soft", "persistence": {"enabled": false},
        "fullnameOverride": "am", "cluster": {"extraArgs": ["--cluster.settle-timeout=30s"]},
        "templates": {"team.tmpl": "{{ define \"team.title\" }}[{{ .Status }}]{{ end }}"},
    }));
    let sts = find(&docs, "StatefulSet", "am");
    let c = container(sts);
    let f = flags(c["args"].as_array().expect("args"));
    assert_flags_known("alertmanager", &f);
    let peers: Vec<&str> =
        f.iter().filter(|(n, _)| n == "cluster.peer").map(|(_, v)| v.as_str()).collect();
    assert_eq!(peers.len(), 5);
    assert_eq!(peers[4], "am-4.am-headless:9094");
    let aff = &sts["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"];
    assert!(aff.get("requiredDuringSchedulingIgnoredDuringExecution").is_none());
    assert_eq!(aff["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"], 100);
    assert!(sts["spec"].get("volumeClaimTemplates").is_none());
    let volumes = sts["spec"]["template"]["spec"]["volumes"].as_array().expect("volumes");
    assert!(volumes.iter().any(|v| v["name"] == "storage" && v.get("emptyDir").is_some()));
    let cm = find(&docs, "ConfigMap", "am");
    // A block scalar (`|`) ends with a newline, as in Helm's rendering.
    assert_eq!(cm["data"]["team.tmpl"], "{{ define \"team.title\" }}[{{ .Status }}]{{ end }}\n");

    // One replica: no anti-affinity and no disruption budget to speak of.
    let docs = rendered_docs(json!({"replicaCount": 1}));
    let sts = find(&docs, "StatefulSet", "klaxon");
    assert!(sts["spec"]["template"]["spec"].get("affinity").is_none());
    assert!(!docs.iter().any(|d| d["kind"] == "PodDisruptionBudget"));
}

#[test]
fn chart_run_mode_is_the_whole_pipeline() {
    let docs = rendered_docs(json!({
        "mode": "run", "replicaCount": 1,
        "rules": {"rules.yml": {"groups": [{"name": "g", "rules": [{"alert": "Down", "expr": "up == 0"}]}]}},
        "prometheusConfig": {"rule_files": ["rules.yml"]},
    }));
    docs.iter().for_each(check_object);
    let sts = find(&docs, "StatefulSet", "klaxon");
    let c = container(sts);
    let args = c["args"].as_array().expect("args");
    assert_eq!(args[0], "run");
    let f = flags(args);
    assert_flags_known("run", &f);
    // One replica: no cluster, no gossip port.
    assert!(!f.iter().any(|(n, _)| n.contains("cluster.")), "{f:?}");
    assert!(!c["ports"].as_array().expect("ports").iter().any(|p| p["containerPort"] == 9094));
    let ready = &c["readinessProbe"]["httpGet"];
    assert_eq!(ready["path"], "/-/ready");
    assert_eq!(named_port(c, ready["port"].as_str().expect("named")).0, 9090);
    let svc = find(&docs, "Service", "klaxon");
    assert_eq!(
        service_ports(svc),
        BTreeSet::from([(9090, "TCP".to_string()), (9093, "TCP".to_string())])
    );
    let headless = find(&docs, "Service", "klaxon-headless");
    assert!(!service_ports(headless).iter().any(|(p, _)| *p == 9094));

    // prometheus.yml and the rule file land in the ConfigMap and are valid together.
    let cm = find(&docs, "ConfigMap", "klaxon");
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in cm["data"].as_object().expect("data") {
        std::fs::write(dir.path().join(name), text.as_str().expect("text")).unwrap();
    }
    let out = Command::new(BIN)
        .args(["check", "config"])
        .arg(dir.path().join("prometheus.yml"))
        .output()
        .expect("run klaxon");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rules.yml"));

    // Three replicas: the embedded Alertmanagers gossip, with run's prefixed flag names.
    let docs = rendered_docs(json!({"mode": "run"}));
    let sts = find(&docs, "StatefulSet", "klaxon");
    let c = container(sts);
    let f = flags(c["args"].as_array().expect("args"));
    assert_flags_known("run", &f);
    let peers: Vec<&str> = f
        .iter()
        .filter(|(n, _)| n == "alertmanager.cluster.peer")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(peers.len(), 3);
    assert_eq!(peers[2], "klaxon-2.klaxon-headless:9094");
    assert!(
        f.iter().any(|(n, v)| n == "alertmanager.cluster.listen-address" && v == "0.0.0.0:9094")
    );
    assert_eq!(named_port(c, "cluster-udp"), (9094, "UDP".into()));
    let ports = service_ports(find(&docs, "Service", "klaxon-headless"));
    assert!(ports.contains(&(9094, "TCP".into())) && ports.contains(&(9094, "UDP".into())));

    let err = helm::render(&chart_dir(), "klaxon", &json!({"mode": "prometheus"})).unwrap_err();
    assert!(err.contains("mode must be alertmanager or run"), "{err}");
}

#[test]
fn chart_notes_tell_how_to_send_alerts_to_every_replica() {
    let notes = helm::render_notes(&chart_dir(), "klaxon", &json!({})).expect("notes");
    assert!(notes.contains("klaxon-0 ... klaxon-2"), "{notes}");
    assert!(notes.contains("names: [klaxon-headless.default.svc]"), "{notes}");
    let notes =
        helm::render_notes(&chart_dir(), "klaxon", &json!({"mode": "run", "replicaCount": 1}))
            .expect("notes");
    assert!(notes.contains("port-forward svc/klaxon 9090 9093"), "{notes}");
}

/// What `helm lint` would look at first: Chart.yaml's required fields; and the image tag
/// (the app version) is the version of the binary built from this tree.
#[test]
fn chart_metadata_is_complete_and_versioned_with_klaxon() {
    let chart = helm::read_yaml(&chart_dir().join("Chart.yaml")).expect("Chart.yaml");
    assert_eq!(chart["apiVersion"], "v2");
    assert_eq!(chart["name"], "klaxon", "the name is the chart directory's");
    let version = chart["version"].as_str().expect("version");
    assert_eq!(
        version.split('.').filter(|p| p.parse::<u32>().is_ok()).count(),
        3,
        "SemVer {version}"
    );
    assert_eq!(chart["appVersion"], env!("CARGO_PKG_VERSION"));
    let values = helm::read_yaml(&chart_dir().join("values.yaml")).expect("values.yaml");
    assert_eq!(values["image"]["tag"], "", "the tag defaults to appVersion");
}

#[test]
fn release_names_follow_helm_conventions() {
    let files = helm::render(&chart_dir(), "prod", &json!({})).expect("render");
    let docs = documents(&helm::to_stream(&files));
    let sts = find(&docs, "StatefulSet", "prod-klaxon");
    let f = flags(container(sts)["args"].as_array().expect("args"));
    assert!(
        f.iter()
            .any(|(n, v)| n == "cluster.peer" && v == "prod-klaxon-0.prod-klaxon-headless:9094")
    );
    assert_eq!(sts["metadata"]["labels"]["app.kubernetes.io/instance"], "prod");
}

#[test]
fn kubernetes_manifests_are_the_default_rendering() {
    let path = repo().join("deploy/kubernetes/klaxon.yaml");
    let stream = helm::to_stream(&render(json!({})));
    if std::env::var_os("KLAXON_UPDATE_MANIFESTS").is_some() {
        let header = "# The Helm chart's default rendering (`helm template klaxon deploy/helm/klaxon`):\n\
                      # a 3-replica klaxon Alertmanager cluster. Apply with `kubectl apply -f`.\n\
                      # Regenerate with KLAXON_UPDATE_MANIFESTS=1 cargo test -p klaxon --test deploy_manifests\n";
        std::fs::write(&path, format!("{header}{stream}")).unwrap();
    }
    let plain = std::fs::read_to_string(&path).expect("deploy/kubernetes/klaxon.yaml");
    let want = by_key(&documents(&stream));
    let got = by_key(&documents(&plain));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "objects differ; KLAXON_UPDATE_MANIFESTS=1 regenerates the file"
    );
    for (k, v) in &want {
        if let Some(d) = first_difference(&got[k], v, "") {
            panic!(
                "{k} differs from the chart's rendering at {d}; KLAXON_UPDATE_MANIFESTS=1 regenerates the file"
            );
        }
    }
}

/// Where two JSON values first differ, as a path with both sides.
fn first_difference(a: &Json, b: &Json, path: &str) -> Option<String> {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (l, r) = (x.get(k).unwrap_or(&Json::Null), y.get(k).unwrap_or(&Json::Null));
                first_difference(l, r, &format!("{path}.{k}"))
            })
        }
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (l, r))| first_difference(l, r, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: file has {a}, chart renders {b}")),
    }
}

/// With Helm installed, its rendering must be ours (and `helm lint` clean); without it, said.
#[test]
fn real_helm_agrees_when_installed() {
    let Ok(out) = Command::new("helm").args(["template", "klaxon"]).arg(chart_dir()).output()
    else {
        eprintln!("helm is not installed: the chart was rendered by the test's own renderer only");
        return;
    };
    assert!(out.status.success(), "helm template: {}", String::from_utf8_lossy(&out.stderr));
    let theirs = by_key(&documents(&String::from_utf8_lossy(&out.stdout)));
    let ours = by_key(&rendered_docs(json!({})));
    for (k, v) in &ours {
        let t = theirs.get(k).unwrap_or(&Json::Null);
        if let Some(d) = first_difference(t, v, "") {
            panic!("{k}: helm and the test's renderer differ at {d}");
        }
    }
    assert_eq!(theirs.keys().collect::<Vec<_>>(), ours.keys().collect::<Vec<_>>());
    let lint = Command::new("helm").arg("lint").arg(chart_dir()).output().expect("helm lint");
    assert!(lint.status.success(), "{}", String::from_utf8_lossy(&lint.stdout));
}

// --- Dockerfile and systemd unit ----------------------------------------------------------------

/// Dockerfile instructions with continuation lines joined and comments dropped.
fn dockerfile_instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || (cur.is_empty() && t.is_empty()) {
            continue;
        }
        match t.strip_suffix('\\') {
            Some(part) => {
                cur.push_str(part);
                cur.push(' ');
            }
            None => {
                cur.push_str(t);
                let (op, rest) = cur.split_once(' ').unwrap_or((&cur, ""));
                out.push((op.to_ascii_uppercase(), rest.trim().to_string()));
                cur.clear();
            }
        }
    }
    out
}

fn json_array(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not a JSON array ({e}): {s}"))
}

#[test]
fn dockerfile_builds_the_binary_into_a_slim_non_root_image() {
    let text = std::fs::read_to_string(repo().join("deploy/Dockerfile")).unwrap();
    let ins = dockerfile_instructions(&text);
    let froms: Vec<(usize, &str)> = ins
        .iter()
        .enumerate()
        .filter(|(_, (op, _))| op == "FROM")
        .map(|(i, (_, a))| (i, a.as_str()))
        .collect();
    assert_eq!(froms.len(), 2, "a build stage and a runtime stage: {froms:?}");

    // Build stage: a Rust image at least the workspace's rust-version, building `-p klaxon`.
    let (b0, build_from) = froms[0];
    let (image, stage) = build_from
        .split_once(" AS ")
        .or_else(|| build_from.split_once(" as "))
        .expect("named stage");
    let tag = image.strip_prefix("rust:").expect("rust image");
    let want = std::fs::read_to_string(repo().join("Cargo.toml"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = ").map(|v| v.trim_matches('"').to_string()))
        .expect("rust-version");
    let ver = |s: &str| {
        s.split(['.', '-']).take(2).map(|p| p.parse::<u32>().unwrap_or(0)).collect::<Vec<_>>()
    };
    assert!(ver(tag) >= ver(&want), "rust:{tag} is older than rust-version {want}");
    let build: Vec<&(String, String)> = ins[b0..froms[1].0].iter().collect();
    let run =
        build.iter().find(|(op, a)| op == "RUN" && a.contains("cargo build")).expect("cargo build");
    assert!(
        run.1.contains("--release") && run.1.contains("--locked") && run.1.contains("-p klaxon")
    );
    // The package's binary is `klaxon` (this test runs it), so it lands in target/release/klaxon.
    assert!(BIN.ends_with("/klaxon"));
    let installed =
        run.1.split("target/release/klaxon").nth(1).expect("installs target/release/klaxon");
    let out_path = installed.split_whitespace().next().expect("destination");

    // Runtime stage: Debian slim, the binary copied from the build stage to the entrypoint.
    let (r0, runtime_from) = froms[1];
    assert!(
        runtime_from.starts_with("debian:") && runtime_from.contains("-slim"),
        "{runtime_from}"
    );
    let runtime = &ins[r0..];
    let copy = runtime
        .iter()
        .find(|(op, a)| op == "COPY" && a.starts_with(&format!("--from={stage} ")))
        .expect("COPY --from the build stage");
    let parts: Vec<&str> = copy.1.split_whitespace().collect();
    assert_eq!(parts[1], out_path, "copies what the build installed");
    let entry = runtime.iter().find(|(op, _)| op == "ENTRYPOINT").expect("ENTRYPOINT");
    assert_eq!(json_array(&entry.1), [parts[2]], "the entrypoint is the copied binary");

    // Files copied from the context exist and are not ignored.
    let ignore = std::fs::read_to_string(repo().join("deploy/Dockerfile.dockerignore")).unwrap();
    let ignored: Vec<&str> =
        ignore.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    assert!(ignored.contains(&"target"), "the build context leaves target/ out");
    for (_, a) in runtime.iter().filter(|(op, a)| op == "COPY" && !a.starts_with("--from")) {
        let srcs: Vec<&str> = a.split_whitespace().collect();
        for src in &srcs[..srcs.len() - 1] {
            assert!(repo().join(src).is_file(), "COPY source {src} missing");
            assert!(!ignored.iter().any(|i| src.starts_with(i)), "{src} is dockerignored");
        }
    }

    // A non-root user that the stage creates; ports; the data volume.
    let user = runtime.iter().rev().find(|(op, _)| op == "USER").expect("USER").1.clone();
    let name = user.split(':').next().unwrap_or_default();
    assert!(name != "root" && name != "0" && !name.is_empty(), "USER {user}");
    assert!(
        runtime.iter().any(|(op, a)| op == "RUN" && a.contains("useradd") && a.contains(name)),
        "user {name} is never created"
    );
    let exposed: BTreeSet<&str> = runtime
        .iter()
        .filter(|(op, _)| op == "EXPOSE")
        .flat_map(|(_, a)| a.split_whitespace())
        .collect();
    for p in ["9090/tcp", "9093/tcp", "9094/tcp", "9094/udp"] {
        assert!(exposed.contains(p), "EXPOSE {p} missing: {exposed:?}");
    }
    let volume = json_array(&runtime.iter().find(|(op, _)| op == "VOLUME").expect("VOLUME").1);

    // The default command: known flags, its data in the volume, and it starts for real.
    let cmd = json_array(&runtime.iter().find(|(op, _)| op == "CMD").expect("CMD").1);
    assert_eq!(cmd[0], "run");
    let f = flags(&cmd.iter().map(|s| Json::from(s.as_str())).collect::<Vec<_>>());
    assert_flags_known("run", &f);
    let tsdb = f.iter().find(|(n, _)| n == "storage.tsdb.path").expect("storage.tsdb.path");
    assert_eq!(volume, std::slice::from_ref(&tsdb.1));
    for file in ["prometheus.yml", "alertmanager.yml"] {
        let kind = if file == "prometheus.yml" { "config" } else { "alertmanager" };
        let text = std::fs::read_to_string(repo().join("deploy/docker").join(file)).unwrap();
        klaxon_check(kind, file, &text);
    }
    smoke_start(&cmd[1..], &repo().join("deploy/docker"));
}

/// The systemd unit's `key=value` pairs (continuations joined), by section.
fn unit_entries(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        if t.starts_with('[') && cur.is_empty() {
            section = t.trim_matches(['[', ']']).to_string();
            continue;
        }
        match t.strip_suffix('\\') {
            Some(p) => {
                cur.push_str(p);
                cur.push(' ');
            }
            None => {
                cur.push_str(t);
                let (k, v) = cur.split_once('=').expect("key=value");
                out.push((section.clone(), k.to_string(), v.to_string()));
                cur.clear();
            }
        }
    }
    out
}

#[test]
fn systemd_unit_runs_klaxon_hardened_and_reloads_with_sighup() {
    let text = std::fs::read_to_string(repo().join("deploy/systemd/klaxon.service")).unwrap();
    let e = unit_entries(&text);
    let get = |s: &str, k: &str| {
        e.iter()
            .filter(|(sec, key, _)| sec == s && key == k)
            .map(|(_, _, v)| v.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(get("Install", "WantedBy"), ["multi-user.target"]);
    assert_eq!(get("Service", "ExecReload"), ["/bin/kill -HUP $MAINPID"]);
    let user = get("Service", "User");
    assert!(user.len() == 1 && user[0] != "root", "User {user:?}");
    for (k, v) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("CapabilityBoundingSet", ""),
        ("StateDirectory", "klaxon"),
    ] {
        assert_eq!(get("Service", k), [v], "{k}");
    }
    let exec = get("Service", "ExecStart");
    let words: Vec<String> = exec[0].split_whitespace().map(str::to_string).collect();
    assert_eq!(words[0], "/usr/local/bin/klaxon");
    assert_eq!(words[1], "run");
    let args: Vec<String> = words[2..].iter().filter(|w| !w.starts_with('$')).cloned().collect();
    let f = flags(&args.iter().map(|s| Json::from(s.as_str())).collect::<Vec<_>>());
    assert_flags_known("run", &f);
    // ProtectSystem=strict leaves only StateDirectory writable: the data must live there.
    assert!(f.iter().any(|(n, v)| n == "storage.tsdb.path" && v == "/var/lib/klaxon"));
    smoke_start(&args, &repo().join("deploy/docker"));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_whitespace().nth(1)?.parse().ok()
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `klaxon run ARGS` with /etc/klaxon taken from `conf` and /var/lib/klaxon moved into a
/// temporary directory, the listen addresses on free ports; both APIs must become ready.
fn smoke_start(args: &[String], conf: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let (etc, data) = (tmp.path().join("etc"), tmp.path().join("data"));
    std::fs::create_dir_all(&etc).unwrap();
    for f in ["prometheus.yml", "alertmanager.yml"] {
        std::fs::copy(conf.join(f), etc.join(f)).unwrap();
    }
    let (web, am) = (free_port(), free_port());
    let mut argv = vec!["run".to_string()];
    for a in args {
        let a = a
            .replace("/etc/klaxon", etc.to_str().unwrap())
            .replace("/var/lib/klaxon", data.to_str().unwrap());
        let a = match a.split_once('=') {
            Some(("--web.listen-address", _)) => format!("--web.listen-address=127.0.0.1:{web}"),
            Some(("--alertmanager.web.listen-address", _)) => {
                format!("--alertmanager.web.listen-address=127.0.0.1:{am}")
            }
            _ => a,
        };
        argv.push(a);
    }
    for (flag, port) in [("--web.listen-address", web), ("--alertmanager.web.listen-address", am)] {
        if !argv.iter().any(|a| a.starts_with(&format!("{flag}="))) {
            argv.push(format!("{flag}=127.0.0.1:{port}"));
        }
    }
    let child =
        Command::new(BIN).args(&argv).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut child = Kill(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if http_status(web, "/-/ready") == Some(200) && http_status(am, "/-/ready") == Some(200) {
            break;
        }
        if let Ok(Some(status)) = child.0.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.0.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("klaxon {argv:?} exited with {status}:\n{err}");
        }
        assert!(Instant::now() < deadline, "klaxon {argv:?} not ready within 60s");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(data.join("wal").is_dir(), "the TSDB is under the data directory");
    assert!(data.join("alertmanager").is_dir(), "the Alertmanager's state is under it too");
}

// --- docs ----------------------------------------------------------------------------------------

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.insert(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// `](target)` links outside code blocks and code spans.
fn links(markdown: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut text = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                text.push_str(part);
            }
        }
        let mut rest = text.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            if let Some(end) = rest.find(')') {
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}

#[test]
fn docs_links_point_at_existing_files_and_headings() {
    let dir = repo().join("docs");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 5, "docs/ has {pages:?}");
    let mut checked = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() { page.clone() } else { dir.join(path) };
            assert!(target.exists(), "{}: link {link} points at nothing", page.display());
            if !anchor.is_empty() && target.extension().is_some_and(|x| x == "md") {
                let heads = anchors(&std::fs::read_to_string(&target).unwrap());
                assert!(
                    heads.contains(anchor),
                    "{}: no heading #{anchor} in {path}",
                    page.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} links found");
}

/// The fenced ```yaml blocks of a markdown text.
fn yaml_blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in markdown.lines() {
        match (&mut cur, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") => cur = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => out.extend(cur.take()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// Every `prometheus.yml` example in the docs loads in klaxon (so the docs cannot drift from
/// the loader's keys).
#[test]
fn docs_prometheus_yml_examples_load() {
    let top = ["global", "scrape_configs", "alerting", "rule_files", "remote_write", "klaxon"];
    let mut checked = 0;
    for page in std::fs::read_dir(repo().join("docs")).expect("docs/") {
        let page = page.unwrap().path();
        if page.extension().is_none_or(|x| x != "md") {
            continue;
        }
        for block in yaml_blocks(&std::fs::read_to_string(&page).unwrap()) {
            let doc: Json = serde_saphyr::from_str(&block)
                .unwrap_or_else(|e| panic!("{}: bad YAML example ({e}):\n{block}", page.display()));
            let keys: Vec<&String> =
                doc.as_object().map(|m| m.keys().collect()).unwrap_or_default();
            if !keys.is_empty() && keys.iter().all(|k| top.contains(&k.as_str())) {
                klaxon_check("config", "prometheus.yml", &block);
                checked += 1;
            }
        }
    }
    assert!(checked >= 2, "only {checked} prometheus.yml examples found");
}
