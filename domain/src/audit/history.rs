//! The audit log of one integration as people read it: who changed what and when, with a
//! field-by-field before/after of each change. Snapshots never hold secrets; values under
//! secret-looking keys are masked all the same.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

use crate::entities::{audit_entry, connection, flow, integration};
use crate::error::{DomainError, DomainResult};
use crate::flows::criteria::Criteria;
use crate::ids::IntegrationId;
use crate::tenancy::Tenant;

/// One changed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    /// `mappings.2.source.field`.
    pub path: String,
    /// `None`: the value did not exist on that side.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One audit entry.
#[derive(Clone, Debug)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    /// In words: "Turned on", "Changed the settings".
    pub label: String,
    /// What was changed: "Contact flow", "Salesforce connection".
    pub target: String,
    /// A sentence for changes a diff shows poorly (the qualification criteria).
    pub summary: Option<String>,
    pub diff: Vec<DiffLine>,
}

fn action_label(action: &str) -> String {
    match action {
        "flow.settings_changed" => "Changed the settings",
        "flow.enabled" => "Turned the flow on",
        "flow.disabled" => "Turned the flow off",
        "flow.trigger_changed" => "Changed the trigger",
        "flow.listener_rotated" => "Made a new listener URL",
        "backfill.started" => "Started syncing existing records",
        "backfill.canceled" => "Canceled syncing existing records",
        "record.retried" => "Queued a record for sync",
        "connection.created" => "Connected",
        "connection.updated" => "Changed the connection",
        "connection.tested" => "Tested the connection",
        "connection.refresh_token_rotated" => "Stored a rotated refresh token",
        "integration.installed" => "Installed the integration",
        "integration.updated" => "Changed the general settings",
        other => other,
    }
    .to_owned()
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "password", "private_key", "token", "ciphertext"]
        .iter()
        .any(|s| key.contains(s))
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                if is_secret_key(k) {
                    out.insert(join(k), "••••••".to_owned());
                } else {
                    flatten(&join(k), v, out);
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&join(&i.to_string()), v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// Every path whose value differs between `before` and `after`, in path order.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Vec<DiffLine> {
    let (mut b, mut a) = (BTreeMap::new(), BTreeMap::new());
    if let Some(v) = before {
        flatten("", v, &mut b);
    }
    if let Some(v) = after {
        flatten("", v, &mut a);
    }
    let mut paths: Vec<&String> = b.keys().chain(a.keys()).collect();
    paths.sort_by_key(|p| natural(p));
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| b.get(*p) != a.get(*p))
        .map(|p| DiffLine {
            path: p.clone(),
            before: b.get(p).cloned(),
            after: a.get(p).cloned(),
        })
        .collect()
}

/// Sorts `mappings.10` after `mappings.9`.
fn natural(path: &str) -> Vec<(u8, u64, String)> {
    path.split('.')
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (0, n, String::new()),
            Err(_) => (1, 0, part.to_owned()),
        })
        .collect()
}

fn criteria_of(snapshot: Option<&Value>) -> Option<String> {
    let criteria = snapshot?.get("settings")?.get("criteria")?;
    serde_json::from_value::<Criteria>(criteria.clone())
        .ok()
        .map(|c| c.summary())
}

/// The integration's audit entries, newest first: its own, its flows' and its connections'.
pub async fn integration_history(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration_id: IntegrationId,
    limit: u64,
) -> DomainResult<Vec<AuditLine>> {
    let tid = tenant.id().0;
    integration::Entity::find_by_id(integration_id.0)
        .filter(integration::Column::TenantId.eq(tid))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let flows: BTreeMap<String, String> = flow::Entity::find()
        .filter(flow::Column::TenantId.eq(tid))
        .filter(flow::Column::IntegrationId.eq(integration_id.0))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id.to_string(), format!("{} flow", f.section)))
        .collect();
    let connections: BTreeMap<String, String> = connection::Entity::find()
        .filter(connection::Column::TenantId.eq(tid))
        .filter(connection::Column::IntegrationId.eq(integration_id.0))
        .all(db)
        .await?
        .into_iter()
        .map(|c| {
            let system = if c.system == "netsuite" {
                "NetSuite"
            } else {
                "Salesforce"
            };
            (c.id.to_string(), format!("{system} connection"))
        })
        .collect();
    let targets = Condition::any()
        .add(
            Condition::all()
                .add(audit_entry::Column::TargetType.eq("integration"))
                .add(audit_entry::Column::TargetId.eq(integration_id.to_string())),
        )
        .add(
            Condition::all()
                .add(audit_entry::Column::TargetType.eq("flow"))
                .add(audit_entry::Column::TargetId.is_in(flows.keys().cloned())),
        )
        .add(
            Condition::all()
                .add(audit_entry::Column::TargetType.eq("connection"))
                .add(audit_entry::Column::TargetId.is_in(connections.keys().cloned())),
        );
    let rows = audit_entry::Entity::find()
        .filter(audit_entry::Column::TenantId.eq(tid))
        .filter(targets)
        .order_by_desc(audit_entry::Column::CreatedAt)
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.target_id.clone().unwrap_or_default();
            let target = match row.target_type.as_str() {
                "flow" => flows.get(&id).cloned(),
                "connection" => connections.get(&id).cloned(),
                _ => None,
            }
            .unwrap_or_else(|| "Integration".to_owned());
            let summary = if row.action == crate::flows::save::SETTINGS_CHANGED {
                match (
                    criteria_of(row.before.as_ref()),
                    criteria_of(row.after.as_ref()),
                ) {
                    (Some(b), Some(a)) if a != b => {
                        Some(format!("Qualification criteria: {b} → {a}"))
                    }
                    _ => None,
                }
            } else {
                None
            };
            AuditLine {
                at: row.created_at,
                label: action_label(&row.action),
                diff: diff(row.before.as_ref(), row.after.as_ref()),
                actor: row.actor_label,
                action: row.action,
                target,
                summary,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_diff_names_each_changed_value_and_masks_secrets() {
        let before = json!({"version": 1, "settings": {"create": true, "mappings": [
            {"target": "email", "source": {"kind": "field", "field": "Email"}}]}});
        let after = json!({"version": 2, "client_secret": "s3cret", "settings": {"create": false, "mappings": [
            {"target": "email", "source": {"kind": "field", "field": "Email"},
             "transforms": [{"kind": "trim"}]}]}});
        let lines = diff(Some(&before), Some(&after));
        let paths: Vec<&str> = lines.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "client_secret",
                "settings.create",
                "settings.mappings.0.transforms.0.kind",
                "version"
            ]
        );
        assert_eq!(lines[0].after.as_deref(), Some("••••••"));
        assert_eq!(lines[1].before.as_deref(), Some("true"));
        assert_eq!(lines[2].before, None);
    }
}
