//! [`Web`]: the web configuration a server runs with, re-read when its files change.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::{Mutex, RwLock};
use tokio_rustls::rustls::ServerConfig;

use super::auth::{AuthCache, Bucket};
use super::config::{self, Pem, Positioned, WebConfig, WebConfigError};
use super::tls;

/// A file's identity and version, as cheap to read as one `stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: m.len(),
        modified: m.modified().ok(),
        #[cfg(unix)]
        inode: std::os::unix::fs::MetadataExt::ino(&m),
    })
}

/// One successful load: the config and, when it has TLS, the rustls configuration built
/// from its certificate files.
#[derive(Debug)]
pub(super) struct Loaded {
    pub(super) config: WebConfig,
    pub(super) tls: Option<Arc<ServerConfig>>,
}

#[derive(Debug)]
struct State {
    /// The files the load depends on, with what they were when last read.
    stamps: Vec<(PathBuf, Option<Stamp>)>,
    /// The last load; an error fails requests and handshakes closed until the files change.
    loaded: Result<Arc<Loaded>, ()>,
}

#[derive(Debug)]
pub(super) struct Inner {
    path: Option<PathBuf>,
    state: RwLock<State>,
    /// Fixed at start, as upstream: whether connections are TLS, and whether h2 is offered.
    pub(super) tls: bool,
    pub(super) http2: bool,
    pub(super) cache: AuthCache,
    pub(super) limiter: Option<Mutex<Bucket>>,
}

/// The web configuration of one server (cheap to clone). Built from `--web.config.file` by
/// [`Web::from_file`], or [`Web::disabled`] for plain HTTP without authentication.
#[derive(Debug, Clone)]
pub struct Web {
    pub(super) inner: Arc<Inner>,
}

fn files_of(path: &Path, cfg: Option<&WebConfig>) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    if let Some(t) = cfg.and_then(|c| c.tls.as_ref()) {
        for pem in [Some(&t.cert), Some(&t.key), t.client_ca.as_ref()].into_iter().flatten() {
            if let Pem::File(p) = pem {
                files.push(p.clone());
            }
        }
    }
    files
}

/// Reads the config and builds its TLS configuration (reading the certificate files).
fn load(path: &Path) -> Result<Loaded, WebConfigError> {
    let config = config::load_file(path)?;
    let tls = match &config.tls {
        Some(t) => Some(
            tls::server_config(t, config.http.http2)
                .map_err(|m| Positioned::nowhere(m).in_file(path))?,
        ),
        None => None,
    };
    Ok(Loaded { config, tls })
}

impl Web {
    /// No web configuration: plain HTTP, no authentication, no extra headers.
    pub fn disabled() -> Web {
        let loaded = Arc::new(Loaded { config: WebConfig::default(), tls: None });
        Web::new(None, Vec::new(), loaded)
    }

    /// Loads `path` and everything it names (certificates, key, client CA); errors are what
    /// makes the start fail.
    pub fn from_file(path: &Path) -> Result<Web, WebConfigError> {
        // Stat before reading: a change during the read is then seen by the next check.
        let before = stamp(path);
        let loaded = load(path)?;
        let mut stamps: Vec<_> = files_of(path, Some(&loaded.config))
            .into_iter()
            .map(|p| (p.clone(), stamp(&p)))
            .collect();
        if let Some(first) = stamps.first_mut() {
            first.1 = before;
        }
        Ok(Web::new(Some(path.to_path_buf()), stamps, Arc::new(loaded)))
    }

    fn new(path: Option<PathBuf>, stamps: Vec<(PathBuf, Option<Stamp>)>, l: Arc<Loaded>) -> Web {
        let limiter = l.config.rate_limit.map(|rl| Mutex::new(Bucket::new(rl)));
        Web {
            inner: Arc::new(Inner {
                path,
                tls: l.tls.is_some(),
                http2: l.config.http.http2,
                state: RwLock::new(State { stamps, loaded: Ok(l) }),
                cache: AuthCache::default(),
                limiter,
            }),
        }
    }

    /// Whether connections are served with TLS.
    pub fn tls_enabled(&self) -> bool {
        self.inner.tls
    }

    /// Whether HTTP/2 is offered (TLS only; plain HTTP is HTTP/1.1 as upstream).
    pub fn http2(&self) -> bool {
        self.inner.tls && self.inner.http2
    }

    /// The current load, re-read first if any of its files changed; `Err` while the files do
    /// not load (the error was logged when they changed).
    pub(super) fn current(&self) -> Result<Arc<Loaded>, ()> {
        let Some(path) = &self.inner.path else {
            return self.inner.state.read().loaded.clone();
        };
        {
            let state = self.inner.state.read();
            if state.stamps.iter().all(|(p, s)| stamp(p) == *s) {
                return state.loaded.clone();
            }
        }
        let mut state = self.inner.state.write();
        // Another caller may have reloaded meanwhile.
        if state.stamps.iter().all(|(p, s)| stamp(p) == *s) {
            return state.loaded.clone();
        }
        let before = stamp(path);
        let result = load(path);
        let files = match &result {
            Ok(l) => files_of(path, Some(&l.config)),
            // Keep watching the old certificate files too: fixing one may be the fix.
            Err(_) => {
                let mut f: Vec<PathBuf> = state.stamps.iter().map(|(p, _)| p.clone()).collect();
                if f.is_empty() {
                    f.push(path.clone());
                }
                f
            }
        };
        let mut stamps: Vec<_> = files.into_iter().map(|p| (p.clone(), stamp(&p))).collect();
        if let Some(first) = stamps.first_mut() {
            first.1 = before;
        }
        state.stamps = stamps;
        state.loaded = match result {
            Ok(l) => {
                tracing::info!(file = %path.display(), "Web config reloaded");
                Ok(Arc::new(l))
            }
            Err(e) => {
                tracing::error!(err = %e, "Unable to parse configuration");
                Err(())
            }
        };
        state.loaded.clone()
    }
}

impl Inner {
    pub(super) fn is_disabled(&self) -> bool {
        self.path.is_none()
    }
}
