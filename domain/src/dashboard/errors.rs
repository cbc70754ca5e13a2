//! The error views: a keyset-paged list, capped counts, groups by root cause (signature),
//! counts by tenant / flow / kind, and the actions Retry and Resolve on one error, a selection
//! or everything a filter matches. Every query runs inside an [`ErrorScope`], which only a
//! verified tenant or support access can make, and stays on an index with a million rows.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::filter::{Cursor, ErrorFilter, ErrorStatus};
use super::hints::hint;
use crate::audit::{self, Change};
use crate::entities::{flow, sync_error, tenant};
use crate::error::{DomainError, DomainResult};
use crate::ids::{FlowId, TenantId};
use crate::sync::Waker;
use crate::sync::events::{self, EventSource, NewEvent};
use crate::sync::records::{OPEN, RESOLVED};
use crate::tenancy::{Actor, ActorKind, Role, SupportAccess, Tenant, TenantAccess};

/// Counts stop at this many: "10,000+" is as useful as the exact number and stays fast.
pub const COUNT_CAP: u64 = 10_000;
/// Rows per step of a bulk action.
const BULK_STEP: u64 = 500;
/// Ids accepted in one selection.
pub const MAX_SELECTION: usize = 500;

/// Which errors a caller may see: one tenant (optionally only some flows), or every tenant.
#[derive(Clone, Debug)]
pub struct ErrorScope {
    tenant: Option<Uuid>,
    flows: Option<Vec<Uuid>>,
}

impl ErrorScope {
    /// Every error of `tenant`.
    pub fn tenant(tenant: &Tenant) -> Self {
        Self {
            tenant: Some(tenant.id().0),
            flows: None,
        }
    }

    /// The errors of some flows of `tenant` (an integration's). The flows must be the
    /// tenant's: the tenant condition applies as well, so a foreign id only finds nothing.
    pub fn flows(tenant: &Tenant, flows: &[FlowId]) -> Self {
        Self {
            tenant: Some(tenant.id().0),
            flows: Some(flows.iter().map(|f| f.0).collect()),
        }
    }

    /// Every tenant's errors: support staff only.
    pub fn support(_support: &SupportAccess) -> Self {
        Self {
            tenant: None,
            flows: None,
        }
    }

    /// One tenant's errors, as support sees them (drill-down).
    pub fn support_tenant(_support: &SupportAccess, tenant: TenantId) -> Self {
        Self {
            tenant: Some(tenant.0),
            flows: None,
        }
    }

    pub fn tenant_id(&self) -> Option<Uuid> {
        self.tenant
    }

    pub fn flow_ids(&self) -> Option<&[Uuid]> {
        self.flows.as_deref()
    }

    /// The rows this scope may see, whatever their status.
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(t) = self.tenant {
            c = c.add(sync_error::Column::TenantId.eq(t));
        }
        if let Some(flows) = &self.flows {
            c = c.add(sync_error::Column::FlowId.is_in(flows.iter().copied()));
        }
        c
    }
}

/// One error as the lists, the error page and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub flow_id: Uuid,
    pub record_id: String,
    pub kind: String,
    /// The remote system's error code, as it said it.
    pub code: Option<String>,
    /// The remote system's message, in full.
    pub message: String,
    pub payload_excerpt: Option<String>,
    /// What the code means and what to do, in plain words.
    pub hint: Option<&'static str>,
    pub attempts: i32,
    pub status: String,
    pub signature: String,
    pub waiting_on: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

impl From<sync_error::Model> for ErrorItem {
    fn from(e: sync_error::Model) -> Self {
        Self {
            hint: hint(&e.kind, e.code.as_deref()),
            id: e.id,
            tenant_id: e.tenant_id,
            flow_id: e.flow_id,
            record_id: e.record_id,
            kind: e.kind,
            code: e.code,
            message: e.message,
            payload_excerpt: e.payload_excerpt,
            attempts: e.attempts,
            status: e.status,
            signature: e.signature,
            waiting_on: e.waiting_on,
            first_seen_at: e.first_seen_at,
            last_seen_at: e.last_seen_at,
            resolved_at: e.resolved_at,
            resolved_by: e.resolved_by,
        }
    }
}

/// One page of a list and where the next one starts.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    #[serde(serialize_with = "serialize_cursor")]
    pub next: Option<Cursor>,
}

