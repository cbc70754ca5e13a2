//! From record ids to decisions: one SOQL query for the records (fresh data), one SuiteQL
//! query per chunk for the candidates, then `decide` per record. No writes; the preview and
//! dry runs stop here.

use crate::sync::again::again;
use std::collections::HashMap;

use ferry_connectors::ConnectorError;
use ferry_connectors::netsuite::NetsuiteClient;
use ferry_connectors::salesforce::{QueryOptions, SalesforceClient};
use futures_util::TryStreamExt;
use serde_json::{Map, Value};

use crate::flows::lookup::{LookupKey, TargetRow, batch_query, matches_for};
use crate::flows::{
    DecideInput, Decision, FlowDefinition, FlowSettings, LinkState, SourceRecord, decide, soql,
};

/// Records per SOQL `Id IN (…)` query: 200 ids keep the URL well under Salesforce's limit.
pub const FETCH_CHUNK: usize = 200;
/// Records per SuiteQL lookup: each adds up to four conditions.
pub const LOOKUP_CHUNK: usize = 50;

/// One record's plan.
#[derive(Clone, Debug)]
pub struct Planned {
    pub record_id: String,
    pub record: Option<SourceRecord>,
    pub decision: Decision,
}

/// Fetches `ids` fresh from Salesforce (missing ones are simply absent).
pub async fn fetch_records(
    salesforce: &SalesforceClient,
    definition: &FlowDefinition,
    settings: &FlowSettings,
    ids: &[String],
) -> Result<HashMap<String, SourceRecord>, ConnectorError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(FETCH_CHUNK) {
        let query = soql::fetch_by_ids(definition, settings, chunk);
        let query = &query;
        let rows: Vec<Map<String, Value>> = again(move || {
            salesforce
                .query(query, QueryOptions::default())
                .try_collect()
        })
        .await?;
        for row in rows {
            let record = SourceRecord::new(row);
            found.insert(record.id().to_owned(), record);
        }
    }
    // Salesforce answers with 18-character ids; a notification may have named 15.
    for id in ids {
        if id.len() == 15 && !found.contains_key(id) {
            let long = found.keys().find(|k| k.starts_with(id.as_str())).cloned();
            if let Some(record) = long.and_then(|k| found.get(&k).cloned()) {
                found.insert(id.clone(), record);
            }
        }
    }
    Ok(found)
}

/// Decides every record: those that need it are looked up in NetSuite together.
pub async fn plan(
    netsuite: &NetsuiteClient,
    definition: &FlowDefinition,
    settings: &FlowSettings,
    records: Vec<(String, Option<SourceRecord>)>,
    links: &HashMap<String, LinkState>,
) -> Result<Vec<Planned>, ConnectorError> {
    let mut planned: Vec<Planned> = records
        .into_iter()
        .map(|(record_id, record)| {
            let decision = decide(&DecideInput {
                definition,
                settings,
                record: record.as_ref(),
                link: links.get(&record_id),
                matches: None,
            });
            Planned {
                record_id,
                record,
                decision,
            }
        })
        .collect();
    let waiting: Vec<usize> = planned
        .iter()
        .enumerate()
        .filter(|(_, p)| p.decision == Decision::NeedsLookup)
        .map(|(i, _)| i)
        .collect();
    for chunk in waiting.chunks(LOOKUP_CHUNK) {
        let parents: Vec<Option<String>> = chunk
            .iter()
            .map(|&i| {
                planned[i]
                    .record
                    .as_ref()
                    .and_then(|r| crate::flows::decide::parent_target(definition, r))
            })
            .collect();
        let keys: Vec<LookupKey<'_>> = chunk
            .iter()
            .zip(&parents)
            .filter_map(|(&i, parent)| {
                Some(LookupKey {
                    record: planned[i].record.as_ref()?,
                    parent_target: parent.as_deref(),
                })
            })
            .collect();
        let rows: Vec<TargetRow> = match batch_query(definition, settings, &keys) {
            Some(query) => again(|| {
                netsuite
                    .suiteql::<Map<String, Value>>(
                        &query,
                        ferry_connectors::netsuite::MAX_PAGE_SIZE,
                    )
                    .try_collect::<Vec<_>>()
            })
            .await?
            .iter()
            .filter_map(TargetRow::from_item)
            .collect(),
            None => Vec::new(),
        };
        for (&i, parent) in chunk.iter().zip(&parents) {
            let Some(record) = planned[i].record.as_ref() else {
                continue;
            };
            let matches = matches_for(definition, settings, record, parent.as_deref(), &rows);
            let decision = decide(&DecideInput {
                definition,
                settings,
                record: Some(record),
                link: links.get(&planned[i].record_id),
                matches: Some(&matches),
            });
            planned[i].decision = decision;
        }
    }
    Ok(planned)
}
