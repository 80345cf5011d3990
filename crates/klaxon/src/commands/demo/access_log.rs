//! The demo site's access log, written in nginx's `combined` format so that the nginx tutorial
//! reads it exactly as it would read nginx's own `/var/log/nginx/access.log`.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One served request, as the log line needs it.
#[derive(Debug)]
pub struct Entry<'a> {
    pub remote_addr: IpAddr,
    /// `$request`: `GET /path?query HTTP/1.1`.
    pub request: &'a str,
    pub status: u16,
    pub body_bytes_sent: usize,
    pub referer: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// `$time_local`: `22/Nov/2026:11:23:09 +0000`.
    pub time_local: &'a str,
}

/// `$time_local` for `now`, in the machine's time zone as nginx writes it.
pub fn time_local(now: &jiff::Zoned) -> String {
    now.strftime("%d/%b/%Y:%H:%M:%S %z").to_string()
}

/// The `combined` line for `e`, newline included:
/// `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
/// "$http_referer" "$http_user_agent"`.
pub fn combined_line(e: &Entry<'_>) -> String {
    let mut line = String::with_capacity(160);
    let _ = writeln!(
        line,
        "{} - - [{}] \"{}\" {} {} \"{}\" \"{}\"",
        e.remote_addr,
        e.time_local,
        escape(e.request),
        e.status,
        e.body_bytes_sent,
        escape(e.referer.unwrap_or("-")),
        escape(e.user_agent.unwrap_or("-")),
    );
    line
}

/// nginx's default log escaping: `"`, `\`, control and non-ASCII bytes become `\xHH`, so a
/// quoted field can never end early.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            let _ = write!(out, "\\x{b:02X}");
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// The log file, opened for appending: one `write` per line, so a tailer never sees half a
/// line it would have to wait for.
#[derive(Debug)]
pub struct AccessLog {
    file: File,
    path: PathBuf,
}

impl AccessLog {
    /// Opens (creating it and its directory) `path` for appending.
    pub fn open(path: &Path) -> Result<AccessLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {} (--access-log.file)", dir.display()))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open {} (--access-log.file)", path.display()))?;
        Ok(AccessLog { file, path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line. A failed write is reported once per failure and otherwise ignored:
    /// the demo goes on serving.
    pub fn write(&self, line: &str) {
        if let Err(e) = (&self.file).write_all(line.as_bytes()) {
            eprintln!("klaxon demo: cannot write {}: {e}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_combined_format() {
        let line = combined_line(&Entry {
            remote_addr: "127.0.0.1".parse().unwrap(),
            request: "GET /checkout?step=2 HTTP/1.1",
            status: 502,
            body_bytes_sent: 157,
            referer: None,
            user_agent: Some("klaxon-demo/0.1"),
            time_local: "22/Nov/2026:11:23:09 +0000",
        });
        assert_eq!(
            line,
            "127.0.0.1 - - [22/Nov/2026:11:23:09 +0000] \"GET /checkout?step=2 HTTP/1.1\" 502 157 \"-\" \"klaxon-demo/0.1\"\n"
        );
    }

    #[test]
    fn escapes_quotes_backslashes_and_control_bytes() {
        assert_eq!(escape("a\"b\\c\nd é"), "a\\x22b\\x5Cc\\x0Ad \\xC3\\xA9");
    }

    #[test]
    fn time_local_is_nginx_shaped() {
        let t: jiff::Zoned = "2026-11-02T03:04:05+01:00[+01:00]".parse().unwrap();
        assert_eq!(time_local(&t), "02/Nov/2026:03:04:05 +0100");
    }

    #[test]
    fn appends_whole_lines_creating_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo/access.log");
        let log = AccessLog::open(&path).unwrap();
        log.write("one\n");
        log.write("two\n");
        drop(log);
        AccessLog::open(&path).unwrap().write("three\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\nthree\n");
    }
}
