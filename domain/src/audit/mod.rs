//! The audit log: every change a person, token or support staff makes to a
//! tenant is written here, with before/after snapshots that never hold secrets.

pub mod history;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::entities::audit_entry;
use crate::error::DomainResult;
use crate::ids::TenantId;
use crate::tenancy::Actor;

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Self {
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, value: Value) -> Self {
        self.before = Some(value);
        self
    }

    pub fn after(mut self, value: Value) -> Self {
        self.after = Some(value);
        self
    }
}

/// Appends `change` to `tenant_id`'s log. Runs inside the caller's transaction,
/// so a change and its audit entry commit together or not at all.
pub async fn record(
    db: &impl ConnectionTrait,
    tenant_id: TenantId,
    actor: &Actor,
    change: Change<'_>,
) -> DomainResult<()> {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant_id.0),
        actor_kind: Set(actor.kind.as_str().to_owned()),
        actor_user_id: Set(actor.user_id.map(|u| u.0)),
        actor_label: Set(actor.label.clone()),
        action: Set(change.action.to_owned()),
        target_type: Set(change.target_type.to_owned()),
        target_id: Set(change.target_id),
        before: Set(change.before),
        after: Set(change.after),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
