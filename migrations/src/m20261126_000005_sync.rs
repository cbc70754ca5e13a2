//! What flows run and record: the inbox of notifications (`sync_events`), the links between
//! source and target records, runs, per-record outcomes (the record timeline), open and
//! resolved errors, and "sync existing records" backfills. Also the flows' listener token and
//! polling watermark.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{fk, index};
use crate::m20261126_000001_accounts::Tenants;
use crate::m20261126_000002_integrations::Flows;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FlowsExtra {
    ListenerToken,
    PollWatermark,
    PolledAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncEvents {
    Table,
    Id,
    TenantId,
    FlowId,
    RecordId,
    Source,
    NotificationId,
    Modstamp,
    Status,
    Attempts,
    AvailableAt,
    ClaimedAt,
    ReceivedAt,
    DoneAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecordLinks {
    Table,
    Id,
    TenantId,
    FlowId,
    SourceId,
    TargetId,
    Fingerprint,
    SyncedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum FlowRuns {
    Table,
    Id,
    TenantId,
    FlowId,
    Trigger,
    Status,
    Processed,
    Created,
    Updated,
    Unchanged,
    Skipped,
    Failed,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncOutcomes {
    Table,
    Id,
    TenantId,
    FlowId,
    RunId,
    RecordId,
    Outcome,
    Reason,
    TargetId,
    Detail,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncErrors {
    Table,
    Id,
    TenantId,
    FlowId,
    RecordId,
    Kind,
    Code,
    Message,
    PayloadExcerpt,
    Attempts,
    Status,
    Signature,
    WaitingOn,
    FirstSeenAt,
    LastSeenAt,
    ResolvedAt,
    ResolvedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Backfills {
    Table,
    Id,
    TenantId,
    FlowId,
    DryRun,
    ModifiedSince,
    Status,
    Cursor,
    Total,
    Processed,
    Created,
    Updated,
    Unchanged,
    Skipped,
    Failed,
    Reasons,
    Error,
    RequestedBy,
    CreatedAt,
    StartedAt,
    HeartbeatAt,
    FinishedAt,
}

fn tenant_fk(table: impl IntoIden + Copy, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk((table, col), (Tenants::Table, Tenants::Id))
}

fn flow_fk(table: impl IntoIden + Copy, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk((table, col), (Flows::Table, Flows::Id))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER.
        for col in [
            string_len_null(FlowsExtra::ListenerToken, 64),
            string_len_null(FlowsExtra::PollWatermark, 40),
            timestamp_with_time_zone_null(FlowsExtra::PolledAt),
        ] {
            if !manager.has_column("flows", &col.get_column_name()).await? {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Flows::Table)
                            .add_column(col.clone())
                            .take(),
                    )
                    .await?;
            }
        }
        manager
            .create_index(
                index(
                    "flows_listener_token",
                    Flows::Table,
                    [FlowsExtra::ListenerToken],
                )
                .unique()
                .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncEvents::Table)
                    .if_not_exists()
                    .col(pk_uuid(SyncEvents::Id))
                    .col(uuid(SyncEvents::TenantId))
                    .col(uuid(SyncEvents::FlowId))
                    .col(string_len(SyncEvents::RecordId, 18))
                    .col(string_len(SyncEvents::Source, 16))
                    .col(string_len_null(SyncEvents::NotificationId, 40))
                    .col(string_len_null(SyncEvents::Modstamp, 40))
                    .col(string_len(SyncEvents::Status, 12))
                    .col(integer(SyncEvents::Attempts))
                    .col(timestamp_with_time_zone(SyncEvents::AvailableAt))
                    .col(timestamp_with_time_zone_null(SyncEvents::ClaimedAt))
                    .col(timestamp_with_time_zone(SyncEvents::ReceivedAt))
                    .col(timestamp_with_time_zone_null(SyncEvents::DoneAt))
                    .foreign_key(&mut tenant_fk(SyncEvents::Table, SyncEvents::TenantId))
                    .foreign_key(&mut flow_fk(SyncEvents::Table, SyncEvents::FlowId))
                    .take(),
            )
            .await?;
        // Redelivered notifications and re-polled rows are dropped by these two.
        manager
            .create_index(
                index(
                    "sync_events_notification",
                    SyncEvents::Table,
                    [SyncEvents::FlowId, SyncEvents::NotificationId],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "sync_events_record_modstamp",
                    SyncEvents::Table,
                    [
                        SyncEvents::FlowId,
                        SyncEvents::RecordId,
                        SyncEvents::Modstamp,
                    ],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(index(
                "sync_events_due",
                SyncEvents::Table,
                [
                    SyncEvents::Status,
                    SyncEvents::FlowId,
                    SyncEvents::AvailableAt,
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "sync_events_timeline",
                SyncEvents::Table,
                [
                    SyncEvents::TenantId,
                    SyncEvents::RecordId,
                    SyncEvents::ReceivedAt,
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecordLinks::Table)
                    .if_not_exists()
                    .col(pk_uuid(RecordLinks::Id))
                    .col(uuid(RecordLinks::TenantId))
                    .col(uuid(RecordLinks::FlowId))
                    .col(string_len(RecordLinks::SourceId, 18))
                    .col(string_len_null(RecordLinks::TargetId, 40))
                    .col(string_len_null(RecordLinks::Fingerprint, 64))
                    .col(timestamp_with_time_zone(RecordLinks::SyncedAt))
                    .foreign_key(&mut tenant_fk(RecordLinks::Table, RecordLinks::TenantId))
                    .foreign_key(&mut flow_fk(RecordLinks::Table, RecordLinks::FlowId))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "record_links_source",
                    RecordLinks::Table,
                    [RecordLinks::FlowId, RecordLinks::SourceId],
                )
                .unique()
                .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FlowRuns::Table)
                    .if_not_exists()
                    .col(pk_uuid(FlowRuns::Id))
                    .col(uuid(FlowRuns::TenantId))
                    .col(uuid(FlowRuns::FlowId))
                    .col(string_len(FlowRuns::Trigger, 16))
                    .col(string_len(FlowRuns::Status, 12))
                    .col(integer(FlowRuns::Processed))
                    .col(integer(FlowRuns::Created))
                    .col(integer(FlowRuns::Updated))
                    .col(integer(FlowRuns::Unchanged))
                    .col(integer(FlowRuns::Skipped))
                    .col(integer(FlowRuns::Failed))
                    .col(timestamp_with_time_zone(FlowRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(FlowRuns::FinishedAt))
                    .foreign_key(&mut tenant_fk(FlowRuns::Table, FlowRuns::TenantId))
                    .foreign_key(&mut flow_fk(FlowRuns::Table, FlowRuns::FlowId))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "flow_runs_flow_time",
                FlowRuns::Table,
                [FlowRuns::FlowId, FlowRuns::StartedAt],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncOutcomes::Table)
                    .if_not_exists()
                    .col(pk_uuid(SyncOutcomes::Id))
                    .col(uuid(SyncOutcomes::TenantId))
                    .col(uuid(SyncOutcomes::FlowId))
                    .col(uuid_null(SyncOutcomes::RunId))
                    .col(string_len(SyncOutcomes::RecordId, 18))
                    .col(string_len(SyncOutcomes::Outcome, 16))
                    .col(text(SyncOutcomes::Reason))
                    .col(string_len_null(SyncOutcomes::TargetId, 40))
                    .col(json_null(SyncOutcomes::Detail))
                    .col(timestamp_with_time_zone(SyncOutcomes::At))
                    .foreign_key(&mut tenant_fk(SyncOutcomes::Table, SyncOutcomes::TenantId))
                    .foreign_key(&mut flow_fk(SyncOutcomes::Table, SyncOutcomes::FlowId))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "sync_outcomes_timeline",
                SyncOutcomes::Table,
                [
                    SyncOutcomes::TenantId,
                    SyncOutcomes::RecordId,
                    SyncOutcomes::At,
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "sync_outcomes_run",
                SyncOutcomes::Table,
                [SyncOutcomes::RunId],
            ))
            .await?;
        manager
            .create_index(index(
                "sync_outcomes_flow_time",
                SyncOutcomes::Table,
                [SyncOutcomes::FlowId, SyncOutcomes::At],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncErrors::Table)
                    .if_not_exists()
                    .col(pk_uuid(SyncErrors::Id))
                    .col(uuid(SyncErrors::TenantId))
                    .col(uuid(SyncErrors::FlowId))
                    .col(string_len(SyncErrors::RecordId, 18))
                    .col(string_len(SyncErrors::Kind, 16))
                    .col(string_len_null(SyncErrors::Code, 64))
                    .col(text(SyncErrors::Message))
                    .col(text_null(SyncErrors::PayloadExcerpt))
                    .col(integer(SyncErrors::Attempts))
                    .col(string_len(SyncErrors::Status, 12))
                    .col(string_len(SyncErrors::Signature, 64))
                    .col(string_len_null(SyncErrors::WaitingOn, 18))
                    .col(timestamp_with_time_zone(SyncErrors::FirstSeenAt))
                    .col(timestamp_with_time_zone(SyncErrors::LastSeenAt))
                    .col(timestamp_with_time_zone_null(SyncErrors::ResolvedAt))
                    .col(string_len_null(SyncErrors::ResolvedBy, 254))
                    .foreign_key(&mut tenant_fk(SyncErrors::Table, SyncErrors::TenantId))
                    .foreign_key(&mut flow_fk(SyncErrors::Table, SyncErrors::FlowId))
                    .take(),
            )
            .await?;
        for (name, cols) in [
            (
                "sync_errors_tenant_status_seen",
                vec![
                    SyncErrors::TenantId,
                    SyncErrors::Status,
                    SyncErrors::LastSeenAt,
                ],
            ),
            (
                "sync_errors_record",
                vec![SyncErrors::FlowId, SyncErrors::RecordId, SyncErrors::Status],
            ),
            (
                "sync_errors_signature",
                vec![SyncErrors::Status, SyncErrors::Signature],
            ),
            (
                "sync_errors_waiting",
                vec![
                    SyncErrors::TenantId,
                    SyncErrors::WaitingOn,
                    SyncErrors::Status,
                ],
            ),
            (
                "sync_errors_status_seen",
                vec![SyncErrors::Status, SyncErrors::LastSeenAt],
            ),
        ] {
            let mut stmt = Index::create();
            stmt.if_not_exists().name(name).table(SyncErrors::Table);
            for col in cols {
                stmt.col(col);
            }
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Backfills::Table)
                    .if_not_exists()
                    .col(pk_uuid(Backfills::Id))
                    .col(uuid(Backfills::TenantId))
                    .col(uuid(Backfills::FlowId))
                    .col(boolean(Backfills::DryRun))
                    .col(timestamp_with_time_zone_null(Backfills::ModifiedSince))
                    .col(string_len(Backfills::Status, 12))
                    .col(string_len_null(Backfills::Cursor, 18))
                    .col(big_integer_null(Backfills::Total))
                    .col(big_integer(Backfills::Processed))
                    .col(big_integer(Backfills::Created))
                    .col(big_integer(Backfills::Updated))
                    .col(big_integer(Backfills::Unchanged))
                    .col(big_integer(Backfills::Skipped))
                    .col(big_integer(Backfills::Failed))
                    .col(json(Backfills::Reasons))
                    .col(text_null(Backfills::Error))
                    .col(string_len(Backfills::RequestedBy, 254))
                    .col(timestamp_with_time_zone(Backfills::CreatedAt))
                    .col(timestamp_with_time_zone_null(Backfills::StartedAt))
                    .col(timestamp_with_time_zone_null(Backfills::HeartbeatAt))
                    .col(timestamp_with_time_zone_null(Backfills::FinishedAt))
                    .foreign_key(&mut tenant_fk(Backfills::Table, Backfills::TenantId))
                    .foreign_key(&mut flow_fk(Backfills::Table, Backfills::FlowId))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "backfills_flow",
                Backfills::Table,
                [Backfills::FlowId, Backfills::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Backfills::Table.into_iden(),
            SyncErrors::Table.into_iden(),
            SyncOutcomes::Table.into_iden(),
            FlowRuns::Table.into_iden(),
            RecordLinks::Table.into_iden(),
            SyncEvents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
