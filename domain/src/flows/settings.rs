//! A flow's settings as stored in `flows.settings`: criteria, lookup, mappings, switches. The
//! JSON carries a schema number so a later shape can be migrated on read; an empty object (a
//! flow never edited) means the definition's defaults.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::criteria::{Criteria, Operator};
use super::definition::FlowDefinition;
use super::fields::TargetField;
use super::mapping::{FieldMapping, Transform, ValueSource};

pub const SETTINGS_SCHEMA: u32 = 1;

/// One `target field ← source value` pair of a lookup criterion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LookupPair {
    pub target: TargetField,
    pub source: ValueSource,
}

impl LookupPair {
    pub fn new(target: &'static str, source: ValueSource) -> Self {
        Self {
            target: TargetField::known(target),
            source,
        }
    }
}

/// How an existing target record is found before one is created: by the primary criterion
/// (every pair equal), else by the secondary one. Several matches are an error, never a guess.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LookupCriteria {
    #[serde(default)]
    pub primary: Vec<LookupPair>,
    #[serde(default)]
    pub secondary: Vec<LookupPair>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlowSettings {
    pub schema: u32,
    #[serde(default)]
    pub criteria: Criteria,
    #[serde(default)]
    pub lookup: LookupCriteria,
    pub mappings: Vec<FieldMapping>,
    /// Create target records that do not exist yet.
    pub create: bool,
    /// Update target records that exist.
    pub update: bool,
    /// For scheduled flows: minutes between polls.
    pub poll_interval_minutes: u32,
}

/// A problem with settings, located for the form (`mappings.2.target`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingsProblem {
    pub path: String,
    pub message: String,
}

/// Values typed into one-line inputs hold no control characters; PostgreSQL could not even
/// store U+0000, and the save would fail with a server error instead of a message.
const CONTROL: &str = "Remove the control characters from this value.";

fn has_control(value: &str) -> bool {
    value.chars().any(char::is_control)
}

impl FlowSettings {
    /// The stored JSON, or the defaults when nothing was saved. Stored JSON that no longer
    /// parses (a hand edit) is reported rather than silently replaced.
    pub fn from_stored(definition: &FlowDefinition, stored: &Value) -> Result<Self, String> {
        let empty = stored.as_object().is_none_or(|m| m.is_empty());
        if empty {
            return Ok(definition.default_settings());
        }
        serde_json::from_value(stored.clone())
            .map_err(|e| format!("the stored flow settings cannot be read: {e}"))
    }

