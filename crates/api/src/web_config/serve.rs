//! Serving a router on a listener with the web configuration: plain HTTP through
//! `axum::serve`, or TLS with each handshake on its own task (a slow client never holds up
//! the accept loop) and the current certificates (re-read when their files change).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::reload::Web;

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

impl Web {
    /// Serves `router` (behind [`Web::layer`]) on `listener` until `shutdown` completes, then
    /// lets open requests finish.
    pub async fn serve(
        &self,
        listener: TcpListener,
        router: axum::Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let app = self.layer(router);
        if !self.tls_enabled() {
            return axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
        }
        let tls = TlsListener::start(listener, self.clone())?;
        axum::serve(tls, app).with_graceful_shutdown(shutdown).await
    }
}

/// Connections that completed their TLS handshake, for `axum::serve`.
struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accept_loop: JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // Closes the socket: no new connections once the server stops.
        self.accept_loop.abort();
    }
}

impl TlsListener {
    fn start(listener: TcpListener, web: Web) -> io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let accept_loop = tokio::spawn(accept_loop(listener, web, tx));
        Ok(TlsListener { ready, local, accept_loop })
    }
}

async fn accept_loop(
    listener: TcpListener,
    web: Web,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = tokio::select! {
            _ = tx.closed() => return,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::error!(err = %e, "accept error");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        let web = web.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            // The configuration as of this handshake: rotated certificates apply to new
            // connections. A configuration that does not load refuses them.
            let Some(config) = web.current().ok().and_then(|l| l.tls.clone()) else {
                tracing::error!(peer = %peer, "TLS handshake refused: the web config does not load");
                return;
            };
            let acceptor = TlsAcceptor::from(config);
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = tx.send((stream, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(peer = %peer, err = %e, "TLS handshake error"),
                Err(_) => tracing::debug!(peer = %peer, "TLS handshake timed out"),
            }
        });
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accept loop ended (only when this listener is dropped): nothing more comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
