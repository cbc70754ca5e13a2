//! sObject Collections update (PROTOCOLS A5): up to 200 records in one call, with one result
//! per record in input order. Errors inside results are keyed `statusCode`, not `errorCode`.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::client::{Call, SalesforceClient};
use super::errors;
use crate::error::{ConnectorError, System};
use crate::http;
use crate::metrics::Endpoint;

/// Most records one sObject Collections request may carry.
pub const MAX_COLLECTION_RECORDS: usize = 200;

/// One record to update: its type, id and the fields to set.
#[derive(Debug, Clone)]
pub struct RecordUpdate {
    pub sobject: String,
    pub id: String,
    pub fields: Map<String, Value>,
}

/// The result for one record.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordResult {
    pub id: Option<String>,
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<RecordError>,
}

/// One error of one record.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordError {
    #[serde(rename = "statusCode", alias = "errorCode")]
    pub status_code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

impl RecordResult {
    /// The record's failure as a classified error (the first one Salesforce listed).
    pub fn error(&self) -> Option<ConnectorError> {
        if self.success {
            return None;
        }
        let first = self.errors.first();
        let code = first.map(|e| e.status_code.clone());
        let message = first
            .map(|e| e.message.clone())
            .unwrap_or_else(|| "the record was not saved".into());
        // Results carry no HTTP status; 400 is what the same error gets on a single call.
        let kind = errors::classify(400, code.as_deref(), &message);
        Some(
            ConnectorError::new(kind, System::Salesforce, message)
                .with_fields(first.map(|e| e.fields.clone()).unwrap_or_default())
                .with_code(code),
        )
    }
}

impl SalesforceClient {
    /// Updates up to 200 records. With `all_or_none` false each record stands alone; with true
    /// one failure rolls every record back (`ALL_OR_NONE_OPERATION_ROLLED_BACK`).
    pub async fn update_records(
        &self,
        records: &[RecordUpdate],
        all_or_none: bool,
    ) -> Result<Vec<RecordResult>, ConnectorError> {
        if records.len() > MAX_COLLECTION_RECORDS {
            return Err(ConnectorError::config(
                System::Salesforce,
                format!(
                    "{} records in one collection update; the limit is {MAX_COLLECTION_RECORDS}",
                    records.len()
                ),
            ));
        }
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let records: Vec<Value> = records
            .iter()
            .map(|r| {
                let mut fields = r.fields.clone();
                fields.insert("attributes".into(), json!({ "type": r.sobject }));
                fields.insert("id".into(), Value::String(r.id.clone()));
                Value::Object(fields)
            })
            .collect();
        let body = json!({ "allOrNone": all_or_none, "records": records });
        let call = Call::new(
            Endpoint::SobjectCollections,
            Method::PATCH,
            self.data_path("composite/sobjects"),
        )
        .body(&body);
        let answer = self.send(&call).await?;
        http::decode(System::Salesforce, &answer.body)
    }
}
