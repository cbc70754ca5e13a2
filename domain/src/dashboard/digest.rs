//! The optional per-integration e-mail digest of new error signatures: settings (who gets
//! it, on or off), and what a digest run finds to send — signatures with open errors that no
//! earlier digest of that integration reported. Sending is the job's (`ferry-jobs`), so the
//! domain needs no mail client.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::errors::{ErrorScope, SignatureGroup, signature_groups};
use super::filter::ErrorFilter;
use super::overview::{IntegrationFlows, integration_flows};
use crate::accounts::Email;
use crate::audit::{self, Change};
use crate::entities::{error_digest, error_digest_signature, flow, integration, tenant};
use crate::error::{DomainError, DomainResult};
use crate::ids::{FlowId, IntegrationId};
use crate::tenancy::{Role, Tenant, TenantAccess};

/// Signatures one digest lists at most.
const MAX_PER_DIGEST: u64 = 50;

/// An integration's digest settings as pages and the API show them.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DigestSettings {
    pub enabled: bool,
    pub recipients: Vec<String>,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The settings form as it arrives.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DigestParams {
    /// `on` to send digests.
    pub enabled: String,
    /// E-mail addresses separated by commas, spaces or new lines.
    pub recipients: String,
}

/// Parsed settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestInput {
    pub enabled: bool,
    pub recipients: Vec<Email>,
}

impl TryFrom<&DigestParams> for DigestInput {
    type Error = DomainError;

    fn try_from(p: &DigestParams) -> Result<Self, Self::Error> {
        let enabled = matches!(p.enabled.trim(), "on" | "true" | "1");
        let mut recipients = Vec::new();
        for raw in p
            .recipients
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let email = Email::parse(raw).map_err(|_| {
                DomainError::invalid("recipients", format!("{raw} is not an e-mail address."))
            })?;
            if !recipients.contains(&email) {
                recipients.push(email);
            }
        }
        if recipients.len() > 20 {
            return Err(DomainError::invalid(
                "recipients",
                "At most 20 recipients; use a mailing list for more.",
            ));
        }
        if enabled && recipients.is_empty() {
            return Err(DomainError::invalid(
                "recipients",
                "Enter at least one e-mail address to send the digest to.",
            ));
        }
        Ok(Self {
            enabled,
            recipients,
        })
    }
}

fn settings_of(row: Option<error_digest::Model>) -> DigestSettings {
    row.map(|r| DigestSettings {
        enabled: r.enabled,
        recipients: r
            .recipients
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        last_sent_at: r.last_sent_at,
        last_error: r.last_error,
    })
    .unwrap_or_default()
}

async fn row_of(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration: IntegrationId,
) -> DomainResult<Option<error_digest::Model>> {
    Ok(error_digest::Entity::find()
        .filter(error_digest::Column::TenantId.eq(tenant.id().0))
        .filter(error_digest::Column::IntegrationId.eq(integration.0))
        .one(db)
        .await?)
}

/// The digest settings of an integration of `tenant`.
pub async fn get_digest(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration: IntegrationId,
) -> DomainResult<DigestSettings> {
    integration_flows(db, tenant, integration).await?;
    Ok(settings_of(row_of(db, tenant, integration).await?))
}

/// Saves the digest settings (admins), audited.
pub async fn save_digest(
    db: &DatabaseConnection,
    access: &TenantAccess,
    integration: IntegrationId,
    input: DigestInput,
) -> DomainResult<DigestSettings> {
    access.require(Role::Admin)?;
    integration_flows(db, &access.tenant, integration).await?;
    let tx = db.begin().await?;
    let existing = row_of(&tx, &access.tenant, integration).await?;
    let before = existing
        .clone()
        .map(|r| json!({"enabled": r.enabled, "recipients": r.recipients}));
    let recipients = input
        .recipients
        .iter()
        .map(Email::as_str)
        .collect::<Vec<_>>()
        .join(",");
    let now = Utc::now();
    let saved = match existing {
        Some(row) => {
            let mut active = row.into_active_model();
            active.enabled = Set(input.enabled);
            active.recipients = Set(recipients.clone());
            active.updated_at = Set(now);
            active.update(&tx).await?
        }
        None => {
            error_digest::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(access.tenant.id().0),
                integration_id: Set(integration.0),
                enabled: Set(input.enabled),
                recipients: Set(recipients.clone()),
                last_sent_at: Set(None),
                last_error: Set(None),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?
        }
    };
    let mut change = Change::new("error_digest.updated", "integration", integration.0)
        .after(json!({"enabled": input.enabled, "recipients": recipients}));
    if let Some(b) = before {
        change = change.before(b);
    }
    audit::record(&tx, access.tenant.id(), &access.actor, change).await?;
    tx.commit().await?;
    Ok(settings_of(Some(saved)))
}

/// A digest ready to send.
#[derive(Clone, Debug)]
pub struct PendingDigest {
    pub digest_id: Uuid,
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub integration_id: IntegrationId,
    pub integration_name: String,
    pub recipients: Vec<String>,
    /// New signatures, largest first, with the flow's name.
    pub signatures: Vec<(SignatureGroup, String)>,
}

impl PendingDigest {
    pub fn subject(&self) -> String {
        let n = self.signatures.len();
        format!(
            "Ferry: {n} new kind{} of sync error in {} ({})",
            if n == 1 { "" } else { "s" },
            self.integration_name,
            self.tenant_name
        )
    }

