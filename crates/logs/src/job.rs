//! One `log_metrics` job: its files (globs re-read at each poll), its counters, and the saved
//! state that carries both across restarts.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{JobConfig, ReadFrom};
use crate::metrics::{Saved, Store};
use crate::tail::{FileState, Start, Tailer};

/// The state file's layout version.
const VERSION: u32 = 1;

/// What is saved: where each file was left and the counters at that point, together, so a
/// restart neither reads a line twice nor loses a count.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    version: u32,
    /// The config the counters belong to ([`JobConfig::counters_fingerprint`]).
    fingerprint: String,
    files: Vec<FileState>,
    counters: Saved,
}

/// A job, ready to poll.
#[derive(Debug)]
pub struct Job {
    cfg: JobConfig,
    store: Store,
    tailers: BTreeMap<PathBuf, Tailer>,
    state_file: Option<PathBuf>,
    /// Where a path seen for the first time starts: `read_from` at the very first scan of a
    /// job without saved state, the beginning afterwards (a new file is all new lines).
    first_scan: bool,
    dirty: bool,
    saved_files: Vec<FileState>,
}

impl Job {
    /// Opens the job, restoring its saved state from `state_dir` when there is one.
    pub fn open(cfg: JobConfig, state_dir: Option<&Path>) -> Result<Job, String> {
        let mut store = Store::new(&cfg)?;
        let state_file = state_dir.map(|d| d.join(state_file_name(&cfg.job_name)));
        let mut tailers = BTreeMap::new();
        let mut first_scan = true;
        let mut saved_files = Vec::new();
        if let Some(path) = &state_file {
            match std::fs::read(path) {
                Ok(bytes) => match serde_json::from_slice::<State>(&bytes) {
                    Ok(state) if state.version == VERSION => {
                        first_scan = false;
                        for f in &state.files {
                            tailers.insert(f.path.clone(), Tailer::resume(f));
                        }
                        saved_files = state.files;
                        if state.fingerprint == cfg.counters_fingerprint() {
                            store.restore(state.counters);
                        } else {
                            tracing::info!(
                                job = cfg.job_name,
                                "log_metrics config changed; counters start over"
                            );
                        }
                    }
                    // Unreadable state must not stop the metrics: start over, say so.
                    Ok(_) | Err(_) => tracing::warn!(
                        job = cfg.job_name,
                        file = %path.display(),
                        "log_metrics state unreadable; offsets and counters start over"
                    ),
                },
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("reading {}: {e}", path.display())),
            }
        }
        Ok(Job { cfg, store, tailers, state_file, first_scan, dirty: false, saved_files })
    }

    /// The job's config.
    pub fn config(&self) -> &JobConfig {
        &self.cfg
    }

    /// Finds the files, reads what was appended. Returns whether more is waiting (call again
    /// soon: the read budget ran out).
    pub fn poll(&mut self) -> bool {
        let start = if self.first_scan && self.cfg.read_from == ReadFrom::End {
            Start::End
        } else {
            Start::Beginning
        };
        self.first_scan = false;
        for pattern in &self.cfg.files {
            let Ok(paths) = glob::glob(pattern) else { continue };
            for p in paths.filter_map(Result::ok) {
                if !self.tailers.contains_key(&p) && p.is_file() {
                    self.tailers.insert(p.clone(), Tailer::new(p, start));
                }
            }
        }
        let mut more = false;
        let store = &mut self.store;
        let before = store.lines();
        for (path, t) in &mut self.tailers {
            let mut sink = |bytes: &[u8]| store.line(&String::from_utf8_lossy(bytes));
            match t.poll(&mut sink) {
                Ok(m) => more |= m,
                Err(e) => {
                    tracing::warn!(job = self.cfg.job_name, file = %path.display(), err = %e, "reading log file failed")
                }
            }
        }
        self.dirty |= store.lines() != before;
        more
    }

    /// Writes the state if anything changed since the last save: to a temporary file,
    /// synced, then renamed over the old one, so a crash leaves the old or the new state.
    pub fn save(&mut self) -> io::Result<()> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let files: Vec<FileState> = self.tailers.values().filter_map(Tailer::state).collect();
        // Rotation alone (no new lines) changes the files, too.
        if !self.dirty && files == self.saved_files {
            return Ok(());
        }
        let state = State {
            version: VERSION,
            fingerprint: self.cfg.counters_fingerprint(),
            files,
            counters: self.store.saved(),
        };
        let bytes = serde_json::to_vec(&state).map_err(io::Error::other)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = path.with_extension("json.tmp");
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()?;
        self.dirty = false;
        self.saved_files = state.files;
        Ok(())
    }

    /// The job's series in the text format.
    pub fn render(&self, out: &mut String) {
        self.store.render(out);
    }
}

