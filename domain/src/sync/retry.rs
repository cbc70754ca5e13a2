//! Retrying by hand: one error, one record, or every open error matching a filter. A retry is
//! a fresh event in the inbox, so it runs through the same path as a notification.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

use super::Waker;
use super::events::{self, EventSource, NewEvent};
use crate::audit::{self, Change};
use crate::entities::{flow, sync_error};
use crate::error::{DomainError, DomainResult};
use crate::ids::FlowId;
use crate::tenancy::{Role, TenantAccess};

/// Re-queues one record of a flow of `access.tenant`.
pub async fn retry_record(
    db: &DatabaseConnection,
    waker: &dyn Waker,
    access: &TenantAccess,
    flow_id: FlowId,
    record_id: &str,
) -> DomainResult<()> {
    access.require(Role::Member)?;
    let record_id = record_id.trim();
    if record_id.is_empty()
        || record_id.len() > 18
        || !record_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(DomainError::invalid(
            "record_id",
            "Enter a Salesforce record id (15 or 18 characters).",
        ));
    }
    let row = flow::Entity::find_by_id(flow_id.0)
        .filter(flow::Column::TenantId.eq(access.tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    events::add(
        db,
        row.tenant_id,
        row.id,
        vec![NewEvent {
            record_id: record_id.to_owned(),
            source: EventSource::Retry,
            notification_id: None,
            modstamp: None,
        }],
    )
    .await?;
    audit::record(
        db,
        access.tenant.id(),
        &access.actor,
        Change::new("record.retried", "flow", row.id).after(json!({ "record_id": record_id })),
    )
    .await?;
    waker.wake(row.id).await;
    Ok(())
}

/// Re-queues the record of one open error.
pub async fn retry_error(
    db: &DatabaseConnection,
    waker: &dyn Waker,
    access: &TenantAccess,
    error_id: uuid::Uuid,
) -> DomainResult<()> {
    let error = sync_error::Entity::find_by_id(error_id)
        .filter(sync_error::Column::TenantId.eq(access.tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    retry_record(db, waker, access, FlowId(error.flow_id), &error.record_id).await
}
