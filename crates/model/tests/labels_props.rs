//! Property tests: `Labels` and `LabelsBuilder` against a `BTreeMap` model.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};

use model::labels::{Labels, LabelsBuilder};
use proptest::prelude::*;

type Model = BTreeMap<String, String>;

/// Names from a small alphabet so that sets share and repeat names; values may be empty or
/// non-ASCII.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-d_]{1,3}",
        1 => Just("__name__".to_string()),
        1 => "[a-zA-Z0-9_.é😀-]{0,4}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[xyz]{0,3}", 1 => any::<String>()]
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((name(), value()), 0..8)
}

fn model_of(pairs: &[(String, String)]) -> Model {
    pairs.iter().cloned().collect()
}

fn pairs_of(l: &Labels) -> Vec<(String, String)> {
    l.iter().map(|l| (l.name.to_owned(), l.value.to_owned())).collect()
}

#[derive(Debug, Clone)]
enum Op {
    Set(String, String),
    Del(String),
    Keep(Vec<String>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (name(), value()).prop_map(|(n, v)| Op::Set(n, v)),
        2 => name().prop_map(Op::Del),
        1 => prop::collection::vec(name(), 0..4).prop_map(Op::Keep),
    ]
}

proptest! {
    #[test]
    fn behaves_like_a_sorted_map(input in pairs(), probe in name()) {
        let l = Labels::from_pairs(&input);
        let m = model_of(&input);
        prop_assert_eq!(pairs_of(&l), m.clone().into_iter().collect::<Vec<_>>());
        prop_assert_eq!(l.len(), m.len());
        prop_assert_eq!(l.is_empty(), m.is_empty());
        prop_assert_eq!(l.get(&probe), m.get(&probe).map(String::as_str));
        prop_assert_eq!(l.has(&probe), m.contains_key(&probe));
        for (n, v) in &m {
            prop_assert_eq!(l.get(n), Some(v.as_str()));
        }
        prop_assert_eq!(l.iter().rev().count(), m.len());
    }

    #[test]
    fn equality_hashes_display_and_order_agree(a in pairs(), b in pairs()) {
        let (la, lb) = (Labels::from_pairs(&a), Labels::from_pairs(&b));
        let (ma, mb) = (model_of(&a), model_of(&b));
        let equal = ma == mb;
        prop_assert_eq!(la == lb, equal);
        prop_assert_eq!(la.hash() == lb.hash(), equal);
        prop_assert_eq!(la.fingerprint() == lb.fingerprint(), equal);
        prop_assert_eq!(la.hash_stringlabels() == lb.hash_stringlabels(), equal);
        prop_assert_eq!(la.to_string() == lb.to_string(), equal);
        // Ord is the lexicographic order of the (name, value) pair lists.
        let (va, vb): (Vec<_>, Vec<_>) = (ma.into_iter().collect(), mb.into_iter().collect());
        prop_assert_eq!(la.cmp(&lb), va.cmp(&vb));
        prop_assert_eq!(la.cmp(&lb).is_eq(), equal);
        prop_assert_eq!(la.cmp_by_size(&lb).is_eq(), equal);
        prop_assert_eq!(la.cmp_by_size(&lb), lb.cmp_by_size(&la).reverse());
        if equal {
            let s = RandomState::new();
            prop_assert_eq!(s.hash_one(&la), s.hash_one(&lb));
        }
    }

    #[test]
    fn order_is_transitive(a in pairs(), b in pairs(), c in pairs()) {
        let mut sets = [Labels::from_pairs(&a), Labels::from_pairs(&b), Labels::from_pairs(&c)];
        sets.sort();
        prop_assert!(sets[0] <= sets[1] && sets[1] <= sets[2] && sets[0] <= sets[2]);
        sets.sort_by(|x, y| x.cmp_by_size(y));
        prop_assert!(sets[0].cmp_by_size(&sets[2]).is_le());
    }

    #[test]
    fn subset_hashes_are_hashes_of_subsets(input in pairs(), names in prop::collection::vec(name(), 0..4)) {
        let l = Labels::from_pairs(&input);
        prop_assert_eq!(l.hash_for_labels(&names), l.keep_only(&names).hash());
        prop_assert_eq!(l.hash_without_labels(&names), l.without(&names).drop_metric_name().hash());
        let mut sorted = names.clone();
        sorted.sort();
        prop_assert_eq!(l.hash_for_labels(&sorted), l.hash_for_labels(&names));
        prop_assert_eq!(l.hash_without_labels(&sorted), l.hash_without_labels(&names));
    }

    #[test]
    fn builder_follows_the_model(base in pairs(), ops in prop::collection::vec(op(), 0..12)) {
        let base_labels = Labels::from_pairs(&base);
        let mut model: Model = model_of(&base).into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let mut b = LabelsBuilder::new(base_labels.clone());
        for op in &ops {
            match op {
                Op::Set(n, v) => {
                    b.set(n, v);
                    if v.is_empty() { model.remove(n); } else { model.insert(n.clone(), v.clone()); }
                }
                Op::Del(n) => {
                    b.del(n);
                    model.remove(n);
                }
                Op::Keep(names) => {
                    b.keep(names);
                    model.retain(|n, _| names.contains(n));
                }
            }
            for (n, v) in &model {
                prop_assert_eq!(b.get(n), v.as_str());
            }
        }
        let built = b.labels();
        prop_assert_eq!(pairs_of(&built), model.clone().into_iter().collect::<Vec<_>>());
        let mut seen = Vec::new();
        b.for_each(|l| seen.push((l.name.to_owned(), l.value.to_owned())));
        prop_assert_eq!(seen, pairs_of(&built));
        // Rebuilding from the result changes nothing.
        prop_assert_eq!(LabelsBuilder::new(built.clone()).labels(), built);
    }

    #[test]
    fn filters_agree_with_the_model(input in pairs(), names in prop::collection::vec(name(), 0..4)) {
        let l = Labels::from_pairs(&input);
        let m = model_of(&input);
        let keep: Vec<_> = m.iter().filter(|(n, _)| names.contains(n)).collect();
        let drop: Vec<_> = m.iter().filter(|(n, _)| !names.contains(n)).collect();
        prop_assert_eq!(l.keep_only(&names), Labels::from_pairs(keep));
        prop_assert_eq!(l.without(&names), Labels::from_pairs(drop));
        prop_assert_eq!(
            l.without_empty(),
            Labels::from_pairs(m.iter().filter(|(_, v)| !v.is_empty()))
        );
        let mut b = l.builder();
        b.keep(&names);
        prop_assert_eq!(b.labels(), l.keep_only(&names).without_empty());
    }
}
