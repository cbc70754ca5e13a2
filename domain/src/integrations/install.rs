//! Installing an app: the integration row and its flows, all off.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;

use super::catalog::SALESFORCE_NETSUITE;
use crate::audit::{self, Change};
use crate::entities::{flow, integration};
use crate::error::DomainResult;
use crate::ids::{FlowId, IntegrationId, TenantId};
use crate::tenancy::Actor;

/// Installs the Salesforce–NetSuite app for `tenant_id`. Flows start disabled:
/// nothing syncs until the tenant has connected both systems and turned one on.
pub(crate) async fn install_salesforce_netsuite(
    tx: &impl ConnectionTrait,
    tenant_id: TenantId,
    actor: &Actor,
) -> DomainResult<IntegrationId> {
    let now = Utc::now();
    let app = &SALESFORCE_NETSUITE;
    let integration_id = IntegrationId::new();
    integration::ActiveModel {
        id: Set(integration_id.0),
        tenant_id: Set(tenant_id.0),
        app_key: Set(app.key.to_owned()),
        name: Set(app.name.to_owned()),
        environment: Set("production".to_owned()),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    for template in app.flows {
        flow::ActiveModel {
            id: Set(FlowId::new().0),
            tenant_id: Set(tenant_id.0),
            integration_id: Set(integration_id.0),
            flow_key: Set(template.key.to_owned()),
            section: Set(template.section.to_owned()),
            name: Set(template.name.to_owned()),
            trigger_kind: Set(template.trigger.as_str().to_owned()),
            enabled: Set(false),
            settings: Set(json!({})),
            version: Set(1),
            listener_token: Set(Some(crate::secret_tokens::generate(""))),
            poll_watermark: Set(None),
            polled_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(tx)
        .await?;
    }
    audit::record(
        tx,
        tenant_id,
        actor,
        Change::new("integration.installed", "integration", integration_id)
            .after(json!({ "app": app.key, "name": app.name })),
    )
    .await?;
    Ok(integration_id)
}
