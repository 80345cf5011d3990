//! The pieces of an email message, byte for byte as Go's `mime`, `mime/quotedprintable`,
//! `mime/multipart` and `net/mail` produce or accept them.

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Go's `mime.QEncoding.Encode("utf-8", s)` (RFC 2047): `s` unchanged when it is printable
/// ASCII, otherwise encoded-words of at most 75 bytes separated by spaces, never splitting a
/// UTF-8 sequence.
pub fn q_encode(s: &str) -> String {
    let needs = s.bytes().any(|b| !(b' '..=b'~').contains(&b) && b != b'\t');
    if !needs {
        return s.to_string();
    }
    const OPEN: &str = "=?utf-8?q?";
    // 75 minus the fixed `=?UTF-8?q?` and `?=` framing.
    const MAX_CONTENT: usize = 75 - 10 - 2;
    let mut out = String::with_capacity(s.len() * 3 / 2 + 16);
    out.push_str(OPEN);
    let mut current = 0;
    for (i, c) in s.char_indices() {
        let chunk = &s[i..i + c.len_utf8()];
        let b = chunk.as_bytes()[0];
        let enc_len = if chunk.len() == 1 && (b' '..=b'~').contains(&b) && !b"=?_".contains(&b) {
            1
        } else {
            3 * chunk.len()
        };
        if current + enc_len > MAX_CONTENT {
            out.push_str("?= ");
            out.push_str(OPEN);
            current = 0;
        }
        for &b in chunk.as_bytes() {
            match b {
                b' ' => out.push('_'),
                b'!'..=b'~' if !b"=?_".contains(&b) => out.push(b as char),
                _ => {
                    out.push('=');
                    out.push(UPPER_HEX[usize::from(b >> 4)] as char);
                    out.push(UPPER_HEX[usize::from(b & 0x0f)] as char);
                }
            }
        }
        current += enc_len;
    }
    out.push_str("?=");
    out
}

/// Go's `quotedprintable.Writer` in text mode: lines of at most 76 bytes with `=` soft
/// breaks, CRLF line ends, trailing blanks of a line encoded.
pub fn quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut w = QpWriter::default();
    for &b in input {
        match b {
            b'!'..=b'~' if b != b'=' => w.put(b),
            b' ' | b'\t' | b'\n' | b'\r' => w.put(b),
            _ => w.encode(b),
        }
    }
    w.close()
}

const LINE_MAX: usize = 76;

#[derive(Default)]
struct QpWriter {
    out: Vec<u8>,
    line: Vec<u8>,
    cr: bool,
}

impl QpWriter {
    fn put(&mut self, b: u8) {
        if b == b'\n' || b == b'\r' {
            // A CRLF pair is one line end.
            if self.cr && b == b'\n' {
                self.cr = false;
                return;
            }
            if b == b'\r' {
                self.cr = true;
            }
            self.check_last_byte();
            self.insert_crlf();
            return;
        }
        if self.line.len() == LINE_MAX - 1 {
            self.soft_break();
        }
        self.line.push(b);
        self.cr = false;
    }

    fn encode(&mut self, b: u8) {
        if LINE_MAX - 1 - self.line.len() < 3 {
            self.soft_break();
        }
        self.line.extend_from_slice(&[
            b'=',
            UPPER_HEX[usize::from(b >> 4)],
            UPPER_HEX[usize::from(b & 0x0f)],
        ]);
        self.cr = false;
    }

    /// A line must not end in a blank: encode it.
    fn check_last_byte(&mut self) {
        if let Some(&b) = self.line.last()
            && (b == b' ' || b == b'\t')
        {
            self.line.pop();
            self.encode(b);
        }
    }

    fn soft_break(&mut self) {
        self.line.push(b'=');
        self.insert_crlf();
    }

    fn insert_crlf(&mut self) {
        self.line.extend_from_slice(b"\r\n");
        self.out.append(&mut self.line);
    }

    fn close(mut self) -> Vec<u8> {
        self.check_last_byte();
        self.out.append(&mut self.line);
        self.out
    }
}

/// One part of a `multipart/alternative` body.
pub struct Part<'a> {
    pub content_type: &'a str,
    pub body: Vec<u8>,
}

