//! What happened to records: every outcome of an integration's flows, filtered by kind (the
//! "skipped" filter shows records never synced and why), flow, record and date.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::errors::Page;
use super::filter::{Cursor, OUTCOMES, parse_record_id};
use super::overview::IntegrationFlows;
use super::window::{Columns, FlowWindow};
use crate::entities::sync_outcome;
use crate::error::{DomainError, DomainResult, FieldErrors};
use crate::tenancy::Tenant;

/// One record's outcome in one run.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OutcomeItem {
    pub id: Uuid,
    pub flow_id: Uuid,
    pub run_id: Option<Uuid>,
    pub record_id: String,
    /// created, updated, unchanged, skipped, failed, retrying.
    pub outcome: String,
    /// Why, in words (the skip reason, the error message, the target record).
    pub reason: String,
    pub target_id: Option<String>,
    /// The decision: qualified or not, how the target was found, the payload or changes.
    pub detail: Option<Value>,
    /// The decision in one line.
    pub decision: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<sync_outcome::Model> for OutcomeItem {
    fn from(o: sync_outcome::Model) -> Self {
        Self {
            decision: o.detail.as_ref().and_then(decision_summary),
            id: o.id,
            flow_id: o.flow_id,
            run_id: o.run_id,
            record_id: o.record_id,
            outcome: o.outcome,
            reason: o.reason,
            target_id: o.target_id,
            detail: o.detail,
            at: o.at,
        }
    }
}

fn found_by(v: &Value) -> &'static str {
    match v.get("found_by").and_then(Value::as_str) {
        Some("internal_id") => "found by the NetSuite id on the record",
        Some("external_id") => "found by external id",
        Some("primary") => "found by the primary lookup",
        Some("secondary") => "found by the secondary lookup",
        Some("link") => "found by the last sync",
        _ => "found",
    }
}

fn keys(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// The recorded decision (see `flows::decide::Decision`) in one line.
pub fn decision_summary(detail: &Value) -> Option<String> {
    let action = detail.get("action")?.as_str()?;
    Some(match action {
        "skip" => format!(
            "not synced: {}",
            detail
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("skipped")
                .replace('_', " ")
        ),
        "fail" => format!(
            "stopped: {}",
            detail
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("failure")
        ),
        "needs_lookup" => "waiting for the lookup".to_owned(),
        "create" => format!(
            "qualified; no NetSuite record found, so create it with {}",
            keys(detail, "body")
        ),
        "update" => format!(
            "qualified; {}; change {}",
            found_by(detail),
            keys(detail, "changes")
        ),
        "unchanged" => format!("qualified; {}; nothing differs", found_by(detail)),
        other => other.replace('_', " "),
    })
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct OutcomeFilterParams {
    pub flow: String,
    /// created, updated, unchanged, skipped, failed, retrying.
    pub outcome: String,
    pub record: String,
    pub from: String,
    pub to: String,
    pub after: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeFilter {
    pub window: FlowWindow,
    pub outcome: Option<&'static str>,
    pub record: Option<String>,
}

impl TryFrom<&OutcomeFilterParams> for OutcomeFilter {
    type Error = DomainError;

    fn try_from(p: &OutcomeFilterParams) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let window = FlowWindow::parse(&p.flow, &p.from, &p.to, &mut errors);
        let outcome = match p.outcome.trim() {
            "" => None,
            s => {
                let found = OUTCOMES.iter().find(|o| **o == s).copied();
                if found.is_none() {
                    errors.push(
                        "outcome",
                        format!("Choose one of: {}.", OUTCOMES.join(", ")),
                    );
                }
                found
            }
        };
        let record = match p.record.trim() {
            "" => None,
            s => errors.check(parse_record_id(s)),
        };
        errors.into_result()?;
        Ok(OutcomeFilter {
            window,
            outcome,
            record,
        })
    }
}

impl OutcomeFilter {
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<_> = self.window.flow_pair().into_iter().collect();
        if let Some(o) = self.outcome {
            out.push(("outcome", o.to_owned()));
        }
        if let Some(r) = &self.record {
            out.push(("record", r.clone()));
        }
        out.extend(self.window.date_pairs());
        out
    }
}

/// Outcomes of the integration's flows, newest first.
pub fn outcomes_query(
    tenant: &Tenant,
    integration: &IntegrationFlows,
    filter: &OutcomeFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> Select<sync_outcome::Entity> {
    use sync_outcome::Column as C;
    let cols = Columns {
        tenant: C::TenantId,
        flow: C::FlowId,
        at: C::At,
        id: C::Id,
    };
    let mut c = filter.window.condition(tenant, integration, cols, cursor);
    if let Some(o) = filter.outcome {
        c = c.add(C::Outcome.eq(o));
    }
    if let Some(r) = &filter.record {
        c = c.add(C::RecordId.eq(r.as_str()));
    }
    sync_outcome::Entity::find()
        .filter(c)
        .order_by_desc(C::At)
        .order_by_desc(C::Id)
        .limit(limit + 1)
}

pub async fn list_outcomes(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration: &IntegrationFlows,
    filter: &OutcomeFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> DomainResult<Page<OutcomeItem>> {
    let limit = limit.clamp(1, 500);
    let mut rows = outcomes_query(tenant, integration, filter, cursor, limit)
        .all(db)
        .await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor { at: r.at, id: r.id })
    } else {
        None
    };
    Ok(Page {
        rows: rows.into_iter().map(OutcomeItem::from).collect(),
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decisions_read_as_one_line() {
        assert_eq!(
            decision_summary(&json!({"action": "skip", "kind": "standalone"})).unwrap(),
            "not synced: standalone"
        );
        let update = json!({"action": "update", "found_by": "primary", "changes": {"email": "x"}});
        assert_eq!(
            decision_summary(&update).unwrap(),
            "qualified; found by the primary lookup; change email"
        );
        assert_eq!(decision_summary(&json!(null)), None);
    }
}
