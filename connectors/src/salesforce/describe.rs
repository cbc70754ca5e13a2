//! sObject describe: the fields a mapping can use, their types and whether they can be written.

use reqwest::Method;
use serde::Deserialize;

use super::client::{Call, SalesforceClient};
use crate::error::{ConnectorError, System};
use crate::http::{self, segment};
use crate::metrics::Endpoint;

/// An object's metadata.
#[derive(Debug, Clone, Deserialize)]
pub struct SObjectDescribe {
    pub name: String,
    pub label: String,
    pub fields: Vec<FieldDescribe>,
}

/// One field's metadata.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    pub name: String,
    pub label: String,
    /// `string`, `email`, `picklist`, `reference`, `datetime`, …
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default)]
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    #[serde(default)]
    pub defaulted_on_create: bool,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub picklist_values: Vec<PicklistValue>,
    #[serde(default)]
    pub reference_to: Vec<String>,
    pub relationship_name: Option<String>,
}

/// One value of a picklist field.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    pub value: String,
    pub label: Option<String>,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub default_value: bool,
}

impl FieldDescribe {
    /// Salesforce has no `required` flag: a field must be given on create when it cannot be
    /// null, can be set, and gets no default.
    pub fn is_required_on_create(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }
}

impl SObjectDescribe {
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

impl SalesforceClient {
    /// Describes one object (`/sobjects/{name}/describe`).
    pub async fn describe(&self, sobject: &str) -> Result<SObjectDescribe, ConnectorError> {
        let path = self.data_path(&format!("sobjects/{}/describe", segment(sobject)));
        let answer = self
            .send(&Call::new(Endpoint::Describe, Method::GET, path))
            .await?;
        http::decode(System::Salesforce, &answer.body)
    }
}
