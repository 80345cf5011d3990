//! Go's `os.Expand` for `external_labels` values: `$VAR` and `${VAR}` become the variable's
//! value (empty when unset), `$$` is a literal `$`, and malformed references are eaten as
//! Go eats them.

/// Expands `s` with `lookup` (upstream: the environment; `$$` maps to `$`).
pub(crate) fn expand(s: &str, lookup: impl Fn(&str) -> String) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut start = 0;
    let mut j = 0;
    while j < bytes.len() {
        if bytes[j] == b'$' && j + 1 < bytes.len() {
            out.push_str(&s[start..j]);
            let (name, width) = shell_name(&s[j + 1..]);
            if name.is_empty() && width > 0 {
                // Invalid syntax: Go drops the characters.
            } else if name.is_empty() {
                // A `$` not followed by a name stays.
                out.push('$');
            } else if name == "$" {
                out.push('$');
            } else {
                out.push_str(&lookup(name));
            }
            j += width;
            start = j + 1;
        }
        j += 1;
    }
    out.push_str(&s[start.min(s.len())..]);
    out
}

fn is_special(c: u8) -> bool {
    matches!(c, b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-') || c.is_ascii_digit()
}

fn is_alnum(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// The name after a `$` and how many bytes it took (Go's `getShellName`).
fn shell_name(s: &str) -> (&str, usize) {
    let b = s.as_bytes();
    if b[0] == b'{' {
        if b.len() > 2 && is_special(b[1]) && b[2] == b'}' {
            return (&s[1..2], 3);
        }
        for i in 1..b.len() {
            if b[i] == b'}' {
                if i == 1 {
                    return ("", 2);
                }
                return (&s[1..i], i + 1);
            }
        }
        return ("", 1);
    }
    if is_special(b[0]) {
        return (&s[0..1], 1);
    }
    let n = b.iter().take_while(|c| is_alnum(**c)).count();
    (&s[..n], n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> String {
        match name {
            "HOST" => "node1".into(),
            "REGION" => "eu".into(),
            _ => String::new(),
        }
    }

    #[test]
    fn expands_like_go() {
        assert_eq!(expand("$HOST", env), "node1");
        assert_eq!(expand("${HOST}-${REGION}", env), "node1-eu");
        assert_eq!(expand("a$$b", env), "a$b");
        assert_eq!(expand("cost: 5$", env), "cost: 5$");
        assert_eq!(expand("$UNSET!", env), "!");
        assert_eq!(expand("x${}y", env), "xy");
        assert_eq!(expand("x${HOST", env), "xHOST");
        assert_eq!(expand("plain", env), "plain");
        assert_eq!(expand("ä$HOSTö", env), "änode1ö");
    }
}
