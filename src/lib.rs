//! Ferry, the binary's library half: configuration, key management, wiring of
//! the web server and workers, and the commands of the `ferry` CLI.

pub mod app;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod config;
pub mod keys;
pub mod telemetry;