    pub fn validate(&self, definition: &FlowDefinition) -> Result<(), Vec<SettingsProblem>> {
        let mut problems = Vec::new();
        let mut problem =
            |path: String, message: String| problems.push(SettingsProblem { path, message });
        for (g, group) in self.criteria.groups.iter().enumerate() {
            for (c, condition) in group.conditions.iter().enumerate() {
                let path = format!("criteria.groups.{g}.conditions.{c}.value");
                let value = condition.value.trim();
                if has_control(value) {
                    problem(path, CONTROL.to_owned());
                } else if condition.op.takes_value() && value.is_empty() {
                    problem(
                        path,
                        format!("Enter a value for \"{}\".", condition.op.label()),
                    );
                } else if matches!(condition.op, Operator::GreaterThan | Operator::LessThan)
                    && value.parse::<f64>().is_err()
                    && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err()
                    && chrono::DateTime::parse_from_rfc3339(value).is_err()
                {
                    problem(
                        path,
                        "Compare with a number or a date (YYYY-MM-DD).".to_owned(),
                    );
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, mapping) in self.mappings.iter().enumerate() {
            let path = format!("mappings.{i}.target");
            let name = mapping.target.as_str();
            let Some(info) = definition.target_field(name) else {
                problem(
                    path,
                    format!(
                        "NetSuite {} has no field \"{name}\" Ferry can write.",
                        definition.target_label
                    ),
                );
                continue;
            };
            if !seen.insert(name) {
                problem(path, format!("\"{}\" is mapped twice.", info.label));
            }
            if info.reference
                && matches!(mapping.source, ValueSource::Field { .. })
                && !mapping.transforms.is_empty()
            {
                problem(
                    format!("mappings.{i}.transforms"),
                    format!(
                        "\"{}\" holds a record id; transforms do not apply.",
                        info.label
                    ),
                );
            }
            if matches!(mapping.source, ValueSource::ParentTarget) && definition.parent.is_none() {
                problem(
                    format!("mappings.{i}.source"),
                    "This flow has no parent record.".to_owned(),
                );
            }
            if let ValueSource::Constant { value } = &mapping.source {
                if value.trim().is_empty() {
                    problem(
                        format!("mappings.{i}.source"),
                        "Enter the constant value.".to_owned(),
                    );
                } else if has_control(value) {
                    problem(format!("mappings.{i}.source"), CONTROL.to_owned());
                }
            }
            if mapping.transforms.iter().any(|t| match t {
                Transform::DefaultIfEmpty { value } => has_control(value),
                Transform::ValueMap { entries, otherwise } => {
                    entries
                        .iter()
                        .any(|e| has_control(&e.from) || has_control(&e.to))
                        || otherwise.as_deref().is_some_and(has_control)
                }
                _ => false,
            }) {
                problem(format!("mappings.{i}.transforms"), CONTROL.to_owned());
            }
        }
        for required in definition.target_fields.iter().filter(|f| f.required) {
            if !self
                .mappings
                .iter()
                .any(|m| m.target.as_str() == required.name)
            {
                problem(
                    "mappings".to_owned(),
                    format!("\"{}\" is required by NetSuite: map it.", required.label),
                );
            }
        }
        for (which, pairs) in [
            ("primary", &self.lookup.primary),
            ("secondary", &self.lookup.secondary),
        ] {
            for (i, pair) in pairs.iter().enumerate() {
                if definition.target_field(pair.target.as_str()).is_none() {
                    problem(
                        format!("lookup.{which}.{i}.target"),
                        format!(
                            "NetSuite {} has no field \"{}\" to look up by.",
                            definition.target_label, pair.target
                        ),
                    );
                }
                if matches!(pair.source, ValueSource::ParentTarget) && definition.parent.is_none() {
                    problem(
                        format!("lookup.{which}.{i}.source"),
                        "This flow has no parent record.".to_owned(),
                    );
                }
            }
        }
        if self.lookup.primary.is_empty() && !self.lookup.secondary.is_empty() {
            problem(
                "lookup.primary".to_owned(),
                "Set a primary lookup before a secondary one.".to_owned(),
            );
        }
        if !(1..=1440).contains(&self.poll_interval_minutes) {
            problem(
                "poll_interval_minutes".to_owned(),
                "Poll every 1 to 1440 minutes.".to_owned(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::flows::definition::{ACCOUNT, CONTACT};

    #[test]
    fn defaults_are_valid_and_an_empty_object_means_defaults() {
        for def in [&ACCOUNT, &CONTACT] {
            let settings = FlowSettings::from_stored(def, &json!({})).unwrap();
            assert_eq!(settings, def.default_settings());
            settings.validate(def).unwrap();
            let stored = serde_json::to_value(&settings).unwrap();
            assert_eq!(FlowSettings::from_stored(def, &stored).unwrap(), settings);
        }
    }

    #[test]
    fn invalid_combinations_are_located() {
        let mut s = CONTACT.default_settings();
        s.mappings.retain(|m| m.target.as_str() != "lastName");
        s.mappings
            .push(FieldMapping::new("email", ValueSource::field("Email")));
        s.mappings
            .push(FieldMapping::new("nope", ValueSource::field("Email")));
        s.poll_interval_minutes = 0;
        let problems = s.validate(&CONTACT).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"mappings"), "{problems:?}");
        assert!(paths.contains(&"mappings.6.target"), "{problems:?}");
        assert!(paths.contains(&"mappings.7.target"), "{problems:?}");
        assert!(paths.contains(&"poll_interval_minutes"), "{problems:?}");

        let mut account = ACCOUNT.default_settings();
        account
            .mappings
            .push(FieldMapping::new("parent", ValueSource::ParentTarget));
        let problems = account.validate(&ACCOUNT).unwrap_err();
        assert_eq!(problems[0].path, "mappings.4.source");
    }

    #[test]
    fn unreadable_stored_settings_are_reported() {
        assert!(FlowSettings::from_stored(&CONTACT, &json!({"schema": 1, "mappings": 3})).is_err());
    }
}
