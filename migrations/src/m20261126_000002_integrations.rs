//! Installed integration apps, their connections to remote systems, and their flows.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{fk, index};
use crate::m20261126_000001_accounts::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Integrations {
    Table,
    Id,
    TenantId,
    AppKey,
    Name,
    Environment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    Id,
    TenantId,
    IntegrationId,
    System,
    AuthKind,
    Settings,
    SecretsCiphertext,
    KeyId,
    Status,
    LastTestedAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Flows {
    Table,
    Id,
    TenantId,
    IntegrationId,
    FlowKey,
    Section,
    Name,
    TriggerKind,
    Enabled,
    Settings,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Integrations::Table)
                    .if_not_exists()
                    .col(pk_uuid(Integrations::Id))
                    .col(uuid(Integrations::TenantId))
                    .col(string_len(Integrations::AppKey, 64))
                    .col(string_len(Integrations::Name, 120))
                    .col(string_len(Integrations::Environment, 16))
                    .col(timestamp_with_time_zone(Integrations::CreatedAt))
                    .foreign_key(&mut fk(
                        (Integrations::Table, Integrations::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "integrations_tenant",
                Integrations::Table,
                [Integrations::TenantId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Connections::Table)
                    .if_not_exists()
                    .col(pk_uuid(Connections::Id))
                    .col(uuid(Connections::TenantId))
                    .col(uuid(Connections::IntegrationId))
                    .col(string_len(Connections::System, 16))
                    .col(string_len(Connections::AuthKind, 32))
                    .col(json(Connections::Settings))
                    .col(blob_null(Connections::SecretsCiphertext))
                    .col(string_len_null(Connections::KeyId, 64))
                    .col(string_len(Connections::Status, 16))
                    .col(timestamp_with_time_zone_null(Connections::LastTestedAt))
                    .col(text_null(Connections::LastError))
                    .col(timestamp_with_time_zone(Connections::CreatedAt))
                    .col(timestamp_with_time_zone(Connections::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Connections::Table, Connections::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Connections::Table, Connections::IntegrationId),
                        (Integrations::Table, Integrations::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "connections_integration_system",
                    Connections::Table,
                    [Connections::IntegrationId, Connections::System],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Flows::Table)
                    .if_not_exists()
                    .col(pk_uuid(Flows::Id))
                    .col(uuid(Flows::TenantId))
                    .col(uuid(Flows::IntegrationId))
                    .col(string_len(Flows::FlowKey, 64))
                    .col(string_len(Flows::Section, 32))
                    .col(string_len(Flows::Name, 120))
                    .col(string_len(Flows::TriggerKind, 16))
                    .col(boolean(Flows::Enabled))
                    .col(json(Flows::Settings))
                    .col(integer(Flows::Version))
                    .col(timestamp_with_time_zone(Flows::CreatedAt))
                    .col(timestamp_with_time_zone(Flows::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Flows::Table, Flows::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Flows::Table, Flows::IntegrationId),
                        (Integrations::Table, Integrations::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "flows_integration_key",
                    Flows::Table,
                    [Flows::IntegrationId, Flows::FlowKey],
                )
                .unique()
                .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Flows::Table.into_iden(),
            Connections::Table.into_iden(),
            Integrations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
