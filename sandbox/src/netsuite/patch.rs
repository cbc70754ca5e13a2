//! Request bodies of the record API, parsed into typed changes at the edge.
//!
//! Field-level rules live here (unknown and read-only fields, value types, e-mail format,
//! references that must point at existing records); whole-record rules live in `store.rs`.

use serde_json::Value;

use super::error::NsError;
use super::schema::{FieldKind, READ_ONLY_FIELDS, RecordType, RefTarget, SUBSIDIARY_ID};
use super::store::{FieldValue, Record, RecordStore};

/// Parsed body of a create, update or upsert: `None` clears the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordPatch {
    changes: Vec<(&'static str, Option<FieldValue>)>,
}

impl RecordPatch {
    /// Parses a JSON body for `rt`, resolving references against `store`.
    pub fn parse(rt: RecordType, body: &Value, store: &RecordStore) -> Result<Self, NsError> {
        let Value::Object(map) = body else {
            return Err(NsError::invalid_content(
                "Invalid content in the request body. The request body must be a JSON object.",
                "",
            ));
        };
        let mut patch = Self::default();
        for (name, value) in map {
            // Clients often send back what they read; the links are not data.
            if name == "links" {
                continue;
            }
            if READ_ONLY_FIELDS.contains(&name.as_str()) {
                return Err(NsError::invalid_content(
                    format!("Invalid content in the request body. The field {name} is read-only."),
                    name.clone(),
                ));
            }
            let Some(def) = rt.field(name) else {
                return Err(NsError::invalid_content(
                    format!(
                        "Invalid content in the request body. Field '{name}' does not exist on \
                         record type {}.",
                        rt.as_str()
                    ),
                    name.clone(),
                ));
            };
            let parsed = match def.kind {
                FieldKind::Text => parse_text(def.name, value)?,
                FieldKind::Email => parse_email(def.name, value)?,
                FieldKind::Bool => parse_bool(def.name, value)?,
                FieldKind::Reference(target) => parse_reference(def.name, target, value, store)?,
            };
            patch.changes.push((def.name, parsed));
        }
        Ok(patch)
    }

    /// Sets a text field (builder for seeds and pages).
    pub fn text(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.changes
            .push((field, Some(FieldValue::Text(value.into()))));
        self
    }

    /// Sets a boolean field.
    pub fn flag(mut self, field: &'static str, value: bool) -> Self {
        self.changes.push((field, Some(FieldValue::Bool(value))));
        self
    }

    /// Sets a reference field to an internal id.
    pub fn reference(mut self, field: &'static str, id: u64) -> Self {
        self.changes.push((field, Some(FieldValue::Ref(id))));
        self
    }

    /// The `externalId` this patch sets: `Some(None)` when it clears it.
    pub fn external_id(&self) -> Option<Option<&str>> {
        self.changes
            .iter()
            .rev()
            .find(|(f, _)| *f == "externalId")
            .map(|(_, v)| match v {
                Some(FieldValue::Text(s)) => Some(s.as_str()),
                _ => None,
            })
    }

    /// Upsert-created records take their external id from the URL.
    pub fn with_external_id(self, external_id: &str) -> Self {
        self.text("externalId", external_id)
    }

    pub fn apply_to(&self, record: &mut Record) {
        for (field, value) in &self.changes {
            match value {
                Some(v) => {
                    record.values.insert(field, v.clone());
                }
                None => {
                    record.values.remove(field);
                }
            }
        }
    }
}

fn invalid_value(field: &str, value: &Value) -> NsError {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    NsError::invalid_content(
        format!("Invalid field value {shown} for field {field}."),
        field,
    )
}

/// Text accepts strings and numbers (phone numbers arrive as both); `""` and `null` clear.
fn parse_text(field: &str, value: &Value) -> Result<Option<FieldValue>, NsError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(FieldValue::Text(s.clone()))),
        Value::Number(n) => Ok(Some(FieldValue::Text(n.to_string()))),
        other => Err(invalid_value(field, other)),
    }
}

