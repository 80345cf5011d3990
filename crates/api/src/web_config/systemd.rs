//! `--web.systemd-socket`: the listening sockets systemd passed (socket activation:
//! `LISTEN_PID`, `LISTEN_FDS`, descriptors from 3 on).

use std::io;

/// Takes every socket passed by systemd as a tokio TCP listener, in order. Errors when none
/// was passed (or they were meant for another process), or one is not a TCP listener.
/// Call at most once: the descriptors are taken over.
pub fn systemd_listeners() -> io::Result<Vec<tokio::net::TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    let mut out = Vec::with_capacity(fds.len());
    for i in 0..fds.len() {
        let fd = i + 3;
        let l = fds
            .take_tcp_listener(i)
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("systemd socket (fd {fd}) is not a TCP listener: {e}"),
                )
            })?
            .ok_or_else(|| {
                io::Error::other(format!("systemd socket (fd {fd}) was already taken"))
            })?;
        l.set_nonblocking(true)?;
        out.push(tokio::net::TcpListener::from_std(l)?);
    }
    if out.is_empty() {
        return Err(io::Error::other("no socket activation file descriptors found"));
    }
    Ok(out)
}
