//! Following one log file path across rotation and truncation.
//!
//! A file is known by its device and inode. Each poll first reads the open file to its end,
//! then looks at the path: a different inode means the file was rotated (renamed away, a new
//! one created) or deleted, so the old one, now fully read, is let go and the new one is read
//! from its start. A file shorter than the offset was truncated (copytruncate): reading
//! restarts at 0. Only complete lines are consumed; the offset is always just after a
//! newline, so a saved offset never splits a line and nothing is read twice.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Longest line kept whole; a longer one is handed over cut at this length (it will not
/// parse, and is counted as a parse error) and the rest of it skipped.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// Read per poll before the job's lock is released (scrapes wait at most this much work).
const POLL_BUDGET: u64 = 8 << 20;

const CHUNK: usize = 256 << 10;

/// Where a file was left: saved with the counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileState {
    pub(crate) path: PathBuf,
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) offset: u64,
}

/// Where to start in the next file opened at this path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    Beginning,
    End,
}

#[derive(Debug)]
struct Open {
    file: File,
    dev: u64,
    ino: u64,
    offset: u64,
    /// Bytes of a line longer than [`MAX_LINE`] still to skip.
    skipping: bool,
}

/// One path being followed.
#[derive(Debug)]
pub(crate) struct Tailer {
    path: PathBuf,
    open: Option<Open>,
    next_start: Start,
    buf: Vec<u8>,
}

impl Tailer {
    /// A path to follow; its first file starts at `start`.
    pub(crate) fn new(path: PathBuf, start: Start) -> Tailer {
        Tailer { path, open: None, next_start: start, buf: Vec::new() }
    }

    /// Resumes from a saved state: the same file at its offset, or, when the path now holds
    /// another file, the saved one first if it was rotated to a name in the same directory.
    pub(crate) fn resume(saved: &FileState) -> Tailer {
        let mut t = Tailer::new(saved.path.clone(), Start::Beginning);
        let found = match id_of(&saved.path) {
            Some((dev, ino)) if (dev, ino) == (saved.dev, saved.ino) => Some(saved.path.clone()),
            _ => find_inode(&saved.path, saved.dev, saved.ino),
        };
        if let Some(p) = found
            && let Ok(file) = File::open(&p)
            && let Ok(m) = file.metadata()
            && (m.dev(), m.ino()) == (saved.dev, saved.ino)
        {
            t.open = Some(Open {
                file,
                dev: m.dev(),
                ino: m.ino(),
                offset: saved.offset,
                skipping: false,
            });
        }
        t
    }

    /// Where the current file is (for saving); `None` when none is open.
    pub(crate) fn state(&self) -> Option<FileState> {
        self.open.as_ref().map(|o| FileState {
            path: self.path.clone(),
            dev: o.dev,
            ino: o.ino,
            offset: o.offset,
        })
    }

    /// Reads what was appended, handing complete lines (without the newline) to `line`.
    /// Returns whether more may be waiting (the budget ran out).
    pub(crate) fn poll(&mut self, line: &mut dyn FnMut(&[u8])) -> io::Result<bool> {
        let path_id = id_of(&self.path);
        let mut budget = POLL_BUDGET;
        if let Some(open) = &mut self.open {
            if read_lines(open, &mut self.buf, &mut budget, line)? {
                return Ok(true);
            }
            if path_id != Some((open.dev, open.ino)) {
                // Rotated or deleted: the old file is read to its end; what follows is new.
                self.open = None;
                self.next_start = Start::Beginning;
            }
        }
        if self.open.is_none() && path_id.is_some() {
            let Ok(file) = File::open(&self.path) else { return Ok(false) };
            let m = file.metadata()?;
            let offset = match self.next_start {
                Start::Beginning => 0,
                // Only whole lines: back up to just after the last newline.
                Start::End => last_line_end(&file, m.len())?,
            };
            self.open = Some(Open { file, dev: m.dev(), ino: m.ino(), offset, skipping: false });
            self.next_start = Start::Beginning;
            if let Some(open) = &mut self.open {
                return read_lines(open, &mut self.buf, &mut budget, line);
            }
        }
        Ok(false)
    }
}

/// Reads `open` from its offset to the end (or until the budget is spent, returning true).
fn read_lines(
    open: &mut Open,
    buf: &mut Vec<u8>,
    budget: &mut u64,
    line: &mut dyn FnMut(&[u8]),
) -> io::Result<bool> {
    let len = open.file.metadata()?.len();
    if len < open.offset {
        // Truncated in place: the lines now there are new.
        open.offset = 0;
        open.skipping = false;
    }
    if len == open.offset {
        return Ok(false);
    }
    open.file.seek(SeekFrom::Start(open.offset))?;
    buf.clear();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        if *budget == 0 {
            return Ok(true);
        }
        let n = open.file.read(&mut chunk)?;
        if n == 0 {
            return Ok(false);
        }
        *budget = budget.saturating_sub(n as u64);
        buf.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        while let Some(nl) = buf[start..].iter().position(|b| *b == b'\n') {
            let end = start + nl;
            if open.skipping {
                open.skipping = false;
            } else {
                line(&buf[start..end]);
            }
            start = end + 1;
        }
        open.offset += start as u64;
        buf.drain(..start);
        if buf.len() > MAX_LINE {
            if !open.skipping {
                line(&buf[..MAX_LINE]);
                open.skipping = true;
            }
            open.offset += buf.len() as u64;
            buf.clear();
        }
    }
}

