//! A source record as Salesforce returned it (a SOQL row), read through field paths.

use serde_json::{Map, Value};

use super::fields::SourceField;

/// One Salesforce record, fetched fresh: notifications are triggers, never data.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRecord {
    fields: Map<String, Value>,
}

impl SourceRecord {
    pub fn new(fields: Map<String, Value>) -> Self {
        Self { fields }
    }

    /// The record's id (`Id`), empty when absent.
    pub fn id(&self) -> &str {
        self.fields.get("Id").and_then(Value::as_str).unwrap_or("")
    }

    /// The value at `path` as text; `None` for null, absent, or an empty string (Salesforce
    /// stores `""` as null).
    pub fn text(&self, path: &str) -> Option<String> {
        let mut parts = path.split('.');
        let first = parts.next()?;
        let mut value = get_ci(&self.fields, first)?;
        for part in parts {
            value = match value {
                Value::Object(map) => get_ci(map, part)?,
                _ => return None,
            };
        }
        as_text(value)
    }

    pub fn field(&self, field: &SourceField) -> Option<String> {
        self.text(field.as_str())
    }

    pub fn into_fields(self) -> Map<String, Value> {
        self.fields
    }
}

/// Salesforce field names are case-insensitive; SOQL answers in the case the query used, but
/// a mapping may be typed differently.
fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_read_through_parents_and_case_insensitively() {
        let Value::Object(map) = json!({
            "attributes": {"type": "Contact"},
            "Id": "003000000000001AAA",
            "Email": "",
            "Title": null,
            "NumberOfEmployees": 12,
            "Account": {"attributes": {}, "NetSuite_Id__c": "842"}
        }) else {
            unreachable!()
        };
        let record = SourceRecord::new(map);
        assert_eq!(record.id(), "003000000000001AAA");
        assert_eq!(record.text("Email"), None);
        assert_eq!(record.text("Title"), None);
        assert_eq!(record.text("numberofemployees").as_deref(), Some("12"));
        assert_eq!(
            record.text("Account.NetSuite_Id__c").as_deref(),
            Some("842")
        );
        assert_eq!(record.text("Account.Missing"), None);
    }
}
