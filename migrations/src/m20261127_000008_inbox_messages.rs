//! Stored outbound messages (`inbox_messages`): the listener writes a message as one row
//! before its `Ack`, and the engine splits it into `sync_events` when it next drains the flow.
//! Writing a 50-notification message as 50 inbox rows (each checked against two foreign keys
//! and four indexes) was most of the `Ack`'s time; one row is a fraction of it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{fk, index};
use crate::m20261126_000001_accounts::Tenants;
use crate::m20261126_000002_integrations::Flows;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum InboxMessages {
    Table,
    Id,
    TenantId,
    FlowId,
    ReceivedAt,
    Notifications,
    Events,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboxMessages::Table)
                    .if_not_exists()
                    .col(pk_uuid(InboxMessages::Id))
                    .col(uuid(InboxMessages::TenantId))
                    .col(uuid(InboxMessages::FlowId))
                    .col(timestamp_with_time_zone(InboxMessages::ReceivedAt))
                    .col(integer(InboxMessages::Notifications))
                    .col(text(InboxMessages::Events))
                    .foreign_key(&mut fk(
                        (InboxMessages::Table, InboxMessages::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        (InboxMessages::Table, InboxMessages::FlowId),
                        (Flows::Table, Flows::Id),
                    ))
                    .take(),
            )
            .await?;
        // The engine takes a flow's messages in arrival order (ids are time-ordered).
        manager
            .create_index(index(
                "inbox_messages_flow",
                InboxMessages::Table,
                [InboxMessages::FlowId, InboxMessages::Id],
            ))
            .await
    }

    /// Messages not yet split into events go with the table: stop the listeners and let the
    /// workers drain first.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InboxMessages::Table).to_owned())
            .await
    }
}
