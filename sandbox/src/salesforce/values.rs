//! Field values: checking what a client writes (type, length, e-mail, references) and the
//! wire format of what the simulator returns.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::error::SfError;
use super::ids;
use super::schema::{FieldDef, FieldType, ObjectKind};

/// Salesforce's JSON datetime format: milliseconds always, offset without a colon.
pub fn format_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()
}

/// Whether a write creates a record or updates one; it decides which fields are writable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Create,
    Update,
}

/// A checked set of changes: canonical field name → new value (`Null` clears).
pub type Changes = Vec<(&'static FieldDef, Value)>;

/// Checks a JSON body of field values for `object` and returns the changes it asks for.
///
/// `attributes` is ignored (collections carry it in every record); `Id` is refused on create
/// and, on update, must be absent or the record's own id.
pub fn check_body(
    object: ObjectKind,
    body: &Map<String, Value>,
    kind: WriteKind,
    own_id: Option<&str>,
) -> Result<Changes, SfError> {
    let mut changes = Changes::new();
    let mut read_only = Vec::new();
    for (name, value) in body {
        if name == "attributes" {
            continue;
        }
        let Some(field) = object.field(name) else {
            return Err(SfError::invalid_field(format!(
                "No such column '{name}' on sobject of type {}",
                object.name()
            )));
        };
        if field.name == "Id" {
            match kind {
                WriteKind::Create => {
                    return Err(SfError::invalid_field(
                        "The Id field should not be specified in the sobject data.",
                    ));
                }
                WriteKind::Update => {
                    let same = value
                        .as_str()
                        .and_then(ids::canonical)
                        .is_some_and(|id| Some(id.as_str()) == own_id);
                    if same {
                        continue;
                    }
                    return Err(SfError::invalid_field(
                        "The Id field should not be specified in the sobject data.",
                    ));
                }
            }
        }
        let writable = match kind {
            WriteKind::Create => field.createable,
            WriteKind::Update => field.updateable,
        };
        if !writable {
            read_only.push(field.name.to_owned());
            continue;
        }
        changes.push((field, check_value(field, value)?));
    }
    if !read_only.is_empty() {
        let list = read_only.join(", ");
        return Err(SfError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!(
                "Unable to create/update fields: {list}. Please check the security settings of \
                 this field and verify that it is read/write for your profile or permission set."
            ),
        )
        .with_fields(read_only));
    }
    Ok(changes)
}

/// Checks one value against its field's type and length; `""` becomes `null` as in Salesforce.
fn check_value(field: &'static FieldDef, value: &Value) -> Result<Value, SfError> {
    let text = match value {
        Value::Null => return Ok(Value::Null),
        Value::String(s) if s.is_empty() => return Ok(Value::Null),
        Value::String(s) => s,
        other => {
            return Err(SfError::json_parser(format!(
                "Cannot deserialize instance of {} from {} value {} or request may be missing a \
                 required field",
                field.kind.describe_name(),
                token_name(other),
                other
            )));
        }
    };
    let bad_request = actix_web::http::StatusCode::BAD_REQUEST;
    if field.length > 0 && text.chars().count() > field.length as usize {
        return Err(SfError::new(
            bad_request,
            "STRING_TOO_LONG",
            format!(
                "{}: data value too large: {} (max length={})",
                field.label,
                excerpt(text),
                field.length
            ),
        )
        .with_fields(vec![field.name.to_owned()]));
    }
    match field.kind {
        FieldType::Email if !is_email(text) => Err(SfError::new(
            bad_request,
            "INVALID_EMAIL_ADDRESS",
            format!("{}: invalid email address: {}", field.label, excerpt(text)),
        )
        .with_fields(vec![field.name.to_owned()])),
        FieldType::Reference => match ids::canonical(text) {
            Some(id) => Ok(Value::String(id)),
            None => Err(malformed_reference(field, text)),
        },
        _ => Ok(Value::String(text.clone())),
    }
}

/// 400 `MALFORMED_ID` for a reference that is not an id of the referenced type.
pub fn malformed_reference(field: &FieldDef, text: &str) -> SfError {
    SfError::new(
        actix_web::http::StatusCode::BAD_REQUEST,
        "MALFORMED_ID",
        format!(
            "{}: id value of incorrect type: {}",
            field.label,
            excerpt(text)
        ),
    )
    .with_fields(vec![field.name.to_owned()])
}

fn token_name(value: &Value) -> &'static str {
    match value {
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
        Value::Null | Value::String(_) => "VALUE_STRING",
    }
}

/// Keeps error messages readable when a client sends a huge value.
fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// The same loose check Salesforce applies: one `@`, a dotted domain, no spaces.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn datetimes_have_milliseconds_and_an_offset_without_colon() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 15, 2).unwrap();
        assert_eq!(format_datetime(at), "2026-11-20T09:15:02.000+0000");
    }

    #[test]
    fn emails_need_an_at_and_a_dotted_domain() {
        assert!(is_email("ada@example.com"));
        assert!(!is_email("ada.example.com"));
        assert!(!is_email("ada@example"));
        assert!(!is_email("a da@example.com"));
    }
}
