//! Go's `filepath.Glob` and `filepath.Match` (Unix rules): `*`, `?`, `[a-z]`, `[^a-z]`, `\`
//! escapes; wildcards may appear in directory components; results are sorted per directory.

use std::path::{Path, PathBuf};

/// The paths matching `pattern`, or `Err` for a malformed pattern.
pub(crate) fn glob(pattern: &str) -> Result<Vec<PathBuf>, ()> {
    if !has_meta(pattern) {
        return Ok(if std::fs::symlink_metadata(pattern).is_ok() {
            vec![PathBuf::from(pattern)]
        } else {
            Vec::new()
        });
    }
    let (dir, file) = match pattern.rfind('/') {
        Some(i) => (&pattern[..i], &pattern[i + 1..]),
        None => ("", pattern),
    };
    // Check the file part for syntax errors, as Go does, before touching the disk.
    match_pattern(file, "")?;
    let dir_clean = match dir {
        "" => ".".to_string(),
        d if d.chars().all(|c| c == '/') => "/".to_string(),
        d => d.to_string(),
    };
    let dirs: Vec<PathBuf> =
        if has_meta(&dir_clean) { glob(&dir_clean)? } else { vec![PathBuf::from(&dir_clean)] };
    let mut out = Vec::new();
    for d in dirs {
        let mut names: Vec<String> = match std::fs::read_dir(&d) {
            Ok(rd) => {
                rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into()).collect()
            }
            Err(_) => continue,
        };
        names.sort();
        for n in names {
            if match_pattern(file, &n)? {
                out.push(if dir.is_empty() { PathBuf::from(&n) } else { Path::new(&d).join(&n) });
            }
        }
    }
    Ok(out)
}

fn has_meta(p: &str) -> bool {
    p.contains(['*', '?', '[', '\\'])
}

/// Go's `filepath.Match(pattern, name)`.
pub(crate) fn match_pattern(pattern: &str, name: &str) -> Result<bool, ()> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let ok = match_from(&p, &n)?;
    if !ok {
        // Go still reports a malformed pattern when the match fails early.
        validate(&p)?;
    }
    Ok(ok)
}

fn validate(p: &[char]) -> Result<(), ()> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(());
                }
                i += 2;
            }
            '[' => {
                i = class_end(p, i)?;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// The index after the class starting at `p[start] == '['`.
fn class_end(p: &[char], start: usize) -> Result<usize, ()> {
    let mut i = start + 1;
    if p.get(i) == Some(&'^') {
        i += 1;
    }
    let mut first = true;
    loop {
        match p.get(i) {
            None => return Err(()),
            Some(']') if !first => return Ok(i + 1),
            Some(_) => {
                let (_, next) = class_char(p, i)?;
                i = next;
                if p.get(i) == Some(&'-') {
                    let (_, next) = class_char(p, i + 1)?;
                    i = next;
                }
            }
        }
        first = false;
    }
}

fn class_char(p: &[char], i: usize) -> Result<(char, usize), ()> {
    match p.get(i) {
        None | Some('-') | Some(']') => Err(()),
        Some('\\') => p.get(i + 1).map(|&c| (c, i + 2)).ok_or(()),
        Some(&c) => Ok((c, i + 1)),
    }
}

fn match_from(p: &[char], n: &[char]) -> Result<bool, ()> {
    match p.first() {
        None => Ok(n.is_empty()),
        Some('*') => {
            let rest = &p[1..];
            for k in 0..=n.len() {
                if n[..k].contains(&'/') {
                    break;
                }
                if match_from(rest, &n[k..])? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some('?') => match n.first() {
            Some(&c) if c != '/' => match_from(&p[1..], &n[1..]),
            _ => Ok(false),
        },
        Some('[') => {
            let end = class_end(p, 0)?;
            let Some(&c) = n.first() else { return Ok(false) };
            if c == '/' {
                return Ok(false);
            }
            let mut i = 1;
            let negate = p.get(1) == Some(&'^');
            if negate {
                i += 1;
            }
            let mut matched = false;
            while i < end - 1 {
                let (lo, next) = class_char(p, i)?;
                i = next;
                let mut hi = lo;
                if p.get(i) == Some(&'-') {
                    let (h, next) = class_char(p, i + 1)?;
                    hi = h;
                    i = next;
                }
                if lo <= c && c <= hi {
                    matched = true;
                }
            }
            if matched != negate { match_from(&p[end..], &n[1..]) } else { Ok(false) }
        }
        Some('\\') => {
            let Some(&lit) = p.get(1) else { return Err(()) };
            match n.first() {
                Some(&c) if c == lit => match_from(&p[2..], &n[1..]),
                _ => Ok(false),
            }
        }
        Some(&lit) => match n.first() {
            Some(&c) if c == lit => match_from(&p[1..], &n[1..]),
            _ => Ok(false),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::match_pattern;

    #[test]
    fn matches_like_go() {
        assert_eq!(match_pattern("*.tmpl", "a.tmpl"), Ok(true));
        assert_eq!(match_pattern("*.tmpl", "a.txt"), Ok(false));
        assert_eq!(match_pattern("a?c", "abc"), Ok(true));
        assert_eq!(match_pattern("[a-c]x", "bx"), Ok(true));
        assert_eq!(match_pattern("[^a-c]x", "bx"), Ok(false));
        assert_eq!(match_pattern("\\*", "*"), Ok(true));
        assert_eq!(match_pattern("[", "a"), Err(()));
        assert_eq!(match_pattern("a[", "b"), Err(()));
    }
}
