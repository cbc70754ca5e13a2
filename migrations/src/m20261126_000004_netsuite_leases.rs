//! Leases on NetSuite concurrency slots, shared by every worker process of one database
//! (`ferry_domain::governor`). One row per slot of an account; a row is free when it has no
//! holder or its lease has lapsed, and not withheld after a 429. Waiters mark that real-time
//! work is waiting so that backfill yields.
//!
//! Only the PostgreSQL gate reads these tables (SQLite is one process and uses an in-process
//! semaphore), but the schema stays portable like every migration.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NetsuiteSlots {
    Table,
    AccountKey,
    Slot,
    Holder,
    Priority,
    ExpiresAt,
    WithheldUntil,
}

#[derive(DeriveIden)]
enum NetsuiteWaiters {
    Table,
    AccountKey,
    Waiter,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NetsuiteSlots::Table)
                    .if_not_exists()
                    // The NetSuite account id in its realm form (`1234567_SB1`): the limit
                    // belongs to the account, whichever tenant or connection reaches it.
                    .col(string_len(NetsuiteSlots::AccountKey, 128))
                    .col(integer(NetsuiteSlots::Slot))
                    // One id per lease, never reused, so a late release cannot free a slot
                    // someone else has claimed since.
                    .col(uuid_null(NetsuiteSlots::Holder))
                    .col(string_len_null(NetsuiteSlots::Priority, 16))
                    .col(timestamp_with_time_zone_null(NetsuiteSlots::ExpiresAt))
                    .col(timestamp_with_time_zone_null(NetsuiteSlots::WithheldUntil))
                    .primary_key(
                        Index::create()
                            .col(NetsuiteSlots::AccountKey)
                            .col(NetsuiteSlots::Slot),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NetsuiteWaiters::Table)
                    .if_not_exists()
                    .col(string_len(NetsuiteWaiters::AccountKey, 128))
                    // One row per gate (process) with real-time work waiting.
                    .col(uuid(NetsuiteWaiters::Waiter))
                    .col(timestamp_with_time_zone(NetsuiteWaiters::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(NetsuiteWaiters::AccountKey)
                            .col(NetsuiteWaiters::Waiter),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(NetsuiteWaiters::Table)
                    .if_exists()
                    .take(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(NetsuiteSlots::Table).if_exists().take())
            .await
    }
}