fn serialize_cursor<S: serde::Serializer>(c: &Option<Cursor>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_some(&c.encode()),
        None => s.serialize_none(),
    }
}

/// A count that stops at [`COUNT_CAP`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub n: u64,
    /// There are more than `n`.
    pub capped: bool,
}

impl Count {
    fn of(n: u64) -> Self {
        Self {
            n: n.min(COUNT_CAP),
            capped: n > COUNT_CAP,
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", thousands(self.n))?;
        if self.capped {
            f.write_str("+")?;
        }
        Ok(())
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The condition of `filter` within `scope` (status included).
pub fn condition(scope: &ErrorScope, filter: &ErrorFilter) -> Condition {
    use sync_error::Column as C;
    let mut c = scope.condition().add(C::Status.eq(filter.status.as_str()));
    if scope.tenant.is_none()
        && let Some(t) = filter.tenant
    {
        c = c.add(C::TenantId.eq(t.0));
    }
    if let Some(f) = filter.flow {
        c = c.add(C::FlowId.eq(f.0));
    }
    if let Some(k) = filter.kind {
        c = c.add(C::Kind.eq(k));
    }
    if let Some(code) = &filter.code {
        c = c.add(C::Code.eq(code.as_str()));
    }
    if let Some(s) = &filter.signature {
        c = c.add(C::Signature.eq(s.as_str()));
    }
    if let Some(r) = &filter.record {
        c = c.add(C::RecordId.eq(r.as_str()));
    }
    if let Some(s) = filter.since {
        c = c.add(C::LastSeenAt.gte(s));
    }
    if let Some(u) = filter.until {
        c = c.add(C::LastSeenAt.lt(u));
    }
    c
}

/// Rows strictly after `cursor` in newest-first order. Written as `at <= x AND (at < x OR
/// id < y)` so both databases use the leading range on the index.
fn after(cursor: Cursor) -> Condition {
    use sync_error::Column as C;
    Condition::all().add(C::LastSeenAt.lte(cursor.at)).add(
        Condition::any()
            .add(C::LastSeenAt.lt(cursor.at))
            .add(C::Id.lt(cursor.id)),
    )
}

/// The list query, newest first, one row more than `limit` (to know whether a next page
/// exists). Public so the index test can EXPLAIN exactly what the app runs.
pub fn list_query(
    scope: &ErrorScope,
    filter: &ErrorFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> Select<sync_error::Entity> {
    let mut c = condition(scope, filter);
    if let Some(cursor) = cursor {
        c = c.add(after(cursor));
    }
    sync_error::Entity::find()
        .filter(c)
        .order_by_desc(sync_error::Column::LastSeenAt)
        .order_by_desc(sync_error::Column::Id)
        .limit(limit + 1)
}

/// One page of errors matching `filter`, newest first.
pub async fn list_errors(
    db: &impl ConnectionTrait,
    scope: &ErrorScope,
    filter: &ErrorFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> DomainResult<Page<ErrorItem>> {
    let limit = limit.clamp(1, 500);
    let mut rows = list_query(scope, filter, cursor, limit).all(db).await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor {
            at: r.last_seen_at,
            id: r.id,
        })
    } else {
        None
    };
    Ok(Page {
        rows: rows.into_iter().map(ErrorItem::from).collect(),
        next,
    })
}

/// `SELECT COUNT(*) FROM (… LIMIT cap+1)`: counts at most [`COUNT_CAP`] + 1 index entries.
pub fn count_query(scope: &ErrorScope, filter: &ErrorFilter) -> SelectStatement {
    let inner = sync_error::Entity::find()
        .select_only()
        .column(sync_error::Column::Id)
        .filter(condition(scope, filter))
        .limit(COUNT_CAP + 1)
        .into_query();
    Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("capped"))
        .to_owned()
}

#[derive(FromQueryResult)]
struct CountRow {
    n: i64,
}

/// How many errors match `filter` (capped).
pub async fn count_errors(
    db: &impl ConnectionTrait,
    scope: &ErrorScope,
    filter: &ErrorFilter,
) -> DomainResult<Count> {
    let stmt = db.get_database_backend().build(&count_query(scope, filter));
    let n = CountRow::find_by_statement(stmt)
        .one(db)
        .await?
        .map(|r| r.n)
        .unwrap_or(0);
    Ok(Count::of(n.max(0) as u64))
}

/// One error the scope may see.
pub async fn get_error(
    db: &impl ConnectionTrait,
    scope: &ErrorScope,
    id: Uuid,
) -> DomainResult<ErrorItem> {
    sync_error::Entity::find_by_id(id)
        .filter(scope.condition())
        .one(db)
        .await?
        .map(ErrorItem::from)
        .ok_or(DomainError::NotFound)
}

/// Errors of one root cause: same flow, kind, code and message template.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SignatureGroup {
    pub signature: String,
    pub count: i64,
    pub last_seen_at: DateTime<Utc>,
    /// The newest error of the group, standing for all of them.
    pub example: ErrorItem,
    /// The message with ids and values taken out.
    pub template: String,
}

#[derive(FromQueryResult)]
struct GroupRow {
    signature: String,
    n: i64,
    last_seen: DateTime<Utc>,
}

/// The groups query: signatures by count, largest first.
pub fn groups_query(scope: &ErrorScope, filter: &ErrorFilter, limit: u64) -> SelectStatement {
    use sync_error::Column as C;
    sync_error::Entity::find()
        .select_only()
        .column(C::Signature)
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .expr_as(Expr::cust("MAX(last_seen_at)"), "last_seen")
        .filter(condition(scope, filter))
        .group_by(C::Signature)
        .order_by_desc(Expr::cust("COUNT(*)"))
        .order_by_asc(C::Signature)
        .limit(limit)
        .into_query()
}

/// The largest groups of errors matching `filter`, each with its newest error.
pub async fn signature_groups(
    db: &impl ConnectionTrait,
    scope: &ErrorScope,
    filter: &ErrorFilter,
    limit: u64,
) -> DomainResult<Vec<SignatureGroup>> {
    let stmt = db
        .get_database_backend()
        .build(&groups_query(scope, filter, limit.clamp(1, 100)));
    let rows = GroupRow::find_by_statement(stmt).all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let narrowed = ErrorFilter {
            signature: Some(row.signature.clone()),
            ..filter.clone()
        };
        let Some(example) = list_query(scope, &narrowed, None, 0).one(db).await? else {
            continue;
        };
        out.push(SignatureGroup {
            template: crate::sync::signature::template(&example.message),
            signature: row.signature,
            count: row.n,
            last_seen_at: row.last_seen,
            example: example.into(),
        });
    }
    Ok(out)
}

