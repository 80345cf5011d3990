use super::super::GroupSender;
use super::*;

fn sources(groups: &[TargetGroup]) -> Vec<(String, Vec<String>)> {
    groups.iter().map(|g| (g.source.clone(), g.targets.clone())).collect()
}

fn metrics() -> SdMetrics {
    SdMetrics::default()
}

#[test]
fn json_groups_get_sources_and_filepath() {
    let text = r#"[
        {"targets": ["a:1", "b:2"], "labels": {"env": "prod"}},
        {"targets": ["c:3"], "comment": "unknown keys are ignored in JSON, as upstream"}
    ]"#;
    let groups = parse_groups(text, "/sd/x.json").unwrap();
    assert_eq!(
        sources(&groups),
        [
            ("/sd/x.json:0".to_owned(), vec!["a:1".to_owned(), "b:2".to_owned()]),
            ("/sd/x.json:1".to_owned(), vec!["c:3".to_owned()]),
        ]
    );
    assert_eq!(groups[0].labels["env"], "prod");
    assert_eq!(groups[0].labels[FILEPATH_LABEL], "/sd/x.json");
    assert_eq!(groups[1].labels[FILEPATH_LABEL], "/sd/x.json");
    assert_eq!(groups[1].labels.len(), 1);
}

#[test]
fn yaml_groups_parse_and_reject_unknown_keys() {
    let text = "- targets: ['a:1']\n  labels:\n    team: x\n- targets: []\n";
    let groups = parse_groups(text, "f.YML").unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].labels["team"], "x");
    assert!(groups[1].targets.is_empty());

    let err = parse_groups("- targets: ['a:1']\n  lables: {}\n", "f.yaml").unwrap_err();
    assert!(err.starts_with("f.yaml:2:"), "{err}");
}

#[test]
fn empty_yaml_is_no_groups() {
    assert!(parse_groups("", "f.yml").unwrap().is_empty());
    assert!(parse_groups("[]", "f.json").unwrap().is_empty());
}

#[test]
fn parse_errors_name_file_line_and_column() {
    let err = parse_groups("[\n  {\"targets\": [\"a:1\",]}\n]", "/sd/bad.json").unwrap_err();
    assert!(err.starts_with("/sd/bad.json:2:"), "{err}");
    assert!(!err.contains(" at line "), "{err}");

    let err = parse_groups("- targets: [a\n  labels: {\n", "/sd/bad.yml").unwrap_err();
    assert!(err.starts_with("/sd/bad.yml:"), "{err}");
    let pos: Vec<&str> = err.splitn(4, ':').collect();
    assert!(pos[1].parse::<u64>().is_ok() && pos[2].parse::<u64>().is_ok(), "{err}");
}

#[test]
fn null_items_and_empty_label_names_are_errors() {
    let err = parse_groups("[null]", "f.json").unwrap_err();
    assert!(err.contains("nil target group"), "{err}");
    let err = parse_groups(r#"[{"targets": ["a"], "labels": {"": "x"}}]"#, "f.json").unwrap_err();
    assert!(err.contains("invalid label name"), "{err}");
}

#[test]
fn other_extensions_are_errors() {
    assert!(parse_groups("[]", "f.txt").unwrap_err().contains("unsupported file extension"));
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn scanner_follows_writes_changes_bad_files_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.yml");
    let pattern = dir.path().join("*.json").display().to_string();
    let yaml_pattern = dir.path().join("*.yml").display().to_string();
    let an = a.display().to_string();
    let bn = b.display().to_string();
    let metrics = metrics();
    let mut scanner = Scanner::new(vec![pattern, yaml_pattern], metrics.clone());

    // Nothing there yet.
    assert!(scanner.scan(true).is_empty());

    write(&a, r#"[{"targets": ["a:1"]}, {"targets": ["a:2"]}]"#);
    write(&b, "- targets: ['b:1']\n");
    let groups = scanner.scan(false);
    assert_eq!(
        sources(&groups),
        [
            (format!("{an}:0"), vec!["a:1".to_owned()]),
            (format!("{an}:1"), vec!["a:2".to_owned()]),
            (format!("{bn}:0"), vec!["b:1".to_owned()]),
        ]
    );

    // Unchanged files send nothing, even on a full re-read.
    assert!(scanner.scan(false).is_empty());
    assert!(scanner.scan(true).is_empty());

    // A shorter list empties the dropped index.
    write(&a, r#"[{"targets": ["a:9", "a:10"]}]"#);
    let groups = scanner.scan(false);
    assert_eq!(
        sources(&groups),
        [
            (format!("{an}:1"), vec![]),
            (format!("{an}:0"), vec!["a:9".to_owned(), "a:10".to_owned()])
        ]
    );

    // A bad file keeps its groups and counts an error.
    write(&a, r#"[{"targets": ["a:9"],,}]"#);
    assert!(scanner.scan(false).is_empty());
    assert_eq!(metrics.file_read_errors.get(), 1);
    // ... until it is fixed.
    write(&a, r#"[{"targets": ["a:11"]}]"#);
    assert_eq!(sources(&scanner.scan(false)), [(format!("{an}:0"), vec!["a:11".to_owned()])]);

    // A deleted file empties all its sources.
    std::fs::remove_file(&b).unwrap();
    assert_eq!(sources(&scanner.scan(false)), [(format!("{bn}:0"), vec![])]);
    assert!(scanner.scan(true).is_empty());
}

#[test]
fn full_rescan_sees_same_size_edits() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    write(&a, r#"[{"targets": ["a:1"]}]"#);
    let mut scanner = Scanner::new(vec![a.display().to_string()], metrics());
    assert_eq!(scanner.scan(false).len(), 1);
    write(&a, r#"[{"targets": ["a:2"]}]"#);
    // Same size; mtime may not have moved on a coarse clock, but a full re-read always reads.
    let groups = scanner.scan(true);
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].targets, ["a:2"]);
}

async fn next(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(u64, Vec<TargetGroup>)>,
) -> Vec<TargetGroup> {
    rx.recv().await.unwrap().1
}

/// Paused time: a change is seen at the next poll; an edit that keeps size and mtime (so polls
/// cannot see it) is picked up by the full re-read every `refresh_interval`.
#[tokio::test(start_paused = true)]
async fn provider_polls_and_rereads_every_refresh_interval() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    write(&a, r#"[{"targets": ["a:1"]}]"#);
    let config = FileSdConfig {
        files: vec![dir.path().join("*.json").display().to_string()],
        refresh_interval: model::duration::Duration::from_secs(60),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let provider = Box::new(FileProvider::new(config, Duration::from_secs(5), metrics()));
    let task = tokio::spawn(provider.run(GroupSender { id: 1, tx }));
    let start = Instant::now();
    assert_eq!(next(&mut rx).await[0].targets, ["a:1"]);

    tokio::time::sleep(Duration::from_secs(7)).await;
    write(&a, r#"[{"targets": ["a:1", "b:1"]}]"#);
    assert_eq!(next(&mut rx).await[0].targets, ["a:1", "b:1"]);
    assert_eq!(start.elapsed(), Duration::from_secs(10), "seen at the next poll");

    // Same size, mtime put back: invisible to polls, seen by the full re-read at 60 s.
    let mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
    write(&a, r#"[{"targets": ["a:2", "b:2"]}]"#);
    std::fs::File::options().write(true).open(&a).unwrap().set_modified(mtime).unwrap();
    assert_eq!(next(&mut rx).await[0].targets, ["a:2", "b:2"]);
    assert_eq!(start.elapsed(), Duration::from_secs(60));
    task.abort();
}
