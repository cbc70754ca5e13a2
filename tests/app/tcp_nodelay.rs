//! Every connection to PostgreSQL runs with TCP_NODELAY. sqlx 0.9.0 dropped it, and with
//! Nagle's algorithm any statement longer than one TCP segment (the listener's multi-row
//! INSERT of a full outbound message) waited ~40 ms for the server's delayed ACK: the Ack
//! latency and the end-to-end rate both hinged on it. `vendor/README.md` has the patch.

use std::net::SocketAddr;

use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};

use crate::helpers::TestApp;

#[tokio::test]
async fn every_postgresql_connection_is_opened_with_tcp_nodelay() {
    let app = TestApp::spawn().await;
    if !app.database_url.starts_with("postgres") {
        // SQLite: no sockets to look at.
        return;
    }
    let port = reqwest::Url::parse(&app.database_url)
        .unwrap()
        .port()
        .unwrap_or(5432);
    // The app's pools (web, queue, governor) hold idle connections after the first use.
    let owner = app.owner("Nodelay Co").await;
    owner.home_html().await;

    // Our own sockets, duplicated through a pidfd: reading an option needs no unsafe code.
    let me = pidfd_open(getpid(), PidfdFlags::empty()).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // A socket may close between the listing and the copy: skip it then.
        let Ok(socket) = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()) else {
            continue;
        };
        if !is_socket {
            continue;
        }
        let peer = rustix::net::getpeername(&socket)
            .ok()
            .flatten()
            .and_then(|addr| SocketAddr::try_from(addr).ok());
        if peer.is_some_and(|peer| peer.port() == port) {
            assert!(
                rustix::net::sockopt::tcp_nodelay(&socket).unwrap(),
                "a PostgreSQL connection ({peer:?}) runs with Nagle's algorithm"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no PostgreSQL connection found to check");
}