/// Open errors counted by tenant, flow and kind.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Breakdown {
    pub total: i64,
    /// (tenant id, tenant name, count), largest first.
    pub by_tenant: Vec<(Uuid, String, i64)>,
    /// (flow id, tenant name, flow name, count), largest first.
    pub by_flow: Vec<(Uuid, String, String, i64)>,
    /// (kind, count), largest first.
    pub by_kind: Vec<(String, i64)>,
}

#[derive(FromQueryResult)]
struct BreakdownRow {
    tenant_id: Uuid,
    flow_id: Uuid,
    kind: String,
    n: i64,
}

/// The breakdown query: read from the covering index `sync_errors_counts`.
pub fn breakdown_query(scope: &ErrorScope, status: ErrorStatus) -> SelectStatement {
    use sync_error::Column as C;
    sync_error::Entity::find()
        .select_only()
        .columns([C::TenantId, C::FlowId, C::Kind])
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .filter(scope.condition().add(C::Status.eq(status.as_str())))
        .group_by(C::TenantId)
        .group_by(C::FlowId)
        .group_by(C::Kind)
        .into_query()
}

/// Errors of `status` counted by tenant, flow and kind, with names.
pub async fn breakdown(
    db: &impl ConnectionTrait,
    scope: &ErrorScope,
    status: ErrorStatus,
) -> DomainResult<Breakdown> {
    let stmt = db
        .get_database_backend()
        .build(&breakdown_query(scope, status));
    let rows = BreakdownRow::find_by_statement(stmt).all(db).await?;
    let mut by_tenant: HashMap<Uuid, i64> = HashMap::new();
    let mut by_flow: HashMap<(Uuid, Uuid), i64> = HashMap::new();
    let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
    let mut total = 0;
    for r in &rows {
        total += r.n;
        *by_tenant.entry(r.tenant_id).or_default() += r.n;
        *by_flow.entry((r.tenant_id, r.flow_id)).or_default() += r.n;
        *by_kind.entry(r.kind.clone()).or_default() += r.n;
    }
    let tenant_names: HashMap<Uuid, String> = if by_tenant.is_empty() {
        HashMap::new()
    } else {
        tenant::Entity::find()
            .filter(tenant::Column::Id.is_in(by_tenant.keys().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect()
    };
    let flow_names: HashMap<Uuid, String> = if by_flow.is_empty() {
        HashMap::new()
    } else {
        flow::Entity::find()
            .filter(flow::Column::Id.is_in(by_flow.keys().map(|k| k.1)))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, f.name))
            .collect()
    };
    let name = |m: &HashMap<Uuid, String>, id: &Uuid| m.get(id).cloned().unwrap_or_default();
    let mut out = Breakdown {
        total,
        by_tenant: by_tenant
            .iter()
            .map(|(t, n)| (*t, name(&tenant_names, t), *n))
            .collect(),
        by_flow: by_flow
            .iter()
            .map(|((t, f), n)| (*f, name(&tenant_names, t), name(&flow_names, f), *n))
            .collect(),
        by_kind: by_kind.into_iter().collect(),
    };
    out.by_tenant
        .sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    out.by_flow
        .sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.2.cmp(&b.2)));
    out.by_kind
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// What a bulk action applies to.
#[derive(Clone, Debug)]
pub enum Target {
    /// These errors (at most [`MAX_SELECTION`]).
    Ids(Vec<Uuid>),
    /// Every error the filter matches.
    Filter(ErrorFilter),
}

