//! Compact readings of the simulated account for benchmarks and drills (`/__sandbox/records/…`):
//! counts, never record dumps, so a check over tens of thousands of records stays small.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::schema::RecordType;
use super::state::NetsuiteState;
use super::store::Record;
use crate::admin::{AdminError, parse_json};

/// Room for the ids of a large bench run (about 21 bytes each) in one call.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/__sandbox/records/{record_type}/external-ids")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(web::post().to(count_external_ids)),
    );
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalIdsParams {
    external_ids: Vec<String>,
}

/// How many of the asked external ids the account holds, and how many times over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdCounts {
    /// Distinct external ids asked about.
    pub requested: usize,
    /// Of those, how many at least one record carries.
    pub found: usize,
    /// Records beyond the first per external id (0 when each is there once at most).
    pub duplicates: usize,
}

impl ExternalIdCounts {
    /// Counts by scanning the records rather than the external-id index: the index holds one
    /// record per id, and duplicates are what the check is for.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a Record>, asked: &[String]) -> Self {
        let asked: HashSet<&str> = asked.iter().map(String::as_str).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for record in records {
            if let Some(eid) = record.text("externalId").filter(|e| asked.contains(e)) {
                *seen.entry(eid).or_default() += 1;
            }
        }
        Self {
            requested: asked.len(),
            found: seen.len(),
            duplicates: seen.values().map(|n| n - 1).sum(),
        }
    }
}

async fn count_external_ids(
    state: web::Data<NetsuiteState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let record_type = RecordType::parse(&path)
        .ok_or_else(|| AdminError::NotFound(format!("no record type {path}")))?;
    let params: ExternalIdsParams = parse_json(&body)?;
    let counts = ExternalIdCounts::of(state.store().records(record_type), &params.external_ids);
    Ok(HttpResponse::Ok().json(counts))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::netsuite::store::FieldValue;

    fn contact(id: u64, external_id: &str) -> Record {
        Record {
            id,
            record_type: RecordType::Contact,
            values: [("externalId", FieldValue::Text(external_id.to_owned()))].into(),
            date_created: Utc::now(),
            last_modified: Utc::now(),
        }
    }

    #[test]
    fn an_external_id_held_twice_is_found_once_and_counted_as_one_duplicate() {
        let records = [
            contact(1, "a"),
            contact(2, "a"),
            contact(3, "b"),
            contact(4, "x"),
        ];
        let asked = ["a", "b", "c", "a"].map(str::to_owned);
        let counts = ExternalIdCounts::of(&records, &asked);
        assert_eq!(
            counts,
            ExternalIdCounts {
                requested: 3,
                found: 2,
                duplicates: 1
            }
        );
    }
}