/// The offset just after the file's last newline (0 when it has none).
fn last_line_end(file: &File, len: u64) -> io::Result<u64> {
    let mut file = file;
    let mut end = len;
    let mut chunk = vec![0u8; 64 << 10];
    while end > 0 {
        let from = end.saturating_sub(chunk.len() as u64);
        let n = (end - from) as usize;
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut chunk[..n])?;
        if let Some(i) = chunk[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(from + i as u64 + 1);
        }
        end = from;
    }
    Ok(0)
}

fn id_of(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// A file in `path`'s directory with this inode (where logrotate renamed it to).
fn find_inode(path: &Path, dev: u64, ino: u64) -> Option<PathBuf> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::read_dir(dir).ok()?.filter_map(Result::ok).map(|e| e.path()).find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.dev() == dev && m.ino() == ino)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(p: &Path, s: &str) {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(p).unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    fn poll(t: &mut Tailer) -> Vec<String> {
        let mut out = Vec::new();
        while t.poll(&mut |l| out.push(String::from_utf8_lossy(l).into_owned())).unwrap() {}
        out
    }

    #[test]
    fn reads_complete_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log");
        let mut t = Tailer::new(p.clone(), Start::Beginning);
        assert!(poll(&mut t).is_empty(), "no file yet");
        append(&p, "a\nb\npart");
        assert_eq!(poll(&mut t), ["a", "b"]);
        assert!(poll(&mut t).is_empty());
        append(&p, "ial\n");
        assert_eq!(poll(&mut t), ["partial"]);
        assert_eq!(t.state().unwrap().offset, 12);
    }

    #[test]
    fn start_at_end_skips_old_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log");
        append(&p, "old1\nold2\nhalf");
        let mut t = Tailer::new(p.clone(), Start::End);
        assert!(poll(&mut t).is_empty());
        append(&p, "-written\nnew\n");
        assert_eq!(poll(&mut t), ["half-written", "new"]);
    }

    #[test]
    fn follows_rename_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log");
        append(&p, "1\n");
        let mut t = Tailer::new(p.clone(), Start::Beginning);
        assert_eq!(poll(&mut t), ["1"]);
        append(&p, "2\n");
        std::fs::rename(&p, dir.path().join("access.log.1")).unwrap();
        append(&p, "3\n");
        assert_eq!(poll(&mut t), ["2", "3"], "old file finished, new one from its start");
        append(&p, "4\n");
        assert_eq!(poll(&mut t), ["4"]);
    }

    #[test]
    fn follows_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log");
        append(&p, "first line\n");
        let mut t = Tailer::new(p.clone(), Start::Beginning);
        assert_eq!(poll(&mut t), ["first line"]);
        std::fs::OpenOptions::new().write(true).truncate(true).open(&p).unwrap();
        append(&p, "x\n");
        assert_eq!(poll(&mut t), ["x"]);
    }

    #[test]
    fn deleted_and_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log");
        append(&p, "1\n");
        let mut t = Tailer::new(p.clone(), Start::Beginning);
        assert_eq!(poll(&mut t), ["1"]);
        std::fs::remove_file(&p).unwrap();
        assert!(poll(&mut t).is_empty());
        assert!(t.state().is_none());
        append(&p, "2\n");
        assert_eq!(poll(&mut t), ["2"]);
    }

    #[test]
    fn resumes_at_saved_offset_and_finds_rotated_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log");
        append(&p, "1\n2\n");
        let mut t = Tailer::new(p.clone(), Start::Beginning);
        assert_eq!(poll(&mut t), ["1", "2"]);
        let saved = t.state().unwrap();
        drop(t);
        append(&p, "3\n");
        let mut t = Tailer::resume(&saved);
        assert_eq!(poll(&mut t), ["3"]);
        let saved = t.state().unwrap();
        drop(t);
        // Down while the log rotated: the rest of the old file, then the new one.
        append(&p, "4\n");
        std::fs::rename(&p, dir.path().join("access.log.1")).unwrap();
        append(&p, "5\n");
        let mut t = Tailer::resume(&saved);
        assert_eq!(poll(&mut t), ["4", "5"]);
    }

    #[test]
    fn overlong_line_is_cut_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log");
        append(&p, &"x".repeat(MAX_LINE + CHUNK + 10));
        append(&p, "\nok\n");
        let mut t = Tailer::new(p.clone(), Start::Beginning);
        let got = poll(&mut t);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_LINE);
        assert_eq!(got[1], "ok");
    }
}
