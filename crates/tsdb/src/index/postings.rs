//! Operations on postings lists: sorted, duplicate-free series ids.

/// Ids in both lists.
pub fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(small.len());
    if small.len() * 16 < large.len() {
        // Much shorter list: binary-search each id, narrowing the window as we go.
        let mut rest = large;
        for &id in small {
            let i = rest.partition_point(|&x| x < id);
            if rest.get(i) == Some(&id) {
                out.push(id);
            }
            rest = &rest[i..];
            if rest.is_empty() {
                break;
            }
        }
        return out;
    }
    let (mut i, mut j) = (0, 0);
    while i < small.len() && j < large.len() {
        let (x, y) = (small[i], large[j]);
        if x < y {
            i += 1;
        } else if y < x {
            j += 1;
        } else {
            out.push(x);
            i += 1;
            j += 1;
        }
    }
    out
}

/// Ids of `a` not in `b`.
pub fn subtract(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        if b.get(j) != Some(&x) {
            out.push(x);
        }
    }
    out
}

/// Ids in any of the lists.
pub fn union(lists: &[&[u32]]) -> Vec<u32> {
    match lists {
        [] => Vec::new(),
        [one] => one.to_vec(),
        [a, b] => {
            let mut out = Vec::with_capacity(a.len() + b.len());
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                let (x, y) = (a[i], b[j]);
                if x <= y {
                    out.push(x);
                    i += 1;
                    if x == y {
                        j += 1;
                    }
                } else {
                    out.push(y);
                    j += 1;
                }
            }
            out.extend_from_slice(&a[i..]);
            out.extend_from_slice(&b[j..]);
            out
        }
        _ => {
            let mut out: Vec<u32> = lists.iter().flat_map(|l| l.iter().copied()).collect();
            out.sort_unstable();
            out.dedup();
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersect_merge_and_galloping_paths() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), vec![3, 7]);
        assert_eq!(intersect(&[], &[1, 2]), Vec::<u32>::new());
        let large: Vec<u32> = (0..1000).map(|i| i * 2).collect();
        // 3 ids against 1000: the binary-search path.
        assert_eq!(intersect(&[4, 5, 1998], &large), vec![4, 1998]);
        assert_eq!(intersect(&large, &[4, 5, 1998, 5000]), vec![4, 1998]);
    }

    #[test]
    fn subtract_and_union() {
        assert_eq!(subtract(&[1, 2, 3, 4, 5], &[0, 2, 5, 6]), vec![1, 3, 4]);
        assert_eq!(subtract(&[1, 2], &[]), vec![1, 2]);
        assert_eq!(union(&[&[1, 4, 6], &[2, 4, 7]]), vec![1, 2, 4, 6, 7]);
        assert_eq!(union(&[&[5], &[1, 5], &[3]]), vec![1, 3, 5]);
        assert_eq!(union(&[]), Vec::<u32>::new());
    }
}
