//! Compact readings of the org for benchmarks and drills: which records have a field filled
//! (polled incrementally by `SystemModstamp`), and what listeners acknowledged. Ids and
//! aggregates only, so polling a run of tens of thousands of records stays cheap.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SalesforceState;
use super::schema::{FieldDef, ObjectKind};
use super::store::OrgData;
use crate::admin::{AdminError, parse_query};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/__sandbox/records/{object}/filled").route(web::get().to(filled)))
        .service(web::resource("/__sandbox/outbound/acks").route(web::get().to(acks)));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilledQuery {
    field: String,
    /// Only records written after this `SystemModstamp` (every record when absent).
    #[serde(default)]
    modified_after: Option<DateTime<Utc>>,
}

/// Live records whose field holds a value, written after the cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilledIds {
    pub ids: Vec<String>,
    /// The next cursor: the newest `SystemModstamp` among `ids`, or the one asked with when
    /// nothing matched. Modstamps strictly increase, so passing it back as `modified_after`
    /// misses no later write.
    pub latest_modstamp: Option<DateTime<Utc>>,
}

impl FilledIds {
    pub fn of(
        data: &OrgData,
        object: ObjectKind,
        field: &FieldDef,
        modified_after: Option<DateTime<Utc>>,
    ) -> Self {
        let mut answer = Self {
            ids: Vec::new(),
            latest_modstamp: modified_after,
        };
        let written = data
            .live(object)
            .filter(|r| modified_after.is_none_or(|after| r.system_modstamp > after));
        for record in written {
            let value = record.get(field);
            if value.is_null() || value == Value::String(String::new()) {
                continue;
            }
            answer.ids.push(record.id.clone());
            answer.latest_modstamp = answer.latest_modstamp.max(Some(record.system_modstamp));
        }
        answer
    }
}

async fn filled(
    state: web::Data<SalesforceState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AdminError> {
    let object = ObjectKind::parse(&path)
        .ok_or_else(|| AdminError::NotFound(format!("no object {path}")))?;
    let query: FilledQuery = parse_query(req.query_string())?;
    let field = object.field(&query.field).ok_or_else(|| {
        AdminError::BadRequest(format!("no field {} on {}", query.field, object.name()))
    })?;
    let answer = FilledIds::of(&state.lock().data, object, field, query.modified_after);
    Ok(HttpResponse::Ok().json(answer))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcksQuery {
    /// Attempts made at or after this time (every logged attempt when absent).
    #[serde(default)]
    since: Option<DateTime<Utc>>,
    /// Comma-separated rule ids (every rule when absent).
    #[serde(default)]
    rules: Option<String>,
}

/// The acknowledged attempts still in the delivery log, summed up.
async fn acks(
    state: web::Data<SalesforceState>,
    req: HttpRequest,
) -> Result<HttpResponse, AdminError> {
    let query: AcksQuery = parse_query(req.query_string())?;
    let rule_ids: Vec<String> = query
        .rules
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    let summary = state.lock().outbound.ack_summary(query.since, &rule_ids);
    Ok(HttpResponse::Ok().json(summary))
}
