//! The inbox (`sync_events`) is written on the listener's path to the `Ack` and rewritten at
//! every claim and finish, and a changed status rewrites every index of the row. Its
//! `(tenant_id, record_id, received_at)` index only served the record timeline, which reads
//! through the tenant's flows instead: `(flow_id, record_id, modstamp)` already exists for
//! deduplication, and a tenant has a handful of flows. One index fewer on every inbox write
//! (about a fifth of the `INSERT` of a 100-notification message, measured).

use sea_orm_migration::prelude::*;

use crate::common::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SyncEvents {
    Table,
    TenantId,
    RecordId,
    ReceivedAt,
}

const TIMELINE: &str = "sync_events_timeline";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .if_exists()
                    .name(TIMELINE)
                    .table(SyncEvents::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                TIMELINE,
                SyncEvents::Table,
                [
                    SyncEvents::TenantId,
                    SyncEvents::RecordId,
                    SyncEvents::ReceivedAt,
                ],
            ))
            .await
    }
}
