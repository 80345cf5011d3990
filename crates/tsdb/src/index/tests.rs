use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};

use super::MemPostings;

/// Series 0..=5:
/// 0 {__name__="up", job="api", env="prod"}
/// 1 {__name__="up", job="web", env="dev"}
/// 2 {__name__="up", job="db"}
/// 3 {__name__="http_requests_total", job="api", env="prod", code="500"}
/// 4 {__name__="http_requests_total", job="api", env="", code="200"}   (env="" = no env)
/// 5 {__name__="http_requests_total", job="web-1", code="503"}
fn fixture() -> (MemPostings, Vec<Labels>) {
    let sets = vec![
        Labels::from_pairs([("__name__", "up"), ("job", "api"), ("env", "prod")]),
        Labels::from_pairs([("__name__", "up"), ("job", "web"), ("env", "dev")]),
        Labels::from_pairs([("__name__", "up"), ("job", "db")]),
        Labels::from_pairs([
            ("__name__", "http_requests_total"),
            ("job", "api"),
            ("env", "prod"),
            ("code", "500"),
        ]),
        Labels::from_pairs([
            ("__name__", "http_requests_total"),
            ("job", "api"),
            ("env", ""),
            ("code", "200"),
        ]),
        Labels::from_pairs([
            ("__name__", "http_requests_total"),
            ("job", "web-1"),
            ("code", "503"),
        ]),
    ];
    let mut p = MemPostings::default();
    for (i, l) in sets.iter().enumerate() {
        p.add(i as u32, l);
    }
    (p, sets)
}

fn m(op: MatchOp, name: &str, value: &str) -> Matcher {
    Matcher::prometheus(op, name, value).unwrap()
}

fn select(p: &MemPostings, ms: &[Matcher]) -> Vec<u32> {
    p.select(|| (0..6).collect(), ms)
}

use MatchOp::{Equal as Eq, NotEqual as Ne, NotRegex as Nre, Regex as Re};

#[test]
fn equality_and_inequality() {
    let (p, _) = fixture();
    assert_eq!(select(&p, &[m(Eq, "__name__", "up")]), vec![0, 1, 2]);
    assert_eq!(select(&p, &[m(Eq, "__name__", "up"), m(Eq, "job", "api")]), vec![0]);
    assert_eq!(select(&p, &[m(Eq, "job", "nope")]), Vec::<u32>::new());
    assert_eq!(select(&p, &[m(Eq, "nolabel", "x")]), Vec::<u32>::new());
    // `!=` keeps series lacking the label: 2, 4 and 5 have no env.
    assert_eq!(select(&p, &[m(Ne, "env", "prod")]), vec![1, 2, 4, 5]);
    assert_eq!(select(&p, &[m(Eq, "__name__", "up"), m(Ne, "job", "api")]), vec![1, 2]);
}

#[test]
fn empty_matching_selects_series_without_the_label() {
    let (p, _) = fixture();
    // env="" : series without env (the one with env="" counts as without).
    assert_eq!(select(&p, &[m(Eq, "env", "")]), vec![2, 4, 5]);
    // env!="" : series with a non-empty env.
    assert_eq!(select(&p, &[m(Ne, "env", "")]), vec![0, 1, 3]);
    // A label no series has: `x=""` matches everything, `x!=""` nothing.
    assert_eq!(select(&p, &[m(Eq, "__name__", "up"), m(Eq, "x", "")]), vec![0, 1, 2]);
    assert_eq!(select(&p, &[m(Ne, "x", "")]), Vec::<u32>::new());
    // env=~"prod|" : prod or absent.
    assert_eq!(select(&p, &[m(Re, "env", "prod|")]), vec![0, 2, 3, 4, 5]);
    // env=~".*" : everything; env=~".+" : only with env.
    assert_eq!(select(&p, &[m(Re, "env", ".*")]), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(select(&p, &[m(Re, "env", ".+")]), vec![0, 1, 3]);
    // env!~".+" : only without env; env!~".*" : nothing.
    assert_eq!(select(&p, &[m(Nre, "env", ".+")]), vec![2, 4, 5]);
    assert_eq!(select(&p, &[m(Nre, "env", ".*")]), Vec::<u32>::new());
}

#[test]
fn regex_shapes() {
    let (p, _) = fixture();
    // Literal set.
    assert_eq!(select(&p, &[m(Re, "job", "api|db")]), vec![0, 2, 3, 4]);
    // Prefix.
    assert_eq!(select(&p, &[m(Re, "job", "web.*")]), vec![1, 5]);
    assert_eq!(select(&p, &[m(Re, "job", "web.+")]), vec![5]);
    // General regex (character class), anchored: `5..` does not match `500x`.
    assert_eq!(select(&p, &[m(Re, "code", "5..")]), vec![3, 5]);
    assert_eq!(select(&p, &[m(Re, "code", "5")]), Vec::<u32>::new());
    assert_eq!(select(&p, &[m(Re, "code", "[0-9]+0")]), vec![3, 4]);
    // Negative regex not matching "": keeps series without the label.
    assert_eq!(select(&p, &[m(Nre, "code", "5..")]), vec![0, 1, 2, 4]);
    // Negative regex matching "": only series with a non-matching value.
    assert_eq!(select(&p, &[m(Nre, "env", "prod|")]), vec![1]);
    // Combined with a name.
    assert_eq!(
        select(&p, &[m(Eq, "__name__", "http_requests_total"), m(Nre, "code", "2..")]),
        vec![3, 5]
    );
}

#[test]
fn agrees_with_brute_force() {
    let (p, sets) = fixture();
    let cases = [
        vec![m(Re, "job", "a.*|w.*"), m(Ne, "code", "500")],
        vec![m(Nre, "job", "api"), m(Re, "env", "")],
        vec![m(Re, "__name__", "(?i)UP")],
        vec![m(Ne, "job", ""), m(Nre, "__name__", "up")],
        vec![m(Re, "code", ".*0"), m(Eq, "env", "prod")],
    ];
    for ms in cases {
        let want: Vec<u32> = (0..6u32)
            .filter(|&i| ms.iter().all(|m| m.matches(sets[i as usize].get_or_empty(m.name()))))
            .collect();
        assert_eq!(select(&p, &ms), want, "{ms:?}");
    }
}

#[test]
fn out_of_order_ids_stay_sorted_and_values_among() {
    let mut p = MemPostings::default();
    let a = Labels::from_pairs([("job", "x")]);
    for id in [5, 1, 9, 3, 9] {
        p.add(id, &a);
    }
    assert_eq!(p.get("job", "x"), &[1, 3, 5, 9]);
    let (p, _) = fixture();
    assert_eq!(p.values_among("job", &[1, 5]), vec!["web", "web-1"]);
    assert_eq!(p.names(), vec!["__name__", "code", "env", "job"]);
}