    /// The plain-text body. `base_url` (the public URL) makes the links absolute.
    pub fn body(&self, base_url: Option<&str>) -> String {
        let base = base_url.unwrap_or("").trim_end_matches('/');
        let mut out = format!(
            "New kinds of errors appeared in {} since the last digest.\n\n",
            self.integration_name
        );
        for (group, flow_name) in &self.signatures {
            let e = &group.example;
            out.push_str(&format!(
                "* {count} open error{s} — {flow_name}\n  {kind}{code}: {message}\n",
                count = group.count,
                s = if group.count == 1 { "" } else { "s" },
                kind = e.kind,
                code = e
                    .code
                    .as_deref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default(),
                message = e.message,
            ));
            if let Some(hint) = e.hint {
                out.push_str(&format!("  What to do: {hint}\n"));
            }
            out.push_str(&format!(
                "  {base}/integrations/{}/dashboard/errors?signature={}\n\n",
                self.integration_id, group.signature
            ));
        }
        out.push_str(
            "You get this e-mail because the integration's error digest is on. \
             Turn it off on the integration's dashboard.\n",
        );
        out
    }
}

/// Every enabled digest with signatures not yet reported.
pub async fn pending_digests(db: &impl ConnectionTrait) -> DomainResult<Vec<PendingDigest>> {
    let digests = error_digest::Entity::find()
        .filter(error_digest::Column::Enabled.eq(true))
        .all(db)
        .await?;
    let mut out = Vec::new();
    for d in digests {
        let Some(tenant_row) = tenant::Entity::find_by_id(d.tenant_id).one(db).await? else {
            continue;
        };
        let Some(integration_row) = integration::Entity::find_by_id(d.integration_id)
            .filter(integration::Column::TenantId.eq(d.tenant_id))
            .one(db)
            .await?
        else {
            continue;
        };
        let t = Tenant::from_row(tenant_row);
        let flows: IntegrationFlows =
            integration_flows(db, &t, IntegrationId(integration_row.id)).await?;
        let ids: Vec<FlowId> = flows.flows.iter().map(|f| f.id).collect();
        let scope = ErrorScope::flows(&t, &ids);
        let known: HashSet<String> = error_digest_signature::Entity::find()
            .filter(error_digest_signature::Column::IntegrationId.eq(d.integration_id))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.signature)
            .collect();
        let groups = signature_groups(db, &scope, &ErrorFilter::open(), 100).await?;
        let signatures: Vec<(SignatureGroup, String)> = groups
            .into_iter()
            .filter(|g| !known.contains(&g.signature))
            .take(MAX_PER_DIGEST as usize)
            .map(|g| {
                let name = flows.flow_name(g.example.flow_id);
                (g, name)
            })
            .collect();
        if signatures.is_empty() {
            continue;
        }
        out.push(PendingDigest {
            digest_id: d.id,
            tenant_id: d.tenant_id,
            tenant_name: t.name().to_owned(),
            integration_id: IntegrationId(d.integration_id),
            integration_name: flows.name.clone(),
            recipients: d
                .recipients
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            signatures,
        });
    }
    Ok(out)
}

/// Records a digest as sent (its signatures are not reported again), or the failure (the
/// same signatures are tried next time).
pub async fn record_sent(
    db: &DatabaseConnection,
    digest: &PendingDigest,
    result: Result<(), String>,
) -> DomainResult<()> {
    let tx = db.begin().await?;
    let now = Utc::now();
    let update =
        error_digest::Entity::update_many().filter(error_digest::Column::Id.eq(digest.digest_id));
    match result {
        Ok(()) => {
            update
                .col_expr(error_digest::Column::LastSentAt, Some(now).into())
                .col_expr(
                    error_digest::Column::LastError,
                    Option::<String>::None.into(),
                )
                .exec(&tx)
                .await?;
            let rows = digest
                .signatures
                .iter()
                .map(|(g, _)| error_digest_signature::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant_id: Set(digest.tenant_id),
                    integration_id: Set(digest.integration_id.0),
                    signature: Set(g.signature.clone()),
                    notified_at: Set(now),
                });
            error_digest_signature::Entity::insert_many(rows)
                .on_conflict(OnConflict::new().do_nothing().to_owned())
                .exec_without_returning(&tx)
                .await?;
        }
        Err(e) => {
            update
                .col_expr(error_digest::Column::LastError, Some(e).into())
                .exec(&tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Flow ids of a tenant, for callers that only hold the ids.
pub async fn flows_of(db: &impl ConnectionTrait, tenant: Uuid) -> DomainResult<Vec<Uuid>> {
    Ok(flow::Entity::find()
        .filter(flow::Column::TenantId.eq(tenant))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_parsed_deduplicated_and_required_when_on() {
        let p = DigestParams {
            enabled: "on".into(),
            recipients: "a@example.com, b@example.com\nA@example.com".into(),
        };
        let input = DigestInput::try_from(&p).unwrap();
        assert_eq!(input.recipients.len(), 2);
        let p = DigestParams {
            enabled: "on".into(),
            recipients: " ".into(),
        };
        assert!(DigestInput::try_from(&p).is_err());
        let p = DigestParams {
            enabled: "".into(),
            recipients: "not-an-address".into(),
        };
        assert!(DigestInput::try_from(&p).is_err());
    }
}