/// Go's `multipart.Writer` output for quoted-printable parts (headers sorted by name).
pub fn multipart(boundary: &str, parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(b"Content-Transfer-Encoding: quoted-printable\r\n");
        out.extend_from_slice(format!("Content-Type: {}\r\n\r\n", p.content_type).as_bytes());
        out.extend_from_slice(&p.body);
    }
    if !parts.is_empty() {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// A random boundary like Go's (30 random bytes, hex).
pub fn random_boundary() -> String {
    let bytes: [u8; 30] = rand::random();
    hex::encode(bytes)
}

/// Go's `mail.ParseAddressList`, reduced to what the notifier needs: the bare addresses of a
/// comma-separated list of `addr@host` / `Name <addr@host>` entries.
pub fn parse_address_list(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for entry in split_list(s)? {
        out.push(parse_address(entry.trim())?);
    }
    Ok(out)
}

fn split_list(s: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut comment, mut escaped) = (false, false, 0usize, false);
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted || comment > 0 => escaped = true,
            '"' if comment == 0 => quoted = !quoted,
            '(' if !quoted => comment += 1,
            ')' if !quoted && comment > 0 => comment -= 1,
            '<' if !quoted && comment == 0 => angle = true,
            '>' if !quoted && comment == 0 => angle = false,
            ',' if !quoted && !angle && comment == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err("mail: missing closing \"".into());
    }
    parts.push(&s[start..]);
    Ok(parts)
}

fn parse_address(entry: &str) -> Result<String, String> {
    if entry.is_empty() {
        return Err("mail: no address".into());
    }
    let addr = if let Some(open) = entry.rfind('<') {
        let rest = &entry[open + 1..];
        let close = rest.find('>').ok_or("mail: unclosed angle-addr")?;
        if !rest[close + 1..].trim().is_empty() && !rest[close + 1..].trim_start().starts_with('(')
        {
            return Err("mail: expected single address".into());
        }
        &rest[..close]
    } else {
        strip_comment(entry)
    };
    let addr = addr.trim();
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err("mail: missing @ in addr-spec".into());
    };
    if local.is_empty() {
        return Err("mail: no addr-spec".into());
    }
    if domain.is_empty() {
        return Err("mail: no domain in addr-spec".into());
    }
    if addr.chars().any(|c| c.is_whitespace() || c.is_control()) && !local.starts_with('"') {
        return Err("mail: expected single address".into());
    }
    Ok(addr.to_string())
}

/// Drops a trailing `(comment)` from a bare address.
fn strip_comment(s: &str) -> &str {
    match s.find('(') {
        Some(i) => s[..i].trim_end(),
        None => s,
    }
}

/// This machine's host name for `Message-Id`, as Go's `os.Hostname` (upstream falls back to
/// `localhost.localdomain`).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost.localdomain".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_encoding_like_go() {
        assert_eq!(q_encode("[FIRING:1] Test "), "[FIRING:1] Test ");
        assert_eq!(q_encode("¡Hola, señor!"), "=?utf-8?q?=C2=A1Hola,_se=C3=B1or!?=");
        // Long values split into several encoded-words without cutting a character.
        let long = "é".repeat(30);
        let enc = q_encode(&long);
        let words: Vec<&str> = enc.split(' ').collect();
        assert_eq!(words.len(), 3, "{enc}");
        assert!(
            words.iter().all(|w| w.len() <= 75 && w.starts_with("=?utf-8?q?") && w.ends_with("?="))
        );
        assert_eq!(words[0], format!("=?utf-8?q?{}?=", "=C3=A9".repeat(10)));
    }

    #[test]
    fn quoted_printable_like_go() {
        assert_eq!(quoted_printable(b"a=b \nc"), b"a=3Db=20\r\nc".to_vec());
        assert_eq!(quoted_printable("é\r\n".as_bytes()), b"=C3=A9\r\n".to_vec());
        let long = "x".repeat(100);
        let out = String::from_utf8(quoted_printable(long.as_bytes())).unwrap();
        assert_eq!(out, format!("{}=\r\n{}", "x".repeat(75), "x".repeat(25)));
        assert_eq!(quoted_printable(b"end "), b"end=20".to_vec());
    }

    #[test]
    fn multipart_layout() {
        let body = multipart(
            "B",
            &[
                Part { content_type: "text/plain; charset=UTF-8", body: b"t".to_vec() },
                Part { content_type: "text/html; charset=UTF-8", body: b"h".to_vec() },
            ],
        );
        let want = "--B\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nt\r\n--B\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\nh\r\n--B--\r\n";
        assert_eq!(String::from_utf8(body).unwrap(), want);
        assert_eq!(random_boundary().len(), 60);
    }

    #[test]
    fn address_lists() {
        assert_eq!(parse_address_list("a@b.c").unwrap(), ["a@b.c"]);
        assert_eq!(
            parse_address_list(r#""Doe, John" <john@x.org>, Jane <jane@y.org>,z@z"#).unwrap(),
            ["john@x.org", "jane@y.org", "z@z"]
        );
        assert_eq!(parse_address_list("nobody").unwrap_err(), "mail: missing @ in addr-spec");
        assert_eq!(parse_address_list("").unwrap_err(), "mail: no address");
        assert_eq!(parse_address_list("a@b,").unwrap_err(), "mail: no address");
        assert!(parse_address_list("X <a@b").is_err());
    }
}
