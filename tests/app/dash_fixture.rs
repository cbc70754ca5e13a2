//! Rows for the dashboard tests, written straight into the database: errors, runs and
//! outcomes in the numbers and shapes a test needs, without driving syncs for each.

use chrono::{DateTime, Duration, Utc};
use ferry_domain::entities::{flow, flow_run, sync_error, sync_event, sync_outcome};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::helpers::{TestApp, TestClient};

/// A tenant's integration and flows, as ids.
pub struct Tenant {
    pub id: Uuid,
    pub integration: String,
    /// Account flow first, then the contact flow.
    pub flows: Vec<Uuid>,
    pub flow_keys: Vec<String>,
}

impl Tenant {
    pub fn dash(&self) -> String {
        format!("/integrations/{}/dashboard", self.integration)
    }
}

pub async fn tenant_of(app: &TestApp, client: &TestClient) -> Tenant {
    let integration = client.first_integration_id().await;
    let iid = Uuid::parse_str(&integration).unwrap();
    let flows = flow::Entity::find()
        .filter(flow::Column::IntegrationId.eq(iid))
        .order_by_asc(flow::Column::CreatedAt)
        .all(&app.db)
        .await
        .unwrap();
    Tenant {
        id: flows[0].tenant_id,
        integration,
        flow_keys: flows.iter().map(|f| f.flow_key.clone()).collect(),
        flows: flows.iter().map(|f| f.id).collect(),
    }
}

/// One error row.
pub struct NewError<'a> {
    pub flow: usize,
    pub record: &'a str,
    pub kind: &'a str,
    pub code: Option<&'a str>,
    pub message: &'a str,
    pub open: bool,
    pub seen: DateTime<Utc>,
}

impl Default for NewError<'_> {
    fn default() -> Self {
        Self {
            flow: 1,
            record: "003000000000001AAA",
            kind: "validation",
            code: Some("USER_ERROR"),
            message: "Please enter value(s) for: Last Name",
            open: true,
            seen: Utc::now(),
        }
    }
}

pub async fn insert_error(app: &TestApp, t: &Tenant, e: NewError<'_>) -> Uuid {
    let id = Uuid::now_v7();
    let sig =
        ferry_domain::sync::signature::signature(&t.flow_keys[e.flow], e.kind, e.code, e.message);
    sync_error::ActiveModel {
        id: Set(id),
        tenant_id: Set(t.id),
        flow_id: Set(t.flows[e.flow]),
        record_id: Set(e.record.to_owned()),
        kind: Set(e.kind.to_owned()),
        code: Set(e.code.map(str::to_owned)),
        message: Set(e.message.to_owned()),
        payload_excerpt: Set(Some("{\"lastName\":\"\"}".to_owned())),
        attempts: Set(2),
        status: Set(if e.open { "open" } else { "resolved" }.to_owned()),
        signature: Set(sig),
        waiting_on: Set(None),
        first_seen_at: Set(e.seen - Duration::minutes(5)),
        last_seen_at: Set(e.seen),
        resolved_at: Set((!e.open).then_some(e.seen)),
        resolved_by: Set((!e.open).then(|| "someone@example.com".to_owned())),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

pub async fn insert_run(
    app: &TestApp,
    t: &Tenant,
    flow: usize,
    started: DateTime<Utc>,
    created: i32,
    failed: i32,
) -> Uuid {
    let id = Uuid::now_v7();
    flow_run::ActiveModel {
        id: Set(id),
        tenant_id: Set(t.id),
        flow_id: Set(t.flows[flow]),
        trigger: Set("outbound".to_owned()),
        status: Set("done".to_owned()),
        processed: Set(created + failed + 1),
        created: Set(created),
        updated: Set(0),
        unchanged: Set(0),
        skipped: Set(1),
        failed: Set(failed),
        started_at: Set(started),
        finished_at: Set(Some(started + Duration::milliseconds(1500))),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

pub async fn insert_outcome(
    app: &TestApp,
    t: &Tenant,
    flow: usize,
    run: Option<Uuid>,
    record: &str,
    outcome: &str,
    reason: &str,
) -> Uuid {
    let id = Uuid::now_v7();
    sync_outcome::ActiveModel {
        id: Set(id),
        tenant_id: Set(t.id),
        flow_id: Set(t.flows[flow]),
        run_id: Set(run),
        record_id: Set(record.to_owned()),
        outcome: Set(outcome.to_owned()),
        reason: Set(reason.to_owned()),
        target_id: Set(None),
        detail: Set(Some(
            serde_json::json!({"action": "skip", "kind": "standalone"}),
        )),
        at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// Records put back in the inbox by a retry, for a tenant: (flow, record), sorted.
pub async fn retry_events(app: &TestApp, tenant: Uuid) -> Vec<(Uuid, String)> {
    let mut out: Vec<(Uuid, String)> = sync_event::Entity::find()
        .filter(sync_event::Column::TenantId.eq(tenant))
        .filter(sync_event::Column::Source.eq("retry"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.flow_id, e.record_id))
        .collect();
    out.sort();
    out
}

pub async fn error_status(app: &TestApp, id: Uuid) -> (String, Option<String>) {
    let e = sync_error::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (e.status, e.resolved_by)
}

/// Audit entries of a tenant with `action`: (actor kind, actor label).
pub async fn audit_of(
    app: &TestApp,
    tenant: Uuid,
    action: &str,
) -> Vec<(String, String, serde_json::Value)> {
    use ferry_domain::entities::audit_entry;
    audit_entry::Entity::find()
        .filter(audit_entry::Column::TenantId.eq(tenant))
        .filter(audit_entry::Column::Action.eq(action))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.actor_kind, a.actor_label, a.after.unwrap_or_default()))
        .collect()
}

/// A support staff member, logged in.
pub async fn support_client(app: &TestApp) -> TestClient {
    use crate::helpers::{PASSWORD, unique_email};
    let email = unique_email("support");
    ferry_domain::accounts::create_support_user(
        &app.db,
        ferry_domain::accounts::Email::parse(&email).unwrap(),
        ferry_domain::accounts::PersonName::parse("Support").unwrap(),
        ferry_domain::accounts::NewPassword::parse(PASSWORD).unwrap(),
    )
    .await
    .unwrap();
    let mut support = app.client().await;
    assert_eq!(support.login(&email, PASSWORD).await.status(), 303);
    support
}
