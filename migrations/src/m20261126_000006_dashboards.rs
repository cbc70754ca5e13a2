//! What the dashboards read fast: keyset-paging indexes on `sync_errors` (per tenant and across
//! tenants, optionally by signature), a covering index for the counts by tenant, flow and kind,
//! outcomes by kind (the "skipped" filter), runs by time (the support trend); and the optional
//! per-integration e-mail digest of new error signatures.
//!
//! Three indexes of migration 000005 are replaced by wider ones that serve the same prefixes,
//! so the write cost on the busiest table stays the same.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{fk, index};
use crate::m20261126_000001_accounts::Tenants;
use crate::m20261126_000002_integrations::Integrations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SyncErrors {
    Table,
    Id,
    TenantId,
    FlowId,
    Kind,
    Status,
    Signature,
    LastSeenAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncOutcomes {
    Table,
    Id,
    FlowId,
    Outcome,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum FlowRuns {
    Table,
    StartedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ErrorDigests {
    Table,
    Id,
    TenantId,
    IntegrationId,
    Enabled,
    Recipients,
    LastSentAt,
    LastError,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ErrorDigestSignatures {
    Table,
    Id,
    TenantId,
    IntegrationId,
    Signature,
    NotifiedAt,
}

/// Indexes of 000005 that the wider ones below make redundant.
const REPLACED: [&str; 3] = [
    "sync_errors_tenant_status_seen",
    "sync_errors_status_seen",
    "sync_errors_signature",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SyncErrors as E;
        for (name, cols) in [
            // A tenant's errors, newest first, paged by (last_seen_at, id).
            (
                "sync_errors_tenant_page",
                vec![E::TenantId, E::Status, E::LastSeenAt, E::Id],
            ),
            // Every tenant's errors (support), newest first.
            ("sync_errors_page", vec![E::Status, E::LastSeenAt, E::Id]),
            // One root cause of a tenant: its count, and its errors in order.
            (
                "sync_errors_tenant_signature",
                vec![E::TenantId, E::Status, E::Signature, E::LastSeenAt, E::Id],
            ),
            // One root cause across tenants; top signatures.
            (
                "sync_errors_signature_page",
                vec![E::Status, E::Signature, E::LastSeenAt, E::Id],
            ),
            // Counts by tenant, flow and kind read from the index alone.
            (
                "sync_errors_counts",
                vec![E::Status, E::TenantId, E::FlowId, E::Kind],
            ),
        ] {
            let mut stmt = Index::create();
            stmt.if_not_exists().name(name).table(E::Table);
            for col in cols {
                stmt.col(col);
            }
            manager.create_index(stmt).await?;
        }
        for name in REPLACED {
            manager
                .drop_index(
                    Index::drop()
                        .if_exists()
                        .name(name)
                        .table(E::Table)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_index(index(
                "sync_outcomes_flow_outcome",
                SyncOutcomes::Table,
                [
                    SyncOutcomes::FlowId,
                    SyncOutcomes::Outcome,
                    SyncOutcomes::At,
                    SyncOutcomes::Id,
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "flow_runs_started",
                FlowRuns::Table,
                [FlowRuns::StartedAt],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ErrorDigests::Table)
                    .if_not_exists()
                    .col(pk_uuid(ErrorDigests::Id))
                    .col(uuid(ErrorDigests::TenantId))
                    .col(uuid(ErrorDigests::IntegrationId))
                    .col(boolean(ErrorDigests::Enabled))
                    .col(text(ErrorDigests::Recipients))
                    .col(timestamp_with_time_zone_null(ErrorDigests::LastSentAt))
                    .col(text_null(ErrorDigests::LastError))
                    .col(timestamp_with_time_zone(ErrorDigests::UpdatedAt))
                    .foreign_key(&mut fk(
                        (ErrorDigests::Table, ErrorDigests::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        (ErrorDigests::Table, ErrorDigests::IntegrationId),
                        (Integrations::Table, Integrations::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "error_digests_integration",
                    ErrorDigests::Table,
                    [ErrorDigests::IntegrationId],
                )
                .unique()
                .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ErrorDigestSignatures::Table)
                    .if_not_exists()
                    .col(pk_uuid(ErrorDigestSignatures::Id))
                    .col(uuid(ErrorDigestSignatures::TenantId))
                    .col(uuid(ErrorDigestSignatures::IntegrationId))
                    .col(string_len(ErrorDigestSignatures::Signature, 64))
                    .col(timestamp_with_time_zone(ErrorDigestSignatures::NotifiedAt))
                    .foreign_key(&mut fk(
                        (
                            ErrorDigestSignatures::Table,
                            ErrorDigestSignatures::TenantId,
                        ),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        (
                            ErrorDigestSignatures::Table,
                            ErrorDigestSignatures::IntegrationId,
                        ),
                        (Integrations::Table, Integrations::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "error_digest_signatures_known",
                    ErrorDigestSignatures::Table,
                    [
                        ErrorDigestSignatures::IntegrationId,
                        ErrorDigestSignatures::Signature,
                    ],
                )
                .unique()
                .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ErrorDigestSignatures::Table.into_iden(),
            ErrorDigests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        for (name, table) in [
            ("sync_errors_tenant_page", SyncErrors::Table.into_iden()),
            ("sync_errors_page", SyncErrors::Table.into_iden()),
            (
                "sync_errors_tenant_signature",
                SyncErrors::Table.into_iden(),
            ),
            ("sync_errors_signature_page", SyncErrors::Table.into_iden()),
            ("sync_errors_counts", SyncErrors::Table.into_iden()),
            (
                "sync_outcomes_flow_outcome",
                SyncOutcomes::Table.into_iden(),
            ),
            ("flow_runs_started", FlowRuns::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().if_exists().name(name).table(table).to_owned())
                .await?;
        }
        use SyncErrors as E;
        for (name, cols) in [
            (
                "sync_errors_tenant_status_seen",
                vec![E::TenantId, E::Status, E::LastSeenAt],
            ),
            ("sync_errors_status_seen", vec![E::Status, E::LastSeenAt]),
            ("sync_errors_signature", vec![E::Status, E::Signature]),
        ] {
            let mut stmt = Index::create();
            stmt.if_not_exists().name(name).table(E::Table);
            for col in cols {
                stmt.col(col);
            }
            manager.create_index(stmt).await?;
        }
        Ok(())
    }
}
