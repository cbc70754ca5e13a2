//! Reading and saving a flow's settings. Saving is guarded by the flow's version: a save
//! names the version it was based on, and loses (changing nothing) when someone saved in
//! between, so two admins never overwrite each other silently.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use super::definition::{FlowDefinition, definition};
use super::settings::{FlowSettings, SettingsProblem};
use crate::audit::{self, Change};
use crate::entities::{audit_entry, flow};
use crate::error::{DomainError, DomainResult, FieldErrors};
use crate::ids::{FlowId, IntegrationId};
use crate::tenancy::{Role, TenantAccess};

/// The audit action of a settings change.
pub const SETTINGS_CHANGED: &str = "flow.settings_changed";

/// A flow's settings as stored now.
#[derive(Clone, Debug, Serialize)]
pub struct StoredSettings {
    pub flow_id: FlowId,
    #[serde(skip)]
    pub integration_id: IntegrationId,
    pub flow_key: String,
    pub section: String,
    pub name: String,
    pub enabled: bool,
    pub trigger: String,
    pub version: i32,
    pub settings: FlowSettings,
    pub criteria_summary: String,
    /// Set when the stored JSON could not be read and the defaults are shown instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    #[serde(skip)]
    pub definition: &'static FlowDefinition,
}

/// Why a save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Problems located at their fields (`mappings.2.target`).
    #[error("the settings have {} problem(s)", .0.len())]
    Invalid(Vec<SettingsProblem>),
    /// Someone saved since `expected` was read.
    #[error("the flow's settings changed since version {expected} (now {current})")]
    Stale {
        expected: i32,
        current: i32,
        by: Option<String>,
        at: Option<DateTime<Utc>>,
    },
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<sea_orm::DbErr> for SaveError {
    fn from(e: sea_orm::DbErr) -> Self {
        SaveError::Domain(e.into())
    }
}

impl SaveError {
    /// The message people read for a stale save.
    pub fn stale_message(expected: i32, by: &Option<String>, at: &Option<DateTime<Utc>>) -> String {
        let who = match (by, at) {
            (Some(by), Some(at)) => {
                format!(" ({by} saved at {} UTC)", at.format("%Y-%m-%d %H:%M"))
            }
            _ => String::new(),
        };
        format!(
            "These settings were changed by someone else since you opened them{who}. Your \
             changes were not saved, and nothing was overwritten. Open the latest settings, \
             then make your changes again (you were editing version {expected})."
        )
    }

    /// As the JSON API and flash messages report it.
    pub fn into_domain(self) -> DomainError {
        match self {
            SaveError::Invalid(problems) => {
                let mut errors = FieldErrors::default();
                for p in problems {
                    errors.push(p.path, p.message);
                }
                DomainError::Invalid(errors)
            }
            SaveError::Stale {
                expected, by, at, ..
            } => DomainError::Conflict(Self::stale_message(expected, &by, &at)),
            SaveError::Domain(e) => e,
        }
    }
}

async fn own_flow(
    db: &impl ConnectionTrait,
    access: &TenantAccess,
    id: FlowId,
) -> DomainResult<flow::Model> {
    flow::Entity::find_by_id(id.0)
        .filter(flow::Column::TenantId.eq(access.tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

fn stored(row: &flow::Model) -> DomainResult<StoredSettings> {
    let definition = definition(&row.flow_key)
        .ok_or_else(|| DomainError::Internal(format!("unknown flow {}", row.flow_key)))?;
    let (settings, unreadable) = match FlowSettings::from_stored(definition, &row.settings) {
        Ok(s) => (s, None),
        Err(message) => (definition.default_settings(), Some(message)),
    };
    Ok(StoredSettings {
        flow_id: FlowId(row.id),
        integration_id: IntegrationId(row.integration_id),
        flow_key: row.flow_key.clone(),
        section: row.section.clone(),
        name: row.name.clone(),
        enabled: row.enabled,
        trigger: row.trigger_kind.clone(),
        version: row.version,
        criteria_summary: settings.criteria.summary(),
        settings,
        unreadable,
        definition,
    })
}

/// A flow's settings (the defaults when never saved). Anyone in the tenant may read them.
pub async fn get_settings(
    db: &DatabaseConnection,
    access: &TenantAccess,
    id: FlowId,
) -> DomainResult<StoredSettings> {
    stored(&own_flow(db, access, id).await?)
}

/// Who saved the flow's settings last, and when.
async fn last_change(
    db: &impl ConnectionTrait,
    row: &flow::Model,
) -> DomainResult<Option<(String, DateTime<Utc>)>> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::TenantId.eq(row.tenant_id))
        .filter(audit_entry::Column::TargetType.eq("flow"))
        .filter(audit_entry::Column::TargetId.eq(row.id.to_string()))
        .filter(audit_entry::Column::Action.eq(SETTINGS_CHANGED))
        .order_by_desc(audit_entry::Column::CreatedAt)
        .one(db)
        .await?
        .map(|e| (e.actor_label, e.created_at)))
}

/// Saves `settings` over version `expected`. Validates first; writes nothing when the
/// version moved on. Saving what is already stored changes nothing (no new version).
pub async fn save_settings(
    db: &DatabaseConnection,
    access: &TenantAccess,
    id: FlowId,
    expected: i32,
    settings: FlowSettings,
) -> Result<StoredSettings, SaveError> {
    access.require(Role::Admin)?;
    let tx = db.begin().await?;
    let row = own_flow(&tx, access, id).await?;
    let before = stored(&row)?;
    settings
        .validate(before.definition)
        .map_err(SaveError::Invalid)?;
    if row.version != expected {
        let last = last_change(&tx, &row).await?;
        return Err(SaveError::Stale {
            expected,
            current: row.version,
            by: last.as_ref().map(|(by, _)| by.clone()),
            at: last.map(|(_, at)| at),
        });
    }
    if before.settings == settings && before.unreadable.is_none() {
        return Ok(before);
    }
    let after = serde_json::to_value(&settings)
        .map_err(|e| DomainError::Internal(format!("settings do not serialize: {e}")))?;
    // The version check and the write are one statement: of two saves over the same
    // version, exactly one matches.
    let updated = flow::Entity::update_many()
        .col_expr(flow::Column::Settings, Expr::value(after.clone()))
        .col_expr(flow::Column::Version, Expr::value(expected + 1))
        .col_expr(flow::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(flow::Column::Id.eq(row.id))
        .filter(flow::Column::TenantId.eq(row.tenant_id))
        .filter(flow::Column::Version.eq(expected))
        .exec(&tx)
        .await?;
    if updated.rows_affected != 1 {
        tx.rollback().await?;
        let current = own_flow(db, access, id).await?;
        let last = last_change(db, &current).await?;
        return Err(SaveError::Stale {
            expected,
            current: current.version,
            by: last.as_ref().map(|(by, _)| by.clone()),
            at: last.map(|(_, at)| at),
        });
    }
    let before_json = serde_json::to_value(&before.settings)
        .map_err(|e| DomainError::Internal(format!("settings do not serialize: {e}")))?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new(SETTINGS_CHANGED, "flow", row.id)
            .before(json!({ "version": expected, "settings": before_json }))
            .after(json!({ "version": expected + 1, "settings": after })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(flow = %row.flow_key, version = expected + 1, "flow settings saved");
    let saved = own_flow(db, access, id).await?;
    Ok(stored(&saved)?)
}
