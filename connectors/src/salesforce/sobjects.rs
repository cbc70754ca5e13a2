//! Single-record sObject calls (PROTOCOLS A3): get, create, update, delete and upsert by an
//! external-id field.

use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{Call, SalesforceClient};
use crate::error::{ConnectorError, System};
use crate::http::{self, segment};
use crate::metrics::Endpoint;

#[derive(Deserialize)]
struct SaveResult {
    id: String,
}

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertOutcome {
    /// The record's id; absent before API 46.0, where an update answers 204 with no body.
    pub id: Option<String>,
    pub created: bool,
}

#[derive(Deserialize)]
struct UpsertBody {
    id: String,
    created: Option<bool>,
}

impl SalesforceClient {
    fn sobject_path(&self, sobject: &str, rest: &[&str]) -> String {
        let mut path = format!("sobjects/{}", segment(sobject));
        for part in rest {
            path.push('/');
            path.push_str(&segment(part));
        }
        self.data_path(&path)
    }

    /// Reads one record; `fields` limits the answer to those fields.
    pub async fn get_record<T: DeserializeOwned>(
        &self,
        sobject: &str,
        id: &str,
        fields: Option<&[&str]>,
    ) -> Result<T, ConnectorError> {
        self.get_at(self.sobject_path(sobject, &[id]), fields).await
    }

    /// Reads one record through an external-id field.
    pub async fn get_record_by_external_id<T: DeserializeOwned>(
        &self,
        sobject: &str,
        field: &str,
        value: &str,
        fields: Option<&[&str]>,
    ) -> Result<T, ConnectorError> {
        self.get_at(self.sobject_path(sobject, &[field, value]), fields)
            .await
    }

    async fn get_at<T: DeserializeOwned>(
        &self,
        path: String,
        fields: Option<&[&str]>,
    ) -> Result<T, ConnectorError> {
        let mut call = Call::new(Endpoint::Sobject, Method::GET, path);
        if let Some(fields) = fields {
            call = call.query("fields", fields.join(","));
        }
        let answer = self.send(&call).await?;
        http::decode(System::Salesforce, &answer.body)
    }

    /// Creates a record and returns its id.
    pub async fn create_record(
        &self,
        sobject: &str,
        fields: &Value,
    ) -> Result<String, ConnectorError> {
        let call = Call::new(
            Endpoint::Sobject,
            Method::POST,
            format!("{}/", self.sobject_path(sobject, &[])),
        )
        .body(fields);
        let answer = self.send(&call).await?;
        let saved: SaveResult = http::decode(System::Salesforce, &answer.body)?;
        Ok(saved.id)
    }

    /// Updates the given fields of a record (`null` clears a field).
    pub async fn update_record(
        &self,
        sobject: &str,
        id: &str,
        fields: &Value,
    ) -> Result<(), ConnectorError> {
        let call = Call::new(
            Endpoint::Sobject,
            Method::PATCH,
            self.sobject_path(sobject, &[id]),
        )
        .body(fields);
        self.send(&call).await.map(|_| ())
    }

    /// Deletes a record.
    pub async fn delete_record(&self, sobject: &str, id: &str) -> Result<(), ConnectorError> {
        let call = Call::new(
            Endpoint::Sobject,
            Method::DELETE,
            self.sobject_path(sobject, &[id]),
        );
        self.send(&call).await.map(|_| ())
    }

    /// Creates or updates the record whose external-id `field` equals `value`. Several
    /// matches (HTTP 300) are a validation error: the data has duplicate external ids.
    pub async fn upsert_by_external_id(
        &self,
        sobject: &str,
        field: &str,
        value: &str,
        fields: &Value,
    ) -> Result<UpsertOutcome, ConnectorError> {
        let call = Call::new(
            Endpoint::Sobject,
            Method::PATCH,
            self.sobject_path(sobject, &[field, value]),
        )
        .body(fields);
        let answer = self.send(&call).await?;
        if answer.status == 204 || answer.body.trim().is_empty() {
            return Ok(UpsertOutcome {
                id: None,
                created: false,
            });
        }
        let body: UpsertBody = http::decode(System::Salesforce, &answer.body)?;
        Ok(UpsertOutcome {
            id: Some(body.id),
            created: body.created.unwrap_or(answer.status == 201),
        })
    }
}
