//! Label-set hashes, printing and ordering against upstream's values.
//!
//! `tests/data/fingerprints.jsonl` is written by a Go program (`scripts/oracle/fingerprint/`,
//! regenerate with its `regen.sh`) that computes, per label set, what prometheus/common,
//! Prometheus and Alertmanager compute. This test needs no Go.

// Tests may unwrap (clippy.toml allows it in #[test] functions; these helpers are test code too).
#![allow(clippy::unwrap_used)]

use std::cmp::Ordering;

use model::labels::{Fingerprint, Labels, LabelsBuilder};
use serde_json::Value;

struct Row {
    line: usize,
    labels: Labels,
    pairs: Vec<(String, String)>,
    fields: Value,
}

impl Row {
    fn hex(&self, column: &str) -> u64 {
        let s =
            self.fields[column].as_str().unwrap_or_else(|| panic!("line {}: {column}", self.line));
        assert_eq!(s.len(), 16, "line {}: {column}", self.line);
        u64::from_str_radix(s, 16).unwrap()
    }

    fn index(&self, column: &str) -> usize {
        self.fields[column].as_u64().unwrap() as usize
    }
}

fn table() -> (Value, Vec<Row>) {
    let text = include_str!("data/fingerprints.jsonl");
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let rows: Vec<Row> = lines
        .enumerate()
        .map(|(i, line)| {
            let fields: Value = serde_json::from_str(line).unwrap();
            let pairs: Vec<(String, String)> = fields["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned()))
                .collect();
            Row { line: i + 2, labels: Labels::from_pairs(&pairs), pairs, fields }
        })
        .collect();
    assert_eq!(header["rows"].as_u64(), Some(rows.len() as u64));
    assert!(rows.len() >= 30, "the table should cover at least 30 label sets");
    (header, rows)
}

fn names(header: &Value, key: &str) -> Vec<String> {
    header[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

#[test]
fn fingerprints_match_common() {
    for row in table().1 {
        let want = Fingerprint(row.hex("fingerprint"));
        let got = row.labels.fingerprint();
        assert_eq!(got, want, "line {}: {}", row.line, row.labels);
        assert_eq!(got.to_string(), row.fields["fingerprint"].as_str().unwrap());
        assert_eq!(row.fields["fingerprint"].as_str().unwrap().parse::<Fingerprint>(), Ok(want));
    }
}

#[test]
fn hashes_match_prometheus_and_alertmanager() {
    let (header, rows) = table();
    let for_names = names(&header, "hash_for_names");
    let without_names = names(&header, "hash_without_names");
    let mut for_reversed = for_names.clone();
    for_reversed.reverse();
    for row in &rows {
        let l = &row.labels;
        let at = format!("line {}: {l}", row.line);
        assert_eq!(l.hash(), row.hex("hash"), "hash, {at}");
        assert_eq!(l.hash_stringlabels(), row.hex("stringlabels_hash"), "stringlabels, {at}");
        assert_eq!(l.hash_for_labels(&for_names), row.hex("hash_for"), "hash_for, {at}");
        assert_eq!(l.hash_for_labels(&for_reversed), row.hex("hash_for"), "unsorted names, {at}");
        assert_eq!(l.hash_without_labels(&without_names), row.hex("hash_without"), "without, {at}");
    }
}

#[test]
fn display_matches_prometheus() {
    for row in table().1 {
        assert_eq!(
            row.labels.to_string(),
            row.fields["string"].as_str().unwrap(),
            "line {}",
            row.line
        );
    }
}

#[test]
fn ordering_matches_compare_and_before() {
    let rows = table().1;
    let mut by_compare: Vec<&Row> = rows.iter().collect();
    by_compare.sort_by(|a, b| a.labels.cmp(&b.labels));
    for (k, row) in by_compare.iter().enumerate() {
        assert_eq!(
            row.index("rank"),
            k,
            "labels.Compare rank of line {}: {}",
            row.line,
            row.labels
        );
    }
    let mut by_size: Vec<&Row> = rows.iter().collect();
    by_size.sort_by(|a, b| a.labels.cmp_by_size(&b.labels));
    for (k, row) in by_size.iter().enumerate() {
        assert_eq!(
            row.index("size_rank"),
            k,
            "LabelSet.Before rank of line {}: {}",
            row.line,
            row.labels
        );
    }
    for a in &rows {
        for b in &rows {
            assert_eq!(a.labels.cmp(&b.labels) == Ordering::Equal, a.line == b.line);
        }
    }
}

#[test]
fn every_construction_path_agrees() {
    for row in table().1 {
        // Reverse input order (the last of a repeated name must still win, so dedup first).
        let mut deduped: Vec<(String, String)> = Vec::new();
        for (n, v) in &row.pairs {
            deduped.retain(|(m, _)| m != n);
            deduped.push((n.clone(), v.clone()));
        }
        let reversed: Labels =
            deduped.iter().rev().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(reversed, row.labels, "line {}", row.line);
        assert_eq!(reversed.hash(), row.hex("hash"));

        // Through a builder, label by label (empty values are deletions there).
        let mut b = LabelsBuilder::default();
        for (n, v) in &row.pairs {
            b.set(n, v);
        }
        assert_eq!(b.labels(), row.labels.without_empty(), "line {}", row.line);
    }
}