fn parse_email(field: &str, value: &Value) -> Result<Option<FieldValue>, NsError> {
    let parsed = parse_text(field, value)?;
    if let Some(FieldValue::Text(address)) = &parsed
        && !is_valid_email(address)
    {
        return Err(invalid_value(field, value));
    }
    Ok(parsed)
}

/// The shape NetSuite's e-mail fields accept: one `@`, a non-empty local part, a dotted
/// domain, no whitespace or list separators.
pub fn is_valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let bad_char = |c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '@');
    !local.is_empty()
        && !local.chars().any(bad_char)
        && !domain.chars().any(bad_char)
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
        && address.len() <= 254
}

fn parse_bool(field: &str, value: &Value) -> Result<Option<FieldValue>, NsError> {
    match value {
        Value::Bool(b) => Ok(Some(FieldValue::Bool(*b))),
        Value::Null => Ok(Some(FieldValue::Bool(false))),
        other => Err(invalid_value(field, other)),
    }
}

/// References are written `{"id": "123"}`; `{"externalId": "…"}` and `{"refName": "…"}` are
/// also accepted. The target must exist.
fn parse_reference(
    field: &str,
    target: RefTarget,
    value: &Value,
    store: &RecordStore,
) -> Result<Option<FieldValue>, NsError> {
    let Value::Object(map) = value else {
        return match value {
            Value::Null => Ok(None),
            other => Err(invalid_value(field, other)),
        };
    };
    let id_value = map.get("id");
    let id_text = match id_value {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Null) | None => None,
        Some(other) => return Err(invalid_value(field, other)),
    };
    let resolved = match target {
        RefTarget::Subsidiary => match &id_text {
            Some(id) if id.parse::<u64>().ok() == Some(SUBSIDIARY_ID) => Some(SUBSIDIARY_ID),
            _ => None,
        },
        RefTarget::Customer => {
            let rt = RecordType::Customer;
            if let Some(id) = &id_text {
                id.parse::<u64>()
                    .ok()
                    .and_then(|id| store.get(rt, id))
                    .map(|r| r.id)
            } else if let Some(Value::String(eid)) = map.get("externalId") {
                store.find_by_external_id(rt, eid).map(|r| r.id)
            } else if let Some(Value::String(name)) = map.get("refName") {
                store.find_by_ref_name(rt, name).map(|r| r.id)
            } else {
                None
            }
        }
    };
    match resolved {
        Some(id) => Ok(Some(FieldValue::Ref(id))),
        None => {
            let shown = id_text
                .or_else(|| {
                    map.get("externalId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .or_else(|| {
                    map.get("refName")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| value.to_string());
            Err(NsError::invalid_content(
                format!("Invalid field value {shown} for field {field}."),
                field,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn email_shapes_are_judged_like_netsuite() {
        assert!(is_valid_email("ada@example.com"));
        assert!(is_valid_email("a.b+c@sub.example.co.uk"));
        assert!(!is_valid_email("ada"));
        assert!(!is_valid_email("ada@example"));
        assert!(!is_valid_email("ada @example.com"));
        assert!(!is_valid_email("a@b@example.com"));
        assert!(!is_valid_email("ada@.com"));
    }

    #[test]
    fn unknown_and_read_only_fields_are_rejected_with_their_path() {
        let store = RecordStore::default();
        let err =
            RecordPatch::parse(RecordType::Contact, &json!({"shoeSize": 9}), &store).unwrap_err();
        assert_eq!(err.body()["o:errorDetails"][0]["o:errorPath"], "shoeSize");
        let err = RecordPatch::parse(RecordType::Contact, &json!({"id": "5"}), &store).unwrap_err();
        assert_eq!(err.body()["o:errorDetails"][0]["o:errorPath"], "id");
    }

    #[test]
    fn a_company_that_does_not_exist_is_invalid_content() {
        let store = RecordStore::default();
        let err = RecordPatch::parse(
            RecordType::Contact,
            &json!({"lastName": "X", "company": {"id": "9999"}}),
            &store,
        )
        .unwrap_err();
        let body = err.body();
        assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_CONTENT");
        assert_eq!(
            body["o:errorDetails"][0]["detail"],
            "Invalid field value 9999 for field company."
        );
    }
}