/// `<job>.json`, with characters unsafe in file names replaced and a hash added then, so
/// two jobs never share a file.
fn state_file_name(job: &str) -> String {
    let safe: String = job
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    if safe == job {
        format!("{job}.json")
    } else {
        // FNV-1a: stable across builds, unlike the std hasher.
        let h = job.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        format!("{safe}-{h:016x}.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FormatSpec;

    fn append(p: &Path, s: &str) {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(p).unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    fn line(status: u16) -> String {
        format!(
            "1.2.3.4 - - [22/Nov/2026:11:00:00 +0000] \"GET / HTTP/1.1\" {status} 1 \"-\" \"ua\"\n"
        )
    }

    fn count(job: &Job, status: u16) -> Option<u64> {
        let mut out = String::new();
        job.render(&mut out);
        let prefix =
            format!("nginx_http_response_count_total{{method=\"GET\",status=\"{status}\"}} ");
        out.lines().find_map(|l| l.strip_prefix(prefix.as_str())).map(|v| v.parse().unwrap())
    }

    fn drain(job: &mut Job) {
        while job.poll() {}
    }

    #[test]
    fn restart_resumes_offsets_and_counters() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("access.log");
        let state = dir.path().join("state");
        let cfg = JobConfig::new(
            "nginx",
            vec![dir.path().join("*.log").display().to_string()],
            FormatSpec::Combined,
        );
        append(&log, &line(200));
        let mut job = Job::open(cfg.clone(), Some(&state)).unwrap();
        drain(&mut job);
        assert_eq!(count(&job, 200), None, "read_from: end skips what was there");
        append(&log, &line(200));
        append(&log, &line(500));
        drain(&mut job);
        assert_eq!(count(&job, 200), Some(1));
        job.save().unwrap();
        drop(job);

        // Written while down: counted once, on top of the saved counters.
        append(&log, &line(500));
        let mut job = Job::open(cfg.clone(), Some(&state)).unwrap();
        assert_eq!(count(&job, 500), Some(1), "counters restored before any read");
        drain(&mut job);
        assert_eq!(count(&job, 200), Some(1));
        assert_eq!(count(&job, 500), Some(2));
        // Nothing read twice when restarted again without new lines.
        job.save().unwrap();
        drop(job);
        let mut job = Job::open(cfg.clone(), Some(&state)).unwrap();
        drain(&mut job);
        assert_eq!(count(&job, 500), Some(2));

        // A second file appearing later is read from its start.
        let other = dir.path().join("other.log");
        append(&other, &line(404));
        drain(&mut job);
        assert_eq!(count(&job, 404), Some(1));
    }

    #[test]
    fn changed_config_resets_counters_but_not_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("access.log");
        let state = dir.path().join("state");
        let mut cfg =
            JobConfig::new("nginx", vec![log.display().to_string()], FormatSpec::Combined);
        cfg.read_from = ReadFrom::Beginning;
        append(&log, &line(200));
        let mut job = Job::open(cfg.clone(), Some(&state)).unwrap();
        drain(&mut job);
        job.save().unwrap();
        drop(job);
        cfg.label_fields = vec!["status".into()];
        let mut job = Job::open(cfg, Some(&state)).unwrap();
        drain(&mut job);
        let mut out = String::new();
        job.render(&mut out);
        assert!(!out.contains("status=\"200\""), "{out}");
    }

    #[test]
    fn paths_with_dot_dot_resolve() {
        // The example's `../../data/demo/access.log`, joined to the config's directory.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("examples/nginx")).unwrap();
        let log = dir.path().join("access.log");
        let pattern = dir.path().join("examples/nginx/../../access.log");
        let mut cfg =
            JobConfig::new("nginx", vec![pattern.display().to_string()], FormatSpec::Combined);
        cfg.read_from = ReadFrom::Beginning;
        append(&log, &line(200));
        let mut job = Job::open(cfg, None).unwrap();
        drain(&mut job);
        assert_eq!(count(&job, 200), Some(1));
    }

    #[test]
    fn state_file_names() {
        assert_eq!(state_file_name("nginx"), "nginx.json");
        assert_ne!(state_file_name("a/b"), state_file_name("a_b"));
        assert!(state_file_name("a/b").starts_with("a_b-"));
    }
}
