//! Serving one simulator: binding, optional TLS, and the middleware both simulators share.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::ServerHandle;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::faults::{self, FaultInjector};
use crate::stats::{self, Stats};
use crate::{SimContext, admin};

/// Binds `addr` now, so port 0 resolves to a real port before the simulator state (which
/// needs its own base URL) is built.
pub(crate) fn bind(addr: SocketAddr, name: &str) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr)
        .with_context(|| format!("binding the {name} simulator to {addr}"))?;
    let local = listener
        .local_addr()
        .with_context(|| format!("reading the {name} simulator's bound address"))?;
    Ok((listener, local))
}

/// Base URL a client uses for a bound address; a wildcard bind is reached through loopback.
pub(crate) fn base_url(local: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    let host = if local.ip().is_unspecified() {
        if local.is_ipv4() {
            "127.0.0.1".to_owned()
        } else {
            "[::1]".to_owned()
        }
    } else if local.is_ipv6() {
        format!("[{}]", local.ip())
    } else {
        local.ip().to_string()
    };
    format!("{scheme}://{host}:{}", local.port())
}

/// A fresh context for a simulator bound at `base_url`.
pub(crate) fn context(
    base_url: String,
    seed: Option<u64>,
    responder: faults::FaultResponder,
) -> SimContext {
    SimContext {
        base_url,
        faults: web::Data::new(FaultInjector::new(seed, responder)),
        stats: web::Data::new(Stats::default()),
    }
}

/// Starts serving on `listener`; the returned handle stops the server.
pub(crate) fn spawn<F>(
    listener: TcpListener,
    tls: Option<rustls::ServerConfig>,
    workers: usize,
    ctx: &SimContext,
    configure: F,
) -> anyhow::Result<ServerHandle>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let faults = ctx.faults.clone();
    let stats = ctx.stats.clone();
    let server = HttpServer::new(move || {
        // Stats wrap outermost, so injected faults and their latency are counted too.
        App::new()
            .app_data(faults.clone())
            .app_data(stats.clone())
            .wrap(from_fn(faults::inject))
            .wrap(from_fn(stats::record))
            .configure(admin::configure)
            .configure(configure.clone())
    })
    .workers(workers.max(1))
    .disable_signals()
    .shutdown_timeout(1);
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config),
        None => server.listen(listener),
    }
    .context("starting the HTTP server")?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(handle)
}
