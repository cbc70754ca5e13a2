//! Field mappings: what each target field gets, from a source field, a constant or the
//! parent's target id, passed through small transforms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::fields::{SourceField, TargetField};
use super::record::SourceRecord;

/// Where a value comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueSource {
    /// A field of the source record (or of its parent: `Account.Name`).
    Field {
        field: SourceField,
    },
    Constant {
        value: String,
    },
    /// The internal id of the parent's target record (the contact's NetSuite customer).
    ParentTarget,
}

impl ValueSource {
    pub fn field(name: &'static str) -> Self {
        ValueSource::Field {
            field: SourceField::known(name),
        }
    }

    pub fn summary(&self) -> String {
        match self {
            ValueSource::Field { field } => field.to_string(),
            ValueSource::Constant { value } => format!("\"{value}\""),
            ValueSource::ParentTarget => "the parent's NetSuite id".to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ValueMapEntry {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transform {
    Trim,
    Upper,
    Lower,
    /// Used when the value is empty.
    DefaultIfEmpty {
        value: String,
    },
    /// Replaces listed values (case-insensitive); others pass unchanged, or become
    /// `otherwise` when it is set.
    ValueMap {
        entries: Vec<ValueMapEntry>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        otherwise: Option<String>,
    },
}

impl Transform {
    pub fn apply(&self, value: Option<String>) -> Option<String> {
        let non_empty = |v: String| (!v.is_empty()).then_some(v);
        match self {
            Transform::Trim => value.map(|v| v.trim().to_owned()).and_then(non_empty),
            Transform::Upper => value.map(|v| v.to_uppercase()),
            Transform::Lower => value.map(|v| v.to_lowercase()),
            Transform::DefaultIfEmpty { value: default } => match value {
                Some(v) if !v.trim().is_empty() => Some(v),
                _ => non_empty(default.clone()),
            },
            Transform::ValueMap { entries, otherwise } => {
                let found = value.as_deref().and_then(|v| {
                    entries
                        .iter()
                        .find(|e| e.from.eq_ignore_ascii_case(v.trim()))
                });
                match (found, otherwise) {
                    (Some(entry), _) => non_empty(entry.to.clone()),
                    (None, Some(other)) if value.is_some() => non_empty(other.clone()),
                    (None, _) => value,
                }
            }
        }
    }

    pub fn label(&self) -> String {
        match self {
            Transform::Trim => "trim".into(),
            Transform::Upper => "upper case".into(),
            Transform::Lower => "lower case".into(),
            Transform::DefaultIfEmpty { value } => format!("default \"{value}\" when empty"),
            Transform::ValueMap { entries, .. } => format!("value map ({} entries)", entries.len()),
        }
    }
}

/// `target ← source` through `transforms`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldMapping {
    pub target: TargetField,
    pub source: ValueSource,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
}

impl FieldMapping {
    pub fn new(target: &'static str, source: ValueSource) -> Self {
        Self {
            target: TargetField::known(target),
            source,
            transforms: Vec::new(),
        }
    }
}

/// The values a flow wants the target record to hold: field → text, `None` = empty. Reference
/// fields hold the referenced internal id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TargetValues(pub BTreeMap<String, Option<String>>);

impl TargetValues {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(|v| v.as_deref())
    }
}

/// Resolves one value source for `record`.
pub fn resolve(
    source: &ValueSource,
    record: &SourceRecord,
    parent_target: Option<&str>,
) -> Option<String> {
    match source {
        ValueSource::Field { field } => record.field(field),
        ValueSource::Constant { value } => (!value.is_empty()).then(|| value.clone()),
        ValueSource::ParentTarget => parent_target.map(str::to_owned),
    }
}

/// Every mapped value for `record`, transforms applied.
pub fn target_values(
    mappings: &[FieldMapping],
    record: &SourceRecord,
    parent_target: Option<&str>,
) -> TargetValues {
    let mut values = BTreeMap::new();
    for mapping in mappings {
        let mut value = resolve(&mapping.source, record, parent_target);
        for transform in &mapping.transforms {
            value = transform.apply(value);
        }
        // Only spaces is empty: NetSuite gets a cleared field, not "   ".
        let value = value.filter(|v| !v.trim().is_empty());
        values.insert(mapping.target.as_str().to_owned(), value);
    }
    TargetValues(values)
}

/// The JSON body NetSuite takes for these values: references as `{"id": …}`, empty values
/// as `null` (which clears the field on PATCH) or left out (on create).
pub fn to_body(values: &TargetValues, references: &[&str], for_create: bool) -> Map<String, Value> {
    let mut body = Map::new();
    for (field, value) in &values.0 {
        let json = match value {
            None if for_create => continue,
            None => Value::Null,
            Some(v) if references.contains(&field.as_str()) => json!({ "id": v }),
            Some(v) => Value::String(v.clone()),
        };
        body.insert(field.clone(), json);
    }
    body
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(value: Value) -> SourceRecord {
        let Value::Object(map) = value else {
            unreachable!()
        };
        SourceRecord::new(map)
    }

    #[test]
    fn transforms_apply_in_order() {
        let v = |s: &str| Some(s.to_owned());
        assert_eq!(Transform::Trim.apply(v("  a ")), v("a"));
        assert_eq!(Transform::Trim.apply(v("   ")), None);
        assert_eq!(Transform::Upper.apply(v("ab")), v("AB"));
        assert_eq!(Transform::Lower.apply(v("AB")), v("ab"));
        let default = Transform::DefaultIfEmpty {
            value: "n/a".into(),
        };
        assert_eq!(default.apply(None), v("n/a"));
        assert_eq!(default.apply(v("x")), v("x"));
        let map = Transform::ValueMap {
            entries: vec![ValueMapEntry {
                from: "Web".into(),
                to: "Internet".into(),
            }],
            otherwise: None,
        };
        assert_eq!(map.apply(v("web")), v("Internet"));
        assert_eq!(map.apply(v("Phone")), v("Phone"));
        let strict = Transform::ValueMap {
            entries: vec![],
            otherwise: Some("Other".into()),
        };
        assert_eq!(strict.apply(v("Phone")), v("Other"));
        assert_eq!(strict.apply(None), None);
    }

    #[test]
    fn values_and_bodies_follow_the_mappings() {
        let mappings = vec![
            FieldMapping::new("firstName", ValueSource::field("FirstName")),
            FieldMapping {
                target: TargetField::known("email"),
                source: ValueSource::field("Email"),
                transforms: vec![Transform::Trim, Transform::Lower],
            },
            FieldMapping::new("phone", ValueSource::field("Phone")),
            FieldMapping::new("company", ValueSource::ParentTarget),
            FieldMapping::new("subsidiary", ValueSource::Constant { value: "1".into() }),
        ];
        let r = record(json!({"FirstName": "Zoë \"Z\"", "Email": " ADA@X.COM ", "Phone": null}));
        let values = target_values(&mappings, &r, Some("842"));
        assert_eq!(values.get("email"), Some("ada@x.com"));
        assert_eq!(values.get("phone"), None);
        let create = to_body(&values, &["company", "subsidiary"], true);
        assert_eq!(
            Value::Object(create),
            json!({"firstName": "Zoë \"Z\"", "email": "ada@x.com",
                   "company": {"id": "842"}, "subsidiary": {"id": "1"}})
        );
        let patch = to_body(&values, &["company"], false);
        assert_eq!(patch.get("phone"), Some(&Value::Null));
    }
}
