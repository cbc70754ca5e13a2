//! The source object's fields as Salesforce describes them, for the settings form: labels,
//! kinds (which operators and which value input fit), picklist values. Describe calls count
//! against the org's API limits, so answers are kept for a few minutes per integration.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferry_connectors::salesforce::{FieldDescribe, SObjectDescribe};
use uuid::Uuid;

use super::criteria::Operator;
use super::definition::FlowDefinition;
use crate::connections::ClientCache;

/// How long a describe answer is reused.
const TTL: Duration = Duration::from_secs(300);

/// What kind of value a field holds, as far as criteria care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Picklist,
    Number,
    Date,
    DateTime,
    Boolean,
    /// Record ids and references.
    Id,
}

impl FieldKind {
    /// From Salesforce's describe `type`.
    pub fn from_salesforce(field_type: &str) -> Self {
        match field_type {
            "picklist" | "multipicklist" | "combobox" => FieldKind::Picklist,
            "int" | "double" | "currency" | "percent" | "long" => FieldKind::Number,
            "date" => FieldKind::Date,
            "datetime" => FieldKind::DateTime,
            "boolean" => FieldKind::Boolean,
            "id" | "reference" => FieldKind::Id,
            _ => FieldKind::Text,
        }
    }

    /// The operators that make sense for this kind, in the order the form offers them.
    pub fn operators(self) -> &'static [Operator] {
        use Operator::*;
        match self {
            FieldKind::Text => &[
                Equals, NotEquals, Contains, StartsWith, InList, IsEmpty, IsNotEmpty,
            ],
            FieldKind::Picklist | FieldKind::Id => {
                &[Equals, NotEquals, InList, IsEmpty, IsNotEmpty]
            }
            FieldKind::Number => &[
                Equals,
                NotEquals,
                GreaterThan,
                LessThan,
                InList,
                IsEmpty,
                IsNotEmpty,
            ],
            FieldKind::Date => &[
                Equals,
                NotEquals,
                GreaterThan,
                LessThan,
                IsEmpty,
                IsNotEmpty,
            ],
            // A date-time equal to a day never holds; before / after is what people mean.
            FieldKind::DateTime => &[GreaterThan, LessThan, IsEmpty, IsNotEmpty],
            FieldKind::Boolean => &[Equals, NotEquals],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Picklist => "picklist",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::DateTime => "date/time",
            FieldKind::Boolean => "checkbox",
            FieldKind::Id => "record id",
        }
    }

    /// Whether `value` is something a condition on this kind can compare with.
    pub fn accepts(self, op: Operator, value: &str) -> Result<(), String> {
        let value = value.trim();
        if !op.takes_value() {
            return Ok(());
        }
        let values: Vec<&str> = if op == Operator::InList {
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect()
        } else {
            vec![value]
        };
        for v in values {
            let ok = match self {
                FieldKind::Number => v.parse::<f64>().is_ok(),
                FieldKind::Date | FieldKind::DateTime => {
                    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
                        || chrono::DateTime::parse_from_rfc3339(v).is_ok()
                }
                FieldKind::Boolean => matches!(v, "true" | "false"),
                _ => true,
            };
            if !ok {
                return Err(match self {
                    FieldKind::Number => format!("\"{v}\" is not a number."),
                    FieldKind::Boolean => "Choose true or false.".to_owned(),
                    _ => format!("\"{v}\" is not a date (YYYY-MM-DD)."),
                });
            }
        }
        Ok(())
    }
}

/// One field a setting can name: `Email`, or a parent's `Account.Type`.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceFieldInfo {
    /// As settings store it (`Account.Type`).
    pub name: String,
    /// As people read it (`Account: Account Type`).
    pub label: String,
    pub kind: FieldKind,
    /// Salesforce's own type name (`email`, `picklist`…).
    pub salesforce_type: String,
    /// `(value, label)` of active picklist values.
    pub picklist: Vec<(String, String)>,
}

impl SourceFieldInfo {
    fn from_describe(field: &FieldDescribe, prefix: Option<(&str, &str)>) -> Self {
        let (name, label) = match prefix {
            Some((relationship, parent_label)) => (
                format!("{relationship}.{}", field.name),
                format!("{parent_label}: {}", field.label),
            ),
            None => (field.name.clone(), field.label.clone()),
        };
        Self {
            name,
            label,
            kind: FieldKind::from_salesforce(&field.field_type),
            salesforce_type: field.field_type.clone(),
            picklist: field
                .picklist_values
                .iter()
                .filter(|p| p.active)
                .map(|p| {
                    (
                        p.value.clone(),
                        p.label.clone().unwrap_or_else(|| p.value.clone()),
                    )
                })
                .collect(),
        }
    }
}

