//! Database migrations for Ferry, written with the schema builder so the same
//! migration runs on PostgreSQL (production, tests) and SQLite (embedded default).

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261126_000001_accounts;
mod m20261126_000002_integrations;
mod m20261126_000003_audit_log;
mod m20261126_000004_netsuite_leases;
mod m20261126_000005_sync;
mod m20261126_000006_dashboards;
mod m20261127_000007_inbox_writes;
mod m20261127_000008_inbox_messages;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_accounts::Migration),
            Box::new(m20261126_000002_integrations::Migration),
            Box::new(m20261126_000003_audit_log::Migration),
            Box::new(m20261126_000004_netsuite_leases::Migration),
            Box::new(m20261126_000005_sync::Migration),
            Box::new(m20261126_000006_dashboards::Migration),
            Box::new(m20261127_000007_inbox_writes::Migration),
            Box::new(m20261127_000008_inbox_messages::Migration),
        ]
    }
}