impl Target {
    fn checked(self) -> DomainResult<Self> {
        if let Target::Ids(ids) = &self {
            if ids.is_empty() {
                return Err(DomainError::invalid("ids", "Select at least one error."));
            }
            if ids.len() > MAX_SELECTION {
                return Err(DomainError::invalid(
                    "ids",
                    format!("Select at most {MAX_SELECTION} errors, or act on the filter."),
                ));
            }
        }
        Ok(self)
    }

    fn describe(&self) -> serde_json::Value {
        match self {
            Target::Ids(ids) => json!({ "ids": ids }),
            Target::Filter(f) => {
                let pairs: serde_json::Map<String, serde_json::Value> = f
                    .to_pairs()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), json!(v)))
                    .collect();
                json!({ "filter": pairs })
            }
        }
    }
}

/// Who presses Retry: a member of the tenant, or support staff on the tenant's behalf.
pub enum Acting<'a> {
    Tenant(&'a TenantAccess),
    Support(&'a SupportAccess),
}

impl Acting<'_> {
    fn actor(&self) -> DomainResult<Actor> {
        match self {
            Acting::Tenant(access) => {
                access.require(Role::Member)?;
                Ok(access.actor.clone())
            }
            Acting::Support(support) => Ok(support_actor(support)),
        }
    }
}

/// Support staff as the audit log names them.
pub fn support_actor(support: &SupportAccess) -> Actor {
    Actor {
        kind: ActorKind::Support,
        user_id: Some(support.user_id),
        token_id: None,
        label: format!("{} (Ferry support)", support.email),
    }
}

/// What a retry queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Requeued {
    /// Errors matched.
    pub errors: u64,
    /// Records put back in the inbox (an error's record once, however many errors it has).
    pub records: u64,
}

#[derive(FromQueryResult)]
struct TargetRow {
    id: Uuid,
    tenant_id: Uuid,
    flow_id: Uuid,
    record_id: String,
    last_seen_at: DateTime<Utc>,
}

async fn target_rows(
    db: &impl ConnectionTrait,
    scope: &ErrorScope,
    target: &Target,
    cursor: Option<Cursor>,
) -> DomainResult<Vec<TargetRow>> {
    use sync_error::Column as C;
    let select = match target {
        Target::Ids(ids) => sync_error::Entity::find()
            .filter(scope.condition().add(C::Id.is_in(ids.iter().copied())))
            .order_by_desc(C::LastSeenAt)
            .order_by_desc(C::Id),
        Target::Filter(filter) => list_query(scope, filter, cursor, BULK_STEP - 1),
    };
    Ok(select
        .select_only()
        .columns([C::Id, C::TenantId, C::FlowId, C::RecordId, C::LastSeenAt])
        .into_model::<TargetRow>()
        .all(db)
        .await?)
}