/// The fields the form offers, or why Salesforce could not be asked.
#[derive(Clone, Debug)]
pub struct FieldCatalog {
    pub fields: Vec<SourceFieldInfo>,
    /// Set when the describe failed: the form falls back to typed field names.
    pub unavailable: Option<String>,
}

impl FieldCatalog {
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            fields: Vec::new(),
            unavailable: Some(reason.into()),
        }
    }

    pub fn is_known(&self) -> bool {
        self.unavailable.is_none()
    }

    pub fn get(&self, name: &str) -> Option<&SourceFieldInfo> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name.trim()))
    }

    /// The catalog of a flow from the describes of its object and (for a child flow) its
    /// parent's: the parent's fields come with the relationship prefix (`Account.Type`).
    pub fn from_describes(
        definition: &FlowDefinition,
        own: &SObjectDescribe,
        parent: Option<&SObjectDescribe>,
    ) -> Self {
        let mut fields: Vec<SourceFieldInfo> = own
            .fields
            .iter()
            .map(|f| SourceFieldInfo::from_describe(f, None))
            .collect();
        fields.sort_by_key(|f| f.label.to_lowercase());
        if let (Some(link), Some(parent)) = (&definition.parent, parent) {
            let mut more: Vec<SourceFieldInfo> = parent
                .fields
                .iter()
                .map(|f| {
                    SourceFieldInfo::from_describe(f, Some((link.relationship, &parent.label)))
                })
                .collect();
            more.sort_by_key(|f| f.label.to_lowercase());
            fields.extend(more);
        }
        Self {
            fields,
            unavailable: None,
        }
    }
}

type Key = (Uuid, String);
type Entries = HashMap<Key, (Instant, Arc<SObjectDescribe>)>;

/// Describe answers per integration and object, kept for [`TTL`].
#[derive(Clone, Default)]
pub struct DescribeCache {
    entries: Arc<Mutex<Entries>>,
}

impl DescribeCache {
    fn cached(&self, key: &Key) -> Option<Arc<SObjectDescribe>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, d)| d.clone())
    }

    fn keep(&self, key: Key, describe: Arc<SObjectDescribe>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, (at, _)| at.elapsed() < TTL);
        entries.insert(key, (Instant::now(), describe));
    }

    /// The fields of `definition`'s source object (and its parent's) in the integration's
    /// org. Never fails: when Salesforce cannot be asked, the catalog says why.
    pub async fn catalog(
        &self,
        clients: &ClientCache,
        tenant_id: Uuid,
        integration_id: Uuid,
        definition: &FlowDefinition,
    ) -> FieldCatalog {
        let own = match self
            .describe(clients, tenant_id, integration_id, definition.source_object)
            .await
        {
            Ok(d) => d,
            Err(reason) => return FieldCatalog::unavailable(reason),
        };
        let parent_object = definition
            .parent
            .as_ref()
            .and_then(|p| super::definition::definition(p.flow_key))
            .map(|d| d.source_object);
        let parent = match parent_object {
            Some(object) => self
                .describe(clients, tenant_id, integration_id, object)
                .await
                .ok(),
            None => None,
        };
        FieldCatalog::from_describes(definition, &own, parent.as_deref())
    }

    async fn describe(
        &self,
        clients: &ClientCache,
        tenant_id: Uuid,
        integration_id: Uuid,
        object: &str,
    ) -> Result<Arc<SObjectDescribe>, String> {
        let key = (integration_id, object.to_owned());
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let clients = clients
            .for_integration(tenant_id, integration_id)
            .await
            .map_err(|e| e.to_string())?;
        let describe = clients.salesforce.describe(object).await.map_err(|e| {
            tracing::warn!(error = %e, object, "Salesforce describe failed");
            format!("Salesforce did not describe {object}: {e}")
        })?;
        let describe = Arc::new(describe);
        self.keep(key, describe.clone());
        Ok(describe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_offer_fitting_operators_and_check_values() {
        assert_eq!(FieldKind::from_salesforce("email"), FieldKind::Text);
        assert_eq!(FieldKind::from_salesforce("picklist"), FieldKind::Picklist);
        assert!(!FieldKind::Date.operators().contains(&Operator::Contains));
        assert!(FieldKind::Text.operators().contains(&Operator::StartsWith));
        assert!(
            FieldKind::Number
                .accepts(Operator::GreaterThan, "12.5")
                .is_ok()
        );
        assert!(FieldKind::Number.accepts(Operator::InList, "1, x").is_err());
        assert!(
            FieldKind::Date
                .accepts(Operator::LessThan, "2026-01-31")
                .is_ok()
        );
        assert!(
            FieldKind::Date
                .accepts(Operator::LessThan, "31/01/2026")
                .is_err()
        );
        assert!(FieldKind::Boolean.accepts(Operator::Equals, "yes").is_err());
        assert!(FieldKind::Date.accepts(Operator::IsEmpty, "").is_ok());
    }
}
