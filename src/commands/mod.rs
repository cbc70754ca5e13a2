//! One module per CLI command.

pub mod admin;
pub mod migrate;
pub mod sandbox;
pub mod serve;
pub mod worker;