/// Puts the records of the targeted errors back in the inbox (a fresh `retry` event each), so
/// they sync again through the usual path; an error resolves itself when its record then
/// succeeds. Written to each affected tenant's audit log.
pub async fn retry_errors(
    db: &DatabaseConnection,
    waker: &dyn Waker,
    acting: Acting<'_>,
    scope: &ErrorScope,
    target: Target,
) -> DomainResult<Requeued> {
    let actor = acting.actor()?;
    let target = target.checked()?;
    let mut seen: BTreeSet<(Uuid, String)> = BTreeSet::new();
    let mut per_tenant: BTreeMap<Uuid, Requeued> = BTreeMap::new();
    let mut flows: BTreeSet<Uuid> = BTreeSet::new();
    let mut cursor = None;
    loop {
        let rows = target_rows(db, scope, &target, cursor).await?;
        if rows.is_empty() {
            break;
        }
        cursor = rows.last().map(|r| Cursor {
            at: r.last_seen_at,
            id: r.id,
        });
        let mut batch: BTreeMap<(Uuid, Uuid), Vec<NewEvent>> = BTreeMap::new();
        for r in &rows {
            let counts = per_tenant.entry(r.tenant_id).or_default();
            counts.errors += 1;
            if seen.insert((r.flow_id, r.record_id.clone())) {
                counts.records += 1;
                batch
                    .entry((r.tenant_id, r.flow_id))
                    .or_default()
                    .push(NewEvent {
                        record_id: r.record_id.clone(),
                        source: EventSource::Retry,
                        notification_id: None,
                        modstamp: None,
                    });
            }
        }
        let tx = db.begin().await?;
        for ((tenant_id, flow_id), events) in batch {
            flows.insert(flow_id);
            events::add(&tx, tenant_id, flow_id, events).await?;
        }
        tx.commit().await?;
        if matches!(target, Target::Ids(_)) || (rows.len() as u64) < BULK_STEP {
            break;
        }
    }
    if per_tenant.is_empty() && matches!(target, Target::Ids(_)) {
        return Err(DomainError::NotFound);
    }
    let described = target.describe();
    let mut total = Requeued::default();
    for (tenant_id, counts) in per_tenant {
        total.errors += counts.errors;
        total.records += counts.records;
        audit::record(
            db,
            TenantId(tenant_id),
            &actor,
            Change {
                action: "errors.retried",
                target_type: "sync_errors",
                target_id: None,
                before: None,
                after: Some(json!({
                    "errors": counts.errors,
                    "records": counts.records,
                    "target": described,
                })),
            },
        )
        .await?;
    }
    for flow_id in flows {
        waker.wake(flow_id).await;
    }
    Ok(total)
}

/// Marks the targeted open errors resolved by a person of the tenant. Returns how many.
pub async fn resolve_errors(
    db: &DatabaseConnection,
    access: &TenantAccess,
    scope: &ErrorScope,
    target: Target,
) -> DomainResult<u64> {
    use sync_error::Column as C;
    access.require(Role::Member)?;
    if scope.tenant != Some(access.tenant.id().0) {
        return Err(DomainError::NotFound);
    }
    let target = target.checked()?;
    let cond = match &target {
        Target::Ids(ids) => scope
            .condition()
            .add(C::Status.eq(OPEN))
            .add(C::Id.is_in(ids.iter().copied())),
        Target::Filter(filter) => condition(
            scope,
            &ErrorFilter {
                status: ErrorStatus::Open,
                ..filter.clone()
            },
        ),
    };
    let tx = db.begin().await?;
    let resolved = sync_error::Entity::update_many()
        .filter(cond)
        .col_expr(C::Status, RESOLVED.into())
        .col_expr(C::ResolvedAt, Some(Utc::now()).into())
        .col_expr(C::ResolvedBy, Some(access.actor.label.clone()).into())
        .exec(&tx)
        .await?
        .rows_affected;
    if resolved > 0 {
        audit::record(
            &tx,
            access.tenant.id(),
            &access.actor,
            Change {
                action: "errors.resolved",
                target_type: "sync_errors",
                target_id: None,
                before: None,
                after: Some(json!({ "errors": resolved, "target": target.describe() })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(412), "412");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(Count::of(10_001).to_string(), "10,000+");
        assert_eq!(Count::of(9).to_string(), "9");
    }
}
